/**
 * Kysely's DatabaseIntrospector from `information_schema`, which both servers have (CrateDB has no `pg_attribute`
 * joins worth relying on). Column types are `udt_name`: PostgreSQL's type name (`int4`, `_text`) and CrateDB's own
 * (`text`, `object`, `geo_point`, `float_vector`, `text_array`). CrateDB lists object sub-columns (`details['a']`)
 * as columns of their own; they are left out.
 */
import {
  DEFAULT_MIGRATION_LOCK_TABLE,
  DEFAULT_MIGRATION_TABLE,
  type ColumnMetadata,
  type DatabaseIntrospector,
  type DatabaseMetadata,
  type DatabaseMetadataOptions,
  type Kysely,
  type SchemaMetadata,
  type TableMetadata,
} from 'kysely';

/** Catalog schemas of either server, never user tables. */
const SYSTEM_SCHEMAS = ['information_schema', 'pg_catalog', 'sys', 'blob'];

interface CatalogDb {
  'information_schema.schemata': { schema_name: string };
  'information_schema.tables': { table_schema: string; table_name: string; table_type: string };
  'information_schema.columns': {
    table_schema: string;
    table_name: string;
    column_name: string;
    ordinal_position: number;
    udt_name: string;
    udt_schema: string | null;
    is_nullable: string;
    column_default: string | null;
    /** `'YES'`/`'NO'` on PostgreSQL, a boolean on CrateDB. */
    is_identity: string | boolean | null;
  };
}

/** Reads schemas, tables, views and columns of both servers. */
export class CrateIntrospector implements DatabaseIntrospector {
  readonly #db: Kysely<CatalogDb>;

  constructor(db: Kysely<unknown>) {
    this.#db = db as Kysely<CatalogDb>;
  }

  async getSchemas(): Promise<SchemaMetadata[]> {
    const rows = await this.#db.selectFrom('information_schema.schemata').select('schema_name').orderBy('schema_name').execute();
    return rows.map((r) => ({ name: r.schema_name }));
  }

  async getTables(options: DatabaseMetadataOptions = { withInternalKyselyTables: false }): Promise<TableMetadata[]> {
    const [tables, columns] = await Promise.all([
      this.#db
        .selectFrom('information_schema.tables')
        .select(['table_schema', 'table_name', 'table_type'])
        .where('table_schema', 'not in', SYSTEM_SCHEMAS)
        .orderBy('table_schema')
        .orderBy('table_name')
        .execute(),
      this.#db
        .selectFrom('information_schema.columns')
        .select(['table_schema', 'table_name', 'column_name', 'ordinal_position', 'udt_name', 'udt_schema', 'is_nullable', 'column_default', 'is_identity'])
        .where('table_schema', 'not in', SYSTEM_SCHEMAS)
        .orderBy('table_schema')
        .orderBy('table_name')
        .orderBy('ordinal_position')
        .execute(),
    ]);
    const byTable = new Map<string, ColumnMetadata[]>();
    for (const c of columns) {
      if (c.column_name.includes('[')) continue;
      const key = tableKey(c.table_schema, c.table_name);
      const list = byTable.get(key) ?? [];
      list.push({
        name: c.column_name,
        dataType: c.udt_name,
        ...(c.udt_schema === null ? {} : { dataTypeSchema: c.udt_schema }),
        isNullable: c.is_nullable === 'YES',
        hasDefaultValue: c.column_default !== null,
        isAutoIncrementing: c.is_identity === true || c.is_identity === 'YES' || (c.column_default ?? '').startsWith('nextval('),
      });
      byTable.set(key, list);
    }
    return tables
      .filter((t) => !t.table_schema.startsWith('pg_'))
      .filter((t) => options.withInternalKyselyTables === true || (t.table_name !== DEFAULT_MIGRATION_TABLE && t.table_name !== DEFAULT_MIGRATION_LOCK_TABLE))
      .map((t) => ({
        schema: t.table_schema,
        name: t.table_name,
        isView: t.table_type === 'VIEW',
        columns: byTable.get(tableKey(t.table_schema, t.table_name)) ?? [],
      }));
  }

  async getMetadata(options?: DatabaseMetadataOptions): Promise<DatabaseMetadata> {
    return { tables: await this.getTables(options) };
  }
}

function tableKey(schema: string, table: string): string {
  return JSON.stringify([schema, table]);
}
