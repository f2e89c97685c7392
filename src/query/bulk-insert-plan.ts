/**
 * bulkInsert()'s plan (its options and result types are in types.ts): the table and column names, input checks, the
 * statement for the column types, and the encoded batches. The operation that speaks the protocol is bulk-insert.ts.
 *
 * One statement per batch:
 * - CrateDB: `INSERT INTO t (a, b) SELECT * FROM UNNEST($1::integer[], $2::text[])`, each parameter a whole column as
 *   a binary array whose OID is declared in Parse (binary parameters with OID 0 are read with the inferred type, and
 *   CrateDB does not check their size: docs/cratedb-wire.md, parameter types — here the cast and the declared OID
 *   agree). CrateDB answers such a statement with ParameterDescription `[1007, 1015, 1022]` and `INSERT 0 3`
 *   (test/fixtures/cratedb-6.4.3/unnest_insert.json).
 * - PostgreSQL: `COPY t (a, b) FROM STDIN (FORMAT binary)` with the batch as one CopyData message — about 1.7×
 *   the rows/s of the UNNEST statement there, for cratewire and for the raw-socket floor alike (bench/ workload 6b,
 *   embedded PostgreSQL). CrateDB has no COPY FROM STDIN (test/fixtures/cratedb-6.4.3/odd_sql.json).
 */
import { columnEncoder, encodeColumnBatch, encodeCopyData, measureColumnBatch, RowEncodeFailure, writeColumnBatch, type ColumnEncoder } from '../codecs/binary-encode.js';
import { encodeBinaryBind } from '../protocol/frontend.js';
import { nameOfType } from '../codecs/oids.js';
import { UsageError } from '../errors.js';
import { quoteIdentifier } from '../sql/quote.js';
import type { BulkInsertOptions } from '../types.js';

/** Checked table and column names, quoted for SQL. */
export interface InsertTarget {
  readonly table: string;
  readonly columns: readonly string[];
}

/** What bulkInsert() sends per batch. */
export interface BulkInsertPlan {
  /** `unnest`: the INSERT statement with array parameters; `copy`: COPY FROM STDIN in binary. */
  readonly kind: 'unnest' | 'copy';
  readonly text: string;
  /** Array OIDs declared in Parse, one per column (unnest). */
  readonly paramTypes: readonly number[];
  readonly encoders: readonly ColumnEncoder[];
}

const DEFAULT_BATCH_SIZE = 10_000;

/** `name` quoted by the project's one rule (sql/quote.ts), with at most `maxParts` dot-separated parts. */
function quoteName(name: unknown, what: string, maxParts: number): string {
  if (typeof name !== 'string' || name === '') throw new UsageError(`bulkInsert(): ${what} must be a non-empty string, got ${describe(name)}`);
  let quoted: string;
  try {
    quoted = quoteIdentifier(name);
  } catch (error) {
    throw new UsageError(`bulkInsert(): ${what}: ${(error as Error).message}`, { cause: error });
  }
  let parts = 1;
  let inQuotes = false;
  for (const c of quoted) {
    if (c === '"') inQuotes = !inQuotes;
    else if (c === '.' && !inQuotes) parts++;
  }
  if (parts > maxParts) {
    throw new UsageError(`bulkInsert(): ${what} ${JSON.stringify(name)} has ${parts} dot-separated parts; at most ${maxParts} (quote a part that contains a dot)`);
  }
  return quoted;
}

function describe(value: unknown): string {
  return typeof value === 'string' ? JSON.stringify(value) : Array.isArray(value) ? 'an array' : value === null ? 'null' : typeof value;
}

/** Check everything that can be checked before anything is sent; throws UsageError. */
export function checkBulkInsertInput(
  table: unknown,
  columns: unknown,
  rows: unknown,
  options: BulkInsertOptions,
): { target: InsertTarget; batchSize: number } {
  const quotedTable = quoteName(table, 'the table name', 2);
  if (!Array.isArray(columns) || columns.length === 0) throw new UsageError('bulkInsert(table, columns, rows): columns must be a non-empty array of column names');
  const quoted = columns.map((c: unknown, i) => quoteName(c, `column ${i}`, 1));
  const duplicate = quoted.find((c, i) => quoted.indexOf(c) !== i);
  if (duplicate !== undefined) throw new UsageError(`bulkInsert(): column ${duplicate} is listed twice`);
  if (!Array.isArray(rows)) throw new UsageError('bulkInsert(table, columns, rows): rows must be an array of row arrays');
  for (let i = 0; i < rows.length; i++) {
    const row: unknown = rows[i];
    if (!Array.isArray(row)) throw new UsageError(`bulkInsert(): row ${i} is ${describe(row)}, not an array of values in the order of columns`);
    if (row.length !== quoted.length) {
      throw new UsageError(`bulkInsert(): row ${i} has ${row.length} value(s) for ${quoted.length} column(s); every row needs one value per column`);
    }
  }
  const batchSize = options.batchSize ?? DEFAULT_BATCH_SIZE;
  if (!Number.isSafeInteger(batchSize) || batchSize < 1) throw new UsageError(`bulkInsert(): batchSize must be a positive integer, got ${String(options.batchSize)}`);
  const types = options.columnTypes;
  if (types !== undefined && (!Array.isArray(types) || types.length !== quoted.length || !types.every((t) => Number.isInteger(t) && t > 0))) {
    throw new UsageError(`bulkInsert(): columnTypes must hold one type OID per column (${quoted.length})`);
  }
  return { target: { table: quotedTable, columns: quoted }, batchSize };
}

/** The statement whose Describe gives the column types as parameter types; it is never executed. */
export function describeStatement(target: InsertTarget): string {
  const placeholders = target.columns.map((_, i) => `$${i + 1}`);
  return `INSERT INTO ${target.table} (${target.columns.join(', ')}) VALUES (${placeholders.join(', ')})`;
}

/** The batch statement for these column types; throws UsageError for a type that cannot travel as a column batch. */
export function planBulkInsert(target: InsertTarget, types: readonly number[], isCrate: boolean): BulkInsertPlan {
  const encoders = types.map((oid, i) => {
    const encoder = columnEncoder(oid, isCrate);
    if (encoder === undefined) {
      throw new UsageError(
        `bulkInsert(): column ${target.columns[i]} has type ${nameOfType(oid)}, which bulkInsert() does not send as a column batch; ` +
          'use executeMany() for this table',
      );
    }
    return encoder;
  });
  const columns = target.columns.join(', ');
  if (!isCrate) return { kind: 'copy', text: `COPY ${target.table} (${columns}) FROM STDIN (FORMAT binary)`, paramTypes: [], encoders };
  const unnest = encoders.map((e, i) => `$${i + 1}::${e.sqlType}`).join(', ');
  return {
    kind: 'unnest',
    text: `INSERT INTO ${target.table} (${columns}) SELECT * FROM UNNEST(${unnest})`,
    paramTypes: encoders.map((e) => e.arrayOid),
    encoders,
  };
}

/** The Bind of one batch: rows `[from, to)`, one binary array per column. Throws UsageError naming the row. */
export function encodeBatchBind(plan: BulkInsertPlan, columns: readonly string[], rows: readonly (readonly unknown[])[], from: number, to: number): Buffer {
  let column = 0;
  try {
    const measured = plan.encoders.map((encoder, c) => {
      column = c;
      return measureColumnBatch(encoder, rows, c, from, to);
    });
    return encodeBinaryBind(
      '',
      measured.map((m) => m.maxBytes),
      (c, b, p) => {
        column = c;
        return writeColumnBatch(measured[c] as (typeof measured)[number], rows, from, to, b, p);
      },
    );
  } catch (error) {
    throw valueError(error, columns[column] as string);
  }
}

/** One batch as a CopyData message (COPY plans). Throws UsageError naming the row and column. */
export function encodeCopyBatch(plan: BulkInsertPlan, columns: readonly string[], rows: readonly (readonly unknown[])[], from: number, to: number): Buffer {
  try {
    return encodeCopyData(plan.encoders, rows, from, to);
  } catch (error) {
    if (!(error instanceof RowEncodeFailure)) throw error;
    // Find the column: encode the failing row's values one by one.
    const row = rows[error.row] as readonly unknown[];
    const column = plan.encoders.findIndex((encoder, c) => {
      try {
        encodeColumnBatch(encoder, [row], c, 0, 1);
        return false;
      } catch {
        return true;
      }
    });
    throw valueError(error, columns[column] ?? '?');
  }
}

function valueError(error: unknown, column: string): unknown {
  if (!(error instanceof RowEncodeFailure)) return error;
  return new UsageError(`bulkInsert(): row ${error.row}, column ${column}: ${error.message}`, { cause: error });
}
