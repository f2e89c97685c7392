/** One borrowed cratewire connection seen as a Kysely DatabaseConnection. */
import type { CompiledQuery, DatabaseConnection, QueryResult } from 'kysely';
import { UsageError, type PoolConnection, type Result } from '../index.js';
import { retryWhileShardStarts } from './shard-retry.js';
import { signalOf } from './signal.js';

/** Statement kinds whose row count Kysely reports as numAffectedRows. */
const WRITE_NODES = new Set(['InsertQueryNode', 'UpdateQueryNode', 'DeleteQueryNode', 'MergeQueryNode']);
/** For raw SQL the command tag's verb is the only hint (CrateDB's can be junk for multi-line SQL; README). */
const WRITE_COMMANDS = new Set(['INSERT', 'UPDATE', 'DELETE', 'MERGE']);

/** Kysely's connection over a {@link PoolConnection}; released by the driver. */
export class CrateConnection implements DatabaseConnection {
  readonly #connection: PoolConnection;
  /** Set after a failed ROLLBACK: the pool must close the connection instead of reusing it. */
  #discard = false;

  constructor(connection: PoolConnection) {
    this.#connection = connection;
  }

  /** The borrowed cratewire connection. */
  get pooled(): PoolConnection {
    return this.#connection;
  }

  async executeQuery<R>(compiledQuery: CompiledQuery): Promise<QueryResult<R>> {
    const result = await this.run<R>(compiledQuery);
    const isWrite = compiledQuery.query.kind === 'RawNode' ? WRITE_COMMANDS.has(result.command) : WRITE_NODES.has(compiledQuery.query.kind);
    return {
      rows: result.rows,
      numAffectedRows: isWrite && result.rowCount !== null ? BigInt(result.rowCount) : undefined,
    };
  }

  /** Run a compiled query and return cratewire's whole Result (the driver needs the command tag). */
  run<R>(compiledQuery: CompiledQuery): Promise<Result<R>> {
    this.#checkSupported(compiledQuery);
    const run = (): Promise<Result<R>> =>
      this.#connection.query<R>(compiledQuery.sql, compiledQuery.parameters, { signal: signalOf(compiledQuery.queryId) });
    const isRead = compiledQuery.query.kind === 'SelectQueryNode';
    return isRead && this.#connection.serverInfo.isCrate ? retryWhileShardStarts(run) : run();
  }

  /**
   * Rows in chunks of `chunkSize` through cratewire's bounded stream (one portal, `chunkSize` rows per Execute). An
   * early `break` in Kysely's `for await` closes the portal; the connection stays usable.
   */
  async *streamQuery<R>(compiledQuery: CompiledQuery, chunkSize = 100): AsyncIterableIterator<QueryResult<R>> {
    if (!Number.isInteger(chunkSize) || chunkSize <= 0) {
      throw new UsageError(`stream(chunkSize): chunkSize must be a positive integer, got ${String(chunkSize)}`);
    }
    this.#checkSupported(compiledQuery);
    const stream = this.#connection.stream<R>(compiledQuery.sql, compiledQuery.parameters, {
      fetchSize: chunkSize,
      signal: signalOf(compiledQuery.queryId),
    });
    let rows: R[] = [];
    for await (const row of stream) {
      rows.push(row);
      if (rows.length === chunkSize) {
        yield { rows };
        rows = [];
      }
    }
    if (rows.length > 0) yield { rows };
  }

  /** Mark the connection unusable (a failed ROLLBACK leaves it in an unknown state). */
  discard(): void {
    this.#discard = true;
  }

  /** Give the connection back to the pool (closed instead when discarded). */
  release(): void {
    this.#connection.release(this.#discard);
  }

  /** Refuse what CrateDB would reject with a less helpful error (its grammar has no DELETE … RETURNING). */
  #checkSupported(compiledQuery: CompiledQuery): void {
    const node = compiledQuery.query;
    if (node.kind === 'DeleteQueryNode' && node.returning !== undefined && this.#connection.serverInfo.isCrate) {
      throw new UsageError(
        'CrateDB does not support DELETE … RETURNING (only INSERT and UPDATE have RETURNING). Select the rows first, then delete them',
        { code: 'UNSUPPORTED_ON_CRATEDB' },
      );
    }
  }
}
