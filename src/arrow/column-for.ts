/**
 * Which Arrow column builder reads a result column, and in which result format (docs/arrow.md "Type mapping"): the
 * default mapping per type OID on the server, or the caller's `schema` type where it gives one. Binary wherever a
 * builder reads the binary value; text for numeric, json, uuid, inet, timetz and bit at the top level (their text is
 * what Arrow stores, or cheaper for the server to send). A type without a mapping is an ArrowTypeError naming the
 * column: `new Utf8()` in `schema` reads any type as the server's text.
 */
import { Type, type DataType, type FixedSizeList, type List } from 'apache-arrow';
import { bitText, charText, inetText, numericText, timetzText, uuidText } from '../codecs/binary-text.js';
import { ARRAY_ELEMENT_OID, OID, nameOfType, typeNameOf } from '../codecs/oids.js';
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
  int8Column,
  intervalColumn,
  timeColumn,
  timestampColumn,
} from './fixed-columns.js';
import { JsonColumn } from './json-column.js';
import { jsonUnbuildable } from './json-values.js';
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

/** The server the rows come from: `"char"` (18) is CrateDB's signed byte before 6.5.0, PostgreSQL's one-byte character. */
export interface ArrowServer {
  readonly isCrate: boolean;
}

/** PostgreSQL; the default where no server is given. */
export const POSTGRES: ArrowServer = { isCrate: false };

/** Builders of binary values, for top-level columns and array elements alike, on both servers. */
const SHARED_VALUES: readonly (readonly [number, Make])[] = [
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
];

/**
 * Array elements whose top-level column is read as text but whose binary element is readable: formatted to the same
 * text (codecs/binary-text.ts), or the JSON text as sent.
 */
const SHARED_ELEMENTS: readonly (readonly [number, Make])[] = [
  [OID.NUMERIC, (c) => new FormattedColumn(c, (b, p) => numericText(b, p))],
  [OID.UUID, (c) => new FormattedColumn(c, (b, p) => uuidText(b, p))],
  [OID.INET, (c) => new FormattedColumn(c, (b, p) => inetText(b, p))],
  [OID.CIDR, (c) => new FormattedColumn(c, (b, p) => inetText(b, p))],
  [OID.TIMETZ, (c) => new FormattedColumn(c, (b, p) => timetzText(b, p))],
  [OID.BIT, (c) => new FormattedColumn(c, (b, p) => bitText(b, p))],
  [OID.VARBIT, (c) => new FormattedColumn(c, (b, p) => bitText(b, p))],
  [OID.JSON, utf8Column],
  [OID.JSONB, jsonbColumn],
];

/**
 * Types read in text format as Utf8 of the server's text: text is their Arrow form, or cheaper for the server to send
 * (numeric is planned on its own: Decimal128 when it can be).
 */
const SHARED_TEXT = [OID.UUID, OID.INET, OID.CIDR, OID.JSON, OID.JSONB, OID.TIMETZ, OID.BIT, OID.VARBIT, OID.UNKNOWN];

/** How each type OID is read on one server. */
interface Mapping {
  /** Binary top-level values. */
  readonly values: ReadonlyMap<number, Make>;
  /** Binary array elements. */
  readonly elements: ReadonlyMap<number, Make>;
  /** Text top-level values as Utf8. */
  readonly text: ReadonlySet<number>;
}

/** CrateDB's `byte` before 6.5.0 is `"char"`: one signed byte in binary → Int8. */
const CRATE: Mapping = {
  values: new Map([...SHARED_VALUES, [OID.CHAR, int8Column]]),
  elements: new Map([...SHARED_VALUES, ...SHARED_ELEMENTS, [OID.CHAR, int8Column]]),
  text: new Set(SHARED_TEXT),
};

/** PostgreSQL's `"char"` is a one-byte character → Utf8 of its text (`a`, or `\201` above 127, as client.query() gives). */
const POSTGRESQL: Mapping = {
  values: new Map(SHARED_VALUES),
  elements: new Map([...SHARED_VALUES, ...SHARED_ELEMENTS, [OID.CHAR, (c) => new FormattedColumn(c, (b, p, end) => charText(b, p, end))]]),
  text: new Set([...SHARED_TEXT, OID.CHAR]),
};

function mappingOf(server: ArrowServer): Mapping {
  return server.isCrate ? CRATE : POSTGRESQL;
}

/**
 * The plans for these columns on `server`. A column whose type has no mapping (docs/arrow.md "Type mapping") and no
 * `schema` entry is an ArrowTypeError naming it, and so is a `schema` entry naming no column, or one that is not an
 * apache-arrow DataType: a misspelt name would otherwise be ignored without a word.
 */
export function planColumns(fields: readonly Field[], options: ArrowOptions, server: ArrowServer = POSTGRES): ColumnPlan[] {
  const schema = options.schema ?? {};
  for (const name of Object.keys(schema)) {
    if (!fields.some((f) => f.name === name)) {
      throw new ArrowTypeError(name, `schema names a column the result does not have (its columns: ${fields.map((f) => f.name).join(', ')})`);
    }
    if (typeof (schema[name] as { typeId?: unknown } | undefined)?.typeId !== 'number') {
      throw new ArrowTypeError(name, 'the schema entry is not an apache-arrow DataType (e.g. new Int32(), new Utf8())');
    }
  }
  const mapping = mappingOf(server);
  return fields.map((f) => planColumn(f, Object.hasOwn(schema, f.name) ? schema[f.name] : undefined, options, mapping));
}

/** The plan for one column: its `schema` type if given, else the default mapping. */
function planColumn(field: Field, wanted: DataType | undefined, options: ArrowOptions, mapping: Mapping): ColumnPlan {
  if (wanted !== undefined) return planWanted(field, wanted, mapping);
  const name = field.name;
  const oid = field.typeOid;
  const binary = mapping.values.get(oid);
  if (binary !== undefined) return { format: BINARY, make: () => binary(name) };
  if (oid === OID.NUMERIC) {
    const decimal = options.numeric === 'text' ? undefined : declaredDecimal(field.typeModifier);
    if (decimal !== undefined) return { format: TEXT, make: () => new DecimalColumn(name, decimal.precision, decimal.scale) };
    return { format: TEXT, make: () => utf8Column(name) };
  }
  if (mapping.text.has(oid)) return { format: TEXT, make: () => utf8Column(name) };
  const element = mapping.elements.get(ARRAY_ELEMENT_OID.get(oid) ?? -1);
  if (element !== undefined) return { format: BINARY, make: () => new ListColumn(name, element(name), 1) };
  throw new ArrowTypeError(
    name,
    `${typeLabel(oid)} has no Arrow mapping (docs/arrow.md "Type mapping"); pass schema: { ${JSON.stringify(name)}: new Utf8() } for the server's text, or cast the column in SQL (e.g. ::text)`,
  );
}

/** `type money (OID 790)`, or what an OID without a built-in name is. */
function typeLabel(oid: number): string {
  const name = typeNameOf(oid);
  return name === undefined ? `type OID ${oid} (not built in: an enum, composite, range or extension type)` : `type ${name} (OID ${oid})`;
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
function planWanted(field: Field, wanted: DataType, mapping: Mapping): ColumnPlan {
  const name = field.name;
  const oid = field.typeOid;
  if (wanted.typeId === Type.Utf8) return { format: TEXT, make: () => utf8Column(name) };
  if (oid === OID.JSON || oid === OID.JSONB) {
    checkJsonType(field, wanted);
    return { format: TEXT, make: () => new JsonColumn(name, wanted) };
  }
  if (oid === OID.NUMERIC && wanted.typeId === Type.Decimal) {
    const { precision, scale } = wanted as DataType & { precision: number; scale: number };
    return { format: TEXT, make: () => new DecimalColumn(name, precision, scale) };
  }
  const elementOid = ARRAY_ELEMENT_OID.get(oid);
  if (elementOid !== undefined) {
    const plan = planArray(field, elementOid, wanted, mapping);
    if (plan !== undefined) return plan;
  } else {
    const binary = mapping.values.get(oid);
    if (binary !== undefined && String(binary(name).type) === String(wanted)) return { format: BINARY, make: () => binary(name) };
  }
  throw cannotBuild(field, wanted);
}

/**
 * An array column as `wanted`: nested Lists (a multi-dimensional PostgreSQL array) or a FixedSizeList (a
 * float_vector) of the element's type; json[] (CrateDB's array(object)) as a List of any type parsed from each
 * element's JSON.
 */
function planArray(field: Field, elementOid: number, wanted: DataType, mapping: Mapping): ColumnPlan | undefined {
  const name = field.name;
  if (wanted.typeId === Type.FixedSizeList) {
    const fixed = wanted as FixedSizeList;
    const element = elementFor(field, elementOid, fixed.children[0]?.type, mapping);
    return element && { format: BINARY, make: () => new FixedListColumn(name, element(), fixed.listSize) };
  }
  let depth = 0;
  let inner: DataType = wanted;
  while (inner.typeId === Type.List) {
    depth++;
    inner = (inner as List).children[0]?.type as DataType;
  }
  if (depth === 0) return undefined;
  const element = elementFor(field, elementOid, inner, mapping);
  return element && { format: BINARY, make: () => new ListColumn(name, element(), depth) };
}

/** A factory of the element builder producing `type`, if the binary element can be built as it. */
function elementFor(field: Field, elementOid: number, type: DataType | undefined, mapping: Mapping): (() => ColumnBuilder) | undefined {
  const name = field.name;
  if (type === undefined) return undefined;
  if (elementOid === OID.JSON && type.typeId !== Type.Utf8) {
    checkJsonType(field, type);
    return () => new JsonColumn(name, type);
  }
  const make = mapping.elements.get(elementOid);
  if (make === undefined || String(make(name).type) !== String(type)) return undefined;
  return () => make(name);
}

/** An ArrowTypeError unless JSON values can be built into `type` (json-values.ts). */
function checkJsonType(field: Field, type: DataType): void {
  const bad = jsonUnbuildable(type);
  if (bad !== undefined) {
    throw new ArrowTypeError(
      field.name,
      `cannot build ${String(type)} from JSON values: ${bad} is not built from JSON (docs/arrow.md "Telling CrateDB's shared types apart"); pass new Utf8() for the JSON text`,
    );
  }
}

/** The ArrowTypeError for a `schema` type that does not fit the column. */
export function cannotBuild(field: Field, wanted: DataType): ArrowTypeError {
  return new ArrowTypeError(
    field.name,
    `cannot build ${String(wanted)} from ${nameOfType(field.typeOid)} (type OID ${field.typeOid}); pass a type from docs/arrow.md "Type mapping" in schema, new Utf8() for the server's text, or cast the column in SQL (e.g. ::text)`,
  );
}
