/**
 * The shape of bench/results/latest.json, the ratios cratewire ÷ each peer, and the targets of issue 5 checked
 * against them.
 */
import type { DriverName } from './protocol.js';
import type { Summary } from './stats.js';
import type { WorkloadId } from './workloads.js';

/**
 * `ok`: measured and every result checked; `unavailable`: the driver has no API for it yet; `needs-cratedb`: an
 * HTTP driver against PostgreSQL; `failed`: it threw or crashed; `wrong-result`: it returned wrong data, so its
 * figures are not reported.
 */
export type DriverStatus = 'ok' | 'unavailable' | 'needs-cratedb' | 'failed' | 'wrong-result';

export interface DriverResult {
  readonly driver: DriverName;
  status: DriverStatus;
  reason: string | undefined;
  /** Units per second, one per timed round, in round order. */
  readonly rates: number[];
  summary: Summary | undefined;
  /** The worker's CPU time (user + system) per unit in microseconds, one per timed round. */
  readonly cpuUsPerUnit: number[];
  /** Median of {@link cpuUsPerUnit}: the driver's own cost, which the server's speed hardly moves. */
  cpuMedianUs: number | undefined;
  /** RSS after connecting, before the warm-up. */
  baselineRssMB: number | undefined;
  /** process.resourceUsage().maxRSS of the worker at the end. */
  peakRssMB: number | undefined;
}

export interface WorkloadResult {
  readonly id: WorkloadId;
  readonly slug: string;
  readonly title: string;
  readonly unit: 'queries' | 'rows';
  readonly units: number;
  readonly warmupUnits: number;
  readonly drivers: DriverResult[];
}

/** cratewire's median throughput ÷ a peer's; `low`/`high` pair the quartiles the unfavourable/favourable way. */
export interface Ratio {
  readonly workload: WorkloadId;
  readonly peer: DriverName;
  readonly ratio: number;
  readonly low: number;
  readonly high: number;
}

/** One target of issue 5 and whether this run met it (`null`: not measurable in this run). */
export interface TargetCheck {
  readonly workload: WorkloadId;
  readonly description: string;
  readonly required: string;
  readonly actual: string;
  readonly met: boolean | null;
}

export interface Machine {
  readonly cpu: string;
  readonly cores: number;
  readonly memoryGB: number;
  readonly os: string;
}

export interface BenchReport {
  readonly meta: {
    readonly date: string;
    readonly machine: Machine;
    readonly node: string;
    readonly server: string;
    readonly target: 'postgresql' | 'cratedb';
    readonly scale: number;
    readonly rounds: number;
    readonly durationS: number;
    readonly notes: readonly string[];
    readonly drivers: Readonly<Record<string, string>>;
  };
  readonly workloads: readonly WorkloadResult[];
  readonly ratios: readonly Ratio[];
  readonly targets: readonly TargetCheck[];
}

/** Ratios for every workload where cratewire and a peer both measured cleanly. */
export function computeRatios(workloads: readonly WorkloadResult[]): Ratio[] {
  const ratios: Ratio[] = [];
  for (const w of workloads) {
    const own = w.drivers.find((d) => d.driver === 'cratewire')?.summary;
    if (own === undefined) continue;
    for (const peer of w.drivers) {
      if (peer.driver === 'cratewire' || peer.summary === undefined) continue;
      const p = peer.summary;
      ratios.push({ workload: w.id, peer: peer.driver, ratio: own.median / p.median, low: own.q1 / p.q3, high: own.q3 / p.q1 });
    }
  }
  return ratios;
}

interface RatioTarget {
  readonly workload: WorkloadId;
  readonly peer: DriverName;
  readonly min: number;
  readonly description: string;
}

/** Issue 5's floors against PostgreSQL. */
const POSTGRES_TARGETS: readonly RatioTarget[] = [
  { workload: '2', peer: 'postgres.js', min: 1.2, description: 'sequential point select, prepared' },
  { workload: '2', peer: 'pg', min: 1.2, description: 'sequential point select, prepared' },
  { workload: '1b', peer: 'pg', min: 1.1, description: 'sequential `SELECT $1::int`, unnamed statement' },
  { workload: '3', peer: 'postgres.js', min: 1.2, description: '64 callers over 8 connections via pool.query' },
  { workload: '4', peer: 'postgres.js', min: 1.5, description: '500,000 rows read whole, rows/s' },
  { workload: '5', peer: 'postgres.js', min: 1.5, description: '1,000,000 rows streamed, rows/s' },
];

/**
 * Issue 11's targets against CrateDB: against HTTP `/_sql`, and against the raw-socket floors measured in the same
 * run (reads against the binary-results floor). Every other workload must at least match HTTP.
 */
const CRATE_TARGETS: readonly RatioTarget[] = [
  { workload: '1', peer: 'http', min: 1, description: 'point select, unnamed statement' },
  { workload: '1', peer: 'wire-floor', min: 0.9, description: 'point select, unnamed statement' },
  { workload: '2', peer: 'http', min: 1.5, description: 'point select, prepared' },
  { workload: '3', peer: 'http', min: 1.5, description: '64 callers over a pool of 8' },
  { workload: '4', peer: 'http', min: 2, description: '500,000 rows read whole' },
  { workload: '4', peer: 'wire-floor-binary', min: 0.65, description: '500,000 rows read whole' },
  { workload: '5', peer: 'http', min: 2, description: '1,000,000 rows streamed' },
  { workload: '5', peer: 'wire-floor-binary', min: 0.65, description: '1,000,000 rows streamed' },
  { workload: '6', peer: 'wire-floor', min: 0.9, description: 'executeMany, per-row Bind/Execute' },
  { workload: '6b', peer: 'http', min: 1, description: 'bulkInsert column batches' },
  { workload: '6b', peer: 'wire-floor', min: 0.9, description: 'bulkInsert column batches' },
  { workload: '7', peer: 'http', min: 1, description: 'json and array columns' },
  { workload: '7', peer: 'wire-floor', min: 0.9, description: 'json and array columns' },
];

const STREAM_RSS_LIMIT_MB = 150;

function ratioCheck(ratios: readonly Ratio[], t: RatioTarget): TargetCheck {
  const r = ratios.find((x) => x.workload === t.workload && x.peer === t.peer);
  return {
    workload: t.workload,
    description: `${t.description} vs ${t.peer}`,
    required: `≥ ${t.min.toFixed(2)}×`,
    actual: r === undefined ? 'not measured' : `${r.ratio.toFixed(2)}×`,
    met: r === undefined ? null : r.ratio >= t.min,
  };
}

/**
 * What the wire floor (bench/drivers/wire-floor.ts) reached against `peer` on the check's workload, when it ran
 * there: the most any client could have reached in this run, shown beside the target.
 */
function withFloor(check: TargetCheck, workloads: readonly WorkloadResult[], peer: DriverName): TargetCheck {
  const w = workloads.find((x) => x.id === check.workload);
  const floor = w?.drivers.find((d) => d.driver === 'wire-floor')?.summary;
  const other = w?.drivers.find((d) => d.driver === peer)?.summary;
  if (floor === undefined || other === undefined) return check;
  return { ...check, actual: `${check.actual} (wire floor: ${(floor.median / other.median).toFixed(2)}×)` };
}

/** Every target that applies to this run's server; the memory limit is only judged at full scale. */
export function checkTargets(kind: 'postgresql' | 'cratedb', scale: number, workloads: readonly WorkloadResult[], ratios: readonly Ratio[]): TargetCheck[] {
  const checks: TargetCheck[] = [];
  if (kind === 'postgresql') {
    for (const t of POSTGRES_TARGETS) if (workloads.some((w) => w.id === t.workload)) checks.push(withFloor(ratioCheck(ratios, t), workloads, t.peer));
  } else {
    for (const w of workloads) {
      const own = CRATE_TARGETS.filter((t) => t.workload === w.id);
      const targets = own.length > 0 ? own : [{ workload: w.id, peer: 'http' as const, min: 1, description: `${w.slug}: faster than HTTP /_sql` }];
      for (const t of targets) checks.push(ratioCheck(ratios, t));
    }
  }
  const stream = workloads.find((w) => w.id === '5')?.drivers.find((d) => d.driver === 'cratewire');
  if (stream !== undefined) {
    const rss = stream.status === 'ok' ? stream.peakRssMB : undefined;
    checks.push({
      workload: '5',
      description: 'peak RSS while streaming 1,000,000 rows',
      required: `< ${STREAM_RSS_LIMIT_MB} MB`,
      actual: rss === undefined ? 'not measured' : `${rss} MB${scale === 1 ? '' : ` (at scale ${scale}: not judged)`}`,
      met: rss === undefined || scale !== 1 ? null : rss < STREAM_RSS_LIMIT_MB,
    });
  }
  return checks;
}
