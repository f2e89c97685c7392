/**
 * Which Arrow column builder reads a result column, and in which result format (docs/arrow.md "Type mapping"): the
 * default mapping per type OID, or the caller's `schema` type where it gives one. Binary wherever a builder reads the
 * binary value; text for numeric, json, uuid and inet at the top level (their text is what Arrow stores, or cheaper
 * for the server to send), and the server's text as Utf8 for every type without a mapping.
 */
import { Type, type DataType, type FixedSizeList, type List } from 'apache-arrow';
import { inetText, numericText, timetzText, uuidText } from '../codecs/binary-text.js';
import { ARRAY_ELEMENT_OID, OID, nameOfType } from '../codecs/oids.js';
import { ArrowTypeError } from '../errors.js';
import type { Field } from '../types.js';
import type { ArrowOptions } from './batch-builder.js';
import type { ColumnBuilder } from './column.js';
import { DecimalColumn, MAX_DECIMAL_PRECISION } from './decimal-column.js';
import {
  BoolColumn,
  dateColumn,
  float32Column,
  float64Column,
  int16Column,
  int32Column,
  int64Column,
  intervalColumn,
  timeColumn,
  timestampColumn,
} from './fixed-columns.js';
import { JsonColumn } from './json-column.js';
import { FixedListColumn, ListColumn, PointColumn } from './list-columns.js';
import { binaryColumn, FormattedColumn, jsonbColumn, utf8Column } from './text-columns.js';

/** Result format codes of Bind. */
export const TEXT = 0;
export const BINARY = 1;

/** How one column is read: the format to Bind with and a factory of its builder. */
export interface ColumnPlan {
  readonly format: number;
  /** A builder for this column in `format`. */
  readonly make: () => ColumnBuilder;
}

type Make = (column: string) => ColumnBuilder;

/** Builders of binary values, for top-level columns and array elements alike. */
const BINARY_VALUES: ReadonlyMap<number, Make> = new Map<number, Make>([
  [OID.INT2, int16Column],
  [OID.INT4, int32Column],
  [OID.INT8, int64Column],
  [OID.FLOAT4, float32Column],
  [OID.FLOAT8, float64Column],
  [OID.BOOL, (c) => new BoolColumn(c)],
  [OID.TIMESTAMP, (c) => timestampColumn(c, null)],
  [OID.TIMESTAMPTZ, (c) => timestampColumn(c, 'UTC')],
  [OID.DATE, dateColumn],
  [OID.TIME, timeColumn],
  [OID.INTERVAL, intervalColumn],
  [OID.TEXT, utf8Column],
  [OID.VARCHAR, utf8Column],
  [OID.BPCHAR, utf8Column],
  [OID.NAME, utf8Column],
  [OID.BYTEA, binaryColumn],
  [OID.POINT, (c) => new PointColumn(c)],
]);

/**
 * Array elements whose top-level column is read as text but whose binary element is readable: formatted to the same
 * text (codecs/binary-text.ts), or the JSON text as sent.
 */
const BINARY_ELEMENTS: ReadonlyMap<number, Make> = new Map<number, Make>([
  ...BINARY_VALUES,
  [OID.NUMERIC, (c) => new FormattedColumn(c, (b, p) => numericText(b, p))],
  [OID.UUID, (c) => new FormattedColumn(c, (b, p) => uuidText(b, p))],
  [OID.INET, (c) => new FormattedColumn(c, (b, p) => inetText(b, p))],
  [OID.CIDR, (c) => new FormattedColumn(c, (b, p) => inetText(b, p))],
  [OID.TIMETZ, (c) => new FormattedColumn(c, (b, p) => timetzText(b, p))],
  [OID.JSON, utf8Column],
  [OID.JSONB, jsonbColumn],
]);

/**
 * The plans for these columns. A `schema` entry naming no column, or one that is not an apache-arrow DataType, is an
 * ArrowTypeError: a misspelt name would otherwise be ignored without a word.
 */
export function planColumns(fields: readonly Field[], options: ArrowOptions): ColumnPlan[] {
  const schema = options.schema ?? {};
  for (const name of Object.keys(schema)) {
    if (!fields.some((f) => f.name === name)) {
      throw new ArrowTypeError(name, `schema names a column the result does not have (its columns: ${fields.map((f) => f.name).join(', ')})`);
    }
    if (typeof (schema[name] as { typeId?: unknown } | undefined)?.typeId !== 'number') {
      throw new ArrowTypeError(name, 'the schema entry is not an apache-arrow DataType (e.g. new Int32(), new Utf8())');
    }
  }
  return fields.map((f) => planColumn(f, Object.hasOwn(schema, f.name) ? schema[f.name] : undefined, options));
}

/** The plan for one column: its `schema` type if given, else the default mapping. */
function planColumn(field: Field, wanted: DataType | undefined, options: ArrowOptions): ColumnPlan {
  if (wanted !== undefined) return planWanted(field, wanted);
  const name = field.name;
  const oid = field.typeOid;
  const binary = BINARY_VALUES.get(oid);
  if (binary !== undefined) return { format: BINARY, make: () => binary(name) };
  if (oid === OID.NUMERIC && options.numeric !== 'text') {
    const decimal = declaredDecimal(field.typeModifier);
    if (decimal !== undefined) return { format: TEXT, make: () => new DecimalColumn(name, decimal.precision, decimal.scale) };
  }
  const element = BINARY_ELEMENTS.get(ARRAY_ELEMENT_OID.get(oid) ?? -1);
  if (element !== undefined) return { format: BINARY, make: () => new ListColumn(name, element(name), 1) };
  return { format: TEXT, make: () => utf8Column(name) };
}

/** numeric(p, s)'s precision and scale from the type modifier ((p << 16 | s) + 4), if it fits Decimal128. */
function declaredDecimal(typeModifier: number): { precision: number; scale: number } | undefined {
  if (typeModifier < 4) return undefined;
  const precision = ((typeModifier - 4) >> 16) & 0xffff;
  const scale = (typeModifier - 4) & 0xffff;
  if (precision < 1 || precision > MAX_DECIMAL_PRECISION || scale > precision) return undefined;
  return { precision, scale };
}

/** The plan for a column whose Arrow type the caller gave in `schema`. */
function planWanted(field: Field, wanted: DataType): ColumnPlan {
  const name = field.name;
  const oid = field.typeOid;
  if (wanted.typeId === Type.Utf8) return { format: TEXT, make: () => utf8Column(name) };
  if (oid === OID.JSON || oid === OID.JSONB) return { format: TEXT, make: () => new JsonColumn(name, wanted) };
  if (oid === OID.NUMERIC && wanted.typeId === Type.Decimal) {
    const { precision, scale } = wanted as DataType & { precision: number; scale: number };
    return { format: TEXT, make: () => new DecimalColumn(name, precision, scale) };
  }
  const elementOid = ARRAY_ELEMENT_OID.get(oid);
  if (elementOid !== undefined) {
    const plan = planArray(name, elementOid, wanted);
    if (plan !== undefined) return plan;
  } else {
    const binary = BINARY_VALUES.get(oid);
    if (binary !== undefined && String(binary(name).type) === String(wanted)) return { format: BINARY, make: () => binary(name) };
  }
  throw cannotBuild(field, wanted);
}

/**
 * An array column as `wanted`: nested Lists (a multi-dimensional PostgreSQL array) or a FixedSizeList (a
 * float_vector) of the element's type; json[] (CrateDB's array(object)) as a List of any type parsed from each
 * element's JSON.
 */
function planArray(name: string, elementOid: number, wanted: DataType): ColumnPlan | undefined {
  if (wanted.typeId === Type.FixedSizeList) {
    const fixed = wanted as FixedSizeList;
    const element = elementFor(name, elementOid, fixed.children[0]?.type);
    return element && { format: BINARY, make: () => new FixedListColumn(name, element(), fixed.listSize) };
  }
  let depth = 0;
  let inner: DataType = wanted;
  while (inner.typeId === Type.List) {
    depth++;
    inner = (inner as List).children[0]?.type as DataType;
  }
  if (depth === 0) return undefined;
  const element = elementFor(name, elementOid, inner);
  return element && { format: BINARY, make: () => new ListColumn(name, element(), depth) };
}

/** A factory of the element builder producing `type`, if the binary element can be built as it. */
function elementFor(name: string, elementOid: number, type: DataType | undefined): (() => ColumnBuilder) | undefined {
  if (type === undefined) return undefined;
  if (elementOid === OID.JSON && type.typeId !== Type.Utf8) return () => new JsonColumn(name, type);
  const make = BINARY_ELEMENTS.get(elementOid);
  if (make === undefined || String(make(name).type) !== String(type)) return undefined;
  return () => make(name);
}

/** The ArrowTypeError for a `schema` type that does not fit the column. */
export function cannotBuild(field: Field, wanted: DataType): ArrowTypeError {
  return new ArrowTypeError(
    field.name,
    `cannot build ${String(wanted)} from ${nameOfType(field.typeOid)} (type OID ${field.typeOid}); pass a type from docs/arrow.md "Type mapping" in schema, new Utf8() for the server's text, or cast the column in SQL (e.g. ::text)`,
  );
}
