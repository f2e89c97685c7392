/**
 * Tables of the fake, shared by all connections of one server (one CrateDB node).
 *
 * Writes land in the live document store at once, but searches only see the state of the last `REFRESH TABLE`
 * (docs/cratedb-wire.md "Result columns and visibility"); primary-key lookups read the live store. The fake never refreshes on its own, which is CrateDB's
 * behaviour for an idle table and the strictest reading of "refreshes about every 1 s".
 */
import { relationExists, relationUnknown, schemaUnknown, staleRelation } from '../errors.js';
import { SUMMITS, TYPES_DEMO, type BuiltInTable } from '../data.js';
import { toJson } from '../text-format.js';
import { oidHash, type CrateType } from '../types.js';
import type { TableRef } from './ast.js';

/** A table column. */
export interface Column {
  readonly name: string;
  readonly type: CrateType;
  /** 1-based, reported as attnum ("Result columns and visibility"). */
  readonly position: number;
}

/** A document: values in column order. */
export type Row = readonly unknown[];

/** One table: live documents plus the snapshot of the last refresh. */
export class Table {
  #columns: readonly Column[];
  #live = new Map<string, Row>();
  #visible: Array<readonly [string, Row]> = [];
  #nextId = 0;

  constructor(
    readonly schema: string,
    readonly name: string,
    columns: ReadonlyArray<{ name: string; type: CrateType }>,
    readonly primaryKey: readonly string[],
    readonly readOnly: boolean,
    /**
     * The relation OID (the RowDescription table OID). A table created again under the same name gets a new one:
     * statements analysed against the old table fail with `Relation not found for oid=N`
     * (test/fixtures/cratedb-6.4.3/stale_statement_after_ddl.json).
     */
    readonly oid: number,
  ) {
    this.#columns = columns.map((c, i) => ({ ...c, position: i + 1 }));
  }

  /** The columns now; a statement analysed earlier keeps the list it saw (ADD COLUMN replaces the array). */
  get columns(): readonly Column[] {
    return this.#columns;
  }

  get fqn(): string {
    return `${this.schema}.${this.name}`;
  }

  /** ALTER TABLE … ADD COLUMN: existing documents read NULL for it. */
  addColumn(name: string, type: CrateType): void {
    this.#columns = [...this.#columns, { name, type, position: this.#columns.length + 1 }];
  }

  column(name: string): Column | undefined {
    return this.columns.find((c) => c.name === name);
  }

  /** The document id: the primary-key values, or a generated `_id`. */
  idOf(row: Row): string {
    if (this.primaryKey.length === 0) return `_${this.#nextId++}`;
    return toJson(this.primaryKey.map((k) => row[(this.column(k) as Column).position - 1]));
  }

  idForKey(values: readonly unknown[]): string {
    return toJson(values);
  }

  /** Adds a document; false when the id exists (duplicate primary key). */
  insert(row: Row): boolean {
    const id = this.idOf(row);
    if (this.#live.has(id)) return false;
    this.#live.set(id, row);
    return true;
  }

  get(id: string): Row | undefined {
    return this.#live.get(id);
  }

  replace(id: string, row: Row): void {
    this.#live.set(id, row);
  }

  delete(id: string): boolean {
    return this.#live.delete(id);
  }

  /** What a search sees: the documents (with their ids) as of the last refresh. */
  visibleEntries(): ReadonlyArray<readonly [string, Row]> {
    return this.#visible;
  }

  refresh(): void {
    this.#visible = [...this.#live.entries()];
  }
}

const BUILT_IN_SCHEMAS = ['doc', 'sys', 'pg_catalog', 'information_schema'];

/** All tables of the node, with the built-in ones. */
export class Catalog {
  #tables = new Map<string, Table>();
  /** CrateDB numbers relations as they are created; the fake starts user tables at 1. */
  #lastOid = 0;

  constructor() {
    for (const t of [SUMMITS, TYPES_DEMO]) this.#addBuiltIn(t);
  }

  #addBuiltIn(t: BuiltInTable): void {
    const table = new Table(t.schema, t.name, t.columns, t.primaryKey, true, oidHash(`table:${t.schema}.${t.name}`));
    for (const row of t.rows) table.insert(row);
    table.refresh();
    this.#tables.set(table.fqn, table);
  }

  find(schema: string, name: string): Table | undefined {
    return this.#tables.get(`${schema}.${name}`);
  }

  /** The table a statement was analysed against, if it still exists (not dropped, not dropped and re-created). */
  current(table: Table): Table {
    if (this.find(table.schema, table.name) !== table) throw staleRelation(table.oid);
    return table;
  }

  /** Resolves through the search path ("Search path"); unknown → 42P01, unknown explicit schema → 3F000. */
  resolve(ref: TableRef, searchPath: readonly string[]): Table {
    if (ref.schema !== null) {
      const table = this.find(ref.schema, ref.name);
      if (table) return table;
      if (!this.#schemaExists(ref.schema)) throw schemaUnknown(ref.schema);
      throw relationUnknown(ref.text);
    }
    for (const schema of ['pg_catalog', ...searchPath]) {
      const table = this.find(schema, ref.name);
      if (table) return table;
    }
    throw relationUnknown(ref.text);
  }

  #schemaExists(schema: string): boolean {
    if (BUILT_IN_SCHEMAS.includes(schema)) return true;
    for (const table of this.#tables.values()) if (table.schema === schema) return true;
    return false;
  }

  /** CREATE TABLE: schemas are created implicitly ("Startup parameters"). Returns false for IF NOT EXISTS on an existing table. */
  create(
    schema: string,
    name: string,
    columns: ReadonlyArray<{ name: string; type: CrateType }>,
    primaryKey: readonly string[],
    ifNotExists: boolean,
  ): boolean {
    if (this.find(schema, name)) {
      if (ifNotExists) return false;
      throw relationExists(`${schema}.${name}`);
    }
    const table = new Table(schema, name, columns, primaryKey, false, ++this.#lastOid);
    this.#tables.set(table.fqn, table);
    return true;
  }

  drop(table: Table): void {
    this.#tables.delete(table.fqn);
  }
}
