/**
 * Messages between bench/run.ts and its workers. Each (workload, driver) pair runs in its own child process, so
 * its peak RSS is its own; the parent only tells it when to run, which is how rounds alternate A B C A B C.
 */
import type { WorkloadId } from './workloads.js';

/**
 * The drivers compared. `http` is CrateDB's `POST /_sql` through undici; `wire-floor` and `wire-floor-binary` are no
 * drivers but floors (bench/drivers/wire-floor.ts): what a client that only writes precomputed bytes and frames the
 * replies takes — with text results, and with binary results for the reads.
 */
export type DriverName = 'cratewire' | 'pg' | 'postgres.js' | 'wire-floor' | 'wire-floor-binary' | 'http' | 'node-crate';

export const DRIVERS: readonly DriverName[] = ['cratewire', 'pg', 'postgres.js', 'wire-floor', 'wire-floor-binary', 'http', 'node-crate'];

/** The workloads each floor runs (the other drivers run every workload). */
export const FLOOR_WORKLOADS: Readonly<Partial<Record<DriverName, readonly WorkloadId[]>>> = {
  'wire-floor': ['1', '1b', '2', '4', '5', '6', '6b', '7'],
  'wire-floor-binary': ['4', '5', '7'],
};

/** Drivers that speak HTTP `/_sql` and so need CrateDB. */
export const HTTP_DRIVERS: readonly DriverName[] = ['http', 'node-crate'];

/** Where the server is, as a worker needs it. */
export interface TargetInfo {
  readonly kind: 'postgresql' | 'cratedb';
  /** postgres:// URL every pgwire driver connects with. */
  readonly pgUrl: string;
  /** Base URL of CrateDB's HTTP endpoint, when the target is CrateDB. */
  readonly httpUrl: string | undefined;
}

/** What a worker is started with (JSON in argv[2]). */
export interface WorkerConfig {
  readonly driver: DriverName;
  readonly workload: WorkloadId;
  readonly target: TargetInfo;
  /** Rows in `bench_rows` (point selects pick ids in 1..plainRows). */
  readonly plainRows: number;
  /** URL of the cratewire module to measure: the tsc build of src/ (default) or src/index.ts itself. */
  readonly cratewireEntry: string;
}

export type ParentMessage = { readonly type: 'run'; readonly units: number } | { readonly type: 'stop' };

/** One timed run; `error` is set when the result was wrong (then the figure is not reported). */
export interface RunResult {
  readonly elapsedMs: number;
  /** CPU time (user + system) the worker process used during the timed part, in microseconds. */
  readonly cpuUs: number;
  readonly units: number;
  readonly error: string | undefined;
}

export type WorkerMessage =
  | { readonly type: 'ready'; readonly rssMB: number }
  | { readonly type: 'unavailable'; readonly reason: string }
  | { readonly type: 'failed'; readonly reason: string }
  | { readonly type: 'result'; readonly result: RunResult }
  | { readonly type: 'stopped'; readonly peakRssMB: number };
