/**
 * Drizzle's migrator through cratewire: on PostgreSQL it is drizzle-orm's own (journal table, one transaction). On
 * CrateDB it refuses with a UsageError before running anything: Drizzle's journal table has an `id SERIAL` column
 * (CrateDB has no sequences) and all migrations run inside one transaction (CrateDB has none).
 */
import { readMigrationFiles, type MigrationConfig } from 'drizzle-orm/migrator';
import { UsageError } from '../index.js';
import { internalsOf } from './driver.js';

/** Why Drizzle's migrator does not run on CrateDB, and what to do instead. */
export const DRIZZLE_MIGRATOR_ON_CRATEDB =
  "Drizzle's migrator cannot run on CrateDB: its journal table uses SERIAL (CrateDB has no sequences) and it runs all migrations in one transaction (CrateDB has none). " +
  'Apply the SQL of your migrations yourself with pool.query() (write it with CrateDB types: OBJECT, GEO_POINT, no SERIAL or foreign keys), ' +
  "or manage CrateDB tables with Kysely's Migrator through cratewire/kysely, which has a lock that works on CrateDB";

/** Run the migrations in `config.migrationsFolder` (drizzle-kit's output) on PostgreSQL; a UsageError on CrateDB. */
export async function migrate(db: object, config: MigrationConfig): Promise<void> {
  const internals = internalsOf(db);
  if (internals === undefined) throw new UsageError('migrate(db, config): db must come from drizzle() of cratewire/drizzle');
  const connection = await internals.pool.acquire();
  const isCrate = connection.serverInfo.isCrate;
  connection.release();
  if (isCrate) throw new UsageError(DRIZZLE_MIGRATOR_ON_CRATEDB, { code: 'UNSUPPORTED_ON_CRATEDB' });
  await internals.dialect.migrate(readMigrationFiles(config), internals.session, config);
}
