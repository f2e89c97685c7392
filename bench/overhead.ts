/**
 * `npx tsx bench/overhead.ts [--queries=N] [--rounds=R] [--root=DIR …]`: cratewire's own cost per `SELECT $1::int` query, with no
 * server and no socket. `net.connect` is replaced by an in-memory duplex that answers each Sync at once with canned
 * PostgreSQL replies (ParseComplete, BindComplete, RowDescription, DataRow echoing the parameter, CommandComplete,
 * ReadyForQuery), so the figure is the driver's JavaScript plus a constant harness cost. The same loop on a bare
 * client (constant request bytes, one value read back) measures that harness cost in the same run; the difference is
 * what cratewire adds per query. Server and kernel noise do not enter, so small hot-path changes show up here when
 * `npm run bench` cannot resolve them. cratewire is measured from its tsc build (bench/build-cratewire.ts); several
 * `--root`s (source trees, e.g. a worktree of the previous commit) are measured in alternating rounds in one process.
 */
import { buildCratewire } from './build-cratewire.js';
import { floorRequest, frame } from './drivers/wire-floor.js';
import { summarize } from './stats.js';
import { bindFormatsAt, MemoryServerSocket, startupReply, withMemoryServer } from './support/memory-server.js';
import { option, rootsOption } from './support/options.js';
import { bindComplete, commandComplete, parseComplete, readyForQuery, rowDescription } from '../test/crate/fake/backend.js';

const STARTUP_REPLY = startupReply({
  server_version: '18.4',
  client_encoding: 'UTF8',
  DateStyle: 'ISO, MDY',
  integer_datetimes: 'on',
  standard_conforming_strings: 'on',
});
const ROW_DESCRIPTION = rowDescription([{ name: 'v', tableOid: 0, attnum: 0, typeOid: 23, typlen: 4, typmod: -1, format: 0 }]);
const BEFORE_ROW = Buffer.concat([parseComplete(), bindComplete(), ROW_DESCRIPTION]);
const AFTER_ROW = Buffer.concat([commandComplete('SELECT 1'), readyForQuery('I')]);
const SQL = 'SELECT $1::int AS v';

/** An in-memory PostgreSQL that answers the startup and every extended-query Sync, echoing the one text parameter. */
class CannedServerSocket extends MemoryServerSocket {
  #parameter = Buffer.alloc(0);

  constructor() {
    super(STARTUP_REPLY);
  }

  protected override answer(type: number, b: Buffer, at: number, out: Buffer[]): void {
    if (type === 0x42 /* Bind: portal, statement, format codes, values */) {
      let p = bindFormatsAt(b, at);
      p += 2 + 2 * b.readInt16BE(p) + 2;
      const valueLength = b.readInt32BE(p);
      this.#parameter = Buffer.from(b.subarray(p + 4, p + 4 + valueLength));
    } else if (type === 0x53 /* Sync */) {
      // By hand, not with the fake's dataRow(): its extra allocations per query would change the harness cost this bench subtracts.
      const row = Buffer.alloc(6);
      row.writeInt16BE(1, 0);
      row.writeInt32BE(this.#parameter.length, 2);
      out.push(BEFORE_ROW, frame('D', Buffer.concat([row, this.#parameter])), AFTER_ROW);
    }
  }
}

type QueryFn = (n: number) => Promise<number>;

async function openCratewire(root: string): Promise<QueryFn> {
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

async function main(): Promise<void> {
  const queries = option('queries', 100_000);
  const rounds = option('rounds', 7);
  const roots = rootsOption();
  const drivers: [string, QueryFn][] = [];
  for (const root of roots) {
    drivers.push([roots.length === 1 ? 'cratewire' : root, await withMemoryServer(() => new CannedServerSocket(), () => openCratewire(root))]);
  }
  drivers.push(['bare', await openBare()]);
  const samples = new Map<string, number[]>(drivers.map(([name]) => [name, []]));
  for (const [, query] of drivers) await round(query, Math.min(queries, 20_000));
  for (let r = 0; r < rounds; r++) {
    for (const [name, query] of drivers) samples.get(name)?.push(await round(query, queries));
  }
  const median = (name: string): number => summarize(samples.get(name) ?? []).median;
  const width = Math.max(...drivers.map(([name]) => name.length));
  for (const [name] of drivers) {
    const s = summarize(samples.get(name) ?? []);
    process.stdout.write(`${name.padEnd(width)} ${s.median.toFixed(2)} µs CPU/query (min ${s.min.toFixed(2)}, max ${s.max.toFixed(2)})\n`);
  }
  for (const [name] of drivers.slice(0, -1)) {
    process.stdout.write(`${name} adds ${(median(name) - median('bare')).toFixed(2)} µs per query over the bare client (${queries} queries × ${rounds} rounds)\n`);
  }
  process.exit(0);
}

await main();
