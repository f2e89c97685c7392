/**
 * The floor of the sequential workloads (1, 1b, 2), not a peer: the least any client can do per query. A raw socket;
 * per query the messages a driver must send, built from constant bytes around the parameter and written at once —
 * Parse, Bind, Describe portal, Execute, Sync on the unnamed statement (1, 1b, as cratewire and pg send them), or
 * Bind, Execute, Sync of a statement parsed once (2) — and no parsing beyond the first value of the DataRow (the id,
 * which is what it checks) and ReadyForQuery. No error handling beyond failing loudly, no types, no API. The time it
 * takes is the server's and the kernel's; what a real driver adds on top of it is its own. Trust authentication only
 * (the harness connects as a trust user with sslmode=disable).
 */
import { connect, type Socket } from 'node:net';
import type { WorkerConfig } from '../protocol.js';
import { SQL_INT, SQL_POINT } from '../workloads.js';
import { checkInt, sequentialJob, Unavailable, type Job } from './job.js';

/** One protocol message: type byte, Int32 length (counting itself), body. */
export function frame(type: string, body: Buffer): Buffer {
  const head = Buffer.alloc(5);
  head.write(type, 0, 'latin1');
  head.writeInt32BE(body.length + 4, 1);
  return Buffer.concat([head, body]);
}

/** A NUL-terminated UTF-8 string. */
export function cstring(s: string): Buffer {
  return Buffer.from(`${s}\0`, 'utf8');
}

function startupMessage(user: string, database: string): Buffer {
  const body = Buffer.concat([Buffer.from([0, 3, 0, 0]), cstring('user'), cstring(user), cstring('database'), cstring(database), Buffer.from([0])]);
  const length = Buffer.alloc(4);
  length.writeInt32BE(body.length + 4);
  return Buffer.concat([length, body]);
}

/** Reads whole messages off the socket; calls back per ReadyForQuery with the last DataRow's first value as text. */
class FloorConnection {
  #pending: Buffer = Buffer.alloc(0);
  #value: string | null = null;
  #waiter: { resolve: (value: string | null) => void; reject: (err: Error) => void } | undefined;
  #failure: Error | undefined;

  constructor(readonly socket: Socket) {
    socket.on('data', (chunk: Buffer) => this.#receive(chunk));
    socket.on('error', (err) => this.#fail(err));
    socket.on('close', () => this.#fail(new Error('the server closed the connection')));
  }

  /** Resolves at the next ReadyForQuery; rejects once the connection failed. */
  next(): Promise<string | null> {
    if (this.#failure !== undefined) return Promise.reject(this.#failure);
    return new Promise((resolve, reject) => (this.#waiter = { resolve, reject }));
  }

  #fail(err: Error): void {
    this.#failure ??= err;
    this.socket.destroy();
    const waiter = this.#waiter;
    this.#waiter = undefined;
    waiter?.reject(this.#failure);
  }

  #receive(chunk: Buffer): void {
    const b = this.#pending.length === 0 ? chunk : Buffer.concat([this.#pending, chunk]);
    let at = 0;
    while (b.length - at >= 5) {
      const length = b.readInt32BE(at + 1);
      if (b.length - at < length + 1) break;
      const type = b[at];
      if (type === 0x44 /* DataRow */) {
        const fieldLength = b.readInt32BE(at + 7);
        this.#value = fieldLength < 0 ? null : b.toString('latin1', at + 11, at + 11 + fieldLength);
      } else if (type === 0x45 /* ErrorResponse */) {
        this.#fail(new Error(`server error: ${b.toString('utf8', at + 5, at + 1 + length).replaceAll('\0', ' ')}`));
        return;
      } else if (type === 0x52 /* Authentication */ && b.readInt32BE(at + 5) !== 0) {
        this.#fail(new Unavailable('the wire floor client speaks trust authentication only'));
        return;
      } else if (type === 0x5a /* ReadyForQuery */) {
        const waiter = this.#waiter;
        this.#waiter = undefined;
        const value = this.#value;
        this.#value = null;
        waiter?.resolve(value);
      }
      at += length + 1;
    }
    this.#pending = at === b.length ? Buffer.alloc(0) : Buffer.from(b.subarray(at));
  }
}

/**
 * The bytes of one run of `sql` with one text parameter on the unnamed statement: Parse, Bind (no format codes, so
 * text; text results), Describe portal, Execute, Sync — what cratewire and pg send for it — from constant bytes
 * around the parameter. The parameter must be ASCII.
 */
export function floorRequest(sql: string): (param: string) => Buffer {
  const parse = frame('P', Buffer.concat([cstring(''), cstring(sql), Buffer.from([0, 0])]));
  const tail = Buffer.concat([
    frame('D', Buffer.concat([Buffer.from('P'), cstring('')])),
    frame('E', Buffer.concat([cstring(''), Buffer.alloc(4)])),
    frame('S', Buffer.alloc(0)),
  ]);
  return (param) => {
    const bind = Buffer.allocUnsafe(1 + 4 + 2 + 2 + 2 + 4 + param.length + 2);
    bind[0] = 0x42;
    bind.writeInt32BE(bind.length - 1, 1);
    bind.writeInt32BE(0, 5);
    bind.writeInt16BE(1, 9);
    bind.writeInt32BE(param.length, 11);
    bind.write(param, 15, 'latin1');
    bind.writeInt16BE(0, 15 + param.length);
    return Buffer.concat([parse, bind, tail]);
  };
}

/** Bind (text parameter, text results), Execute, Sync of the statement `name` parsed before. The parameter must be ASCII. */
function preparedRequest(name: string): (param: string) => Buffer {
  const head = Buffer.concat([Buffer.from([0x42, 0, 0, 0, 0, 0]), cstring(name), Buffer.from([0, 0, 0, 1])]);
  const tail = Buffer.concat([frame('E', Buffer.concat([cstring(''), Buffer.alloc(4)])), frame('S', Buffer.alloc(0))]);
  return (param) => {
    const bind = Buffer.allocUnsafe(head.length + 4 + param.length + 2);
    head.copy(bind);
    bind.writeInt32BE(bind.length - 1, 1);
    bind.writeInt32BE(param.length, head.length);
    bind.write(param, head.length + 4, 'latin1');
    bind.writeInt16BE(0, head.length + 4 + param.length);
    return Buffer.concat([bind, tail]);
  };
}

/** Opens workload 1, 1b or 2 on the floor client. */
export async function openJob(config: WorkerConfig): Promise<Job> {
  if (config.workload !== '1' && config.workload !== '1b' && config.workload !== '2') {
    throw new Unavailable('the wire floor is a reference for the sequential workloads 1, 1b and 2 only');
  }
  const url = new URL(config.target.pgUrl);
  if (url.searchParams.get('sslmode') !== 'disable') throw new Unavailable('the wire floor client does not speak TLS (needs sslmode=disable)');
  const socket = connect({ host: url.hostname, port: Number(url.port || 5432) });
  socket.setNoDelay(true);
  await new Promise<void>((resolve, reject) => {
    socket.once('connect', resolve);
    socket.once('error', reject);
  });
  const conn = new FloorConnection(socket);
  const ready = conn.next();
  socket.write(startupMessage(decodeURIComponent(url.username), decodeURIComponent(url.pathname.slice(1))));
  await ready;

  let request: (param: string) => Buffer;
  if (config.workload === '2') {
    const prepared = conn.next();
    socket.write(Buffer.concat([frame('P', Buffer.concat([cstring('floor_point'), cstring(SQL_POINT), Buffer.from([0, 0])])), frame('S', Buffer.alloc(0))]));
    await prepared;
    request = preparedRequest('floor_point');
  } else {
    request = floorRequest(config.workload === '1' ? SQL_POINT : SQL_INT);
  }
  const close = async (): Promise<void> => {
    socket.end(frame('X', Buffer.alloc(0)));
  };
  return sequentialJob(
    async (n) => {
      const reply = conn.next();
      socket.write(request(String(n)));
      return checkInt(await reply, n);
    },
    config.plainRows,
    close,
  );
}
