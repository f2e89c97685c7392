/**
 * `npx tsx bench/overhead.ts [--queries=N] [--rounds=R]`: cratewire's own cost per `SELECT $1::int` query, with no
 * server and no socket. `net.connect` is replaced by an in-memory duplex that answers each Sync at once with canned
 * PostgreSQL replies (ParseComplete, BindComplete, RowDescription, DataRow echoing the parameter, CommandComplete,
 * ReadyForQuery), so the figure is the driver's JavaScript plus a constant harness cost. The same loop on a bare
 * client (constant request bytes, one value read back) measures that harness cost in the same run; the difference is
 * what cratewire adds per query. Server and kernel noise do not enter, so small hot-path changes show up here when
 * `npm run bench` cannot resolve them. cratewire is measured from its tsc build (bench/build-cratewire.ts).
 */
import { syncBuiltinESMExports } from 'node:module';
import net from 'node:net';
import { Duplex } from 'node:stream';
import { fileURLToPath } from 'node:url';
import { buildCratewire } from './build-cratewire.js';
import { cstring, floorRequest, frame } from './drivers/wire-floor.js';
import { summarize } from './stats.js';

const parameterStatus = (k: string, v: string): Buffer => frame('S', Buffer.concat([cstring(k), cstring(v)]));
const READY = frame('Z', Buffer.from('I'));
const STARTUP_REPLY = Buffer.concat([
  frame('R', Buffer.alloc(4)),
  parameterStatus('server_version', '18.4'),
  parameterStatus('client_encoding', 'UTF8'),
  parameterStatus('DateStyle', 'ISO, MDY'),
  parameterStatus('integer_datetimes', 'on'),
  parameterStatus('standard_conforming_strings', 'on'),
  frame('K', Buffer.alloc(8)),
  READY,
]);
const ROW_DESCRIPTION = (() => {
  const field = Buffer.alloc(18);
  field.writeInt32BE(23, 6);
  field.writeInt16BE(4, 10);
  field.writeInt32BE(-1, 12);
  return frame('T', Buffer.concat([Buffer.from([0, 1]), cstring('v'), field]));
})();
const BEFORE_ROW = Buffer.concat([frame('1', Buffer.alloc(0)), frame('2', Buffer.alloc(0)), ROW_DESCRIPTION]);
const AFTER_ROW = Buffer.concat([frame('C', cstring('SELECT 1')), READY]);
const SQL = 'SELECT $1::int AS v';

/** An in-memory PostgreSQL that answers the startup and every extended-query Sync, echoing the one text parameter. */
class CannedServerSocket extends Duplex {
  #started = false;
  #pending = Buffer.alloc(0);
  #parameter = Buffer.alloc(0);

  setNoDelay(): this {
    return this;
  }

  setKeepAlive(): this {
    return this;
  }

  override _read(): void {}

  override _write(chunk: Buffer, _encoding: BufferEncoding, callback: () => void): void {
    const b = this.#pending.length > 0 ? Buffer.concat([this.#pending, chunk]) : chunk;
    const replies: Buffer[] = [];
    let at = 0;
    if (!this.#started) {
      at = b.readInt32BE(0);
      this.#started = true;
      replies.push(STARTUP_REPLY);
    }
    while (b.length - at >= 5) {
      const length = b.readInt32BE(at + 1);
      if (b.length - at < length + 1) break;
      const type = b[at];
      if (type === 0x42 /* Bind: portal, statement, format codes, values */) {
        let p = b.indexOf(0, at + 5) + 1;
        p = b.indexOf(0, p) + 1;
        p += 2 + 2 * b.readInt16BE(p) + 2;
        const valueLength = b.readInt32BE(p);
        this.#parameter = Buffer.from(b.subarray(p + 4, p + 4 + valueLength));
      } else if (type === 0x53 /* Sync */) {
        const row = Buffer.alloc(6);
        row.writeInt16BE(1, 0);
        row.writeInt32BE(this.#parameter.length, 2);
        replies.push(BEFORE_ROW, frame('D', Buffer.concat([row, this.#parameter])), AFTER_ROW);
      }
      at += length + 1;
    }
    this.#pending = Buffer.from(b.subarray(at));
    if (replies.length > 0) {
      const data = Buffer.concat(replies);
      // Like a socket: the reply arrives on a later turn of the event loop.
      setImmediate(() => this.push(data));
    }
    callback();
  }
}

type QueryFn = (n: number) => Promise<number>;

async function openCratewire(): Promise<QueryFn> {
  const root = fileURLToPath(new URL('..', import.meta.url));
  const cratewire = (await import(await buildCratewire(root))) as typeof import('../src/index.js');
  const client = await cratewire.connect('postgres://bench@127.0.0.1:5432/bench?sslmode=disable');
  return async (n) => (await client.query<{ v: number }>(SQL, [n], { prepare: false })).rows[0]?.v ?? Number.NaN;
}

async function openBare(): Promise<QueryFn> {
  const socket = new CannedServerSocket();
  let waiter: ((value: number) => void) | undefined;
  let value = Number.NaN;
  socket.on('data', (d: Buffer) => {
    for (let at = 0; at < d.length; at += d.readInt32BE(at + 1) + 1) {
      if (d[at] === 0x44) value = Number(d.toString('latin1', at + 11, at + 11 + d.readInt32BE(at + 7)));
      if (d[at] === 0x5a) waiter?.(value);
    }
  });
  const ready = new Promise<number>((resolve) => (waiter = resolve));
  socket.write(Buffer.from([0, 0, 0, 8, 0, 3, 0, 0]));
  await ready;
  const request = floorRequest(SQL);
  return (n) => {
    const reply = new Promise<number>((resolve) => (waiter = resolve));
    socket.write(request(String(n)));
    return reply;
  };
}

/** CPU µs per query over `queries` sequential queries, each result checked. */
async function round(query: QueryFn, queries: number): Promise<number> {
  const cpu = process.cpuUsage();
  for (let i = 1; i <= queries; i++) {
    const v = await query(i);
    if (v !== i) throw new Error(`query ${i} returned ${v}`);
  }
  const used = process.cpuUsage(cpu);
  return (used.user + used.system) / queries;
}

function option(name: string, fallback: number): number {
  const arg = process.argv.find((a) => a.startsWith(`--${name}=`));
  const value = arg === undefined ? fallback : Number(arg.slice(name.length + 3));
  if (!Number.isInteger(value) || value < 1) throw new Error(`--${name} must be a positive integer`);
  return value;
}

async function main(): Promise<void> {
  const queries = option('queries', 100_000);
  const rounds = option('rounds', 7);
  const original = net.connect;
  (net as { connect: unknown }).connect = (): Duplex => {
    const socket = new CannedServerSocket();
    setImmediate(() => socket.emit('connect'));
    return socket;
  };
  syncBuiltinESMExports();
  const drivers: [string, QueryFn][] = [
    ['cratewire', await openCratewire()],
    ['bare', await openBare()],
  ];
  (net as { connect: unknown }).connect = original;
  syncBuiltinESMExports();
  const samples = new Map<string, number[]>(drivers.map(([name]) => [name, []]));
  for (const [, query] of drivers) await round(query, Math.min(queries, 20_000));
  for (let r = 0; r < rounds; r++) {
    for (const [name, query] of drivers) samples.get(name)?.push(await round(query, queries));
  }
  const median = (name: string): number => summarize(samples.get(name) ?? []).median;
  for (const [name] of drivers) {
    const s = summarize(samples.get(name) ?? []);
    process.stdout.write(`${name.padEnd(10)} ${s.median.toFixed(2)} µs CPU/query (min ${s.min.toFixed(2)}, max ${s.max.toFixed(2)})\n`);
  }
  process.stdout.write(`cratewire adds ${(median('cratewire') - median('bare')).toFixed(2)} µs per query over the bare client (${queries} queries × ${rounds} rounds)\n`);
  process.exit(0);
}

await main();
