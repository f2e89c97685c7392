/**
 * Analysis (at Parse, like CrateDB: docs/cratedb-wire.md "Frontend messages") and execution of one statement.
 */
import { columnUnknown, internalError } from '../errors.js';
import { UNKNOWN, arrayOf, scalar, type CrateType } from '../types.js';
import type { Expr, SelectItem, Statement } from './ast.js';
import type { Catalog, Column, Row, Table } from './catalog.js';
import { deleteRows, insertRows, selectFromTable, updateRows, type Bound } from './dml.js';
import { collectParams, evaluate, inferParams, typeOf, validate, type ColumnLookup } from './expressions.js';
import type { StatementSource } from './lexer.js';
import { parseStatement } from './parser.js';
import { seriesColumn, seriesMs, seriesRows } from './series.js';
import type { SessionSettings } from './settings.js';

/** What the engine needs from the connection it runs in. */
export interface EngineSession {
  readonly user: string;
  readonly version: string;
  readonly catalog: Catalog;
  readonly settings: SessionSettings;
  setInTransaction(inTransaction: boolean): void;
  /** DISCARD ALL ("Session commands and pool reset"). */
  discardAll(): void;
  /** DEALLOCATE name | ALL (null). */
  deallocate(name: string | null): void;
}

/** A result column; table OID and attnum per docs/cratedb-wire.md "Result columns and visibility". */
export interface ResultColumn {
  readonly name: string;
  readonly type: CrateType;
  readonly tableOid: number;
  readonly attnum: number;
}

/** What one execution produced. */
export type ExecResult = { kind: 'rows'; rows: unknown[][] } | { kind: 'count'; count: number } | { kind: 'empty' };

/** An analysed statement, ready to be bound and executed any number of times. */
export interface Analyzed {
  /** "Deferred writes": writes (DML, DDL, SET GLOBAL, REFRESH) are deferred to Sync and bulked. */
  readonly isWrite: boolean;
  /** "Parameter type inference": effective param types (client OID, else inferred, else unknown 705). */
  readonly paramTypes: readonly CrateType[];
  /** null → NoData. */
  readonly columns: readonly ResultColumn[] | null;
  /** "Deferred writes": writes are grouped by structurally equal ASTs (literals included, placeholders by position). */
  readonly groupKey: string;
  /** "Bulk execution": count a failed bulk item reports — −3 for a failed INSERT, 0 for an UPDATE/DELETE that did not apply. */
  readonly bulkFailureCount: number;
  /** How long the execution runs (the fake's `sleep(ms)`); 0 for everything else. */
  sleepMs(params: readonly unknown[]): number;
  /** Planning before a deferred write runs at Sync ("Bulk execution"): throws when the target table is gone. */
  plan(): void;
  run(params: readonly unknown[]): ExecResult;
}

const READ_ONLY_ORIGIN = 'io.crate.metadata.RelationInfo.checkWritable(RelationInfo.java:96)';

function structuralKey(statement: Statement): string {
  return JSON.stringify(statement, (key, value: unknown) => {
    if (key === 'text') return undefined;
    return typeof value === 'bigint' ? `${value}n` : value;
  });
}

function writable(table: Table, verb: string): Table {
  if (table.readOnly) {
    throw internalError(
      `The relation "${table.fqn}" doesn't support or allow ${verb} operations, as it is read-only.`,
      READ_ONLY_ORIGIN,
    );
  }
  return table;
}

/** Every expression of a statement with the type its params should take ("Parameter type inference"). */
function expressionsOf(statement: Statement, table: Table | null): Array<[Expr, CrateType | null]> {
  const col = (name: string): CrateType | null => table?.column(name)?.type ?? null;
  switch (statement.kind) {
    case 'select':
      return [
        ...(statement.items === 'star' ? [] : statement.items.map((i): [Expr, CrateType | null] => [i.expr, null])),
        ...statement.where.map((c): [Expr, CrateType | null] => [c.value, col(c.column)]),
        ...(statement.limit ? [[statement.limit, scalar('integer')] as [Expr, CrateType]] : []),
        ...(statement.offset ? [[statement.offset, scalar('integer')] as [Expr, CrateType]] : []),
      ];
    case 'insert': {
      const names = statement.columns ?? table?.columns.map((c) => c.name) ?? [];
      const { source } = statement;
      const values =
        source.kind === 'values'
          ? source.rows.flatMap((row) => row.map((e, i): [Expr, CrateType | null] => [e, col(names[i] ?? '')]))
          : source.arrays.map((e, i): [Expr, CrateType | null] => {
              const type = col(names[i] ?? '');
              return [e, type && arrayOf(type)];
            });
      return [...values, ...(statement.returning ?? []).map((item): [Expr, CrateType | null] => [item.expr, null])];
    }
    case 'update':
      return [
        ...statement.sets.map((s): [Expr, CrateType | null] => [s.value, col(s.column)]),
        ...statement.where.map((c): [Expr, CrateType | null] => [c.value, col(c.column)]),
      ];
    case 'delete':
      return statement.where.map((c): [Expr, CrateType | null] => [c.value, col(c.column)]);
    case 'set':
      return statement.values === 'default' ? [] : statement.values.map((v): [Expr, CrateType | null] => [v, null]);
    case 'set-global':
      return [[statement.value, null]];
    default:
      return [];
  }
}

function tableOf(statement: Statement, session: EngineSession): Table | null {
  const path = session.settings.searchPath;
  switch (statement.kind) {
    case 'select':
      return statement.from ? session.catalog.resolve(statement.from, path) : null;
    case 'insert':
      return writable(session.catalog.resolve(statement.table, path), 'INSERT');
    case 'update':
      return writable(session.catalog.resolve(statement.table, path), 'UPDATE');
    case 'delete':
      return writable(session.catalog.resolve(statement.table, path), 'DELETE');
    case 'alter-add-column':
      return writable(session.catalog.resolve(statement.table, path), 'ALTER');
    default:
      return null;
  }
}

/** Column names referenced outside expressions (WHERE, ORDER BY, INSERT/UPDATE targets) must exist (42703). */
function columnNames(statement: Statement, table: Table): string[] {
  switch (statement.kind) {
    case 'select':
      return [...statement.where.map((c) => c.column), ...statement.orderBy.map((o) => o.column)];
    case 'insert':
      return statement.columns ?? [];
    case 'update':
      return [...statement.sets.map((s) => s.column), ...statement.where.map((c) => c.column)];
    case 'delete':
      return statement.where.map((c) => c.column);
    default:
      return table.columns.map((c) => c.name);
  }
}

/** Analyses one statement; `declared[i]` is the type of the Parse OID for `$i+1`, null when unspecified. */
export function analyze(source: StatementSource, declared: ReadonlyArray<CrateType | null>, session: EngineSession): Analyzed {
  return analyzeStatement(parseStatement(source), declared, session);
}

/** The columns a statement's expressions see: its table's, a generate_series alias, or a derived table's results. */
function lookupFor(statement: Statement, table: Table | null, derived: Analyzed | null): ColumnLookup {
  const series = statement.kind === 'select' ? statement.series : null;
  const inner = (derived?.columns ?? []).map((c, i): Column => ({ name: c.name, type: c.type, position: i + 1 }));
  return (name) =>
    table?.column(name) ??
    (series && name === series.alias ? seriesColumn(series) : undefined) ??
    inner.find((c) => c.name === name);
}

function analyzeStatement(statement: Statement, declared: ReadonlyArray<CrateType | null>, session: EngineSession): Analyzed {
  const table = tableOf(statement, session);
  const derived = statement.kind === 'select' && statement.derived ? analyzeStatement(statement.derived, declared, session) : null;
  const series = statement.kind === 'select' ? statement.series : null;
  const columns = lookupFor(statement, table, derived);
  if (derived && statement.kind === 'select' && (statement.where.length > 0 || statement.orderBy.length > 0)) {
    throw internalError('The fake reads derived tables without WHERE or ORDER BY', 'io.crate.fake.Analyzer.derived(Analyzer.java:1)');
  }
  if (table) {
    for (const name of columnNames(statement, table)) validate({ kind: 'column', name, text: name }, columns, true);
    if (statement.kind === 'update' && statement.sets.some((s) => table.primaryKey.includes(s.column))) {
      throw internalError(
        'Updating a primary key is not supported',
        'io.crate.analyze.UpdateAnalyzer.analyze(UpdateAnalyzer.java:132)',
      );
    }
  }
  if (statement.kind === 'create-table') {
    const missing = statement.primaryKey.find((k) => !statement.columns.some((c) => c.name === k));
    if (missing !== undefined) throw columnUnknown(missing);
  }
  const exprs = expressionsOf(statement, table);
  const hints = new Map<number, CrateType>();
  const used = new Set<number>();
  for (const [expr, expected] of exprs) {
    validate(expr, columns, table !== null || series !== null || derived !== null);
    inferParams(expr, expected, hints, columns);
    collectParams(expr, used);
  }
  const maxUsed = Math.max(0, ...used);
  for (let i = 1; i <= maxUsed; i++) {
    if (!used.has(i)) {
      throw internalError(
        'The assembled list of ParameterSymbols is invalid. Missing parameters.',
        'io.crate.analyze.ParamTypeHints.getType(ParamTypeHints.java:71)',
      );
    }
  }
  const paramTypes = Array.from(
    { length: Math.max(maxUsed, declared.length) },
    (_, i) => declared[i] ?? hints.get(i + 1) ?? UNKNOWN,
  );
  const schema = session.settings.searchPath[0] ?? 'doc';
  const bound = (params: readonly unknown[]): Bound => ({ params, paramTypes, version: session.version, schema });
  return buildAnalyzed(statement, table, paramTypes, bound, session, derived);
}

function buildAnalyzed(
  statement: Statement,
  table: Table | null,
  paramTypes: readonly CrateType[],
  bound: (params: readonly unknown[]) => Bound,
  session: EngineSession,
  derived: Analyzed | null,
): Analyzed {
  const base = {
    isWrite: false,
    paramTypes,
    columns: null as readonly ResultColumn[] | null,
    groupKey: structuralKey(statement),
    bulkFailureCount: 0,
    sleepMs: (): number => 0,
    plan: (): void => undefined,
  };
  const path = session.settings.searchPath;
  const live = (): Table => session.catalog.current(table as Table);
  const count = (run: (params: readonly unknown[]) => number): Analyzed => ({
    ...base,
    isWrite: true,
    bulkFailureCount: statement.kind === 'insert' ? -3 : 0,
    plan: () => {
      if (table) session.catalog.current(table);
    },
    run: (params) => ({ kind: 'count', count: run(params) }),
  });
  switch (statement.kind) {
    case 'select':
      return analyzeSelect(statement, table, derived, paramTypes, bound, session, base);
    case 'insert': {
      const insert = (p: readonly unknown[]): Row[] =>
        insertRows(live(), statement.columns, statement.source, statement.onConflictDoNothing, bound(p));
      const { returning } = statement;
      if (!returning) return count((p) => insert(p).length);
      return analyzeReturning(count(() => 0), returning, table as Table, bound, insert, paramTypes);
    }
    case 'update':
      return count((p) => updateRows(live(), statement.sets, statement.where, bound(p)));
    case 'delete':
      return count((p) => deleteRows(live(), statement.where, bound(p)));
    case 'create-table':
      return count(() => {
        const schema = statement.table.schema ?? path[0] ?? 'doc';
        const { columns, primaryKey, ifNotExists } = statement;
        return session.catalog.create(schema, statement.table.name, columns, primaryKey, ifNotExists) ? 1 : 0;
      });
    case 'drop-table':
      return count(() => {
        let target: Table;
        try {
          target = session.catalog.resolve(statement.table, path);
        } catch (err) {
          if (statement.ifExists) return 0;
          throw err;
        }
        session.catalog.drop(writable(target, 'DROP'));
        return 1;
      });
    case 'refresh':
      return count(() => {
        const tables = statement.tables.map((t) => session.catalog.resolve(t, path));
        tables.forEach((t) => t.refresh());
        return tables.length;
      });
    case 'set-global':
    case 'create-schema':
      return count(() => 1);
    case 'optimize':
      return count(() => statement.tables.map((t) => session.catalog.resolve(t, path)).length);
    case 'alter-add-column':
      // ALTER's count is unknown (−1), sent as −2: `ALTER -2` (test/fixtures/cratedb-6.4.3/stale_statement_after_ddl.json).
      return count(() => {
        live().addColumn(statement.column.name, statement.column.type);
        return -2;
      });
    default:
      return analyzeSessionStatement(statement, bound, session, base);
  }
}

type Base = Omit<Analyzed, 'run'>;

function analyzeSelect(
  statement: Extract<Statement, { kind: 'select' }>,
  table: Table | null,
  derived: Analyzed | null,
  paramTypes: readonly CrateType[],
  bound: (params: readonly unknown[]) => Bound,
  session: EngineSession,
  base: Base,
): Analyzed {
  const { series } = statement;
  const lookup = lookupFor(statement, table, derived);
  const items: SelectItem[] | 'star' =
    series && statement.items === 'star'
      ? [{ expr: { kind: 'column', name: series.alias, text: series.alias }, alias: null }]
      : statement.items;
  // "Result columns and visibility": the table OID only when every column is a plain column of the single table; attnum = column position.
  const plain = table !== null && (items === 'star' || items.every((i) => i.expr.kind === 'column'));
  const tableOid = plain ? (table as Table).oid : 0;
  const columns: ResultColumn[] =
    items === 'star'
      ? (table?.columns ?? []).map((c) => ({ name: c.name, type: c.type, tableOid, attnum: c.position }))
      : items.map((i) => {
          const ref = i.expr.kind === 'column' ? lookup(i.expr.name) : undefined;
          return {
            name: i.alias ?? columnName(i.expr),
            type: typeOf(i.expr, paramTypes, lookup),
            tableOid,
            attnum: ref?.position ?? 0,
          };
        });
  const sleepCall = items === 'star' ? undefined : items.find((i) => i.expr.kind === 'call' && i.expr.name === 'sleep');
  return {
    ...base,
    columns,
    sleepMs: (params) => {
      if (series) return seriesMs(series, { ...bound(params), columns: lookup, row: null });
      if (!sleepCall || sleepCall.expr.kind !== 'call') return 0;
      return Number(evaluate(sleepCall.expr.args[0] as Expr, { ...bound(params), columns: lookup, row: null }));
    },
    run: (params) => {
      if (statement.empty) return { kind: 'rows', rows: [] };
      if (derived && items !== 'star') {
        const inner = derived.run(params);
        const rows = inner.kind === 'rows' ? inner.rows : [];
        const ctx = { ...bound(params), columns: lookup };
        return { kind: 'rows', rows: rows.map((row) => items.map((i) => evaluate(i.expr, { ...ctx, row }))) };
      }
      if (series && items !== 'star') {
        return { kind: 'rows', rows: seriesRows(series, items, { ...bound(params), columns: lookup, row: null }) };
      }
      if (table === null) {
        const ctx = { ...bound(params), columns: lookup, row: null };
        return { kind: 'rows', rows: [(items as Exclude<typeof items, 'star'>).map((i) => evaluate(i.expr, ctx))] };
      }
      const live = session.catalog.current(table);
      const { where, orderBy, limit, offset } = statement;
      return { kind: 'rows', rows: selectFromTable(live, items, where, orderBy, limit, offset, bound(params)) };
    },
  };
}

function analyzeSessionStatement(
  statement: Statement,
  bound: (params: readonly unknown[]) => Bound,
  session: EngineSession,
  base: Base,
): Analyzed {
  const done = (effect: () => void): Analyzed => ({ ...base, run: () => (effect(), { kind: 'count', count: 0 }) });
  switch (statement.kind) {
    case 'show':
      return analyzeShow(statement.name, session, base);
    case 'set':
      return {
        ...base,
        run: (params) => {
          const values =
            statement.values === 'default'
              ? 'default'
              : statement.values.map((v) => String(evaluate(v, { ...bound(params), columns: () => undefined, row: null })));
          session.settings.apply(statement.name, values);
          return { kind: 'count', count: 0 };
        },
      };
    case 'begin':
      return done(() => session.setInTransaction(true));
    case 'commit':
      return done(() => session.setInTransaction(false));
    case 'discard':
      return done(() => {
        if (statement.what === 'all') session.discardAll();
      });
    case 'deallocate':
      return done(() => session.deallocate(statement.name));
    default:
      return done(() => undefined);
  }
}

/**
 * INSERT … RETURNING: still a deferred write, described by a RowDescription whose table OID is 0 and whose attnum is
 * the column's position (test/fixtures/cratedb-6.4.3/describe_kinds.json); it answers the returned rows.
 */
function analyzeReturning(
  write: Analyzed,
  items: readonly SelectItem[],
  table: Table,
  bound: (params: readonly unknown[]) => Bound,
  insert: (params: readonly unknown[]) => Row[],
  paramTypes: readonly CrateType[],
): Analyzed {
  const lookup: ColumnLookup = (name) => table.column(name);
  return {
    ...write,
    columns: items.map((i) => ({
      name: i.alias ?? columnName(i.expr),
      type: typeOf(i.expr, paramTypes, lookup),
      tableOid: 0,
      attnum: i.expr.kind === 'column' ? (lookup(i.expr.name)?.position ?? 0) : 0,
    })),
    run: (params) => {
      const rows = insert(params);
      return { kind: 'rows', rows: rows.map((row) => items.map((i) => evaluate(i.expr, { ...bound(params), columns: lookup, row }))) };
    },
  };
}

/**
 * The name of an unaliased result column: a column's name, a function call's name without its arguments
 * (`count`, `version`: test/fixtures/cratedb-6.4.3/cancel.json, odd_sql.json), else the expression text.
 */
function columnName(expr: Expr): string {
  if (expr.kind === 'column' || expr.kind === 'call') return expr.name;
  return expr.text;
}

/** SHOW reads `pg_catalog.pg_settings.setting`: its table OID and column 11 (test/fixtures/cratedb-6.4.3/simple_tags.json). */
const PG_SETTINGS = { tableOid: 2267767687, attnum: 11 };

function analyzeShow(name: string, session: EngineSession, base: Base): Analyzed {
  const text = scalar('text');
  if (name === 'all') {
    return {
      ...base,
      columns: ['name', 'setting', 'description'].map((n) => ({ name: n, type: text, tableOid: 0, attnum: 0 })),
      run: () => ({ kind: 'rows', rows: session.settings.all() }),
    };
  }
  if (name !== 'transaction_isolation' && session.settings.show(name) === undefined) {
    throw internalError(
      `Unknown session setting name '${name}'.`,
      'io.crate.analyze.ShowStatementAnalyzer.analyze(ShowStatementAnalyzer.java:93)',
    );
  }
  return {
    ...base,
    columns: [{ name, type: text, ...PG_SETTINGS }],
    // "Transactions": SHOW TRANSACTION ISOLATION LEVEL returns `read uncommitted`.
    run: () => ({
      kind: 'rows',
      rows: [[name === 'transaction_isolation' ? 'read uncommitted' : (session.settings.show(name) as string)]],
    }),
  };
}
