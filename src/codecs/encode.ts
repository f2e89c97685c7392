/**
 * JS values → text parameters (text format only; WIRE.md §5.3, §5.4, §10.14).
 *
 * Without a described type (OID 0) the text is chosen from the JS type and the server infers the column type.
 * With a type from ParameterDescription the text is made for that type (a Date for a `date` column becomes
 * `YYYY-MM-DD`, an array for a `json` column becomes JSON rather than an array literal).
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
      // The content stays out: parameters may be secrets (DESIGN.md §5).
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

function untypedElement(dialect: EncodeDialect): ElementEncoder {
  return (value) => encodeUntyped(value, dialect).text;
}

/**
 * Encode a non-null value by its JS type, for a parameter whose type is not known (declared with the returned OID):
 * strings as is; numbers with `String` (`NaN`, `Infinity`); bigint as decimal; booleans `t`/`f` (CrateDB's bool
 * parser is strict, WIRE.md §5.4); Dates as UTC ISO text; bytes as bytea hex (OID 17, refused by the CrateDB
 * dialect); arrays as array literals; plain objects as JSON (OID 114). An object with `toJSON` that yields a
 * primitive (a decimal or date-time library type) is sent as that primitive.
 */
export function encodeUntyped(value: unknown, dialect: EncodeDialect): { text: string; oid: number } {
  switch (typeof value) {
    case 'string':
      return { text: value, oid: 0 };
    case 'number':
      return { text: String(value), oid: 0 };
    case 'bigint':
      return { text: value.toString(), oid: 0 };
    case 'boolean':
      return { text: value ? 't' : 'f', oid: 0 };
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

const TRUE_WORDS = new Set(['t', 'true', 'y', 'yes', 'on', '1']);
const FALSE_WORDS = new Set(['f', 'false', 'n', 'no', 'off', '0']);

/** bool: CrateDB reads anything but `t`/`true`/`1` as false, without an error (WIRE.md §5.4): only clear words pass. */
function encodeBool(value: unknown): string {
  if (typeof value === 'boolean') return value ? 't' : 'f';
  if (value === 1 || value === 0) return value === 1 ? 't' : 'f';
  if (typeof value === 'string') {
    const word = value.trim().toLowerCase();
    if (TRUE_WORDS.has(word)) return 't';
    if (FALSE_WORDS.has(word)) return 'f';
  }
  throw failFor('bool', value, 'pass a boolean');
}

const INTEGER_TEXT = /^[+-]?\d+$/;

/** int2/int4/int8/oid: only exact integers in range; Java's parsers refuse decimals and spaces (WIRE.md §5.4). */
function integerEncoder(type: string, min: bigint, max: bigint): ValueEncoder {
  const outOfRange = (value: unknown): EncodeFailure =>
    new EncodeFailure(`${describeValue(value)} is out of range for ${type} (${min} to ${max})`);
  return (value) => {
    let exact: bigint;
    if (typeof value === 'number') {
      if (!Number.isFinite(value)) {
        throw failFor(type, value, 'integer columns hold only finite integers; send NULL or a number');
      }
      if (!Number.isInteger(value)) {
        throw failFor(type, value, 'it is not an integer; round it first (Math.round, Math.trunc)');
      }
      if (!Number.isSafeInteger(value)) {
        const advice = 'it is beyond ±(2^53-1) and may already be rounded; pass a bigint or a decimal string';
        throw failFor(type, value, advice);
      }
      exact = BigInt(value);
    } else if (typeof value === 'bigint') {
      exact = value;
    } else if (typeof value === 'string' && INTEGER_TEXT.test(value)) {
      exact = BigInt(value);
    } else {
      throw failFor(type, value, 'pass an integer number, a bigint or a decimal integer string');
    }
    if (exact < min || exact > max) throw outOfRange(value);
    return exact.toString();
  };
}

/** float4/float8/numeric: numbers (with `NaN`/`Infinity`), bigints and numeric strings as the server parses them. */
function encodeDecimal(type: string): ValueEncoder {
  return (value) => {
    if (typeof value === 'number' || typeof value === 'bigint') return String(value);
    if (typeof value === 'string') return value;
    throw failFor(type, value, 'pass a number, bigint or numeric string');
  };
}

function jsonEncoder(dialect: EncodeDialect): ValueEncoder {
  return (value) => {
    // A string is taken as JSON text already (as node-postgres and postgres.js do); stringify it first to send a
    // JSON string value.
    const text = typeof value === 'string' ? value : toJsonText(value);
    dialect.checkJson(text, value);
    return text;
  };
}

function bytesEncoder(dialect: EncodeDialect): ValueEncoder {
  return (value) => {
    if (value instanceof Uint8Array) return dialect.encodeBytes(value);
    if (typeof value === 'string') return value;
    throw failFor('bytea', value, 'pass a Buffer or Uint8Array');
  };
}

/** date: CrateDB's parser takes only `YYYY-MM-DD` (WIRE.md §5.4); a Date gives its UTC calendar day. */
function encodeDate(value: unknown): string {
  if (value instanceof Date) return formatDate(validDate(value));
  if (typeof value === 'string') return value;
  if (typeof value === 'number' && Number.isFinite(value)) return formatDate(validDate(new Date(value)));
  throw failFor('date', value, "pass a Date (its UTC day is sent), epoch milliseconds or 'YYYY-MM-DD' text");
}

function timestampEncoder(type: string): ValueEncoder {
  return (value) => {
    if (value instanceof Date) return formatTimestamp(validDate(value));
    if (typeof value === 'string') return value;
    if (typeof value === 'number') {
      if (value === Infinity) return 'infinity';
      if (value === -Infinity) return '-infinity';
      if (Number.isFinite(value)) return formatTimestamp(validDate(new Date(value)));
    }
    throw failFor(type, value, 'pass a Date, epoch milliseconds or timestamp text');
  };
}

/** point (CrateDB geo_point): `[lon, lat]` (CrateDB's own shape) or `{ x, y }` → `(x,y)`. */
function encodePoint(value: unknown): string {
  if (typeof value === 'string') return value;
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

/** Text types take anything with an obvious text form; objects and arrays become JSON. */
function textEncoder(type: string): ValueEncoder {
  return (value) => {
    switch (typeof value) {
      case 'string':
        return value;
      case 'number':
      case 'bigint':
      case 'boolean':
        return String(value);
      case 'object':
        if (value instanceof Date) return formatTimestamp(validDate(value));
        if (value instanceof Uint8Array) {
          throw failFor(type, value, "decode the bytes first, e.g. buffer.toString('utf8') or 'base64'");
        }
        if (value !== null) return toJsonText(value);
        break;
      default:
        break;
    }
    throw failFor(type, value, SUPPORTED);
  };
}

/** An array type whose elements are encoded by `element`; a string is taken as an array literal already. */
export function arrayEncoder(typeOid: number, element: ValueEncoder, elementOid: number): ValueEncoder {
  // Inner arrays are further dimensions, except where an array is itself an element value: JSON, or [lon, lat].
  const nest = elementOid !== OID.JSON && elementOid !== OID.JSONB && elementOid !== OID.POINT;
  return (value) => {
    if (Array.isArray(value) || (typeof value === 'object' && value !== null && isTypedArray(value))) {
      return serializeArray(value as ArrayLike<unknown>, element, nest);
    }
    if (typeof value === 'string') return value;
    throw failFor(nameOfType(typeOid), value, 'pass an array');
  };
}

/** Built-in encoder for a described scalar type; types without one are encoded as by `encodeUntyped`. */
export function typedEncoder(typeOid: number, dialect: EncodeDialect): ValueEncoder {
  switch (typeOid) {
    case OID.BOOL:
      return encodeBool;
    case OID.INT2:
      return integerEncoder('int2', -32768n, 32767n);
    case OID.INT4:
      return integerEncoder('int4', -2147483648n, 2147483647n);
    case OID.INT8:
      return integerEncoder('int8', -9223372036854775808n, 9223372036854775807n);
    case OID.OID:
      return integerEncoder('oid', 0n, 4294967295n);
    case OID.FLOAT4:
    case OID.FLOAT8:
    case OID.NUMERIC:
      return encodeDecimal(nameOfType(typeOid));
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
 * True when the value's text depends on the target column type (Date: date vs timestamp; arrays: array literal vs
 * JSON; objects: json vs point vs text), so the statement should be described first (WIRE.md §10.14).
 * Bytes are not: their type is the same everywhere they are accepted.
 */
export function needsDescribe(value: unknown): boolean {
  return typeof value === 'object' && value !== null && !(value instanceof Uint8Array);
}
