/**
 * Peak memory of streaming rows with client.stream() (a fast and a slow consumer), next to reading the same rows whole
 * with query() for scale.
 *
 *   npx tsx bench/stream-memory.ts                 # embedded PostgreSQL: 1,000,000 rows (int, text, float8, timestamptz)
 *   CRATEDB_URL=postgres://crate@host:5432/doc npx tsx bench/stream-memory.ts
 *                                                  # CrateDB: a 500,000-row (int, text, double) table
 *   ROWS=… FETCH_SIZE=… override the defaults.
 *
 * On CrateDB the table is filled the way that made CrateDB 6.4.3 answer Execute(maxRows) with the whole result
 * (20,000-row UNNEST inserts, REFRESH, OPTIMIZE; test/fixtures/cratedb-6.4.3/portal_maxrows_existing.json), and before
 * measuring, a raw socket logs how many rows each Execute(FETCH_SIZE) returned, so the run shows whether that case
 * happened. Each mode runs in its own child process, so the kernel's peak RSS (`resourceUsage().maxRSS`) is that mode's
 * own. Memory is a benchmark figure, not a test assertion (docs/design.md "Benchmarks").
 */
import { fork } from 'node:child_process';
import { once } from 'node:events';
import { fileURLToPath } from 'node:url';
import { connect } from '../src/index.js';
import { startTestPostgres } from '../test/support/postgres.js';
import { countRowsPerExecute, fillCrateTable } from './crate-portal-probe.js';

const CRATE_URL = process.env.CRATEDB_URL ?? '';
const ON_CRATE = CRATE_URL !== '';
const ROWS = Number(process.env.ROWS ?? (ON_CRATE ? 500_000 : 1_000_000));
const FETCH_SIZE = Number(process.env.FETCH_SIZE ?? 1000);
const CRATE_TABLE = 'cw_stream_memory';
const SQL = ON_CRATE
  ? `SELECT id, name, v FROM ${CRATE_TABLE} WHERE id <= $1`
  : "SELECT g AS id, 'name ' || g AS name, g * 1.5::float8 AS value, timestamptz '2024-01-01 00:00:00+00' + g * interval '1 second' AS ts " +
    'FROM generate_series(1, $1::int) g';
/** The slow consumer waits this long after every 1,000 rows. */
const SLOW_PAUSE_MS = 2;

type Mode = 'stream' | 'stream-slow' | 'query';

interface Measurement {
  readonly mode: Mode;
  readonly rows: number;
  readonly ms: number;
  /** RSS after connecting and a warm-up, before the measured read. */
  readonly baseRssBytes: number;
  /** The kernel's peak RSS of the child process over its whole life. */
  readonly peakRssBytes: number;
  /** Largest heapUsed seen at batch boundaries (sampled every 5 ms). */
  readonly peakHeapBytes: number;
}

async function measure(url: string, mode: Mode): Promise<Measurement> {
  const client = await connect(url, { maxResultBytes: 0 });
  for await (const _ of client.stream(SQL, [Math.min(10_000, ROWS)], { fetchSize: FETCH_SIZE }));
  globalThis.gc?.();
  const baseRssBytes = process.memoryUsage().rss;
  let peakHeapBytes = 0;
  const sampler = setInterval(() => {
    peakHeapBytes = Math.max(peakHeapBytes, process.memoryUsage().heapUsed);
  }, 5);
  let rows = 0;
  let checksum = 0;
  const started = performance.now();
  if (mode !== 'query') {
    for await (const row of client.stream<{ id: number }>(SQL, [ROWS], { fetchSize: FETCH_SIZE })) {
      rows++;
      checksum += row.id;
      if (mode === 'stream-slow' && rows % 1000 === 0) await new Promise((resolve) => setTimeout(resolve, SLOW_PAUSE_MS));
    }
  } else {
    const result = await client.query<{ id: number }>(SQL, [ROWS]);
    for (const row of result.rows) {
      rows++;
      checksum += row.id;
    }
  }
  const ms = performance.now() - started;
  clearInterval(sampler);
  peakHeapBytes = Math.max(peakHeapBytes, process.memoryUsage().heapUsed);
  if (checksum !== (ROWS * (ROWS + 1)) / 2) throw new Error(`checksum mismatch in ${mode}: ${checksum}`);
  await client.close();
  return { mode, rows, ms, baseRssBytes, peakRssBytes: process.resourceUsage().maxRSS * 1024, peakHeapBytes };
}

async function runChild(url: string, mode: Mode): Promise<Measurement> {
  const child = fork(fileURLToPath(import.meta.url), ['child', url, mode], { stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
  const [message] = (await once(child, 'message')) as [Measurement];
  await once(child, 'exit');
  return message;
}

const mib = (bytes: number): string => `${(bytes / 1024 / 1024).toFixed(1)} MiB`;

async function main(): Promise<void> {
  if (process.argv[2] === 'child') {
    const result = await measure(process.argv[3] as string, process.argv[4] as Mode);
    // The IPC channel keeps a forked child alive: disconnect once the result is out.
    process.send?.(result, () => process.disconnect());
    return;
  }
  const pg = ON_CRATE ? undefined : await startTestPostgres();
  try {
    const url = pg === undefined ? CRATE_URL : pg.url('trust', { sslmode: 'disable' });
    if (ON_CRATE) {
      await fillCrateTable(url, CRATE_TABLE, ROWS);
      const counts = await countRowsPerExecute(url, `SELECT id, name, v FROM ${CRATE_TABLE} WHERE id <= ${ROWS}`, FETCH_SIZE, 3);
      console.log(`CrateDB: rows returned by each Execute(${FETCH_SIZE}) + Flush: ${counts.map((c) => `${c.rows} (${c.end})`).join(', ')}`);
      console.log(counts.some((c) => c.rows > FETCH_SIZE) ? '  -> the server ignored maxRows (whole-result case)' : '  -> the server honoured maxRows');
    }
    const shape = ON_CRATE ? '(int, text, double)' : '(int, text, float8, timestamptz)';
    console.log(`${ROWS.toLocaleString('en')} rows ${shape}, fetchSize ${FETCH_SIZE}, Node ${process.version}`);
    for (const mode of ['stream', 'stream-slow', 'query'] as const) {
      const m = await runChild(url, mode);
      const rate = Math.round(m.rows / (m.ms / 1000)).toLocaleString('en');
      console.log(
        `${mode.padEnd(12)} ${rate} rows/s  peak RSS ${mib(m.peakRssBytes)}  ` +
          `(RSS before the read ${mib(m.baseRssBytes)}, peak heap ${mib(m.peakHeapBytes)})`,
      );
    }
  } finally {
    await pg?.destroy();
  }
}

await main();
