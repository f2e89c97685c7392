/**
 * Which Arrow column builder reads a result column, and in which result format (docs/arrow.md "Type mapping"): the
 * default mapping per type OID, or the caller's `schema` type where it gives one.
 */
import { Type, type DataType } from 'apache-arrow';
import { OID, nameOfType } from '../codecs/oids.js';
import { ArrowTypeError } from '../errors.js';
import type { Field } from '../query/result.js';
import type { ArrowOptions } from './batch-builder.js';
import type { ColumnBuilder } from './column.js';
import {
  BoolColumn,
  dateColumn,
  float32Column,
  float64Column,
  int16Column,
  int32Column,
  int64Column,
  timestampColumn,
} from './fixed-columns.js';
import { binaryColumn, jsonbColumn, utf8Column } from './text-columns.js';

/** Result format codes of Bind. */
export const TEXT = 0;
export const BINARY = 1;

/** How one column is read: the format to Bind with and a factory of its builder. */
export interface ColumnPlan {
  readonly format: number;
  /** A builder for this column in `format`. */
  readonly make: () => ColumnBuilder;
}

/** Builders of binary values per type OID (scalars). */
const BINARY_SCALARS: ReadonlyMap<number, (column: string) => ColumnBuilder> = new Map<number, (column: string) => ColumnBuilder>([
  [OID.INT2, int16Column],
  [OID.INT4, int32Column],
  [OID.INT8, int64Column],
  [OID.FLOAT4, float32Column],
  [OID.FLOAT8, float64Column],
  [OID.BOOL, (c) => new BoolColumn(c)],
  [OID.TIMESTAMP, (c) => timestampColumn(c, null)],
  [OID.TIMESTAMPTZ, (c) => timestampColumn(c, 'UTC')],
  [OID.DATE, dateColumn],
  [OID.TEXT, utf8Column],
  [OID.VARCHAR, utf8Column],
  [OID.BPCHAR, utf8Column],
  [OID.NAME, utf8Column],
  [OID.BYTEA, binaryColumn],
  [OID.JSONB, jsonbColumn],
]);

/** The plan for one column: binary where a binary builder exists, else the server's text as Utf8. */
export function planColumn(field: Field, options: ArrowOptions): ColumnPlan {
  const wanted = options.schema?.[field.name];
  if (wanted !== undefined) return planWanted(field, wanted);
  const name = field.name;
  const binary = BINARY_SCALARS.get(field.typeOid);
  if (binary !== undefined) return { format: BINARY, make: () => binary(name) };
  return { format: TEXT, make: () => utf8Column(name) };
}

/** The plan for a column whose Arrow type the caller gave in `schema`. */
function planWanted(field: Field, wanted: DataType): ColumnPlan {
  const name = field.name;
  if (wanted.typeId === Type.Utf8) return { format: TEXT, make: () => utf8Column(name) };
  const binary = BINARY_SCALARS.get(field.typeOid);
  if (binary !== undefined) {
    const builder = binary(name);
    if (String(builder.type) === String(wanted)) return { format: BINARY, make: () => binary(name) };
  }
  throw cannotBuild(field, wanted);
}

/** The ArrowTypeError for a `schema` type that does not fit the column. */
export function cannotBuild(field: Field, wanted: DataType): ArrowTypeError {
  return new ArrowTypeError(
    field.name,
    `cannot build ${String(wanted)} from ${nameOfType(field.typeOid)} (type OID ${field.typeOid}); pass a type from docs/arrow.md "Type mapping" in schema, new Utf8() for the server's text, or cast the column in SQL (e.g. ::text)`,
  );
}
