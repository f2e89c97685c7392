/**
 * Pool: a bounded set of connections for web servers, over an injected client factory (docs/design.md "Principles", "Layout and import direction"). It
 * never imports protocol/ or codecs/. Each acquire gets a client exclusively; `query()` acquires, runs and releases —
 * except that on PostgreSQL, when every connection is busy, a read may join a connection already running other
 * pool.query() reads, pipelined (pool/lanes.ts).
 */
import { resolveConfig, type ResolvedConfig } from './config.js';
import { ConnectionClosedError, NodeUnavailableError, PoolClosedError, QueryTimeoutError, UsageError } from './errors.js';
import { controlOf, type PoolConnection } from './pool/connection.js';
import { PoolCore, type AcquireOptions, type EndOptions, type PoolStats } from './pool/core.js';
import { resolvePoolOptions, splitPoolOptions, type PoolOptions, type ResolvedPoolOptions } from './pool/options.js';
import { isShareable, QueryLanes } from './pool/lanes.js';
import { setTimeout as sleep } from 'node:timers/promises';
import { isShareableRead } from './sql/classify.js';
import { runTemplate } from './sql/template.js';
import { runTransaction, type TransactionConnection } from './pool/transaction.js';
import { RowStream } from './query/stream.js';
import type {
  ArrayRows,
  BulkInsertOptions,
  BulkInsertResult,
  BulkResult,
  ConnectOptions,
  ExecuteManyOptions,
  QueryOptions,
  Result,
  StreamOptions,
  TransactionMode,
} from './types.js';

export { PoolConnection } from './pool/connection.js';
export type { AcquireOptions, EndOptions, PoolStats } from './pool/core.js';
export type { PoolHostStats } from './pool/hosts.js';
export type { ClientFactory, HostSelection, PoolClient, PoolOptions } from './pool/options.js';
export type { TransactionConnection } from './pool/transaction.js';

/** Pauses before the second and third run of a read whose CrateDB node (or connection) was lost. */
const READ_RETRY_PAUSES_MS = [100, 400];

/** Options of {@link Pool.transaction}. */
export interface TransactionOptions extends AcquireOptions, TransactionMode {}

/**
 * Create a pool. `input` is a URL, keyword/value string or options object as for connect(); pool options may be
 * given in either argument. Nothing connects until the first acquire unless `min` > 0. Throws ConfigError.
 */
export function createPool(input?: string | (ConnectOptions & PoolOptions), options?: ConnectOptions & PoolOptions): Pool {
  const [poolFromInput, connectInput] = typeof input === 'string' || input === undefined ? [{}, input] : splitPoolOptions(input);
  const [poolFromOptions, connectOptions] = splitPoolOptions(options);
  const config = resolveConfig(connectInput, connectOptions);
  return new Pool(config, resolvePoolOptions({ ...poolFromInput, ...poolFromOptions }));
}

/** A pool of connections. Create it with {@link createPool}. */
export class Pool implements AsyncDisposable {
  readonly #core: PoolCore;
  readonly #lanes: QueryLanes;
  readonly #max: number;
  /** Exclusive acquires not settled yet (acquire(), transaction(), executeMany(), non-shared query()). */
  #acquiring = 0;
  /** Whether the server allows pipelining; learnt from the first connection handed to pool.query() (never CrateDB). */
  #canPipeline = false;

  /** @internal Use {@link createPool}. */
  constructor(config: ResolvedConfig, options: ResolvedPoolOptions) {
    this.#core = new PoolCore(config, options);
    this.#lanes = new QueryLanes(config.pipelineDepth);
    this.#max = options.max;
  }

  /** Current counters; see {@link PoolStats}. */
  get stats(): PoolStats {
    return this.#core.stats;
  }

  /** True once end() was called. */
  get ended(): boolean {
    return this.#core.ending;
  }

  /**
   * Forget the cached prepared statements of every connection (each empties its cache before its next query). DDL run
   * through the pool does this by itself; call it after another program changed the schema. Only connections opened
   * by the driver's own factory share this (not those of a custom `clientFactory`).
   */
  clearStatementCache(): void {
    this.#core.schemaEpoch.bump();
  }

  /**
   * Borrow a connection for exclusive use; release it once (or use `await using`). Waits in FIFO order up to
   * `acquireTimeoutMs` (PoolTimeoutError); fails at once with PoolQueueFullError when `maxWaiting` callers wait, with
   * a ConnectionError when the database cannot be reached, and with `signal.reason` on abort.
   */
  acquire(options: AcquireOptions = {}): Promise<PoolConnection> {
    this.#acquiring++;
    const done = (): void => {
      this.#acquiring--;
    };
    const connection = this.#core.acquire(options);
    connection.then(done, done);
    return connection;
  }

  /**
   * Run one statement on a pooled connection (see Client.query); the connection is released even on error. A
   * `timeoutMs` covers the wait for a connection (PoolTimeoutError) and the query (QueryTimeoutError) together. On
   * PostgreSQL a plain read (no signal or deadline, nothing session-scoped) may share a busy connection with other
   * pool.query() reads when no connection is free, pipelined up to `pipelineDepth`; never on CrateDB.
   */
  query<R extends unknown[] = unknown[]>(text: string, params: readonly unknown[] | undefined, options: QueryOptions & ArrayRows): Promise<Result<R>>;
  query<R = Record<string, unknown>>(text: string, params?: readonly unknown[], options?: QueryOptions): Promise<Result<R>>;
  async query<R>(text: string, params?: readonly unknown[], options?: QueryOptions): Promise<Result<R>> {
    if (this.#canPipeline && isShareable(text, options)) {
      const joined = this.#mustWait() ? this.#lanes.tryJoin<R>(text, params, options) : undefined;
      return joined ?? this.#lanes.open<R>(this.#core.acquire(), text, params, options);
    }
    // A `timeoutMs` bounds the whole call: waiting for a connection, then the query with the time that is left.
    const timeoutMs = options?.timeoutMs;
    if (timeoutMs !== undefined && timeoutMs !== 0 && (typeof timeoutMs !== 'number' || !Number.isInteger(timeoutMs) || timeoutMs < 0)) {
      // Checked here, not only by the client: the arithmetic below would turn the string '100' into a number.
      const given = typeof timeoutMs === 'string' ? JSON.stringify(timeoutMs) : String(timeoutMs);
      throw new UsageError(`pool.query(): options.timeoutMs must be a whole number of milliseconds (0 = no timeout), got ${given}`);
    }
    const started = Date.now();
    for (let attempt = 0; ; attempt++) {
      try {
        return await this.#queryOnce<R>(text, params, options, started);
      } catch (err) {
        // A plain read lost with its node (or its connection) runs again on another connection, after a pause: for a
        // fraction of a second after a node dies, CrateDB still routes to its shards (seen on 6.4.3: `Node not
        // connected` for ~0.25 s).
        const pause = READ_RETRY_PAUSES_MS[attempt];
        if (pause === undefined || !this.#mayRetry(err, text, options, started, pause)) throw err;
        await sleep(pause);
      }
    }
  }

  /** Acquire, run, release, within what is left of the caller's `timeoutMs` since `started`. */
  async #queryOnce<R>(text: string, params: readonly unknown[] | undefined, options: QueryOptions | undefined, started: number): Promise<Result<R>> {
    const timeoutMs = options?.timeoutMs;
    const left = (): number => Math.max(1, (timeoutMs as number) - (Date.now() - started));
    const connection = await this.acquire(
      timeoutMs === undefined || timeoutMs <= 0 ? { signal: options?.signal } : { signal: options?.signal, timeoutMs: left() },
    );
    this.#canPipeline = connection.serverInfo.canPipeline;
    const rest = timeoutMs === undefined || timeoutMs <= 0 ? options : { ...options, timeoutMs: left() };
    try {
      return await connection.query<R>(text, params, rest);
    } catch (err) {
      // The query ran with the time left after the wait; the error names the caller's timeoutMs, not that rest.
      if (err instanceof QueryTimeoutError && rest !== options) throw new QueryTimeoutError(timeoutMs as number, { cause: err });
      throw err;
    } finally {
      connection.release();
    }
  }

  /**
   * Whether a failed pool.query() may run again after `pauseMs`: a plain read (no side effects, by the SQL scanner) that failed
   * because a CrateDB node it needed left the cluster, or because its connection died — never after an abort, never
   * past the deadline, never while the pool ends.
   */
  #mayRetry(err: unknown, text: string, options: QueryOptions | undefined, started: number, pauseMs: number): boolean {
    if (!(err instanceof NodeUnavailableError || err instanceof ConnectionClosedError)) return false;
    if (this.#core.ending || options?.signal?.aborted === true) return false;
    const timeoutMs = options?.timeoutMs;
    if (timeoutMs !== undefined && timeoutMs > 0 && Date.now() + pauseMs - started >= timeoutMs) return false;
    return isShareableRead(text);
  }

  /** Tagged-template query on a pooled connection; see Client.sql (`$n` parameters, `sql.id()` for identifiers). */
  sql<R = Record<string, unknown>>(strings: TemplateStringsArray, ...values: unknown[]): Promise<Result<R>> {
    return runTemplate(strings, values, (text, params) => this.query<R>(text, params));
  }

  /**
   * Join a lane only when an acquire would wait (no free connection, none can be opened) and no exclusive acquire is
   * pending — joiners never overtake a caller that needs a connection of its own.
   */
  #mustWait(): boolean {
    const s = this.#core.stats;
    return this.#acquiring === 0 && s.idle === 0 && s.total + s.connecting >= this.#max;
  }

  /**
   * Stream the rows of one statement on a pooled connection (see Client.stream). The connection is borrowed at the
   * first pull and released when the stream ends, fails, is closed or aborted, or is not read for `idleTimeoutMs`.
   */
  stream<R extends unknown[] = unknown[]>(text: string, params: readonly unknown[] | undefined, options: StreamOptions & ArrayRows): RowStream<R>;
  stream<R = Record<string, unknown>>(text: string, params?: readonly unknown[], options?: StreamOptions): RowStream<R>;
  stream<R>(text: string, params: readonly unknown[] = [], options: StreamOptions = {}): RowStream<R> {
    if (this.#core.ending) throw new PoolClosedError();
    return new RowStream<R>(async (signal) => {
      const connection = await this.acquire({ signal });
      try {
        return { ...connection.streamChannel(text, params, options), release: () => connection.release() };
      } catch (err) {
        connection.release();
        throw err;
      }
    }, options);
  }

  /** Run one write statement once per row on a pooled connection (see Client.executeMany); released even on error. */
  async executeMany(text: string, rows: readonly (readonly unknown[])[], options?: ExecuteManyOptions): Promise<BulkResult> {
    const connection = await this.acquire({ signal: options?.signal });
    try {
      return await connection.executeMany(text, rows, options);
    } finally {
      connection.release();
    }
  }

  /** Load rows as column batches on a pooled connection (see Client.bulkInsert); released even on error. */
  async bulkInsert(table: string, columns: readonly string[], rows: readonly (readonly unknown[])[], options?: BulkInsertOptions): Promise<BulkInsertResult> {
    const connection = await this.acquire({ signal: options?.signal });
    try {
      return await connection.bulkInsert(table, columns, rows, options);
    } finally {
      connection.release();
    }
  }

  /**
   * Run `fn` inside BEGIN … COMMIT on one connection; ROLLBACK if it throws (the error is rethrown). PostgreSQL only:
   * CrateDB has no transactions (BEGIN/COMMIT are no-ops, ROLLBACK is a syntax error; docs/cratedb-wire.md "Transactions"), so
   * there it throws a UsageError before running anything.
   */
  async transaction<T>(fn: (tx: TransactionConnection) => Promise<T>, options: TransactionOptions = {}): Promise<T> {
    const connection = await this.acquire(options);
    try {
      return await runTransaction(connection, controlOf(connection), fn, options);
    } finally {
      connection.release();
    }
  }

  /**
   * Stop handing out connections (waiters and later calls get PoolClosedError), close idle connections, wait up to
   * `timeoutMs` for borrowed ones to come back, then close the rest. Repeated calls return the same promise.
   */
  end(options: EndOptions = {}): Promise<void> {
    return this.#core.end(options);
  }

  /** `await using pool = createPool(...)` ends the pool. */
  async [Symbol.asyncDispose](): Promise<void> {
    await this.end();
  }
}
