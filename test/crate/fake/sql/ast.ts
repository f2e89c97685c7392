/**
 * The statements the fake understands. Grammar (keywords case-insensitive, `$n` or `?` placeholders):
 *
 *   SELECT item[, …] [FROM t | FROM generate_series(a, b) [alias] | FROM (SELECT …) alias]
 *       [WHERE col op expr [AND …] | WHERE false] [ORDER BY col [ASC|DESC][, …]] [LIMIT expr] [OFFSET expr]
 *       item := * | expr [[AS] alias];  op := = <> != < <= > >=
 *       expr := literal | $n | ? | col | fn(args) | count(*) | expr {+ - * / %} expr | -expr | expr::type | [a, b]
 *             | {key = expr, …} | B'0101'
 *   INSERT INTO t [(cols)] {VALUES (expr, …)[, (…)] | SELECT * FROM UNNEST(expr, …)} [ON CONFLICT [(cols)] DO NOTHING]
 *       [RETURNING item[, …]]
 *   UPDATE t SET col = expr[, …] [WHERE …]          DELETE FROM t [WHERE …]
 *   CREATE TABLE [IF NOT EXISTS] t (col type [PRIMARY KEY] [NOT NULL], … [, PRIMARY KEY (cols)]) [anything]
 *   DROP TABLE [IF EXISTS] t                          REFRESH TABLE t[, …]       OPTIMIZE TABLE t[, …]
 *   ALTER TABLE t ADD [COLUMN] col type               CREATE SCHEMA name
 *   SET [SESSION|LOCAL] name {=|TO} value[, …]|DEFAULT   SET GLOBAL [PERSISTENT|TRANSIENT] name = value
 *   SET TIME ZONE …   SET TRANSACTION …   SET SESSION CHARACTERISTICS …   SET|RESET SESSION AUTHORIZATION …
 *   RESET GLOBAL name   SHOW name|ALL|TRANSACTION ISOLATION LEVEL
 *   BEGIN …  START TRANSACTION …  COMMIT …  END …  DISCARD ALL|PLANS|SEQUENCES|TEMP  DEALLOCATE [PREPARE] name|ALL
 *   CLOSE name|ALL
 *
 * Table names: `name` or `schema.name`; unqualified names use the search path (docs/cratedb-wire.md "Search path").
 */
import type { CrateType } from '../types.js';
import type { Series } from './series.js';

/** An expression; `text` is its SQL source, which names unaliased result columns (docs/cratedb-wire.md "Result columns and visibility"). */
export type Expr =
  | { kind: 'literal'; value: unknown; type: CrateType; text: string }
  | { kind: 'param'; index: number; text: string }
  | { kind: 'column'; name: string; text: string }
  | { kind: 'binary'; op: string; left: Expr; right: Expr; text: string }
  | { kind: 'neg'; expr: Expr; text: string }
  | { kind: 'call'; name: string; args: Expr[]; star: boolean; text: string }
  | { kind: 'cast'; expr: Expr; type: CrateType; text: string }
  | { kind: 'array'; items: Expr[]; text: string }
  | { kind: 'object'; entries: Array<{ key: string; value: Expr }>; text: string };

/** `[schema.]name`. */
export interface TableRef {
  schema: string | null;
  name: string;
  /** As written, for `Relation 'x' unknown`. */
  text: string;
}

/** `column op value` in a WHERE clause (ANDed). */
export interface Condition {
  column: string;
  op: string;
  value: Expr;
}

/** One SELECT list entry. */
export interface SelectItem {
  expr: Expr;
  alias: string | null;
}

/** `VALUES (…), (…)` or `SELECT * FROM UNNEST(array, …)`: one row per array position. */
export type InsertSource = { kind: 'values'; rows: Expr[][] } | { kind: 'unnest'; arrays: Expr[] };

/** One CREATE TABLE column. */
export interface ColumnDef {
  name: string;
  type: CrateType;
}

/** A parsed statement. */
export type Statement =
  | {
      kind: 'select';
      items: SelectItem[] | 'star';
      from: TableRef | null;
      /** `FROM generate_series(start, stop) [alias]` instead of a table. */
      series: Series | null;
      /** `FROM (SELECT …) alias` instead of a table: its result columns are the columns. */
      derived: Statement | null;
      where: Condition[];
      /** `WHERE false`. */
      empty: boolean;
      orderBy: Array<{ column: string; desc: boolean }>;
      limit: Expr | null;
      offset: Expr | null;
    }
  | {
      kind: 'insert';
      table: TableRef;
      columns: string[] | null;
      source: InsertSource;
      onConflictDoNothing: boolean;
      returning: SelectItem[] | null;
    }
  | { kind: 'update'; table: TableRef; sets: Array<{ column: string; value: Expr }>; where: Condition[] }
  | { kind: 'delete'; table: TableRef; where: Condition[] }
  | { kind: 'create-table'; table: TableRef; ifNotExists: boolean; columns: ColumnDef[]; primaryKey: string[] }
  | { kind: 'drop-table'; table: TableRef; ifExists: boolean }
  | { kind: 'alter-add-column'; table: TableRef; column: ColumnDef }
  | { kind: 'create-schema'; name: string }
  | { kind: 'optimize'; tables: TableRef[] }
  | { kind: 'refresh'; tables: TableRef[] }
  | { kind: 'set'; name: string; values: Expr[] | 'default' }
  | { kind: 'set-global'; name: string; value: Expr }
  | { kind: 'set-ignored' }
  | { kind: 'show'; name: string }
  | { kind: 'begin' }
  | { kind: 'commit' }
  | { kind: 'discard'; what: string }
  | { kind: 'deallocate'; name: string | null }
  | { kind: 'close-cursor' };
