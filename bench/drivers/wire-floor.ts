/**
 * Floors, not peers: the least any client can do per query. A raw socket; per query the messages a driver must send,
 * built from constant bytes around the parameter and written at once, and no parsing beyond framing the replies.
 * - 1, 1b, 2: Parse, Bind, Describe portal, Execute, Sync on the unnamed statement (1, 1b, as cratewire and pg send
 *   them), or Bind, Execute, Sync of a statement parsed once (2); the first value of the DataRow is checked.
 * - 4, 5, 7: Parse, Bind (text results, or binary for every column as `wire-floor-binary`), Execute, Sync of the
 *   range select (7: of the json/array rows); DataRows are counted, not decoded (the stream floor reads the same way:
 *   the server's and the kernel's cost of the rows).
 * - 6: per chunk of INSERT_CHUNK rows one Parse, N × (Bind, Execute) with text parameters (the timestamp as ISO text,
 *   as cratewire's executeMany sends it), Sync — all bytes built before the clock.
 * - 6b: per batch of INSERT_CHUNK rows what cratewire's bulkInsert sends, its bytes built before the clock with
 *   cratewire's own encoder: on CrateDB the UNNEST statement (Parse with the array OIDs, Bind of binary arrays,
 *   Execute, Sync), on PostgreSQL binary COPY (Query, CopyData, CopyDone).
 * No error handling beyond failing loudly, no types, no API. The time it takes is the server's and the kernel's; what
 * a real driver adds on top of it is its own. Trust authentication only (the harness connects as a trust user with
 * sslmode=disable).
 */
import { connect, type Socket } from 'node:net';
import { encodeBulkInsert } from '../../src/query/bulk-insert.js';
import { plainRow } from '../data.js';
import type { WorkerConfig } from '../protocol.js';
import { INSERT_CHUNK, INSERT_COLUMNS, SQL_DOCS, SQL_INSERT, SQL_INT, SQL_POINT, SQL_RANGE } from '../workloads.js';
import { checkInt, insertJob, sequentialJob, startClock, Unavailable, type Job } from './job.js';

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
  #rows = 0;
  #completions = 0;
  /** DataRows and CommandCompletes between the last two ReadyForQuery messages. */
  lastRows = 0;
  lastCompletions = 0;
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
        if (this.#rows++ === 0) {
          const fieldLength = b.readInt32BE(at + 7);
          this.#value = fieldLength < 0 ? null : b.toString('latin1', at + 11, at + 11 + fieldLength);
        }
      } else if (type === 0x43 /* CommandComplete */) {
        this.#completions++;
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
        this.lastRows = this.#rows;
        this.lastCompletions = this.#completions;
        this.#rows = 0;
        this.#completions = 0;
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

/** Parse, Bind (one ASCII text parameter; text results, or binary for all columns), Execute, Sync of `sql`. */
function readRequest(sql: string, binary: boolean, param: string): Buffer {
  const parse = frame('P', Buffer.concat([cstring(''), cstring(sql), Buffer.from([0, 0])]));
  const formats = binary ? Buffer.from([0, 1, 0, 1]) : Buffer.from([0, 0]);
  const value = Buffer.alloc(4);
  value.writeInt32BE(param.length);
  const bind = frame('B', Buffer.concat([cstring(''), cstring(''), Buffer.from([0, 0, 0, 1]), value, Buffer.from(param, 'latin1'), formats]));
  return Buffer.concat([parse, bind, frame('E', Buffer.concat([cstring(''), Buffer.alloc(4)])), frame('S', Buffer.alloc(0))]);
}

/** Bind of the unnamed statement with text parameters (null = NULL), text results. */
function textBind(values: readonly (string | null)[]): Buffer {
  const parts: Buffer[] = [cstring(''), cstring(''), Buffer.from([0, 0]), Buffer.alloc(2)];
  (parts[3] as Buffer).writeInt16BE(values.length);
  for (const v of values) {
    const length = Buffer.alloc(4);
    length.writeInt32BE(v === null ? -1 : Buffer.byteLength(v));
    parts.push(length);
    if (v !== null) parts.push(Buffer.from(v, 'utf8'));
  }
  parts.push(Buffer.from([0, 0]));
  return frame('B', Buffer.concat(parts));
}

const EXECUTE = frame('E', Buffer.concat([cstring(''), Buffer.alloc(4)]));
const SYNC = frame('S', Buffer.alloc(0));

/** The rows of the insert workloads, 1..n, as generated for every driver. */
function plainRows(n: number): { id: number; name: string; value: number; ts: number }[] {
  return Array.from({ length: n }, (_, i) => plainRow(i + 1));
}

/** Workload 6: one buffer per chunk — Parse, N × (Bind, Execute), Sync. */
function perRowChunks(n: number): Buffer[] {
  const parse = frame('P', Buffer.concat([cstring(''), cstring(SQL_INSERT), Buffer.from([0, 0])]));
  const chunks: Buffer[] = [];
  const rows = plainRows(n);
  for (let from = 0; from < n; from += INSERT_CHUNK) {
    const parts = [parse];
    for (const r of rows.slice(from, from + INSERT_CHUNK)) {
      parts.push(textBind([String(r.id), r.name, String(r.value), new Date(r.ts).toISOString()]), EXECUTE);
    }
    parts.push(SYNC);
    chunks.push(Buffer.concat(parts));
  }
  return chunks;
}

/** Workload 6b: one buffer per batch — what bulkInsert sends. */
function unnestBatches(n: number, isCrate: boolean): Buffer[] {
  const rows = plainRows(n).map((r) => [r.id, r.name, r.value, new Date(r.ts)]);
  const types = [23, isCrate ? 1043 : 25, 701, 1184];
  const encoded = encodeBulkInsert({ table: '"bench_ingest"', columns: INSERT_COLUMNS.map((c) => `"${c}"`) }, types, rows, INSERT_CHUNK, isCrate);
  return encoded.batches.map((b) => Buffer.concat([encoded.head, b.body, ...encoded.tail]));
}

/** Writes each buffer and waits for its ReadyForQuery; the rows must all be acknowledged. */
function batchJob(conn: FloorConnection, build: (n: number) => Buffer[], close: () => Promise<void>): Job {
  return insertJob(build, async (batches) => {
    for (const batch of batches) {
      const done = conn.next();
      conn.socket.write(batch);
      await done;
    }
  }, close);
}

/** Workloads 4, 5 and 7: the rows of `sql` (a range select up to its one parameter), counted. */
function readJob(conn: FloorConnection, sql: string, binary: boolean, close: () => Promise<void>): Job {
  return {
    async run(units) {
      const request = readRequest(sql, binary, String(units));
      const stop = startClock();
      const done = conn.next();
      conn.socket.write(request);
      await done;
      const timing = stop();
      return { ...timing, units, error: conn.lastRows === units ? undefined : `read ${conn.lastRows} rows, expected ${units}` };
    },
    close,
  };
}

/** Opens a workload on the floor client (FLOOR_WORKLOADS says which). */
export async function openJob(config: WorkerConfig): Promise<Job> {
  const binary = config.driver === 'wire-floor-binary';
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

  const close = async (): Promise<void> => {
    socket.end(frame('X', Buffer.alloc(0)));
  };
  const isCrate = config.target.kind === 'cratedb';
  switch (config.workload) {
    case '4':
    case '5':
      return readJob(conn, SQL_RANGE, binary, close);
    case '7':
      return readJob(conn, SQL_DOCS, binary, close);
    case '6':
      return batchJob(conn, perRowChunks, close);
    case '6b':
      return batchJob(conn, (n) => unnestBatches(n, isCrate), close);
    case '3':
      throw new Unavailable('no floor for this workload');
    default:
  }
  let request: (param: string) => Buffer;
  if (config.workload === '2') {
    const prepared = conn.next();
    socket.write(Buffer.concat([frame('P', Buffer.concat([cstring('floor_point'), cstring(SQL_POINT), Buffer.from([0, 0])])), frame('S', Buffer.alloc(0))]));
    await prepared;
    request = preparedRequest('floor_point');
  } else {
    request = floorRequest(config.workload === '1' ? SQL_POINT : SQL_INT);
  }
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
