/**
 * The public types of the connection API in one module: the options and results of the calls a client, a pool
 * connection and a pool share. Types only; every other module takes them from here.
 */
import type { ArrayRows, Field, Result, RowMode } from './query/result.js';

/** Options for one query. Every per-call options object accepts `signal`. */
export interface QueryOptions {
  /** Abort the query: a queued query is dropped, a running one is cancelled on the server. Rejects with `signal.reason`. */
  signal?: AbortSignal;
  /** Cancel the query after this many milliseconds (rejects with QueryTimeoutError). Default: the client's `queryTimeoutMs`. */
  timeoutMs?: number;
  /** `'object'` (default) or `'array'` rows. */
  rowMode?: RowMode;
  /** `false` runs the unnamed statement instead of the automatic prepared-statement cache (for poolers like pgbouncer). */
  prepare?: boolean;
  /** Parameter type OIDs to declare in Parse (default: let the server infer; docs/cratedb-wire.md "Parameter type inference"). */
  paramTypes?: readonly number[];
}

/** Options for simpleQuery(). */
export interface SimpleQueryOptions {
  signal?: AbortSignal;
  timeoutMs?: number;
  rowMode?: RowMode;
}

/** Options for prepare(). */
export interface PrepareOptions {
  signal?: AbortSignal;
  /** Parameter type OIDs to declare (default: inferred by the server). */
  paramTypes?: readonly number[];
}

/** A named prepared statement from {@link Client.prepare}. */
export interface PreparedStatement {
  readonly text: string;
  /** Parameter type OIDs the server described. */
  readonly paramTypes: readonly number[];
  /** Result columns ([] for statements that return no rows). */
  readonly fields: readonly Field[];
  /** Run the statement with `params`; with `rowMode: 'array'` the rows are arrays. */
  execute<R extends unknown[] = unknown[]>(params: readonly unknown[] | undefined, options: Omit<QueryOptions, 'prepare' | 'paramTypes'> & ArrayRows): Promise<Result<R>>;
  execute<R = Record<string, unknown>>(params?: readonly unknown[], options?: Omit<QueryOptions, 'prepare' | 'paramTypes'>): Promise<Result<R>>;
  /** Close it on the server. Further execute() calls fail with a UsageError. */
  close(): Promise<void>;
}
