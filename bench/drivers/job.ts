/**
 * The shape every driver adapter fills in, and the timing loops they share, so each driver is timed and checked
 * the same way: only the driver call is inside the clock; inputs are built before it, whole results checked after.
 */
import { performance } from 'node:perf_hooks';
import { pointIds, plainRowError, RowChecker, verifyDocs } from '../data.js';
import type { RunResult } from '../protocol.js';
import { POOL_CALLERS } from '../workloads.js';

/** Wall clock and process CPU time from now on. */
export function startClock(): () => { elapsedMs: number; cpuUs: number } {
  const cpu = process.cpuUsage();
  const start = performance.now();
  return () => {
    const elapsedMs = performance.now() - start;
    const used = process.cpuUsage(cpu);
    return { elapsedMs, cpuUs: used.user + used.system };
  };
}

/** One workload ready to run on one driver (connections open, statements prepared). */
export interface Job {
  run(units: number): Promise<RunResult>;
  close(): Promise<void>;
}

/** Thrown while opening a job when the driver has no API for the workload (yet), or it needs CrateDB. */
export class Unavailable extends Error {
  override readonly name = 'Unavailable';
}

/** A point select: resolves with why the row for `id` is wrong, or undefined. */
export type PointQuery = (id: number) => Promise<string | undefined>;

/** `fn` once per id, one awaited call at a time. Ids cover `1..maxId` pseudo-randomly (same for every driver). */
export function sequentialJob(fn: PointQuery, maxId: number, close: () => Promise<void>): Job {
  return {
    async run(units) {
      const ids = pointIds(units, maxId);
      let error: string | undefined;
      const stop = startClock();
      for (let i = 0; i < units; i++) {
        const err = await fn(ids[i] as number);
        if (err !== undefined && error === undefined) error = err;
      }
      return { ...stop(), units, error };
    },
    close,
  };
}

/** {@link POOL_CALLERS} callers sharing `units` calls, each awaiting its own before the next. */
export function concurrentJob(fn: PointQuery, maxId: number, close: () => Promise<void>): Job {
  return {
    async run(units) {
      const ids = pointIds(units, maxId);
      let next = 0;
      let error: string | undefined;
      const caller = async (): Promise<void> => {
        while (next < units) {
          const err = await fn(ids[next++] as number);
          if (err !== undefined && error === undefined) error = err;
        }
      };
      const stop = startClock();
      await Promise.all(Array.from({ length: POOL_CALLERS }, caller));
      return { ...stop(), units, error };
    },
    close,
  };
}

/** A plain row as four values in column order (id, name, value, ts). */
export type PlainTuple = readonly [unknown, unknown, unknown, unknown];

/** Reads `n` rows of bench_rows whole in the driver's own row shape; `toTuple` runs after the clock stops. */
export function readWholeJob<R>(read: (n: number) => Promise<readonly R[]>, toTuple: (row: R) => PlainTuple, close: () => Promise<void>): Job {
  return {
    async run(units) {
      const stop = startClock();
      const rows = await read(units);
      const timing = stop();
      const checker = new RowChecker();
      for (const row of rows) {
        const [id, name, value, ts] = toTuple(row);
        checker.add(id, name, value, ts);
      }
      return { ...timing, units, error: checker.verify(units) };
    },
    close,
  };
}

/** Streams `n` rows of bench_rows through `stream`, which hands each row to the checker as it arrives. */
export function streamJob(stream: (n: number, checker: RowChecker) => Promise<void>, close: () => Promise<void>): Job {
  return {
    async run(units) {
      const checker = new RowChecker();
      const stop = startClock();
      await stream(units, checker);
      return { ...stop(), units, error: checker.verify(units) };
    },
    close,
  };
}

/** Inserts `rows` (built before the clock starts); the parent checks the table afterwards. */
export function insertJob<T>(build: (n: number) => T, insert: (rows: T) => Promise<void>, close: () => Promise<void>): Job {
  return {
    async run(units) {
      const rows = build(units);
      const stop = startClock();
      await insert(rows);
      return { ...stop(), units, error: undefined };
    },
    close,
  };
}

/** A doc row as four values in column order (id, doc, tags, nums). */
export type DocTuple = readonly [unknown, unknown, unknown, unknown];

/** Reads `n` rows of bench_docs whole in the driver's own row shape; checked after the clock stops. */
export function docsJob<R>(read: (n: number) => Promise<readonly R[]>, toTuple: (row: R) => DocTuple, close: () => Promise<void>): Job {
  return {
    async run(units) {
      const stop = startClock();
      const rows = await read(units);
      const timing = stop();
      return { ...timing, units, error: verifyDocs(rows.map(toTuple), units) };
    },
    close,
  };
}

/** Checks one point-select result given as a row object with id/name/value/ts, or its absence. */
export function checkPointObject(row: { id?: unknown; name?: unknown; value?: unknown; ts?: unknown } | undefined, id: number): string | undefined {
  if (row === undefined) return `no row for id ${id}`;
  return plainRowError(row.id, row.name, row.value, row.ts, id);
}

/** Checks the value of `SELECT $1::int` against the parameter sent. */
export function checkInt(value: unknown, expected: number): string | undefined {
  return value === expected || (typeof value === 'string' && Number(value) === expected) ? undefined : `expected ${expected}, got ${String(value)}`;
}

/** A bench_rows row as the pgwire drivers return it in object mode. */
export interface PlainObject {
  readonly id?: unknown;
  readonly name?: unknown;
  readonly value?: unknown;
  readonly ts?: unknown;
}

export function plainObjectTuple(row: PlainObject): PlainTuple {
  return [row.id, row.name, row.value, row.ts];
}

/** A bench_docs row as the pgwire drivers return it in object mode. */
export interface DocObject {
  readonly id?: unknown;
  readonly doc?: unknown;
  readonly tags?: unknown;
  readonly nums?: unknown;
}

export function docObjectTuple(row: DocObject): DocTuple {
  return [row.id, row.doc, row.tags, row.nums];
}
