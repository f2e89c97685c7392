/** `drizzle(pool, { schema })`: a Drizzle PostgreSQL database whose queries run through a cratewire pool. */
import { createTableRelationsHelpers, DefaultLogger, entityKind, extractTablesRelationalConfig, type DrizzleConfig, type Logger, type RelationalSchemaConfig, type TablesRelationalConfig } from 'drizzle-orm';
import { PgDatabase, PgDialect } from 'drizzle-orm/pg-core';
import { Pool, UsageError } from '../index.js';
import { CrateSession, type CrateQueryResultHKT } from './session.js';

/** What migrate() needs of a database drizzle() made (Drizzle keeps its dialect and session internal). */
export interface DatabaseInternals {
  readonly pool: Pool;
  readonly dialect: PgDialect;
  readonly session: Parameters<PgDialect['migrate']>[1];
}

const INTERNALS = new WeakMap<object, DatabaseInternals>();

/** The internals of a database made by {@link drizzle}, or undefined for any other object. */
export function internalsOf(db: object): DatabaseInternals | undefined {
  return INTERNALS.get(db);
}

/** Drizzle's options; Drizzle's query cache is not supported (cratewire already caches prepared statements). */
export type CrateDrizzleConfig<TSchema extends Record<string, unknown> = Record<string, never>> = Omit<DrizzleConfig<TSchema>, 'cache'>;

/** The database `drizzle()` returns; `db.execute(sql)` resolves to cratewire's Result. */
export class CrateDrizzleDatabase<TSchema extends Record<string, unknown> = Record<string, never>> extends PgDatabase<CrateQueryResultHKT, TSchema> {
  static override readonly [entityKind]: string = 'CrateDrizzleDatabase';
}

/**
 * A Drizzle database over `pool` (createPool(url)). Works on CrateDB and PostgreSQL; on CrateDB `db.transaction()`
 * throws a UsageError (no transactions there) and DELETE … RETURNING is refused with one.
 */
export function drizzle<TSchema extends Record<string, unknown> = Record<string, never>>(
  pool: Pool,
  config: CrateDrizzleConfig<TSchema> = {},
): CrateDrizzleDatabase<TSchema> & { $client: Pool } {
  if (!(pool instanceof Pool)) throw new UsageError('drizzle(pool, config): pool must be a cratewire Pool (createPool(url))');
  if ('cache' in config && config.cache !== undefined) {
    throw new UsageError('drizzle(pool, { cache }): Drizzle\'s query cache is not supported by cratewire/drizzle; remove the option');
  }
  const dialect = new PgDialect(config.casing === undefined ? {} : { casing: config.casing });
  const logger: Logger | undefined = config.logger === true ? new DefaultLogger() : config.logger === false ? undefined : config.logger;
  let schema: RelationalSchemaConfig<TablesRelationalConfig> | undefined;
  if (config.schema !== undefined) {
    const tables = extractTablesRelationalConfig(config.schema, createTableRelationsHelpers);
    schema = { fullSchema: config.schema, schema: tables.tables, tableNamesMap: tables.tableNamesMap };
  }
  const session = new CrateSession(pool, dialect, schema, logger === undefined ? {} : { logger });
  const db = new CrateDrizzleDatabase<TSchema>(dialect, session, schema as RelationalSchemaConfig<never> | undefined) as CrateDrizzleDatabase<TSchema> & { $client: Pool };
  db.$client = pool;
  INTERNALS.set(db, { pool, dialect, session: session as unknown as DatabaseInternals['session'] });
  return db;
}
