/** Options of {@link CrateDialect} and their checks. */
import { Pool, UsageError } from '../index.js';

/** Options of `new CrateDialect(config)`. */
export interface CrateDialectConfig {
  /**
   * A cratewire pool (see createPool), or a function returning one, called once at Kysely's first query.
   * `db.destroy()` ends it.
   */
  pool: Pool | (() => Pool | Promise<Pool>);
  /**
   * How long Kysely's Migrator waits for the migration lock another process holds before failing. Default 600 000
   * (10 minutes). On CrateDB a run that crashed leaves the lock row set; the error says how to free it.
   */
  migrationLockTimeoutMs?: number;
  /**
   * The `migrationTableName` you give Kysely's Migrator, when it is not Kysely's default `kysely_migration`. On
   * CrateDB the dialect refreshes that table under the lock so the Migrator sees every migration already run.
   */
  migrationTableName?: string;
}

/** Checked config with defaults filled in. */
export interface ResolvedDialectConfig {
  readonly pool: CrateDialectConfig['pool'];
  readonly migrationLockTimeoutMs: number;
  readonly migrationTableName: string;
}

const DEFAULT_LOCK_TIMEOUT_MS = 600_000;
const DEFAULT_MIGRATION_TABLE = 'kysely_migration';

/** Validate `new CrateDialect(config)`; throws UsageError naming the bad option. */
export function resolveDialectConfig(config: CrateDialectConfig): ResolvedDialectConfig {
  if (typeof config !== 'object' || config === null) {
    throw new UsageError('new CrateDialect(config): config must be an object such as { pool: createPool(url) }');
  }
  const { pool, migrationLockTimeoutMs = DEFAULT_LOCK_TIMEOUT_MS, migrationTableName = DEFAULT_MIGRATION_TABLE } = config;
  if (!(pool instanceof Pool) && typeof pool !== 'function') {
    throw new UsageError('new CrateDialect({ pool }): pool must be a cratewire Pool (createPool(url)) or a function returning one');
  }
  if (!Number.isInteger(migrationLockTimeoutMs) || migrationLockTimeoutMs < 0) {
    throw new UsageError(`new CrateDialect({ migrationLockTimeoutMs }): must be a non-negative integer, got ${String(migrationLockTimeoutMs)}`);
  }
  if (typeof migrationTableName !== 'string' || migrationTableName === '') {
    throw new UsageError('new CrateDialect({ migrationTableName }): must be a non-empty string (the Migrator\'s migrationTableName)');
  }
  return { pool, migrationLockTimeoutMs, migrationTableName };
}

/** Resolve the configured pool; a function must return a Pool. */
export async function resolvePool(pool: CrateDialectConfig['pool']): Promise<Pool> {
  const resolved = pool instanceof Pool ? pool : await pool();
  if (!(resolved instanceof Pool)) {
    throw new UsageError('new CrateDialect({ pool }): the pool function must return a cratewire Pool (createPool(url))');
  }
  return resolved;
}
