/**
 * `SELECT … FROM generate_series(start, stop) [alias]`: the long query of test/fixtures/cratedb-6.4.3/cancel.json
 * (`SELECT count(*) FROM generate_series(1, 2000000000) g`). The fake does not produce two billion rows: it runs a
 * killable job for as long as scanning them would take at {@link ROWS_PER_MS}, then answers count(*) arithmetically
 * (other select items get the rows themselves, up to {@link MAX_ROWS}).
 */
import { internalError } from '../errors.js';
import { scalar } from '../types.js';
import type { Expr, SelectItem } from './ast.js';
import type { Column } from './catalog.js';
import { evaluate, type ColumnLookup, type EvalContext } from './expressions.js';

/** A `generate_series` source. */
export interface Series {
  readonly start: Expr;
  readonly stop: Expr;
  readonly alias: string;
}

/** The fake "scans" ten million rows a second: two billion take 200 s, ample time for a CancelRequest. */
const ROWS_PER_MS = 10_000;
/** Larger series are only counted. */
const MAX_ROWS = 1_000_000;

/** The series' one column, named after its alias. */
export const seriesColumn = (series: Series): Column => ({ name: series.alias, type: scalar('integer'), position: 1 });

function bounds(series: Series, ctx: EvalContext): { start: number; size: number } {
  const start = Number(evaluate(series.start, ctx));
  const stop = Number(evaluate(series.stop, ctx));
  return { start, size: Math.max(0, stop - start + 1) };
}

/** How long the scan runs. */
export function seriesMs(series: Series, ctx: EvalContext): number {
  return Math.ceil(bounds(series, ctx).size / ROWS_PER_MS);
}

/** The result rows: one count per count(*) item, or the rows of the series. */
export function seriesRows(series: Series, items: readonly SelectItem[], ctx: EvalContext): unknown[][] {
  const { start, size } = bounds(series, ctx);
  if (items.some((i) => i.expr.kind === 'call' && i.expr.name === 'count')) return [items.map(() => BigInt(size))];
  if (size > MAX_ROWS) throw internalError(`The fake produces at most ${MAX_ROWS} series rows`, 'io.crate.fake.Series.rows(Series.java:1)');
  const lookup: ColumnLookup = (name) => (name === series.alias ? seriesColumn(series) : ctx.columns(name));
  return Array.from({ length: size }, (_, k) => items.map((i) => evaluate(i.expr, { ...ctx, columns: lookup, row: [start + k] })));
}
