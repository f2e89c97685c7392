/**
 * Query results into an Apache Arrow Table (issue 15): rows/s, CPU per row and peak RSS of three ways to get there,
 * on the same rows in the same run.
 *
 *   npx tsx bench/arrow.ts                       # embedded PostgreSQL, 1,000,000 rows (int, text, float8, timestamptz, bool)
 *   CRATEDB_URL=postgres://crate@127.0.0.1:5432/doc?sslmode=disable CRATEDB_HTTP=http://127.0.0.1:4200 npx tsx bench/arrow.ts
 *                                                # CrateDB: a table of those rows, plus HTTP /_sql
 *   ROWS=… ROUNDS=… override the defaults (1,000,000 rows, 3 rounds).
 *
 * - `queryArrow`: cratewire/arrow, columns built from the DataRow bytes (binary results).
 * - `rows→tableFromJSON`: client.query() row objects, then apache-arrow's tableFromJSON.
 * - `http→arrow` (CrateDB only): POST /_sql (undici), the JSON rows turned into one array per column, then
 *   vectorFromArray per column with the same Arrow types (the quickest JSON path we know; tableFromJSON would need
 *   row objects built first).
 *
 * Each measurement runs in its own child process, so the kernel's peak RSS (`resourceUsage().maxRSS`) is that path's
 * own; contenders alternate round by round so machine noise hits them alike. The ratio is what to read, not the
 * absolute figures (docs/design.md "Benchmarks"). cratewire is measured from its tsc build (build-cratewire.ts).
 */
import { fork } from 'node:child_process';
import { once } from 'node:events';
import { fileURLToPath } from 'node:url';
import { Bool, Float64, Int32, Table, TimestampMillisecond, Utf8, tableFromJSON, vectorFromArray } from 'apache-arrow';
import { Pool as HttpPool } from 'undici';
import { startTestPostgres } from '../test/support/postgres.js';
import { buildCratewire } from './build-cratewire.js';
import { summarize } from './stats.js';

const CRATE_URL = process.env['CRATEDB_URL'] ?? '';
const ON_CRATE = CRATE_URL !== '';
const HTTP_URL = process.env['CRATEDB_HTTP'] ?? (ON_CRATE ? `http://${new URL(CRATE_URL).hostname}:4200` : '');
const ROWS = Number(process.env['ROWS'] ?? 1_000_000);
const ROUNDS = Number(process.env['ROUNDS'] ?? 3);
const TABLE = 'cw_arrow_bench';
const ROOT = fileURLToPath(new URL('..', import.meta.url));
const SQL = ON_CRATE
  ? `SELECT id, name, value, ts, flag FROM ${TABLE} WHERE id <= $1`
  : "SELECT g AS id, 'name ' || g AS name, g * 1.5::float8 AS value, timestamptz '2024-01-01 00:00:00+00' + g * interval '1 second' AS ts, " +
    'g % 2 = 0 AS flag FROM generate_series(1, $1::int) g';

type Path = 'queryArrow' | 'rows→tableFromJSON' | 'http→arrow';

interface Measurement {
  readonly rows: number;
  readonly ms: number;
  readonly cpuUs: number;
  readonly peakRssBytes: number;
}

type Cratewire = typeof import('../src/index.js');
type CratewireArrow = typeof import('../src/arrow/index.js');

/** The run of one path in this (child) process: a small warm-up, then ROWS rows into one Table. */
async function measure(path: Path, url: string, entry: string): Promise<Measurement> {
  const cratewire = (await import(entry)) as Cratewire;
  const arrow = (await import(new URL('arrow/index.js', entry).href)) as CratewireArrow;
  const client = await cratewire.connect(url, { maxResultBytes: 0 });
  const http = HTTP_URL === '' ? undefined : new HttpPool(HTTP_URL, { connections: 1 });
  const run = async (n: number): Promise<Table> => {
    switch (path) {
      case 'queryArrow':
        return arrow.queryArrow(client, SQL, [n]);
      case 'rows→tableFromJSON':
        return tableFromJSON((await client.query<Record<string, unknown>>(SQL, [n])).rows);
      case 'http→arrow':
        return httpToArrow(http as HttpPool, n);
    }
  };
  await run(10_000);
  globalThis.gc?.();
  const cpu = process.cpuUsage();
  const started = performance.now();
  const table = await run(ROWS);
  const ms = performance.now() - started;
  const used = process.cpuUsage(cpu);
  if (table.numRows !== ROWS) throw new Error(`${path}: ${table.numRows} rows, expected ${ROWS}`);
  await client.close();
  await http?.close();
  return { rows: ROWS, ms, cpuUs: used.user + used.system, peakRssBytes: process.resourceUsage().maxRSS * 1024 };
}

/** POST /_sql, then one array per column and vectorFromArray with the Arrow types queryArrow builds. */
async function httpToArrow(http: HttpPool, n: number): Promise<Table> {
  const res = await http.request({
    path: '/_sql',
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ stmt: SQL.replace('$1', '?'), args: [n] }),
  });
  const body = (await res.body.json()) as { rows?: unknown[][]; error?: { message: string } };
  if (body.rows === undefined) throw new Error(`HTTP /_sql: ${body.error?.message ?? res.statusCode}`);
  const rows = body.rows;
  const column = (i: number): unknown[] => rows.map((r) => r[i]);
  return new Table({
    id: vectorFromArray(column(0), new Int32()),
    name: vectorFromArray(column(1), new Utf8()),
    value: vectorFromArray(column(2), new Float64()),
    ts: vectorFromArray(column(3), new TimestampMillisecond('UTC')),
    flag: vectorFromArray(column(4), new Bool()),
  });
}

/** Fills the CrateDB table with ROWS rows unless it already has them. */
async function fillCrate(cratewire: Cratewire): Promise<void> {
  const client = await cratewire.connect(CRATE_URL);
  try {
    await client.simpleQuery(`CREATE TABLE IF NOT EXISTS ${TABLE} (id INTEGER, name TEXT, value DOUBLE, ts TIMESTAMP WITH TIME ZONE, flag BOOLEAN)`);
    await client.simpleQuery(`REFRESH TABLE ${TABLE}`);
    const count = Number((await client.query<{ n: unknown }>(`SELECT count(*) AS n FROM ${TABLE}`)).rows[0]?.n);
    if (count === ROWS) return;
    await client.simpleQuery(`DELETE FROM ${TABLE}`);
    await client.simpleQuery(
      `INSERT INTO ${TABLE} (id, name, value, ts, flag) SELECT x, 'name ' || x, x * 1.5, 1704067200000 + x * 1000, x % 2 = 0 FROM generate_series(1, ${ROWS}) x`,
    );
    await client.simpleQuery(`REFRESH TABLE ${TABLE}`);
  } finally {
    await client.close();
  }
}

async function runChild(path: Path, url: string, entry: string): Promise<Measurement> {
  const child = fork(fileURLToPath(import.meta.url), ['child', path, url, entry], { stdio: ['ignore', 'inherit', 'inherit', 'ipc'], execArgv: ['--import', 'tsx', '--expose-gc'] });
  const [message] = (await once(child, 'message')) as [Measurement | { error: string }];
  await once(child, 'exit');
  if ('error' in message) throw new Error(`${path}: ${message.error}`);
  return message;
}

const mib = (bytes: number): string => `${(bytes / 1024 / 1024).toFixed(0)} MiB`;
const fmt = (n: number): string => Math.round(n).toLocaleString('en');

async function main(): Promise<void> {
  if (process.argv[2] === 'child') {
    const [, , , path, url, entry] = process.argv;
    const result = await measure(path as Path, url as string, entry as string).catch((err: unknown) => ({ error: String(err) }));
    process.send?.(result, () => process.disconnect());
    return;
  }
  const entry = await buildCratewire(ROOT);
  const pg = ON_CRATE ? undefined : await startTestPostgres();
  try {
    const url = pg === undefined ? CRATE_URL : pg.url('trust', { sslmode: 'disable' });
    if (ON_CRATE) await fillCrate((await import(entry)) as Cratewire);
    const paths: Path[] = ON_CRATE ? ['queryArrow', 'rows→tableFromJSON', 'http→arrow'] : ['queryArrow', 'rows→tableFromJSON'];
    console.log(`${ON_CRATE ? 'CrateDB' : 'PostgreSQL (embedded)'} · ${fmt(ROWS)} rows (int, text, double, timestamptz, boolean) into an Arrow Table · ${ROUNDS} rounds · Node ${process.version}`);
    const results = new Map<Path, Measurement[]>(paths.map((p) => [p, []]));
    for (let round = 1; round <= ROUNDS; round++) {
      for (const path of paths) {
        const m = await runChild(path, url, entry);
        results.get(path)?.push(m);
        console.log(`  round ${round} ${path.padEnd(19)} ${fmt(m.rows / (m.ms / 1000))} rows/s  ${(m.cpuUs / m.rows).toFixed(2)} µs CPU/row  peak RSS ${mib(m.peakRssBytes)}`);
      }
    }
    console.log('\nmedian of rounds:');
    const medians = paths.map((path) => {
      const ms = results.get(path) ?? [];
      return {
        path,
        rate: summarize(ms.map((m) => m.rows / (m.ms / 1000))).median,
        cpu: summarize(ms.map((m) => m.cpuUs / m.rows)).median,
        rss: summarize(ms.map((m) => m.peakRssBytes)).median,
      };
    });
    for (const m of medians) console.log(`  ${m.path.padEnd(19)} ${fmt(m.rate).padStart(11)} rows/s  ${m.cpu.toFixed(2).padStart(6)} µs CPU/row  peak RSS ${mib(m.rss)}`);
    const arrowRate = medians[0] as (typeof medians)[number];
    const best = medians.slice(1).reduce((a, b) => (b.rate > a.rate ? b : a));
    console.log(
      `\nqueryArrow ÷ best other (${best.path}): ${(arrowRate.rate / best.rate).toFixed(2)}× rows/s, ${(best.cpu / arrowRate.cpu).toFixed(2)}× less CPU/row; ` +
        `peak RSS ${mib(arrowRate.rss)} vs ${mib(medians[1]?.rss ?? 0)} for rows→tableFromJSON (target: ≥ 2× rows/s, RSS below the row-object path)`,
    );
  } finally {
    await pg?.destroy();
  }
}

await main();
