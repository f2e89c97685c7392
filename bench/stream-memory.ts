/**
 * Peak memory of streaming 1,000,000 rows (int, text, float8, timestamptz) from the embedded PostgreSQL with
 * client.stream(), next to reading the same rows whole with query() for scale.
 *
 *   npx tsx bench/stream-memory.ts            # ROWS=1000000 FETCH_SIZE=1000 by default
 *
 * Each mode runs in its own child process, so the kernel's peak RSS (`resourceUsage().maxRSS`) is that mode's own.
 * Memory is a benchmark figure, not a test assertion (DESIGN.md §7).
 */
import { fork } from 'node:child_process';
import { once } from 'node:events';
import { fileURLToPath } from 'node:url';
import { connect } from '../src/index.js';
import { startTestPostgres } from '../test/support/postgres.js';

const ROWS = Number(process.env.ROWS ?? 1_000_000);
const FETCH_SIZE = Number(process.env.FETCH_SIZE ?? 1000);
const SQL =
  "SELECT g AS id, 'name ' || g AS name, g * 1.5::float8 AS value, timestamptz '2024-01-01 00:00:00+00' + g * interval '1 second' AS ts " +
  'FROM generate_series(1, $1::int) g';

type Mode = 'stream' | 'query';

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
  for await (const _ of client.stream(SQL, [10_000], { fetchSize: FETCH_SIZE }));
  globalThis.gc?.();
  const baseRssBytes = process.memoryUsage().rss;
  let peakHeapBytes = 0;
  const sampler = setInterval(() => {
    peakHeapBytes = Math.max(peakHeapBytes, process.memoryUsage().heapUsed);
  }, 5);
  let rows = 0;
  let checksum = 0;
  const started = performance.now();
  if (mode === 'stream') {
    for await (const row of client.stream<{ id: number }>(SQL, [ROWS], { fetchSize: FETCH_SIZE })) {
      rows++;
      checksum += row.id;
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
  const pg = await startTestPostgres();
  try {
    const url = pg.url('trust', { sslmode: 'disable' });
    console.log(`${ROWS.toLocaleString('en')} rows (int, text, float8, timestamptz), fetchSize ${FETCH_SIZE}, Node ${process.version}`);
    for (const mode of ['stream', 'query'] as const) {
      const m = await runChild(url, mode);
      const rate = Math.round(m.rows / (m.ms / 1000)).toLocaleString('en');
      console.log(
        `${mode === 'stream' ? 'stream() ' : 'query()  '} ${rate} rows/s  peak RSS ${mib(m.peakRssBytes)}  ` +
          `(RSS before the read ${mib(m.baseRssBytes)}, peak heap ${mib(m.peakHeapBytes)})`,
      );
    }
  } finally {
    await pg.destroy();
  }
}

await main();
