/**
 * Expressions: parameter type inference (docs/cratedb-wire.md "Parameter type inference"), result types, validation and evaluation.
 */
import { columnUnknown, divisionByZero, internalError, unknownFunction } from '../errors.js';
import { arrayOf, scalar, UNKNOWN, type CrateType, type ScalarName } from '../types.js';
import type { Expr } from './ast.js';
import type { Column, Row } from './catalog.js';
import { castValue } from './values.js';

/** Functions of the fake. `sleep(ms)` is the fake's stand-in for a long query, not a CrateDB built-in. */
const FUNCTIONS: Record<string, CrateType> = {
  count: scalar('bigint'),
  sleep: scalar('boolean'),
  version: scalar('text'),
  current_schema: scalar('text'),
  current_database: scalar('text'),
};

/** Functions without arguments (test/fixtures/cratedb-6.4.3/odd_sql.json). */
const NILADIC = ['version', 'current_schema', 'current_database'];

/** What an expression can see: the columns of the FROM table, if any. */
export type ColumnLookup = (name: string) => Column | undefined;

/** Every `$n` used. */
export function collectParams(expr: Expr, out: Set<number>): void {
  switch (expr.kind) {
    case 'param':
      out.add(expr.index);
      return;
    case 'binary':
      collectParams(expr.left, out);
      collectParams(expr.right, out);
      return;
    case 'neg':
    case 'cast':
      collectParams(expr.expr, out);
      return;
    case 'call':
      expr.args.forEach((a) => collectParams(a, out));
      return;
    case 'array':
      expr.items.forEach((a) => collectParams(a, out));
      return;
    case 'object':
      expr.entries.forEach((e) => collectParams(e.value, out));
      return;
    default:
  }
}

/** "Parameter type inference": an untyped param takes its type from context (the column, the other side of an operator, the function). */
export function inferParams(
  expr: Expr,
  expected: CrateType | null,
  hints: Map<number, CrateType>,
  columns: ColumnLookup,
): void {
  switch (expr.kind) {
    case 'param':
      if (expected && !hints.has(expr.index)) hints.set(expr.index, expected);
      return;
    case 'binary': {
      const known = (e: Expr): CrateType | null => (e.kind === 'param' ? null : typeOf(e, [], columns));
      inferParams(expr.left, known(expr.right) ?? expected, hints, columns);
      inferParams(expr.right, known(expr.left) ?? expected, hints, columns);
      return;
    }
    case 'neg':
      inferParams(expr.expr, expected, hints, columns);
      return;
    case 'cast':
      // `$2::int` types the parameter itself: ParameterDescription says 23 (test/fixtures/cratedb-6.4.3/params_inference.json).
      inferParams(expr.expr, expr.type, hints, columns);
      return;
    case 'call':
      expr.args.forEach((a) => inferParams(a, expr.name === 'sleep' ? scalar('bigint') : null, hints, columns));
      return;
    case 'array':
      expr.items.forEach((a) => inferParams(a, expected?.kind === 'array' ? expected.element : null, hints, columns));
      return;
    case 'object':
      expr.entries.forEach((e) => inferParams(e.value, null, hints, columns));
      return;
    default:
  }
}

const NUMERIC_RANK: ScalarName[] = ['byte', 'smallint', 'integer', 'bigint', 'real', 'double'];

function arithmeticType(a: CrateType, b: CrateType): CrateType {
  const rank = (t: CrateType): number =>
    t.kind === 'scalar' ? (t.name === 'numeric' ? 5 : NUMERIC_RANK.indexOf(t.name)) : -1;
  const r = Math.max(rank(a), rank(b));
  return r < 0 ? scalar('double') : scalar(NUMERIC_RANK[r] as ScalarName);
}

/** The result type of an expression; an uninferred param is `undefined` (705). */
export function typeOf(expr: Expr, paramTypes: readonly CrateType[], columns: ColumnLookup): CrateType {
  switch (expr.kind) {
    case 'literal':
      return expr.type;
    case 'param':
      return paramTypes[expr.index - 1] ?? UNKNOWN;
    case 'column':
      return columns(expr.name)?.type ?? UNKNOWN;
    case 'binary':
      return arithmeticType(typeOf(expr.left, paramTypes, columns), typeOf(expr.right, paramTypes, columns));
    case 'neg':
      return typeOf(expr.expr, paramTypes, columns);
    case 'cast':
      return expr.type;
    case 'call':
      return FUNCTIONS[expr.name] ?? UNKNOWN;
    case 'array': {
      const first = expr.items.find((i) => !(i.kind === 'literal' && i.value === null));
      return arrayOf(first ? typeOf(first, paramTypes, columns) : UNKNOWN);
    }
    case 'object':
      return scalar('object');
  }
}

/** Analysis-time checks: unknown columns (42703) and functions (0A000). */
export function validate(expr: Expr, columns: ColumnLookup, hasTable: boolean): void {
  switch (expr.kind) {
    case 'column':
      if (!columns(expr.name)) throw columnUnknown(expr.name);
      return;
    case 'binary':
      validate(expr.left, columns, hasTable);
      validate(expr.right, columns, hasTable);
      return;
    case 'neg':
    case 'cast':
      validate(expr.expr, columns, hasTable);
      return;
    case 'call':
      const known =
        expr.name === 'count'
          ? expr.star && hasTable
          : (expr.name === 'sleep' && expr.args.length === 1) || (NILADIC.includes(expr.name) && expr.args.length === 0 && !expr.star);
      if (!known) {
        throw unknownFunction(expr.text);
      }
      expr.args.forEach((a) => validate(a, columns, hasTable));
      return;
    case 'array':
      expr.items.forEach((a) => validate(a, columns, hasTable));
      return;
    case 'object':
      expr.entries.forEach((e) => validate(e.value, columns, hasTable));
      return;
    default:
  }
}

/** Everything evaluation needs. */
export interface EvalContext {
  readonly params: readonly unknown[];
  readonly paramTypes: readonly CrateType[];
  readonly columns: ColumnLookup;
  readonly row: Row | null;
  readonly version: string;
  /** The first schema of the search path (`current_schema()`). */
  readonly schema: string;
}

function arithmetic(op: string, a: unknown, b: unknown, type: CrateType): unknown {
  if (a === null || b === null) return null;
  if (typeof a === 'bigint' && typeof b === 'bigint') {
    if ((op === '/' || op === '%') && b === 0n) throw divisionByZero();
    const ops: Record<string, (x: bigint, y: bigint) => bigint> = {
      '+': (x, y) => x + y, '-': (x, y) => x - y, '*': (x, y) => x * y, '/': (x, y) => x / y, '%': (x, y) => x % y,
    };
    return (ops[op] as (x: bigint, y: bigint) => bigint)(a, b);
  }
  const x = a as number;
  const y = b as number;
  const integral = type.kind === 'scalar' && ['byte', 'smallint', 'integer'].includes(type.name);
  if (integral && (op === '/' || op === '%') && y === 0) throw divisionByZero();
  switch (op) {
    case '+':
      return x + y;
    case '-':
      return x - y;
    case '*':
      return x * y;
    case '/':
      return integral ? Math.trunc(x / y) : x / y;
    default:
      return x % y;
  }
}

/** Evaluates `expr` against the params and the current row. */
export function evaluate(expr: Expr, ctx: EvalContext): unknown {
  switch (expr.kind) {
    case 'literal':
      return expr.value;
    case 'param': {
      if (expr.index > ctx.params.length) {
        throw internalError(
          `Tried to resolve a parameter but the arguments provided with the SQL statement don't contain a parameter at position ${expr.index - 1}`,
          'io.crate.expression.symbol.ParameterSymbol.bind(ParameterSymbol.java:64)',
        );
      }
      return ctx.params[expr.index - 1];
    }
    case 'column': {
      const column = ctx.columns(expr.name) as Column;
      // A column added after the document was written reads NULL.
      return ctx.row ? (ctx.row[column.position - 1] ?? null) : null;
    }
    case 'binary': {
      const type = typeOf(expr, ctx.paramTypes, ctx.columns);
      const left = castValue(evaluate(expr.left, ctx), typeOf(expr.left, ctx.paramTypes, ctx.columns), type, ctx.version);
      const right = castValue(evaluate(expr.right, ctx), typeOf(expr.right, ctx.paramTypes, ctx.columns), type, ctx.version);
      return arithmetic(expr.op, left, right, type);
    }
    case 'neg': {
      const v = evaluate(expr.expr, ctx);
      if (v === null) return null;
      return typeof v === 'bigint' ? -v : -(v as number);
    }
    case 'cast':
      return castValue(evaluate(expr.expr, ctx), typeOf(expr.expr, ctx.paramTypes, ctx.columns), expr.type, ctx.version);
    case 'call':
      return callValue(expr.name, ctx);
    case 'array': {
      const type = typeOf(expr, ctx.paramTypes, ctx.columns);
      const element = type.kind === 'array' ? type.element : UNKNOWN;
      return expr.items.map((i) => castValue(evaluate(i, ctx), typeOf(i, ctx.paramTypes, ctx.columns), element, ctx.version));
    }
    case 'object':
      return Object.fromEntries(expr.entries.map((e) => [e.key, evaluate(e.value, ctx)]));
  }
}

/**
 * `version()` says `CrateDB <version> (built …, <os>, <jvm>)`; the fake has no build, OS or JVM of its own to report.
 * `current_database()` is always `crate` (test/fixtures/cratedb-6.4.3/odd_sql.json). `sleep` yields true.
 */
function callValue(name: string, ctx: EvalContext): unknown {
  switch (name) {
    case 'version':
      return `CrateDB ${ctx.version} (built NA/NA, fake CrateDB for tests)`;
    case 'current_schema':
      return ctx.schema;
    case 'current_database':
      return 'crate';
    default:
      return true;
  }
}
