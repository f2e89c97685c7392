/** Kysely's Driver on a cratewire pool: borrow/release connections, transactions on PostgreSQL only. */
import {
  AbortedTransactionError,
  CompiledQuery,
  createQueryId,
  IdentifierNode,
  RawNode,
  type DatabaseConnection,
  type Driver,
  type QueryCompiler,
  type TransactionSettings,
} from 'kysely';
import { UsageError, type Pool } from '../index.js';
import { resolvePool, type ResolvedDialectConfig } from './config.js';
import { CrateConnection } from './connection.js';
import type { ServerProbe } from './server-probe.js';

/** The message of every transaction call on CrateDB. */
export const NO_TRANSACTIONS_ON_CRATEDB =
  'CrateDB has no transactions: BEGIN and COMMIT are no-ops, ROLLBACK is a syntax error and every statement commits on its own, so db.transaction() cannot keep its promise there. Run the statements without a transaction and make the writes idempotent (e.g. INSERT … ON CONFLICT)';

/** Drives Kysely through a cratewire {@link Pool}. */
export class CrateDriver implements Driver {
  readonly #config: ResolvedDialectConfig;
  readonly #server: ServerProbe;
  #pool: Pool | undefined;

  constructor(config: ResolvedDialectConfig, server: ServerProbe) {
    this.#config = config;
    this.#server = server;
  }

  async init(): Promise<void> {
    this.#pool = await resolvePool(this.#config.pool);
  }

  async acquireConnection(): Promise<DatabaseConnection> {
    const pool = this.#pool;
    if (pool === undefined) throw new UsageError('The Kysely instance was destroyed; create a new one');
    const connection = await pool.acquire();
    this.#server.observe(connection);
    return new CrateConnection(connection);
  }

  async beginTransaction(connection: DatabaseConnection, settings: TransactionSettings): Promise<void> {
    const crate = asCrate(connection);
    if (crate.pooled.serverInfo.isCrate) throw new UsageError(NO_TRANSACTIONS_ON_CRATEDB, { code: 'NO_TRANSACTIONS' });
    let text = 'start transaction';
    if (settings.isolationLevel !== undefined) text += ` isolation level ${settings.isolationLevel}`;
    if (settings.accessMode !== undefined) text += ` ${settings.accessMode}`;
    await crate.run(CompiledQuery.raw(text));
  }

  async commitTransaction(connection: DatabaseConnection): Promise<void> {
    const result = await asCrate(connection).run(CompiledQuery.raw('commit'));
    // PostgreSQL answers COMMIT of a transaction an earlier error aborted with a ROLLBACK tag.
    if (result.command === 'ROLLBACK') throw new AbortedTransactionError();
  }

  async rollbackTransaction(connection: DatabaseConnection): Promise<void> {
    const crate = asCrate(connection);
    try {
      await crate.run(CompiledQuery.raw('rollback'));
    } catch (err) {
      crate.discard();
      throw err;
    }
  }

  async savepoint(connection: DatabaseConnection, name: string, compileQuery: QueryCompiler['compileQuery']): Promise<void> {
    await asCrate(connection).run(savepointQuery('savepoint', name, compileQuery));
  }

  async rollbackToSavepoint(connection: DatabaseConnection, name: string, compileQuery: QueryCompiler['compileQuery']): Promise<void> {
    await asCrate(connection).run(savepointQuery('rollback to', name, compileQuery));
  }

  async releaseSavepoint(connection: DatabaseConnection, name: string, compileQuery: QueryCompiler['compileQuery']): Promise<void> {
    await asCrate(connection).run(savepointQuery('release', name, compileQuery));
  }

  async releaseConnection(connection: DatabaseConnection): Promise<void> {
    asCrate(connection).release();
  }

  /** Ends the pool (Kysely's `db.destroy()`). */
  async destroy(): Promise<void> {
    const pool = this.#pool;
    this.#pool = undefined;
    await pool?.end();
  }
}

function asCrate(connection: DatabaseConnection): CrateConnection {
  if (!(connection instanceof CrateConnection)) throw new UsageError('CrateDriver was given a connection it did not create');
  return connection;
}

function savepointQuery(command: string, name: string, compileQuery: QueryCompiler['compileQuery']): CompiledQuery {
  const node = RawNode.createWithChildren([RawNode.createWithSql(`${command} `), IdentifierNode.create(name)]);
  return compileQuery(node, createQueryId());
}
