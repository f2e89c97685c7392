/**
 * `npm run bench [-- <drivers…> <workloads…> --rounds=N --profile[=all]]`: issue 5's workloads × drivers against
 * CrateDB (`CRATEDB_URL`) or an embedded PostgreSQL, with alternating rounds, checked results, and a terminal
 * table plus bench/results/latest.{json,md,svg} (bench/results/cratedb/ for a CrateDB run). `BENCH_SCALE` (default 1) scales every workload.
 */
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { availableParallelism, cpus, release, totalmem, type as osType } from 'node:os';
import { join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { buildCratewire } from './build-cratewire.js';
import { DRIVERS, FLOOR_WORKLOADS, HTTP_DRIVERS, type DriverName, type TargetInfo } from './protocol.js';
import { renderReport } from './report/markdown.js';
import { renderSvg } from './report/svg.js';
import { RESULT_HEADER, TARGET_HEADER, ratioMatrix, renderPadded, resultRows, targetRows } from './report/table.js';
import { checkTargets, computeRatios, type BenchReport, type DriverResult, type Machine, type WorkloadResult } from './results.js';
import { formatRate, summarize } from './stats.js';
import { openTarget, type Target } from './target.js';
import { WorkerProcess } from './worker-process.js';
import { WORKLOADS, docRowsAt, findWorkload, plainRowsAt, unitsAt, warmupUnitsAt, type WorkloadSpec } from './workloads.js';

const ROOT = fileURLToPath(new URL('..', import.meta.url));
const RESULTS_DIR = join(ROOT, 'bench', 'results');
const PROFILE_DIR = join(RESULTS_DIR, 'profiles');
const START_TIMEOUT_MS = 60_000;
const SRC_ENTRY = new URL('../src/index.ts', import.meta.url).href;
const RUN_TIMEOUT_MS = Number(process.env['BENCH_RUN_TIMEOUT_S'] ?? 300) * 1000;

interface Options {
  readonly drivers: readonly DriverName[];
  readonly workloads: readonly WorkloadSpec[];
  readonly scale: number;
  readonly rounds: number;
  /** Which drivers run under `--cpu-prof`. */
  readonly profile: readonly DriverName[];
  /** See WorkerConfig.cratewireEntry; filled in by main() after the build. */
  readonly cratewireEntry: string;
}

function parseOptions(argv: readonly string[]): Options {
  const drivers: DriverName[] = [];
  const workloads: WorkloadSpec[] = [];
  let rounds = Number(process.env['BENCH_ROUNDS'] ?? 5);
  let profile: readonly DriverName[] = [];
  for (const raw of argv) {
    for (const arg of raw.startsWith('--drivers=') || raw.startsWith('--workloads=') ? raw.slice(raw.indexOf('=') + 1).split(',') : [raw]) {
      const driver = DRIVERS.find((d) => d === arg);
      const workload = findWorkload(arg);
      if (driver !== undefined) drivers.push(driver);
      else if (workload !== undefined) workloads.push(workload);
      else if (arg.startsWith('--rounds=')) rounds = Number(arg.slice('--rounds='.length));
      else if (arg === '--profile') profile = ['cratewire'];
      else if (arg === '--profile=all') profile = DRIVERS;
      else throw new Error(`unknown argument ${JSON.stringify(arg)}; drivers: ${DRIVERS.join(', ')}; workloads: ${WORKLOADS.map((w) => `${w.id}/${w.slug}`).join(', ')}`);
    }
  }
  const scale = Number(process.env['BENCH_SCALE'] ?? 1);
  if (!(scale > 0)) throw new Error(`BENCH_SCALE must be a positive number, got ${process.env['BENCH_SCALE']}`);
  if (!Number.isInteger(rounds) || rounds < 1) throw new Error(`rounds must be a positive integer, got ${rounds}`);
  return {
    drivers: drivers.length > 0 ? DRIVERS.filter((d) => drivers.includes(d)) : DRIVERS,
    workloads: workloads.length > 0 ? WORKLOADS.filter((w) => workloads.includes(w)) : WORKLOADS,
    scale,
    rounds,
    profile,
    cratewireEntry: SRC_ENTRY,
  };
}

/** One status line, rewritten in place on a terminal. */
function progress(message: string): void {
  if (process.stderr.isTTY) process.stderr.write(`\r\x1b[K${message}`);
  else process.stderr.write(`${message}\n`);
}

interface Entry {
  readonly result: DriverResult;
  readonly worker: WorkerProcess;
}

function newResult(driver: DriverName): DriverResult {
  return { driver, status: 'ok', reason: undefined, rates: [], summary: undefined, cpuUsPerUnit: [], cpuMedianUs: undefined, baselineRssMB: undefined, peakRssMB: undefined };
}

async function startWorkers(spec: WorkloadSpec, options: Options, target: Target, plainRows: number, label: string): Promise<{ results: DriverResult[]; entries: Entry[] }> {
  const results: DriverResult[] = [];
  const entries: Entry[] = [];
  for (const driver of options.drivers) {
    const floorOf = FLOOR_WORKLOADS[driver];
    if (floorOf !== undefined && !floorOf.includes(spec.id)) continue;
    const result = newResult(driver);
    results.push(result);
    if (target.info.kind === 'postgresql' && HTTP_DRIVERS.includes(driver)) {
      result.status = 'needs-cratedb';
      continue;
    }
    progress(`${label} · starting ${driver}`);
    // One directory per worker and V8's own file names: tsx's loader thread writes a profile too, and a fixed
    // --cpu-prof-name would let it overwrite the main thread's.
    const nodeArgs = options.profile.includes(driver) ? ['--cpu-prof', `--cpu-prof-dir=${join(PROFILE_DIR, `${spec.id}-${spec.slug}-${driver}`)}`] : [];
    const worker = new WorkerProcess({ driver, workload: spec.id, target: target.info, plainRows, cratewireEntry: options.cratewireEntry }, nodeArgs);
    const message = await worker.next(START_TIMEOUT_MS);
    if (message.type === 'ready') {
      result.baselineRssMB = message.rssMB;
      entries.push({ result, worker });
    } else {
      result.status = message.type === 'unavailable' ? 'unavailable' : 'failed';
      result.reason = message.type === 'unavailable' || message.type === 'failed' ? message.reason : `unexpected ${message.type}`;
      worker.kill();
    }
  }
  return { results, entries };
}

/** One run of one driver: units/s and CPU µs per unit, or undefined after recording why it failed. */
async function runOnce(spec: WorkloadSpec, target: Target, entry: Entry, units: number): Promise<{ rate: number; cpuUs: number } | undefined> {
  const inserts = spec.id === '6' || spec.id === '6b';
  if (inserts) await target.clearInsert();
  entry.worker.send({ type: 'run', units });
  const message = await entry.worker.next(RUN_TIMEOUT_MS);
  if (message.type !== 'result') {
    entry.result.status = 'failed';
    entry.result.reason = message.type === 'failed' ? message.reason : `unexpected ${message.type}`;
    entry.worker.kill();
    return undefined;
  }
  const error = message.result.error ?? (inserts ? await target.verifyInsert(units) : undefined);
  if (error !== undefined) {
    entry.result.status = 'wrong-result';
    entry.result.reason = error;
    return undefined;
  }
  return { rate: units / (message.result.elapsedMs / 1000), cpuUs: message.result.cpuUs / units };
}

async function runWorkload(spec: WorkloadSpec, index: number, options: Options, target: Target, plainRows: number): Promise<WorkloadResult> {
  const label = `[${index + 1}/${options.workloads.length} ${spec.id} ${spec.slug}]`;
  const units = unitsAt(spec, options.scale);
  const warmupUnits = warmupUnitsAt(spec, options.scale);
  const { results, entries } = await startWorkers(spec, options, target, plainRows, label);
  const active = (): Entry[] => entries.filter((e) => e.result.status === 'ok');
  for (const entry of active()) {
    progress(`${label} warm-up · ${entry.result.driver}`);
    await runOnce(spec, target, entry, warmupUnits);
  }
  const per = spec.unit === 'queries' ? 'q/s' : 'rows/s';
  for (let round = 1; round <= options.rounds; round++) {
    for (const entry of active()) {
      progress(`${label} round ${round}/${options.rounds} · ${entry.result.driver}…`);
      const run = await runOnce(spec, target, entry, units);
      if (run !== undefined) {
        entry.result.rates.push(run.rate);
        entry.result.cpuUsPerUnit.push(run.cpuUs);
        progress(`${label} round ${round}/${options.rounds} · ${entry.result.driver} ${formatRate(run.rate)} ${per}`);
      }
    }
  }
  for (const entry of entries) {
    if (entry.worker.exited) continue;
    entry.worker.send({ type: 'stop' });
    const message = await entry.worker.next(START_TIMEOUT_MS);
    if (message.type === 'stopped') entry.result.peakRssMB = message.peakRssMB;
    await entry.worker.waitExit(START_TIMEOUT_MS);
  }
  for (const r of results) {
    if (r.status === 'ok' && r.rates.length > 0) {
      r.summary = summarize(r.rates);
      r.cpuMedianUs = summarize(r.cpuUsPerUnit).median;
    }
  }
  return { id: spec.id, slug: spec.slug, title: spec.title, unit: spec.unit, units, warmupUnits, drivers: results };
}

function machine(): Machine {
  return {
    cpu: cpus()[0]?.model.trim() ?? 'unknown',
    cores: availableParallelism(),
    memoryGB: Math.round(totalmem() / 2 ** 30),
    os: `${osType()} ${release()}`,
  };
}

async function packageVersion(name: string): Promise<string> {
  const dir = name === 'cratewire' ? ROOT : join(ROOT, 'node_modules', name);
  const json = JSON.parse(await readFile(join(dir, 'package.json'), 'utf8')) as { version?: string };
  return json.version ?? 'unknown';
}

async function driverVersions(): Promise<Record<string, string>> {
  const names = ['cratewire', 'pg', 'pg-cursor', 'postgres', 'undici', 'node-crate'];
  const versions = await Promise.all(names.map(packageVersion));
  return Object.fromEntries(names.map((n, i) => [n, versions[i] as string]));
}

/** Writes `<dir>/latest.{json,md,svg}`; returns the path pattern for the summary. */
async function writeOutputs(report: BenchReport, dir: string): Promise<string> {
  await mkdir(dir, { recursive: true });
  await writeFile(join(dir, 'latest.json'), `${JSON.stringify(report, null, 2)}\n`);
  await writeFile(join(dir, 'latest.md'), renderReport(report));
  await writeFile(join(dir, 'latest.svg'), renderSvg(report));
  return join(relative(ROOT, dir), 'latest.{json,md,svg}');
}

function printSummary(report: BenchReport, written: string): void {
  const ratios = ratioMatrix(report);
  const out = [
    '',
    `${report.meta.server} · Node ${report.meta.node} · ${report.meta.machine.cpu} × ${report.meta.machine.cores} · scale ${report.meta.scale} · ${report.meta.rounds} rounds`,
    '',
    renderPadded(RESULT_HEADER, resultRows(report)),
    '',
    'cratewire ÷ peer (median; quartile bracket)',
    ratios.rows.length > 0 ? renderPadded(ratios.header, ratios.rows) : '(no ratios)',
    '',
    renderPadded(TARGET_HEADER, targetRows(report)),
    '',
    `Written: ${written}`,
  ];
  process.stdout.write(`${out.join('\n')}\n`);
}

/**
 * `BENCH_CRATEWIRE=src` measures src/ through tsx (quicker to iterate on; slightly slower, see build-cratewire.ts);
 * `BENCH_CRATEWIRE=<dir>` builds the src/ of another checkout (an older commit, for before/after runs).
 */
async function cratewireEntry(drivers: readonly DriverName[]): Promise<string> {
  const chosen = process.env['BENCH_CRATEWIRE'] ?? '';
  if (!drivers.includes('cratewire') || chosen === 'src') return SRC_ENTRY;
  progress('building cratewire (tsc)…');
  return buildCratewire(chosen === '' ? ROOT : chosen);
}

async function main(): Promise<void> {
  const parsed = parseOptions(process.argv.slice(2));
  const started = Date.now();
  const options: Options = { ...parsed, cratewireEntry: await cratewireEntry(parsed.drivers) };
  const plainRows = plainRowsAt(options.scale);
  const target = await openTarget({ plainRows, docRows: docRowsAt(options.scale) }, progress);
  const onSignal = (): void => {
    void target.dispose().finally(() => process.exit(130));
  };
  process.once('SIGINT', onSignal);
  process.once('SIGTERM', onSignal);
  try {
    if (options.profile.length > 0) await mkdir(PROFILE_DIR, { recursive: true });
    const workloads: WorkloadResult[] = [];
    for (const [i, spec] of options.workloads.entries()) workloads.push(await runWorkload(spec, i, options, target, plainRows));
    progress('');
    const ratios = computeRatios(workloads);
    const info: TargetInfo = target.info;
    const report: BenchReport = {
      meta: {
        date: new Date().toISOString(),
        machine: machine(),
        node: process.version,
        server: target.serverVersion,
        target: info.kind,
        scale: options.scale,
        rounds: options.rounds,
        durationS: Math.round((Date.now() - started) / 1000),
        notes: [
          ...target.notes,
          options.cratewireEntry === SRC_ENTRY
            ? 'cratewire ran from src/ through tsx (BENCH_CRATEWIRE=src), which wraps every closure in a keepNames helper: slightly slower than its build.'
            : 'cratewire ran from a tsc build of src/ (bench/.build), plain JavaScript like the peers from node_modules.',
        ],
        drivers: await driverVersions(),
      },
      workloads,
      ratios,
      targets: checkTargets(info.kind, options.scale, workloads, ratios),
    };
    // A profiled run is slowed by the profiler: its figures must not replace the published ones.
    // A CrateDB run gets its own report beside the PostgreSQL one.
    const onCrate = (process.env['CRATEDB_URL'] ?? '') !== '';
    const dir = options.profile.length > 0 ? PROFILE_DIR : onCrate ? join(RESULTS_DIR, 'cratedb') : RESULTS_DIR;
    printSummary(report, await writeOutputs(report, dir));
    if (options.profile.length > 0) process.stdout.write(`CPU profiles: ${PROFILE_DIR} (summarise one with: npx tsx bench/profile-summary.ts <dir or file>)\n`);
  } finally {
    await target.dispose();
  }
}

try {
  await main();
} catch (err) {
  // One readable line (with the SQLSTATE when the server refused something) instead of an object dump.
  const sqlstate = (err as { sqlstate?: unknown }).sqlstate;
  const reason = err instanceof Error ? `${err.name}: ${err.message}${typeof sqlstate === 'string' ? ` (SQLSTATE ${sqlstate})` : ''}` : String(err);
  process.stderr.write(`\nbenchmark failed: ${reason}\n`);
  if (process.env['CRATEDB_URL'] !== undefined && process.env['CRATEDB_URL'] !== '') {
    process.stderr.write('CRATEDB_URL must point at a real CrateDB (pgwire) with its HTTP endpoint at CRATEDB_HTTP_URL or port 4200.\n');
  }
  process.exitCode = 1;
}
