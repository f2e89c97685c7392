/**
 * JS values → text parameters (text format only; docs/cratedb-wire.md, parameter text parsing).
 *
 * One rule makes a statement's results independent of the path (first run, cached, `prepare: false`, a fresh pool
 * connection): a string, number, bigint or boolean has one text form everywhere ({@link encodePrimitive}) and the
 * server parses it for whatever type the parameter has. Only objects — Dates (date or timestamp?), arrays (array
 * literal, JSON or `[lon, lat]`?), Buffers and plain objects — are encoded for the type the server describes, and a
 * statement with such a value is always described before its first Bind ({@link needsDescribe}).
 *
 * Encoders throw EncodeFailure (or ArrayElementError from inside arrays); the registry adds the parameter position.
 */
import { serializeArray, type ElementEncoder } from './array.js';
import { OID, nameOfType } from './oids.js';
import { formatDate, formatTimestamp } from './timestamp.js';

/** One encoded parameter: its text (`null` for SQL NULL) and the OID to declare in Parse (0: the server infers it). */
export interface EncodedParam {
  readonly text: string | null;
  readonly oid: number;
}

/** Encodes one non-null value for one parameter type. Throws EncodeFailure or ArrayElementError. */
export type ValueEncoder = (value: unknown) => string;

/** A value an encoder refused. The message says what was wrong and what to do, without the position. */
export class EncodeFailure extends Error {}

/** What a server accepts differently in parameters; PostgreSQL's is the baseline. */
export interface EncodeDialect {
  /** Text of a binary value. */
  encodeBytes(bytes: Uint8Array): string;
  /** Throws EncodeFailure when `text` is not acceptable JSON for a json parameter. */
  checkJson(text: string, value: unknown): void;
}

/** PostgreSQL takes bytea as `\x` hex and any JSON value. */
export const POSTGRES_ENCODING: EncodeDialect = {
  encodeBytes: (bytes) => `\\x${Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('hex')}`,
  checkJson: () => undefined,
};

/** A short description of a value for error messages: `a symbol`, `NaN`, `the number 1.5`, `a Map`. */
export function describeValue(value: unknown): string {
  switch (typeof value) {
    case 'string':
      // The content stays out: parameters may be secrets (docs/design.md "Errors").
      return 'a string';
    case 'number':
      return Number.isFinite(value) ? `the number ${value}` : String(value);
    case 'bigint':
      return `the bigint ${value}n`;
    case 'boolean':
      return `the boolean ${value}`;
    case 'symbol':
      return 'a symbol';
    case 'function':
      return 'a function';
    case 'undefined':
      return 'undefined';
    default: {
      if (value === null) return 'null';
      if (Array.isArray(value)) return 'an array';
      const name: unknown = (Object.getPrototypeOf(value) as { constructor?: { name?: unknown } } | null)?.constructor
        ?.name;
      return typeof name === 'string' && name !== 'Object' && name !== '' ? `a ${name}` : 'an object';
    }
  }
}

const SUPPORTED = 'pass a string, number, bigint, boolean, Date, array or plain object';

function isTypedArray(value: object): value is ArrayLike<unknown> {
  return ArrayBuffer.isView(value) && !(value instanceof DataView);
}

/** Objects whose JSON form would silently lose data, with what to do instead. */
function refusalOf(value: object): string | undefined {
  if (value instanceof Map) return 'convert it with Object.fromEntries(map) or [...map] first';
  if (value instanceof Set) return 'convert it with [...set] first';
  if (value instanceof ArrayBuffer || value instanceof SharedArrayBuffer) return 'wrap it with Buffer.from() first';
  if (
    value instanceof WeakMap ||
    value instanceof WeakSet ||
    value instanceof Promise ||
    value instanceof RegExp ||
    value instanceof Error ||
    value instanceof DataView
  ) {
    return `${SUPPORTED} instead`;
  }
  return undefined;
}

/** Throws the one refusal message for objects whose JSON or text form would silently lose data (a Map sends `{}`). */
function refuseLossy(value: object): void {
  const refusal = refusalOf(value);
  if (refusal !== undefined) throw new EncodeFailure(`${describeValue(value)} cannot be sent; ${refusal}`);
}

function validDate(date: Date): Date {
  if (Number.isNaN(date.getTime())) {
    throw new EncodeFailure('an invalid Date (its time is NaN) cannot be sent; check how it was constructed');
  }
  return date;
}

/**
 * JSON text of a value; throws EncodeFailure for a Map, Set or other object that JSON would empty, circular
 * structures, BigInt inside objects, or no JSON form.
 */
export function toJsonText(value: unknown): string {
  if (typeof value === 'object' && value !== null) refuseLossy(value);
  let text: string | undefined;
  try {
    text = JSON.stringify(value);
  } catch (error) {
    const reason = error instanceof Error ? error.message.split('\n')[0] : String(error);
    throw new EncodeFailure(
      `${describeValue(value)} cannot be converted to JSON (${reason}); remove circular references and turn BigInt ` +
        'values into strings or numbers',
      { cause: error },
    );
  }
  if (text === undefined) throw new EncodeFailure(`${describeValue(value)} has no JSON form; ${SUPPORTED}`);
  return text;
}

/**
 * The one text form of a primitive, whatever the parameter's type: strings as is, numbers with `String` (`NaN`,
 * `Infinity`, `1e+21`), bigints as decimals, booleans `true`/`false` (valid JSON, read as true/false by PostgreSQL
 * and by CrateDB, whose bool parser takes `true`, `t` and `1` as true and anything else as false). Whether the text
 * fits the parameter's type is the server's call, on every run alike.
 */
export function encodePrimitive(value: string | number | bigint | boolean): string {
  switch (typeof value) {
    case 'string':
      return value;
    case 'boolean':
      return value ? 'true' : 'false';
    default:
      return String(value);
  }
}

function untypedElement(dialect: EncodeDialect): ElementEncoder {
  return (value) => encodeUntyped(value, dialect).text;
}

/**
 * Encode a non-null value by its JS type, for a parameter whose type is not known (declared with the returned OID):
 * primitives by {@link encodePrimitive}; Dates as UTC ISO text; bytes as bytea hex (OID 17, refused by the CrateDB
 * dialect); arrays as array literals; plain objects as JSON (OID 114). An object with `toJSON` that yields a
 * primitive (a decimal or date-time library type) is sent as that primitive.
 */
export function encodeUntyped(value: unknown, dialect: EncodeDialect): { text: string; oid: number } {
  switch (typeof value) {
    case 'string':
    case 'number':
    case 'bigint':
    case 'boolean':
      return { text: encodePrimitive(value), oid: 0 };
    case 'object': {
      if (value === null) break;
      if (value instanceof Date) return { text: formatTimestamp(validDate(value)), oid: 0 };
      if (value instanceof Uint8Array) return { text: dialect.encodeBytes(value), oid: OID.BYTEA };
      if (Array.isArray(value) || isTypedArray(value)) {
        return { text: serializeArray(value, untypedElement(dialect)), oid: 0 };
      }
      refuseLossy(value);
      const proto: unknown = Object.getPrototypeOf(value);
      const toJSON: unknown = (value as { toJSON?: unknown }).toJSON;
      if (proto !== Object.prototype && proto !== null && typeof toJSON === 'function') {
        const json: unknown = toJSON.call(value);
        if (json === null || typeof json !== 'object') {
          if (json === null || json === undefined) {
            throw new EncodeFailure(`${describeValue(value)}.toJSON() gave ${json}`);
          }
          return encodeUntyped(json, dialect);
        }
      }
      return { text: toJsonText(value), oid: OID.JSON };
    }
    default:
      break;
  }
  throw new EncodeFailure(`${describeValue(value)} cannot be sent as a query parameter; ${SUPPORTED}`);
}

function failFor(type: string, value: unknown, expected: string): EncodeFailure {
  return new EncodeFailure(`${describeValue(value)} cannot be sent as ${type}; ${expected}`);
}

/**
 * Encoders for described types receive objects only: primitives never reach them (see the module comment), a string
 * for a json parameter is JSON text already (as node-postgres and postgres.js take it).
 */
function jsonEncoder(dialect: EncodeDialect): ValueEncoder {
  return (value) => {
    const text = toJsonText(value);
    dialect.checkJson(text, value);
    return text;
  };
}

function bytesEncoder(dialect: EncodeDialect): ValueEncoder {
  return (value) => {
    if (value instanceof Uint8Array) return dialect.encodeBytes(value);
    throw failFor('bytea', value, 'pass a Buffer or Uint8Array');
  };
}

/** date: CrateDB's parser takes only `YYYY-MM-DD` (docs/cratedb-wire.md, parameter text parsing); a Date gives its UTC calendar day. */
function encodeDate(value: unknown): string {
  if (value instanceof Date) return formatDate(validDate(value));
  throw failFor('date', value, "pass a Date (its UTC day is sent) or 'YYYY-MM-DD' text");
}

function timestampEncoder(type: string): ValueEncoder {
  return (value) => {
    if (value instanceof Date) return formatTimestamp(validDate(value));
    throw failFor(type, value, 'pass a Date or timestamp text');
  };
}

/** point (CrateDB geo_point): `[lon, lat]` (CrateDB's own shape) or `{ x, y }` → `(x,y)`. */
function encodePoint(value: unknown): string {
  let x: unknown;
  let y: unknown;
  if (Array.isArray(value) && value.length === 2) {
    [x, y] = value as unknown[];
  } else if (typeof value === 'object' && value !== null && 'x' in value && 'y' in value) {
    ({ x, y } = value);
  }
  if (typeof x === 'number' && typeof y === 'number' && Number.isFinite(x) && Number.isFinite(y)) return `(${x},${y})`;
  throw failFor('point', value, 'pass [lon, lat] or { x, y } with finite numbers');
}

/** Text types: a Date as UTC ISO text, other objects and arrays as JSON; bytes must be decoded by the caller. */
function textEncoder(type: string): ValueEncoder {
  return (value) => {
    if (value instanceof Date) return formatTimestamp(validDate(value));
    if (value instanceof Uint8Array) throw failFor(type, value, "decode the bytes first, e.g. buffer.toString('utf8') or 'base64'");
    return toJsonText(value);
  };
}

/** An array type whose elements are encoded by `element` (a string, sent as is, is an array literal already). */
export function arrayEncoder(typeOid: number, element: ValueEncoder, elementOid: number): ValueEncoder {
  // Inner arrays are further dimensions, except where an array is itself an element value: JSON, or [lon, lat].
  const nest = elementOid !== OID.JSON && elementOid !== OID.JSONB && elementOid !== OID.POINT;
  return (value) => {
    if (Array.isArray(value) || (typeof value === 'object' && value !== null && isTypedArray(value))) {
      return serializeArray(value as ArrayLike<unknown>, element, nest);
    }
    throw failFor(nameOfType(typeOid), value, 'pass an array');
  };
}

/**
 * Built-in encoder of objects for a described scalar type; types without one (numbers, bool, …) take the object as
 * `encodeUntyped` does (a decimal library's `toJSON` text, a Date's ISO text).
 */
export function typedEncoder(typeOid: number, dialect: EncodeDialect): ValueEncoder {
  switch (typeOid) {
    case OID.JSON:
    case OID.JSONB:
      return jsonEncoder(dialect);
    case OID.BYTEA:
      return bytesEncoder(dialect);
    case OID.DATE:
      return encodeDate;
    case OID.TIMESTAMP:
    case OID.TIMESTAMPTZ:
      return timestampEncoder(nameOfType(typeOid));
    case OID.POINT:
      return encodePoint;
    case OID.TEXT:
    case OID.VARCHAR:
    case OID.BPCHAR:
    case OID.NAME:
    case OID.CHAR:
    case OID.XML:
    case OID.UUID:
    case OID.INET:
    case OID.CIDR:
      return textEncoder(nameOfType(typeOid));
    default:
      return (value) => encodeUntyped(value, dialect).text;
  }
}

/**
 * True for objects, whose text depends on the parameter's type (Date: date vs timestamp; arrays: array literal vs
 * JSON vs `[lon, lat]`; objects: json vs point vs text; bytes: bytea or refused), so the statement is described
 * before its first Bind — on every path, so the outcome never depends on whether the statement was cached.
 */
export function needsDescribe(value: unknown): boolean {
  return typeof value === 'object' && value !== null;
}
