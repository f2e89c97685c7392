/** The workloads of issue 5, their sizes at a given scale, and the SQL every driver runs for them. */

/** Workload ids as in the issue; `1b` is the `SELECT $1::int` floor test named in its targets. */
export type WorkloadId = '1' | '1b' | '2' | '3' | '4' | '5' | '6' | '6b' | '7';

/** What one workload measures. */
export interface WorkloadSpec {
  readonly id: WorkloadId;
  readonly slug: string;
  readonly title: string;
  /** What a unit is: throughput is units per second. */
  readonly unit: 'queries' | 'rows';
  /** Units per timed round at scale 1. */
  readonly fullUnits: number;
  /** Whether peak RSS is a headline figure for it (it always is recorded). */
  readonly memory: boolean;
}

export const WORKLOADS: readonly WorkloadSpec[] = [
  { id: '1', slug: 'point-select', title: 'Sequential point select by primary key (unnamed statement)', unit: 'queries', fullUnits: 10_000, memory: false },
  { id: '1b', slug: 'select-int', title: 'Sequential `SELECT $1::int` (unnamed statement)', unit: 'queries', fullUnits: 10_000, memory: false },
  { id: '2', slug: 'point-prepared', title: 'Sequential point select, prepared statement', unit: 'queries', fullUnits: 10_000, memory: false },
  { id: '3', slug: 'pool-64x8', title: '64 concurrent callers over a pool of 8, point select', unit: 'queries', fullUnits: 20_000, memory: false },
  { id: '4', slug: 'read-500k', title: '500,000 rows read whole (int, text, double, timestamptz)', unit: 'rows', fullUnits: 500_000, memory: true },
  { id: '5', slug: 'stream-1m', title: '1,000,000 rows streamed', unit: 'rows', fullUnits: 1_000_000, memory: true },
  { id: '6', slug: 'bulk-insert-100k', title: 'Bulk insert of 100,000 rows', unit: 'rows', fullUnits: 100_000, memory: false },
  {
    id: '6b',
    slug: 'bulk-load-100k',
    title: 'Bulk load of 100,000 rows as column batches (bulkInsert; HTTP bulk_args), 10,000 rows a statement',
    unit: 'rows',
    fullUnits: 100_000,
    memory: false,
  },
  { id: '7', slug: 'json-array', title: 'Rows with a JSON/OBJECT column and array columns', unit: 'rows', fullUnits: 50_000, memory: false },
];

/** Concurrency of workload 3. */
export const POOL_CALLERS = 64;
export const POOL_SIZE = 8;
/** Rows per fetch when streaming (every driver uses the same). */
export const FETCH_SIZE = 1_000;
/**
 * Rows per statement/request for the multi-row and bulk_args inserts (4 params a row, far under 65,535), and per
 * Sync of executeMany() and per statement of bulkInsert(): every driver batches the same.
 */
export const INSERT_CHUNK = 10_000;

export const SQL_POINT = 'SELECT id, name, value, ts FROM bench_rows WHERE id = $1';
export const SQL_INT = 'SELECT $1::int AS v';
export const SQL_RANGE = 'SELECT id, name, value, ts FROM bench_rows WHERE id <= $1';
export const SQL_DOCS = 'SELECT id, doc, tags, nums FROM bench_docs WHERE id <= $1';
/**
 * Not named `…_insert`: postgres.js finds the `insert` keyword before its `sql(rows)` helper with a regex whose
 * case-insensitive back-reference a table name ending in "insert " defeats, and then fails.
 */
export const SQL_INSERT = 'INSERT INTO bench_ingest (id, name, value, ts) VALUES ($1, $2, $3, $4)';
export const INSERT_COLUMNS = ['id', 'name', 'value', 'ts'] as const;

/** Units of one timed round at `scale` (at least the concurrency of workload 3, so every caller runs). */
export function unitsAt(spec: WorkloadSpec, scale: number): number {
  const n = Math.max(1, Math.round(spec.fullUnits * scale));
  return spec.id === '3' ? Math.max(POOL_CALLERS, n) : n;
}

/**
 * Queries a query workload warms up with, whatever the scale: V8 optimises a driver's per-query code only after
 * thousands of calls, and with fewer a quick run (`BENCH_SCALE=0.1`) measured every pgwire driver at about half speed.
 */
const QUERY_WARMUP = 10_000;

/**
 * The warm-up run: at least {@link QUERY_WARMUP} queries for query workloads; a fifth of a round, at least 200, for
 * row workloads (every row is many calls, so they are warm long before that).
 */
export function warmupUnitsAt(spec: WorkloadSpec, scale: number): number {
  const n = unitsAt(spec, scale);
  if (spec.unit === 'queries') return Math.max(QUERY_WARMUP, Math.round(n / 5));
  return Math.min(n, Math.max(200, Math.round(n / 5)));
}

/** Rows `bench_rows` needs: the largest of the streamed and read-whole results (point selects hit any id). */
export function plainRowsAt(scale: number): number {
  return Math.max(...WORKLOADS.filter((w) => w.id === '4' || w.id === '5').map((w) => unitsAt(w, scale)));
}

/** Rows `bench_docs` needs. */
export function docRowsAt(scale: number): number {
  return unitsAt(WORKLOADS.find((w) => w.id === '7') as WorkloadSpec, scale);
}

/** The spec with this id, or undefined. */
export function findWorkload(id: string): WorkloadSpec | undefined {
  return WORKLOADS.find((w) => w.id === id || w.slug === id);
}
