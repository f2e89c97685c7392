/**
 * A fault-injecting TCP proxy for the reliability tests: it sits between the driver and a real server and, per
 * connection, forwards faithfully or misbehaves in one chosen way (docs/design.md "Layout and import direction", test/support/).
 *
 * It frames both directions into pgwire messages (the untyped SSLRequest / StartupMessage / CancelRequest first, then
 * typed messages), so a fault can fire at an exact protocol point: "the 3rd DataRow", "the client's first Query".
 * After a TLS upgrade the bytes are opaque and only connection-level faults apply.
 */
import { once } from 'node:events';
import { createServer, connect as netConnect, type AddressInfo, type Server, type Socket } from 'node:net';

/** A protocol point: the `nth` (1-based, default 1) message of type `type` sent by `from` on one connection. */
export interface Trigger {
  readonly from: 'client' | 'server';
  /** Message type byte as a character, e.g. `'D'`; `''` is the client's untyped StartupMessage. */
  readonly type: string;
  readonly nth?: number;
}

/** What the proxy does with a connection. The fault in force when a connection is accepted applies to it. */
export type Fault =
  /** Forward faithfully. */
  | { readonly kind: 'none' }
  /** Accept the TCP connection, read and discard everything, never answer, never close. */
  | { readonly kind: 'blackhole' }
  /** Answer SSLRequest with 'S' (TLS accepted), then never answer the TLS ClientHello. */
  | { readonly kind: 'stall-tls' }
  /**
   * At `at`, forward only the first `keepBytes` bytes of that message (default 0: none of it), then close both
   * sockets — like a server that crashed or a proxy that dropped the connection at that point.
   */
  | { readonly kind: 'close'; readonly at: Trigger; readonly keepBytes?: number }
  /** At `at`, stop forwarding in both directions without closing anything: a half-open connection. */
  | { readonly kind: 'half-open'; readonly at: Trigger }
  /** Deliver the server's bytes one at a time, one socket write per byte. */
  | { readonly kind: 'trickle' }
  /** Hold each server message (or only those of `type`, e.g. `'C'`) `ms` milliseconds before forwarding it. */
  | { readonly kind: 'delay'; readonly ms: number; readonly type?: string };

/** What the first client message of a connection showed it to be. */
export type ConnectionKind = 'unknown' | 'session' | 'cancel';

/** One accepted client connection. */
export interface ProxiedConnection {
  readonly fault: Fault;
  /** `session` once a StartupMessage was seen, `cancel` for a CancelRequest. */
  readonly kind: ConnectionKind;
  /** Whether the fault has fired (for `close` and `half-open`). */
  readonly fired: boolean;
  /**
   * Every complete message the client sent on a forwarding connection, in order (the untyped first ones included),
   * forwarded or not; after a TLS upgrade, the encrypted chunks. Empty for `blackhole` and `stall-tls`.
   */
  readonly clientMessages: readonly Buffer[];
  /** Resolves when the client side of this connection has closed (whoever closed it). */
  readonly clientClosed: Promise<void>;
  /** Stop forwarding now, keeping both sockets open. */
  halfOpen(): void;
  /** Close both sockets now. */
  destroy(): void;
}

/** The running proxy. */
export interface FaultProxy {
  readonly host: string;
  readonly port: number;
  /** Every connection accepted so far, in order. */
  readonly connections: readonly ProxiedConnection[];
  /** The fault for connections accepted from now on. */
  setFault(fault: Fault): void;
  /** Connections accepted after this call and whose first message was a StartupMessage. */
  sessions(): ProxiedConnection[];
  /** Stop listening and close every connection. */
  close(): Promise<void>;
}

const SSL_REQUEST_CODE = 80877103;
const CANCEL_REQUEST_CODE = 80877102;
const NO_FAULT: Fault = { kind: 'none' };

/** Start a proxy on 127.0.0.1 (a free port) in front of `target`. */
export async function startFaultProxy(target: { host: string; port: number }, fault: Fault = NO_FAULT): Promise<FaultProxy> {
  let current = fault;
  const connections: Connection[] = [];
  const server: Server = createServer((client) => {
    connections.push(new Connection(client, target, current));
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const { port } = server.address() as AddressInfo;
  return {
    host: '127.0.0.1',
    port,
    get connections() {
      return connections;
    },
    setFault(next) {
      current = next;
    },
    sessions: () => connections.filter((c) => c.kind === 'session'),
    async close() {
      for (const c of connections) c.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

/** A TCP port on 127.0.0.1 that nothing listens on (connecting to it is refused). */
export async function closedPort(): Promise<number> {
  const server = createServer();
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const { port } = server.address() as AddressInfo;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

/**
 * Splits one direction of a pgwire stream into messages. Until `typed` is set, messages are the untyped kind
 * (Int32 length first); `opaque` passes bytes through unframed (after TLS was accepted).
 */
class Framer {
  #buffer: Buffer = Buffer.alloc(0);
  typed: boolean;
  opaque = false;
  /** The server's one-byte answer to SSLRequest is due next. */
  expectSslAnswer = false;

  constructor(typed: boolean) {
    this.typed = typed;
  }

  /** Complete messages (or opaque chunks) from `chunk` plus what was left over before. */
  push(chunk: Buffer): Buffer[] {
    if (this.opaque) return [chunk];
    this.#buffer = this.#buffer.length === 0 ? chunk : Buffer.concat([this.#buffer, chunk]);
    const out: Buffer[] = [];
    for (;;) {
      const b = this.#buffer;
      if (this.expectSslAnswer) {
        if (b.length < 1) break;
        this.expectSslAnswer = false;
        out.push(b.subarray(0, 1));
        this.#buffer = b.subarray(1);
        continue;
      }
      const header = this.typed ? 5 : 4;
      if (b.length < header) break;
      const length = b.readInt32BE(this.typed ? 1 : 0);
      const total = (this.typed ? 1 : 0) + Math.max(length, 4);
      if (b.length < total) break;
      out.push(b.subarray(0, total));
      this.#buffer = b.subarray(total);
    }
    return out;
  }

  /** Whatever is buffered (used when switching to opaque). */
  drain(): Buffer {
    const rest = this.#buffer;
    this.#buffer = Buffer.alloc(0);
    return rest;
  }
}

class Connection implements ProxiedConnection {
  readonly fault: Fault;
  kind: ConnectionKind = 'unknown';
  fired = false;
  readonly clientMessages: Buffer[] = [];
  readonly clientClosed: Promise<void>;
  readonly #client: Socket;
  readonly #server: Socket | undefined;
  readonly #fromClient = new Framer(false);
  readonly #fromServer = new Framer(true);
  readonly #counts = new Map<string, number>();
  /** Server messages waiting to be forwarded (delay and trickle forward them one after another). */
  readonly #toClient: Buffer[] = [];
  #pumping = false;
  /** No more input is forwarded (after a fault fired or destroy()). */
  #stopped = false;
  /** Half-open: not even what is already queued is forwarded. */
  #halted = false;

  constructor(client: Socket, target: { host: string; port: number }, fault: Fault) {
    this.fault = fault;
    this.#client = client;
    client.setNoDelay(true);
    client.on('error', () => this.destroy());
    this.clientClosed = new Promise((resolve) => client.once('close', () => resolve()));
    if (fault.kind === 'blackhole' || fault.kind === 'stall-tls') {
      this.#server = undefined;
      client.on('data', (chunk: Buffer) => this.#swallow(chunk));
      return;
    }
    const server = netConnect(target.port, target.host);
    this.#server = server;
    server.setNoDelay(true);
    server.on('error', () => this.destroy());
    server.on('close', () => this.#endClient());
    client.on('close', () => server.destroy());
    client.on('data', (chunk: Buffer) => this.#clientData(chunk));
    server.on('data', (chunk: Buffer) => this.#serverData(chunk));
  }

  halfOpen(): void {
    this.fired = true;
    this.#stopped = true;
    this.#halted = true;
    this.#toClient.length = 0;
  }

  destroy(): void {
    this.#stopped = true;
    this.#client.destroy();
    this.#server?.destroy();
  }

  /** The server closed: pass the close on once everything it sent has been forwarded. */
  #endClient(): void {
    if (this.#halted) return;
    if (this.#toClient.length === 0 && !this.#pumping) this.#client.end();
    else this.#toClient.push(Buffer.alloc(0));
  }

  #swallow(chunk: Buffer): void {
    if (this.fault.kind !== 'stall-tls' || this.kind !== 'unknown') return;
    for (const msg of this.#fromClient.push(chunk)) {
      if (msg.length === 8 && msg.readInt32BE(4) === SSL_REQUEST_CODE) {
        this.kind = 'session';
        this.#client.write('S');
        return;
      }
    }
  }

  #clientData(chunk: Buffer): void {
    if (this.#stopped) return;
    for (const msg of this.#fromClient.push(chunk)) {
      this.clientMessages.push(Buffer.from(msg));
      if (this.#stopped) return;
      const type = this.#fromClient.typed ? String.fromCharCode(msg[0] as number) : '';
      if (!this.#fromClient.typed && !this.#fromClient.opaque) this.#untypedClientMessage(msg);
      if (this.#fires('client', type, msg)) return;
      this.#server?.write(msg);
    }
  }

  /** SSLRequest, CancelRequest or StartupMessage: they decide how the rest of both streams is framed. */
  #untypedClientMessage(msg: Buffer): void {
    const code = msg.length >= 8 ? msg.readInt32BE(4) : 0;
    if (code === SSL_REQUEST_CODE) {
      this.#fromServer.expectSslAnswer = true;
    } else if (code === CANCEL_REQUEST_CODE) {
      this.kind = 'cancel';
    } else {
      this.kind = 'session';
      this.#fromClient.typed = true;
    }
  }

  #serverData(chunk: Buffer): void {
    if (this.#stopped) return;
    const wasAnswer = this.#fromServer.expectSslAnswer;
    for (const msg of this.#fromServer.push(chunk)) {
      if (this.#stopped) return;
      if (wasAnswer && msg.length === 1 && !this.#fromServer.opaque) {
        // 'S': TLS follows on both sides, no more framing. 'N': the client sends its StartupMessage in plain text.
        if (msg[0] === 0x53) this.#goOpaque();
        this.#forward(msg);
        continue;
      }
      const type = this.#fromServer.opaque ? '\u0000' : String.fromCharCode(msg[0] as number);
      if (this.#fires('server', type, msg)) return;
      this.#forward(msg);
    }
  }

  #goOpaque(): void {
    this.#fromServer.opaque = true;
    this.#fromClient.opaque = true;
    const rest = this.#fromClient.drain();
    if (rest.length > 0) this.#server?.write(rest);
  }

  /** Count the message and apply a `close` / `half-open` fault whose trigger it is. True when forwarding stops. */
  #fires(from: 'client' | 'server', type: string, msg: Buffer): boolean {
    const key = `${from}:${type}`;
    const n = (this.#counts.get(key) ?? 0) + 1;
    this.#counts.set(key, n);
    const f = this.fault;
    if (f.kind !== 'close' && f.kind !== 'half-open') return false;
    if (f.at.from !== from || f.at.type !== type || (f.at.nth ?? 1) !== n) return false;
    if (f.kind === 'half-open') {
      this.halfOpen();
      return true;
    }
    this.fired = true;
    const keep = msg.subarray(0, f.keepBytes ?? 0);
    if (from === 'server') {
      if (keep.length > 0) this.#toClient.push(keep);
      this.#toClient.push(Buffer.alloc(0));
      this.#stopped = true;
      void this.#pump();
    } else {
      this.destroy();
    }
    return true;
  }

  #forward(msg: Buffer): void {
    this.#toClient.push(msg);
    void this.#pump();
  }

  /**
   * Forward queued server messages in order. An empty buffer marks the end: close the client side (after `close`
   * the socket is destroyed, so the driver sees the loss even if it never writes again).
   */
  async #pump(): Promise<void> {
    if (this.#pumping) return;
    this.#pumping = true;
    try {
      while (this.#toClient.length > 0) {
        const msg = this.#toClient.shift() as Buffer;
        if (msg.length === 0) {
          if (this.fired) this.destroy();
          else this.#client.end();
          return;
        }
        const f = this.fault;
        if (f.kind === 'delay' && (f.type === undefined || f.type.charCodeAt(0) === msg[0])) await sleep(f.ms);
        if (this.#halted) return;
        if (this.fault.kind === 'trickle') {
          for (let i = 0; i < msg.length; i++) {
            if (this.#client.destroyed || this.#halted) return;
            this.#client.write(msg.subarray(i, i + 1));
            await new Promise<void>((resolve) => setImmediate(resolve));
          }
        } else if (!this.#client.destroyed) {
          this.#client.write(msg);
        }
      }
    } finally {
      this.#pumping = false;
    }
  }
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
