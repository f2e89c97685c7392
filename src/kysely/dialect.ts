/** `new Kysely<DB>({ dialect: new CrateDialect({ pool }) })`: Kysely on a cratewire pool, for CrateDB and PostgreSQL. */
import { PostgresQueryCompiler, type DatabaseIntrospector, type Dialect, type DialectAdapter, type Driver, type Kysely, type QueryCompiler } from 'kysely';
import { CrateAdapter } from './adapter.js';
import { resolveDialectConfig, type CrateDialectConfig, type ResolvedDialectConfig } from './config.js';
import { CrateDriver } from './driver.js';
import { CrateIntrospector } from './introspector.js';
import { ServerProbe } from './server-probe.js';

/**
 * Kysely's dialect for cratewire. SQL is PostgreSQL's (CrateDB speaks it); what differs is decided per server from
 * the first connection: transactions (PostgreSQL only; on CrateDB `db.transaction()` throws a UsageError), the
 * Migrator's lock (advisory lock vs. a lock row with optimistic concurrency) and transactional DDL.
 */
export class CrateDialect implements Dialect {
  readonly #config: ResolvedDialectConfig;
  readonly #server = new ServerProbe();

  /** Throws a UsageError for a bad config (no I/O happens before the first query). */
  constructor(config: CrateDialectConfig) {
    this.#config = resolveDialectConfig(config);
  }

  createDriver(): Driver {
    return new CrateDriver(this.#config, this.#server);
  }

  createQueryCompiler(): QueryCompiler {
    return new PostgresQueryCompiler();
  }

  createAdapter(): DialectAdapter {
    return new CrateAdapter(this.#server, this.#config);
  }

  createIntrospector(db: Kysely<unknown>): DatabaseIntrospector {
    return new CrateIntrospector(db);
  }
}
