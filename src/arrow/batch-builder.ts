/**
 * Arrow RecordBatches straight from DataRow bytes (issue 15, docs/arrow.md "Type mapping"): one column builder per
 * result column fills typed arrays, offset buffers and validity bits as rows arrive; `flush()` wraps them in Arrow
 * Data without copying. The plumbing (queryArrow, streamArrow) binds with {@link arrowResultFormats} and feeds each
 * DataRow to {@link RecordBatchBuilder.appendRow}.
 */
import { Field as ArrowField, makeData, RecordBatch, Schema, Struct, type DataType } from 'apache-arrow';
import { ProtocolError } from '../errors.js';
import type { Field } from '../types.js';
import type { ColumnBuilder } from './column.js';
import { planColumns, POSTGRES, type ArrowServer, type ColumnPlan } from './column-for.js';

/** Per-query Arrow options. */
export interface ArrowOptions {
  /**
   * Per column name, the Arrow type to build instead of the default mapping: a Struct (or any type) for an OBJECT /
   * json column, FixedSizeList<Float32, n> for a float_vector, a List type for a CrateDB nested array sent as json,
   * nested Lists for a PostgreSQL multi-dimensional array, Decimal for numeric, or Utf8 for any column to get the
   * server's text. A type that does not fit the column is an ArrowTypeError.
   */
  readonly schema?: Readonly<Record<string, DataType>>;
  /**
   * numeric columns: 'decimal' (default) builds Decimal128 with the type modifier's precision and scale, or Utf8 text
   * when the column has none (unconstrained numeric); 'text' always builds Utf8 with the server's text.
   */
  readonly numeric?: 'decimal' | 'text';
}

/**
 * The result format code per column (1 binary, 0 text) to Bind with for these columns on `server` (default
 * PostgreSQL). Throws ArrowTypeError naming the column when its type has no Arrow mapping, or `schema` gives a type
 * the column cannot be built as.
 */
export function arrowResultFormats(fields: readonly Field[], options: ArrowOptions, server: ArrowServer = POSTGRES): readonly number[] {
  return planColumns(fields, options, server).map((plan) => plan.format);
}

/** Builds Arrow columns straight from DataRow bytes: typed arrays, offset buffers and validity bits, no per-value JS objects. */
export class RecordBatchBuilder {
  readonly schema: Schema;
  readonly #columns: readonly ColumnBuilder[];
  readonly #fields: readonly Field[];
  #length = 0;

  /**
   * `formats` are the result formats the rows come in (as bound: {@link arrowResultFormats}, or [] for all text) from
   * `server` (default PostgreSQL). A column in a format other than the planned one is a ProtocolError.
   */
  constructor(fields: readonly Field[], formats: readonly number[], options: ArrowOptions, server: ArrowServer = POSTGRES) {
    this.#fields = fields;
    const plans = planColumns(fields, options, server);
    this.#columns = fields.map((f, i) => {
      const plan = plans[i] as ColumnPlan;
      const format = formats[i] ?? 0;
      if (format !== plan.format) {
        throw new ProtocolError(
          `Column "${f.name}" arrived in ${format === 1 ? 'binary' : 'text'} format; cratewire/arrow reads it in ${plan.format === 1 ? 'binary' : 'text'} (bind with arrowResultFormats())`,
        );
      }
      return plan.make();
    });
    this.schema = new Schema(this.#columns.map((c, i) => new ArrowField((fields[i] as Field).name, c.type, true)));
  }

  /** Rows appended since the last flush. */
  get length(): number {
    return this.#length;
  }

  /** Approximate bytes held since the last flush (for byte-bounded batches). */
  get byteLength(): number {
    let n = 0;
    for (const c of this.#columns) n += c.byteLength;
    return n;
  }

  /**
   * Append one DataRow body: bytes[start, end) starts at the Int16 column count (the `DataRow` of
   * src/protocol/wire.ts: row.bytes, row.start, row.end). The bytes are read during the call only. A row of the
   * wrong width or with a field past its end is a ProtocolError; a value the column cannot hold is a DecodeError
   * naming the column. After an error the builder's current batch is unusable: discard the builder.
   */
  appendRow(bytes: Buffer, start: number, end: number): void {
    const columns = this.#columns;
    const n = columns.length;
    if (end - start < 2 || bytes.readInt16BE(start) !== n) {
      throw new ProtocolError(`DataRow does not have the ${n} columns RowDescription announced`);
    }
    let p = start + 2;
    for (let i = 0; i < n; i++) {
      if (p + 4 > end) throw truncated(this.#fields[i] as Field);
      const len = ((bytes[p] as number) << 24) | ((bytes[p + 1] as number) << 16) | ((bytes[p + 2] as number) << 8) | (bytes[p + 3] as number);
      p += 4;
      const column = columns[i] as ColumnBuilder;
      if (len < 0) {
        column.appendNull();
      } else {
        if (p + len > end) throw truncated(this.#fields[i] as Field);
        column.append(bytes, p, len);
        p += len;
      }
    }
    this.#length++;
  }

  /** The rows appended since the last flush as one RecordBatch (zero rows allowed); the builder starts empty again. */
  flush(): RecordBatch {
    const children = this.#columns.map((c) => c.flush());
    const length = this.#length;
    this.#length = 0;
    const data = makeData({ type: new Struct(this.schema.fields), length, nullCount: 0, children });
    return new RecordBatch(this.schema, data);
  }
}

function truncated(field: Field): ProtocolError {
  return new ProtocolError(`DataRow ends inside column "${field.name}"`);
}
