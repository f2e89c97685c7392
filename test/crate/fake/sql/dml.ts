/**
 * Execution of SELECT / INSERT / UPDATE / DELETE against the fake's tables.
 */
import { duplicateKey, internalError } from '../errors.js';
import type { CrateType } from '../types.js';
import type { Condition, Expr, InsertSource, SelectItem } from './ast.js';
import type { Column, Row, Table } from './catalog.js';
import { evaluate, typeOf, type EvalContext } from './expressions.js';
import { castValue, compareValues, matches } from './values.js';

/** Params and their effective types for one execution. */
export interface Bound {
  readonly params: readonly unknown[];
  readonly paramTypes: readonly CrateType[];
  readonly version: string;
  readonly schema: string;
}

function context(table: Table | null, bound: Bound, row: Row | null): EvalContext {
  return { ...bound, columns: (name) => table?.column(name), row };
}

/** Evaluates a value for `column`, cast to its type. */
function valueFor(column: Column, expr: Expr, table: Table, bound: Bound): unknown {
  const ctx = context(table, bound, null);
  return castValue(evaluate(expr, ctx), typeOf(expr, bound.paramTypes, ctx.columns), column.type, bound.version);
}

interface ResolvedCondition {
  column: Column;
  op: string;
  value: unknown;
}

function resolveConditions(table: Table, where: readonly Condition[], bound: Bound): ResolvedCondition[] {
  return where.map((c) => {
    const column = table.column(c.column) as Column;
    return { column, op: c.op, value: valueFor(column, c.value, table, bound) };
  });
}

function rowMatches(row: Row, conditions: readonly ResolvedCondition[]): boolean {
  return conditions.every((c) => matches(row[c.column.position - 1], c.op, c.value, c.column.type));
}

/** "Result columns and visibility": a primary-key lookup reads the live documents; anything else searches the last refresh. */
function candidates(table: Table, conditions: readonly ResolvedCondition[]): Array<readonly [string, Row]> {
  if (table.primaryKey.length > 0) {
    const key = table.primaryKey.map((k) => conditions.find((c) => c.column.name === k && c.op === '='));
    if (key.every((c) => c !== undefined)) {
      const id = table.idForKey(key.map((c) => (c as ResolvedCondition).value));
      const row = table.get(id);
      return row && rowMatches(row, conditions) ? [[id, row]] : [];
    }
  }
  return table.visibleEntries().filter(([, row]) => rowMatches(row, conditions));
}

/** SELECT … FROM table. */
export function selectFromTable(
  table: Table,
  items: readonly SelectItem[] | 'star',
  where: readonly Condition[],
  orderBy: ReadonlyArray<{ column: string; desc: boolean }>,
  limit: Expr | null,
  offset: Expr | null,
  bound: Bound,
): unknown[][] {
  let rows = candidates(table, resolveConditions(table, where, bound)).map(([, row]) => row);
  if (items !== 'star' && items.some((i) => i.expr.kind === 'call' && i.expr.name === 'count')) {
    return [items.map((i) => (i.expr.kind === 'call' ? BigInt(rows.length) : null))];
  }
  if (orderBy.length > 0) {
    rows = [...rows].sort((a, b) => {
      for (const o of orderBy) {
        const column = table.column(o.column) as Column;
        const x = a[column.position - 1];
        const y = b[column.position - 1];
        // PostgreSQL/CrateDB default: NULLS LAST ascending, NULLS FIRST descending.
        const c = x === null ? (y === null ? 0 : 1) : y === null ? -1 : compareValues(x, y, column.type);
        if (c !== 0) return o.desc ? -c : c;
      }
      return 0;
    });
  }
  const ctx = context(table, bound, null);
  const skip = offset ? Number(evaluate(offset, ctx)) : 0;
  const take = limit ? Number(evaluate(limit, ctx)) : Infinity;
  rows = rows.slice(skip, skip + take);
  if (items === 'star') return rows.map((r) => [...r]);
  return rows.map((row) => items.map((i) => evaluate(i.expr, context(table, bound, row))));
}

/** A value with the type it has before it is cast to its column. */
interface Typed {
  readonly value: unknown;
  readonly type: CrateType;
}

/** The source rows of an INSERT, evaluated; UNNEST pads shorter arrays with NULL. */
function sourceRows(source: InsertSource, table: Table, bound: Bound): Typed[][] {
  const ctx = context(table, bound, null);
  const typed = (expr: Expr): Typed => ({ value: evaluate(expr, ctx), type: typeOf(expr, bound.paramTypes, ctx.columns) });
  if (source.kind === 'values') return source.rows.map((row) => row.map(typed));
  const arrays = source.arrays.map(typed).map(({ value, type }) => ({
    values: (value ?? []) as unknown[],
    type: type.kind === 'array' ? type.element : type,
  }));
  const length = Math.max(0, ...arrays.map((a) => a.values.length));
  return Array.from({ length }, (_, i) => arrays.map((a) => ({ value: a.values[i] ?? null, type: a.type })));
}

/** INSERT: the rows written; a duplicate key throws 23505 unless ON CONFLICT DO NOTHING (not written). */
export function insertRows(
  table: Table,
  columns: readonly string[] | null,
  source: InsertSource,
  onConflictDoNothing: boolean,
  bound: Bound,
): Row[] {
  const targets = (columns ?? table.columns.map((c) => c.name)).map((n) => table.column(n) as Column);
  const written: Row[] = [];
  for (const values of sourceRows(source, table, bound)) {
    if (values.length !== targets.length) {
      throw internalError(
        `Number of target columns (${targets.length}) of insert statement doesn't match number of source columns ` +
          `(${values.length})`,
        'io.crate.analyze.InsertAnalyzer.analyze(InsertAnalyzer.java:201)',
      );
    }
    const row: unknown[] = table.columns.map(() => null);
    targets.forEach((column, i) => {
      const { value, type } = values[i] as Typed;
      row[column.position - 1] = castValue(value, type, column.type, bound.version);
    });
    for (const k of table.primaryKey) {
      if (row[(table.column(k) as Column).position - 1] === null) {
        throw internalError('Primary key value must not be NULL', 'io.crate.execution.dml.Indexer.index(Indexer.java:612)');
      }
    }
    if (table.insert(row)) written.push(row);
    else if (!onConflictDoNothing) throw duplicateKey();
  }
  return written;
}

/** UPDATE: the number of documents changed. */
export function updateRows(
  table: Table,
  sets: ReadonlyArray<{ column: string; value: Expr }>,
  where: readonly Condition[],
  bound: Bound,
): number {
  const assignments = sets.map((s) => {
    const column = table.column(s.column) as Column;
    return { column, value: valueFor(column, s.value, table, bound) };
  });
  let count = 0;
  for (const [id] of candidates(table, resolveConditions(table, where, bound))) {
    const current = table.get(id);
    if (!current) continue;
    const row = [...current];
    for (const a of assignments) row[a.column.position - 1] = a.value;
    table.replace(id, row);
    count++;
  }
  return count;
}

/** DELETE: the number of documents removed. */
export function deleteRows(table: Table, where: readonly Condition[], bound: Bound): number {
  let count = 0;
  for (const [id] of candidates(table, resolveConditions(table, where, bound))) if (table.delete(id)) count++;
  return count;
}
