/**
 * A tiny scripted pgwire server for hostile-byte tests: it answers SSLRequest with 'N', reads the StartupMessage,
 * sends a startup reply (normal by default, or any bytes), then answers each client request — the messages up to a
 * Sync, Flush, Query or password message — with whatever bytes the script returns, however broken.
 */
import { once } from 'node:events';
import { createServer, type AddressInfo, type Socket } from 'node:net';

/**
 * One request of the client: the type bytes of its messages, e.g. `'PBDES'`, `'Q'` or `'p'` (a password message,
 * also a request), and the messages themselves.
 */
export interface ClientRequest {
  readonly types: string;
  readonly messages: readonly Buffer[];
}

/**
 * What to send: bytes (a list may hold `'close'` to end the connection after the bytes before it), `'close'` alone,
 * or `'hang'` (send nothing, keep the connection open).
 */
export type Reply = Buffer | readonly (Buffer | 'close')[] | 'close' | 'hang';

/** The server's behaviour for every connection. */
export interface Script {
  /** Reply to the StartupMessage; default {@link normalStartup}. */
  startup?: (startupParams: Record<string, string>) => Reply;
  /** Reply to the `index`-th (0-based) request after startup; default: ReadyForQuery only. */
  request?: (index: number, request: ClientRequest) => Reply;
}

/** The running server. */
export interface ScriptedServer {
  readonly host: string;
  readonly port: number;
  /** Every message received per connection (after the StartupMessage), type bytes as one string. */
  readonly received: string[];
  /** Connections accepted. */
  readonly accepted: number;
  /** Resolves once every accepted connection has been closed by the client or the server. */
  allClosed(): Promise<void>;
  close(): Promise<void>;
}

const SSL_REQUEST_CODE = 80877103;
const CANCEL_REQUEST_CODE = 80877102;

/** Start a scripted server on 127.0.0.1 (a free port). */
export async function startScriptedServer(script: Script): Promise<ScriptedServer> {
  const received: string[] = [];
  const sockets = new Set<Socket>();
  const closed: Promise<void>[] = [];
  let accepted = 0;
  const server = createServer((socket) => {
    accepted++;
    sockets.add(socket);
    closed.push(new Promise((resolve) => socket.once('close', () => resolve())));
    socket.on('close', () => sockets.delete(socket));
    socket.on('error', () => socket.destroy());
    received.push('');
    serve(socket, script, received.length - 1, received);
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const { port } = server.address() as AddressInfo;
  return {
    host: '127.0.0.1',
    port,
    received,
    get accepted() {
      return accepted;
    },
    allClosed: async () => {
      await Promise.all(closed);
    },
    close: async () => {
      for (const s of sockets) s.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

function serve(socket: Socket, script: Script, slot: number, received: string[]): void {
  let buffer = Buffer.alloc(0);
  let started = false;
  let requests = 0;
  let pending: Buffer[] = [];
  const send = (reply: Reply): void => {
    if (reply === 'hang' || socket.destroyed) return;
    for (const part of reply === 'close' || Buffer.isBuffer(reply) ? [reply] : reply) {
      if (part === 'close') {
        socket.end();
        return;
      }
      socket.write(part);
    }
  };
  socket.on('data', (chunk: Buffer) => {
    buffer = Buffer.concat([buffer, chunk]);
    for (;;) {
      if (!started) {
        if (buffer.length < 8) return;
        const length = buffer.readInt32BE(0);
        if (buffer.length < length) return;
        const code = buffer.readInt32BE(4);
        const body = buffer.subarray(8, length);
        buffer = buffer.subarray(length);
        if (code === SSL_REQUEST_CODE) {
          socket.write('N');
          continue;
        }
        if (code === CANCEL_REQUEST_CODE) {
          socket.end();
          return;
        }
        started = true;
        send((script.startup ?? normalStartup)(startupParams(body)));
        continue;
      }
      if (buffer.length < 5) return;
      const total = 1 + buffer.readInt32BE(1);
      if (buffer.length < total) return;
      const msg = buffer.subarray(0, total);
      buffer = buffer.subarray(total);
      const type = String.fromCharCode(msg[0] as number);
      received[slot] += type;
      if (type === 'X') {
        socket.end();
        return;
      }
      pending.push(msg);
      if (type === 'S' || type === 'H' || type === 'Q' || type === 'p') {
        const request: ClientRequest = { types: pending.map((m) => String.fromCharCode(m[0] as number)).join(''), messages: pending };
        pending = [];
        send(script.request === undefined ? readyForQuery() : script.request(requests++, request));
      }
    }
  });
}

function startupParams(body: Buffer): Record<string, string> {
  const parts = body.toString('utf8').split('\0');
  const params: Record<string, string> = {};
  for (let i = 0; i + 1 < parts.length; i += 2) if (parts[i] !== '') params[parts[i] as string] = parts[i + 1] as string;
  return params;
}

// ---------------------------------------------------------------------------------------------------------------
// Backend message builders. Each returns the whole message: type byte, Int32 length, body.

/** A message with an arbitrary type byte and body; `length` overrides the declared length (to lie about it). */
export function message(type: string | number, body: Buffer = Buffer.alloc(0), length?: number): Buffer {
  const head = Buffer.alloc(5);
  head[0] = typeof type === 'number' ? type : type.charCodeAt(0);
  head.writeInt32BE(length ?? body.length + 4, 1);
  return Buffer.concat([head, body]);
}

function int32(n: number): Buffer {
  const b = Buffer.alloc(4);
  b.writeInt32BE(n);
  return b;
}

function int16(n: number): Buffer {
  const b = Buffer.alloc(2);
  b.writeInt16BE(n);
  return b;
}

function cstring(s: string | Buffer): Buffer {
  return Buffer.concat([Buffer.isBuffer(s) ? s : Buffer.from(s, 'utf8'), Buffer.from([0])]);
}

/** AuthenticationOk (code 0) or another authentication request code with extra body bytes. */
export function authentication(code = 0, extra: Buffer = Buffer.alloc(0)): Buffer {
  return message('R', Buffer.concat([int32(code), extra]));
}

export function parameterStatus(name: string, value: string): Buffer {
  return message('S', Buffer.concat([cstring(name), cstring(value)]));
}

export function backendKeyData(pid = 4242, secret = 1234): Buffer {
  return message('K', Buffer.concat([int32(pid), int32(secret)]));
}

export function readyForQuery(status = 'I'): Buffer {
  return message('Z', Buffer.from(status, 'latin1'));
}

/** RowDescription of text columns (OID 25 unless given). */
export function rowDescription(columns: readonly (string | Buffer | { name: string; oid: number })[]): Buffer {
  const parts = [int16(columns.length)];
  for (const c of columns) {
    const name = typeof c === 'string' || Buffer.isBuffer(c) ? c : c.name;
    const oid = typeof c === 'object' && !Buffer.isBuffer(c) ? c.oid : 25;
    parts.push(cstring(name), int32(0), int16(0), int32(oid), int16(-1), int32(-1), int16(0));
  }
  return message('T', Buffer.concat(parts));
}

/** DataRow; a string is UTF-8 encoded, a Buffer is sent as is (e.g. invalid UTF-8), null is SQL NULL. */
export function dataRow(values: readonly (string | Buffer | null)[]): Buffer {
  const parts = [int16(values.length)];
  for (const v of values) {
    if (v === null) {
      parts.push(int32(-1));
    } else {
      const bytes = Buffer.isBuffer(v) ? v : Buffer.from(v, 'utf8');
      parts.push(int32(bytes.length), bytes);
    }
  }
  return message('D', Buffer.concat(parts));
}

export function commandComplete(tag: string): Buffer {
  return message('C', cstring(tag));
}

/** ErrorResponse (or NoticeResponse with type 'N') from field codes to values; no terminator when `terminate` is false. */
export function errorResponse(fields: Readonly<Record<string, string | Buffer>>, type = 'E', terminate = true): Buffer {
  const parts: Buffer[] = [];
  for (const [code, value] of Object.entries(fields)) parts.push(Buffer.from(code, 'latin1'), cstring(value));
  if (terminate) parts.push(Buffer.from([0]));
  return message(type, Buffer.concat(parts));
}

/** The startup reply of a healthy PostgreSQL-like server (plus `extra` ParameterStatus values). */
export function normalStartup(_params?: Record<string, string>, extra: Readonly<Record<string, string>> = {}): Buffer[] {
  const statuses = { server_version: '16.0', client_encoding: 'UTF8', ...extra };
  return [
    authentication(0),
    ...Object.entries(statuses).map(([k, v]) => parameterStatus(k, v)),
    backendKeyData(),
    readyForQuery(),
  ];
}

/** A simple query's full, valid reply: one text column `v` with `rows`. */
export function simpleResult(rows: readonly (string | null)[]): Buffer[] {
  return [rowDescription(['v']), ...rows.map((r) => dataRow([r])), commandComplete(`SELECT ${rows.length}`), readyForQuery()];
}
