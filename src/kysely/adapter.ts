/** What Kysely may assume about the server: decided per server kind once the first connection has been seen. */
import { sql, type DialectAdapter, type Kysely, type MigrationLockOptions } from 'kysely';
import type { ResolvedDialectConfig } from './config.js';
import { acquireAdvisoryLock, acquireLockRow, refreshMigrationTable, releaseAdvisoryLock, releaseLockRow } from './migration-lock.js';
import type { ServerProbe } from './server-probe.js';

/** Kysely's DialectAdapter for CrateDB and PostgreSQL. */
export class CrateAdapter implements DialectAdapter {
  readonly #server: ServerProbe;
  readonly #config: ResolvedDialectConfig;

  constructor(server: ServerProbe, config: ResolvedDialectConfig) {
    this.#server = server;
    this.#config = config;
  }

  /** Both servers have `CREATE TABLE IF NOT EXISTS`. */
  get supportsCreateIfNotExists(): boolean {
    return true;
  }

  /** PostgreSQL only: CrateDB has no transactions, so the Migrator must not wrap migrations in one there. */
  get supportsTransactionalDdl(): boolean {
    return this.#server.isCrate === false;
  }

  /** INSERT and UPDATE … RETURNING on both; DELETE … RETURNING on PostgreSQL only (refused before sending). */
  get supportsReturning(): boolean {
    return true;
  }

  async acquireMigrationLock(db: Kysely<unknown>, options: MigrationLockOptions): Promise<void> {
    if (!(await this.#isCrate(db))) return acquireAdvisoryLock(db, this.#config.migrationLockTimeoutMs);
    await acquireLockRow(db, options, this.#config.migrationLockTimeoutMs);
    await refreshMigrationTable(db, options, this.#config.migrationTableName);
  }

  async releaseMigrationLock(db: Kysely<unknown>, options: MigrationLockOptions): Promise<void> {
    if (!(await this.#isCrate(db))) return releaseAdvisoryLock(db);
    // Refresh before freeing the lock so the next Migrator (or getMigrations()) sees this run's rows.
    await refreshMigrationTable(db, options, this.#config.migrationTableName);
    await releaseLockRow(db, options);
  }

  /** The Migrator has always queried before it locks; if not, one round trip tells. */
  async #isCrate(db: Kysely<unknown>): Promise<boolean> {
    if (this.#server.isCrate === undefined) await sql`select 1`.execute(db);
    return this.#server.isCrate === true;
  }
}
