/**
 * `npx tsx bench/read-path.ts [--rows=N] [--rounds=R] [--root=DIR …]`: cratewire's own CPU per row when a query
 * returns many rows (workload 4's `SELECT id, name, value, ts`, int4/varchar/float8/timestamptz), with no server:
 * `net.connect` is replaced by an in-memory socket that answers each Sync with precomputed replies in 64 KiB chunks,
 * in the result formats the Bind asked for. A bare loop that only frames the same bytes measures the harness in the
 * same run. Several `--root`s (source trees, each built with tsc like bench/build-cratewire.ts) are measured in
 * alternating rounds in one process, for before/after comparisons that machine noise hits alike. Run it with
 * `node --expose-gc --import tsx` to collect each round's garbage between rounds, outside the timed part.
 */
import { syncBuiltinESMExports } from 'node:module';
import net from 'node:net';
import { Duplex } from 'node:stream';
import { fileURLToPath } from 'node:url';
import { buildCratewire } from './build-cratewire.js';
import { cstring, frame } from './drivers/wire-floor.js';
import { summarize } from './stats.js';

const ROWS = option('rows', 500_000);
const ROUNDS = option('rounds', 7);
const CHUNK = 65_536;
const TS_BASE_MS = Date.UTC(2024, 0, 1);
const PG_EPOCH_MS = 946_684_800_000;
const SQL = 'SELECT id, name, value, ts FROM bench_rows WHERE id <= $1';

function option(name: string, fallback: number): number {
  const arg = process.argv.find((a) => a.startsWith(`--${name}=`));
  const value = arg === undefined ? fallback : Number(arg.slice(name.length + 3));
  if (!Number.isInteger(value) || value < 1) throw new Error(`--${name} must be a positive integer`);
  return value;
}

const READY = frame('Z', Buffer.from('I'));
const PARSE_COMPLETE = frame('1', Buffer.alloc(0));
const BIND_COMPLETE = frame('2', Buffer.alloc(0));
const PARAMETER_DESCRIPTION = frame('t', Buffer.from([0, 1, 0, 0, 0, 23]));
const STARTUP_REPLY = Buffer.concat([
  frame('R', Buffer.alloc(4)),
  frame('S', Buffer.concat([cstring('server_version'), cstring('14.6')])),
  frame('S', Buffer.concat([cstring('crate_version'), cstring('6.4.3')])),
  frame('S', Buffer.concat([cstring('client_encoding'), cstring('UTF8')])),
  frame('S', Buffer.concat([cstring('integer_datetimes'), cstring('on')])),
  frame('K', Buffer.alloc(8)),
  READY,
]);

/** RowDescription of the four columns, each in `formats[i]` (0 text, 1 binary). */
function rowDescription(formats: readonly number[]): Buffer {
  const columns: [string, number, number][] = [
    ['id', 23, 4],
    ['name', 1043, -1],
    ['value', 701, 8],
    ['ts', 1184, 8],
  ];
  const parts: Buffer[] = [Buffer.from([0, columns.length])];
  columns.forEach(([name, oid, size], i) => {
    const tail = Buffer.alloc(18);
    tail.writeInt32BE(oid, 6);
    tail.writeInt16BE(size, 10);
    tail.writeInt32BE(-1, 12);
    tail.writeInt16BE(formats[i] ?? 0, 16);
    parts.push(cstring(name), tail);
  });
  return frame('T', Buffer.concat(parts));
}

/** The DataRows and CommandComplete of one Execute, split into socket-sized chunks. */
function reply(formats: readonly number[]): Buffer[] {
  const binary = (i: number): boolean => formats[i] === 1;
  const rows: Buffer[] = [];
  for (let id = 1; id <= ROWS; id++) {
    const ts = TS_BASE_MS + id * 1000;
    const values = [
      binary(0) ? int32(id) : Buffer.from(String(id)),
      Buffer.from(`name-${id}`),
      binary(2) ? float64(id + 0.25) : Buffer.from(String(id + 0.25)),
      binary(3) ? int64((BigInt(ts) - BigInt(PG_EPOCH_MS)) * 1000n) : Buffer.from(new Date(ts).toISOString().replace('T', ' ').replace('Z', '+00')),
    ];
    const body = Buffer.alloc(2 + values.reduce((n, v) => n + 4 + v.length, 0));
    body.writeInt16BE(values.length, 0);
    let p = 2;
    for (const v of values) {
      body.writeInt32BE(v.length, p);
      v.copy(body, p + 4);
      p += 4 + v.length;
    }
    rows.push(frame('D', body));
  }
  rows.push(frame('C', cstring(`SELECT ${ROWS}`)));
  const all = Buffer.concat(rows);
  const chunks: Buffer[] = [];
  for (let at = 0; at < all.length; at += CHUNK) chunks.push(all.subarray(at, Math.min(at + CHUNK, all.length)));
  return chunks;
}

function int32(n: number): Buffer {
  const b = Buffer.alloc(4);
  b.writeInt32BE(n);
  return b;
}
function int64(n: bigint): Buffer {
  const b = Buffer.alloc(8);
  b.writeBigInt64BE(n);
  return b;
}
function float64(n: number): Buffer {
  const b = Buffer.alloc(8);
  b.writeDoubleBE(n);
  return b;
}

const replies = new Map<string, Buffer[]>();
function replyFor(formats: readonly number[]): Buffer[] {
  const key = formats.join(',');
  let chunks = replies.get(key);
  if (chunks === undefined) replies.set(key, (chunks = reply(formats)));
  return chunks;
}

/** An in-memory server: answers the startup, Parse, Describe, Bind, Sync, and each Execute with the rows in the formats of its Bind. */
class RowsServerSocket extends Duplex {
  #started = false;
  #pending = Buffer.alloc(0);
  #formats: readonly number[] = [];

  setNoDelay(): this {
    return this;
  }

  setKeepAlive(): this {
    return this;
  }

  override _read(): void {}

  override _write(chunk: Buffer, _encoding: BufferEncoding, callback: () => void): void {
    const b = this.#pending.length > 0 ? Buffer.concat([this.#pending, chunk]) : chunk;
    let at = 0;
    const out: Buffer[] = [];
    if (!this.#started) {
      at = b.readInt32BE(0);
      this.#started = true;
      out.push(STARTUP_REPLY);
    }
    while (b.length - at >= 5) {
      const length = b.readInt32BE(at + 1);
      if (b.length - at < length + 1) break;
      const type = b[at];
      if (type === 0x50 /* Parse */) {
        out.push(PARSE_COMPLETE);
      } else if (type === 0x44 /* Describe */) {
        out.push(b[at + 5] === 0x53 ? Buffer.concat([PARAMETER_DESCRIPTION, rowDescription([0, 0, 0, 0])]) : rowDescription(this.#formats));
      } else if (type === 0x42 /* Bind: portal, statement, parameter formats, values, result formats */) {
        let p = b.indexOf(0, at + 5) + 1;
        p = b.indexOf(0, p) + 1;
        p += 2 + 2 * b.readInt16BE(p);
        const values = b.readInt16BE(p);
        p += 2;
        for (let i = 0; i < values; i++) p += 4 + Math.max(0, b.readInt32BE(p));
        const n = b.readInt16BE(p);
        const codes = Array.from({ length: 4 }, (_, i) => (n === 0 ? 0 : b.readInt16BE(p + 2 + 2 * (n === 1 ? 0 : i))));
        this.#formats = codes;
        out.push(BIND_COMPLETE);
      } else if (type === 0x45 /* Execute */) {
        out.push(...replyFor(this.#formats));
      } else if (type === 0x53 /* Sync */) {
        out.push(READY);
      }
      at += length + 1;
    }
    this.#pending = Buffer.from(b.subarray(at));
    if (out.length > 0) setImmediate(() => this.#deliver(out, 0));
    callback();
  }

  /** One chunk per turn of the event loop, as a socket delivers them. */
  #deliver(chunks: readonly Buffer[], from: number): void {
    for (let i = from; i < chunks.length; i++) {
      this.push(chunks[i]);
      if (i - from === 15) {
        setImmediate(() => this.#deliver(chunks, i + 1));
        return;
      }
    }
  }
}

type ReadFn = () => Promise<number>;

async function openCratewire(root: string): Promise<ReadFn> {
  const cratewire = (await import(await buildCratewire(root))) as typeof import('../src/index.js');
  const client = await cratewire.connect('postgres://crate@127.0.0.1:5432/doc?sslmode=disable');
  return async () => {
    const { rows } = await client.query<{ id: number; name: string; value: number; ts: Date }>(SQL, [ROWS]);
    const last = rows[rows.length - 1];
    if (rows.length !== ROWS || last?.id !== ROWS || last.name !== `name-${ROWS}` || last.ts.getTime() !== TS_BASE_MS + ROWS * 1000) {
      throw new Error(`wrong result: ${rows.length} rows, last ${JSON.stringify(last)}`);
    }
    return rows.length;
  };
}

/** Frames the same binary reply and counts DataRows: the harness's own cost. */
function openBare(): ReadFn {
  const chunks = replyFor([1, 0, 1, 1]);
  return () =>
    new Promise((resolve) => {
      let count = 0;
      /** Bytes of the next message still in later chunks, or the start of a header split across chunks. */
      let skip = 0;
      let head = Buffer.alloc(0);
      const next = (i: number): void => {
        for (; i < chunks.length; i++) {
          const c = chunks[i] as Buffer;
          let at = skip;
          if (head.length > 0) {
            const h = Buffer.concat([head, c.subarray(0, 5 - head.length)]);
            if (h[0] === 0x44) count++;
            at = h.readInt32BE(1) + 1 - head.length;
            head = Buffer.alloc(0);
          }
          while (at + 5 <= c.length) {
            if (c[at] === 0x44) count++;
            at += c.readInt32BE(at + 1) + 1;
          }
          if (at < c.length) {
            head = Buffer.from(c.subarray(at));
            skip = 0;
          } else {
            skip = at - c.length;
          }
          if (i % 16 === 15) {
            setImmediate(() => next(i + 1));
            return;
          }
        }
        resolve(count);
      };
      setImmediate(() => next(0));
    });
}

async function cpuPerRow(read: ReadFn): Promise<number> {
  // The previous round's rows are garbage now: collect them outside the timed part (with --expose-gc).
  (globalThis as { gc?: () => void }).gc?.();
  const cpu = process.cpuUsage();
  const rows = await read();
  const used = process.cpuUsage(cpu);
  return ((used.user + used.system) * 1000) / rows;
}

async function main(): Promise<void> {
  const roots = process.argv.filter((a) => a.startsWith('--root=')).map((a) => a.slice('--root='.length));
  if (roots.length === 0) roots.push(fileURLToPath(new URL('..', import.meta.url)));
  const original = net.connect;
  (net as { connect: unknown }).connect = (): Duplex => {
    const socket = new RowsServerSocket();
    setImmediate(() => socket.emit('connect'));
    return socket;
  };
  syncBuiltinESMExports();
  const drivers: [string, ReadFn][] = [];
  for (const root of roots) drivers.push([root, await openCratewire(root)]);
  (net as { connect: unknown }).connect = original;
  syncBuiltinESMExports();
  drivers.push(['bare framing', openBare()]);
  const samples = new Map<string, number[]>(drivers.map(([name]) => [name, []]));
  for (const [, read] of drivers) await read();
  for (let r = 0; r < ROUNDS; r++) {
    for (const [name, read] of drivers) samples.get(name)?.push(await cpuPerRow(read));
  }
  process.stdout.write(`${ROWS} rows (int4, varchar, float8, timestamptz) read whole, ${ROUNDS} rounds, CPU ns per row:\n`);
  for (const [name] of drivers) {
    const s = summarize(samples.get(name) ?? []);
    process.stdout.write(`${name.padEnd(40)} median ${s.median.toFixed(0)} (min ${s.min.toFixed(0)}, max ${s.max.toFixed(0)})\n`);
  }
  process.exit(0);
}

await main().catch((e) => { console.error(e); process.exit(1); });
