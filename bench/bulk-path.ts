/**
 * `node --expose-gc --import tsx bench/bulk-path.ts [--rows=N] [--rounds=R] [--root=DIR …]`: cratewire's own CPU
 * per row of `executeMany()` (workload 6's INSERT of (int, text, double, timestamptz), 1,000-row chunks) and of
 * `bulkInsert()` (workload 6b, 10,000-row batches), with no server: `net.connect` is replaced by an in-memory socket
 * that answers each message at once as CrateDB would (ParseComplete, ParameterDescription, NoData, BindComplete,
 * `INSERT 0 1` per Execute, `INSERT 0 n` per UNNEST batch, ReadyForQuery). Several `--root`s (source trees, each
 * built with tsc like bench/build-cratewire.ts) are measured in alternating rounds in one process.
 */
import { syncBuiltinESMExports } from 'node:module';
import net from 'node:net';
import { Duplex } from 'node:stream';
import { fileURLToPath } from 'node:url';
import { buildCratewire } from './build-cratewire.js';
import { cstring, frame } from './drivers/wire-floor.js';
import { summarize } from './stats.js';

const ROWS = option('rows', 100_000);
const ROUNDS = option('rounds', 7);
const TS_BASE_MS = Date.UTC(2024, 0, 1);
const SQL = 'INSERT INTO bench_ingest (id, name, value, ts) VALUES ($1, $2, $3, $4)';
const COLUMNS = ['id', 'name', 'value', 'ts'];
/** int4, varchar, float8, timestamptz: what CrateDB describes for the INSERT. */
const TYPES = [23, 1043, 701, 1184];

function option(name: string, fallback: number): number {
  const arg = process.argv.find((a) => a.startsWith(`--${name}=`));
  const value = arg === undefined ? fallback : Number(arg.slice(name.length + 3));
  if (!Number.isInteger(value) || value < 1) throw new Error(`--${name} must be a positive integer`);
  return value;
}

const READY = frame('Z', Buffer.from('I'));
const STARTUP_REPLY = Buffer.concat([
  frame('R', Buffer.alloc(4)),
  frame('S', Buffer.concat([cstring('server_version'), cstring('14.6')])),
  frame('S', Buffer.concat([cstring('crate_version'), cstring('6.4.3')])),
  frame('S', Buffer.concat([cstring('client_encoding'), cstring('UTF8')])),
  frame('S', Buffer.concat([cstring('integer_datetimes'), cstring('on')])),
  frame('K', Buffer.alloc(8)),
  READY,
]);
const PARSE_COMPLETE = frame('1', Buffer.alloc(0));
const BIND_COMPLETE = frame('2', Buffer.alloc(0));
const NO_DATA = frame('n', Buffer.alloc(0));
const PARAMETER_DESCRIPTION = (() => {
  const b = Buffer.alloc(2 + 4 * TYPES.length);
  b.writeInt16BE(TYPES.length, 0);
  TYPES.forEach((t, i) => b.writeInt32BE(t, 2 + 4 * i));
  return frame('t', b);
})();
const INSERT_ONE = frame('C', cstring('INSERT 0 1'));

/** An in-memory CrateDB for inserts: replies to each message as it arrives, one write per incoming chunk. */
class InsertServerSocket extends Duplex {
  #started = false;
  #pending = Buffer.alloc(0);
  /** Elements in the first array parameter of the last Bind (an UNNEST batch), or 1. */
  #batchRows = 1;

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
      switch (b[at]) {
        case 0x50 /* Parse */:
          out.push(PARSE_COMPLETE);
          break;
        case 0x44 /* Describe */:
          out.push(PARAMETER_DESCRIPTION, NO_DATA);
          break;
        case 0x42 /* Bind */: {
          // Binary parameters (one format code, 1): an UNNEST batch; its first array's dimension is the row count.
          let p = b.indexOf(0, at + 5) + 1;
          p = b.indexOf(0, p) + 1;
          const formats = b.readInt16BE(p);
          const binary = formats === 1 && b.readInt16BE(p + 2) === 1;
          p += 2 + 2 * formats + 2;
          this.#batchRows = binary ? b.readInt32BE(p + 4 + 12) : 1;
          out.push(BIND_COMPLETE);
          break;
        }
        case 0x45 /* Execute */:
          out.push(this.#batchRows === 1 ? INSERT_ONE : frame('C', cstring(`INSERT 0 ${this.#batchRows}`)));
          break;
        case 0x53 /* Sync */:
          out.push(READY);
          break;
        default:
      }
      at += length + 1;
    }
    this.#pending = Buffer.from(b.subarray(at));
    if (out.length > 0) {
      const data = Buffer.concat(out);
      setImmediate(() => this.push(data));
    }
    callback();
  }
}

type Run = () => Promise<void>;

async function open(root: string): Promise<[Run, Run]> {
  const cratewire = (await import(await buildCratewire(root))) as typeof import('../src/index.js');
  const client = await cratewire.connect('postgres://crate@127.0.0.1:5432/doc?sslmode=disable');
  const rows = Array.from({ length: ROWS }, (_, i) => [i + 1, `name-${i + 1}`, i + 1.25, new Date(TS_BASE_MS + i * 1000)]);
  const executeMany: Run = async () => {
    const result = await client.executeMany(SQL, rows, { chunkRows: 1_000 });
    if (result.rowCounts.length !== ROWS || result.failed.length > 0) throw new Error('executeMany: wrong result');
  };
  const bulkInsert: Run = async () => {
    const result = await client.bulkInsert('bench_ingest', COLUMNS, rows, { batchSize: 10_000 });
    if (result.inserted !== ROWS) throw new Error(`bulkInsert: inserted ${result.inserted}`);
  };
  return [executeMany, bulkInsert];
}

async function cpuPerRow(run: Run): Promise<number> {
  (globalThis as { gc?: () => void }).gc?.();
  const cpu = process.cpuUsage();
  await run();
  const used = process.cpuUsage(cpu);
  return ((used.user + used.system) * 1000) / ROWS;
}

async function main(): Promise<void> {
  const roots = process.argv.filter((a) => a.startsWith('--root=')).map((a) => a.slice('--root='.length));
  if (roots.length === 0) roots.push(fileURLToPath(new URL('..', import.meta.url)));
  const original = net.connect;
  (net as { connect: unknown }).connect = (): Duplex => {
    const socket = new InsertServerSocket();
    setImmediate(() => socket.emit('connect'));
    return socket;
  };
  syncBuiltinESMExports();
  const runs: [string, Run][] = [];
  for (const root of roots) {
    const [many, bulk] = await open(root);
    runs.push([`executeMany ${root}`, many], [`bulkInsert  ${root}`, bulk]);
  }
  (net as { connect: unknown }).connect = original;
  syncBuiltinESMExports();
  const samples = new Map<string, number[]>(runs.map(([name]) => [name, []]));
  for (const [, run] of runs) await run();
  for (let r = 0; r < ROUNDS; r++) {
    for (const [name, run] of runs) samples.get(name)?.push(await cpuPerRow(run));
  }
  process.stdout.write(`${ROWS} rows (int, text, double, timestamptz), ${ROUNDS} rounds, CPU ns per row:\n`);
  for (const [name] of runs) {
    const s = summarize(samples.get(name) ?? []);
    process.stdout.write(`${name.padEnd(48)} median ${s.median.toFixed(0)} (min ${s.min.toFixed(0)}, max ${s.max.toFixed(0)})\n`);
  }
  process.exit(0);
}

await main().catch((e: unknown) => {
  console.error(e);
  process.exit(1);
});
