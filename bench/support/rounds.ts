/** The alternating rounds of the per-row CPU benches (bench/read-path.ts, bench/bulk-path.ts). */
import { summarize } from '../stats.js';

/** One measured thing: its name, and a run that resolves with the number of rows it handled (and checked). */
export type RowRun = readonly [name: string, run: () => Promise<number>];

/** CPU ns per row of one run. */
async function cpuPerRow(run: () => Promise<number>): Promise<number> {
  // The previous round's rows are garbage now: collect them outside the timed part (with --expose-gc).
  (globalThis as { gc?: () => void }).gc?.();
  const cpu = process.cpuUsage();
  const rows = await run();
  const used = process.cpuUsage(cpu);
  return ((used.user + used.system) * 1000) / rows;
}

/**
 * Runs each once to warm up, then all in turn for `rounds` rounds, so that machine noise hits them alike; prints
 * `title` and per run its median, min and max CPU ns per row, the names padded to `width`.
 */
export async function alternateRounds(runs: readonly RowRun[], rounds: number, title: string, width: number): Promise<void> {
  const samples = new Map<string, number[]>(runs.map(([name]) => [name, []]));
  for (const [, run] of runs) await run();
  for (let r = 0; r < rounds; r++) {
    for (const [name, run] of runs) samples.get(name)?.push(await cpuPerRow(run));
  }
  process.stdout.write(`${title}\n`);
  for (const [name] of runs) {
    const s = summarize(samples.get(name) ?? []);
    process.stdout.write(`${name.padEnd(width)} median ${s.median.toFixed(0)} (min ${s.min.toFixed(0)}, max ${s.max.toFixed(0)})\n`);
  }
}
