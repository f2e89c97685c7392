/**
 * Text-format decoders of the standard PostgreSQL types. CrateDB's deviations are in `crate.ts`.
 *
 * Every decoder gets the field as a string (pg-protocol decodes DataRow fields as UTF-8). Types not listed in
 * `builtinDecoders` (text, varchar, uuid, inet, interval, time, timetz, bit, money, ...) stay strings.
 */
import type { Int8Mode, NumericMode } from '../types.js';
import type { ArrayQuoting } from './array.js';
import { OID } from './oids.js';
import { parseTimestamp } from './timestamp.js';
import { DecodeError } from '../errors.js';

/** Turns the text of one non-NULL field into its JS value. */
export type Decoder = (text: string) => unknown;

/** What a server does differently when it prints values; PostgreSQL's is the baseline. */
export interface DecodeDialect {
  /** Decoders that replace the built-in ones for these OIDs (and so also apply to their arrays' elements). */
  readonly decoders: ReadonlyMap<number, Decoder>;
  /** How the server quotes the elements of this array type. */
  arrayQuoting(arrayOid: number): ArrayQuoting;
}

/** PostgreSQL prints values exactly as the built-in decoders expect. */
export const POSTGRES_DECODING: DecodeDialect = {
  decoders: new Map(),
  arrayQuoting: () => 'escaped',
};

/** The text itself. */
export function decodeText(text: string): string {
  return text;
}

/** `t` → true; both servers print booleans as `t`/`f`. */
export function decodeBool(text: string): boolean {
  return text === 't' || text === 'true';
}

/**
 * int2, int4, oid and float4/float8. `Number` also reads Java's float formats (`1.0E10`, `NaN`, `Infinity`,
 * `-Infinity`, docs/cratedb-wire.md "Types"), which PostgreSQL shares except for the exponent.
 */
export function decodeNumber(text: string): number {
  return Number(text);
}

function decodeSafeInt8(text: string): number {
  const n = Number(text);
  if (Number.isSafeInteger(n)) return n;
  throw new DecodeError(
    `int8 value ${text} cannot be represented exactly as a JavaScript number (beyond ±(2^53-1)); ` +
      "set the option int8: 'bigint' or int8: 'string' to read it",
  );
}

function decodeBigInt(text: string): bigint {
  return BigInt(text);
}

/** The int8 decoder for a mode. `number` never rounds silently: an unsafe value throws DecodeError. */
export function int8Decoder(mode: Int8Mode): Decoder {
  if (mode === 'bigint') return decodeBigInt;
  if (mode === 'string') return decodeText;
  return decodeSafeInt8;
}

/** The numeric decoder for a mode. `number` rounds to a double, by the user's choice. */
export function numericDecoder(mode: NumericMode): Decoder {
  return mode === 'number' ? decodeNumber : decodeText;
}

/** json/jsonb → the parsed value (an object, an array, or a scalar). */
export function decodeJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch (error) {
    throw new DecodeError(`Malformed JSON value: ${error instanceof Error ? error.message : String(error)}`, {
      cause: error,
    });
  }
}

/** bytea → Buffer, from the hex format (`\x0aff`, the default since PostgreSQL 9.0) or the older escape format. */
export function decodeBytea(text: string): Buffer {
  if (text.startsWith('\\x')) return Buffer.from(text.slice(2), 'hex');
  const out = Buffer.allocUnsafe(text.length);
  let n = 0;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c !== 92) {
      out[n++] = c;
    } else if (text.charCodeAt(i + 1) === 92) {
      out[n++] = 92;
      i++;
    } else {
      out[n++] = parseInt(text.slice(i + 1, i + 4), 8);
      i += 3;
    }
  }
  return out.subarray(0, n);
}

/** Splits PostgreSQL point text `(x,y)` into its two numbers. */
export function parsePointText(text: string): [number, number] {
  const comma = text.indexOf(',');
  if (text.charCodeAt(0) !== 40 || comma < 0 || text.charCodeAt(text.length - 1) !== 41) {
    throw new DecodeError(`Malformed point ${JSON.stringify(text)}`);
  }
  return [Number(text.slice(1, comma)), Number(text.slice(comma + 1, -1))];
}

/** point → `{ x, y }` on PostgreSQL. */
export function decodePoint(text: string): { x: number; y: number } {
  const [x, y] = parsePointText(text);
  return { x, y };
}

/** oidvector / int2vector (space-separated integers) → number[]. */
export function decodeNumberVector(text: string): number[] {
  return text === '' ? [] : text.split(' ').map(Number);
}

/**
 * timestamp and timestamptz → Date (UTC; see timestamp.ts), or ±Infinity for `infinity`.
 * `date` is not decoded to a Date on purpose: a calendar day has no instant, and a Date at UTC midnight shows as the
 * previous day wherever local time is behind UTC. It stays `YYYY-MM-DD` text.
 */
export const decodeTimestamp: Decoder = parseTimestamp;

/** Options the built-in decoders depend on. */
export interface BuiltinDecoderOptions {
  int8: Int8Mode;
  numeric: NumericMode;
}

/** The non-text scalar decoders by OID. Arrays are built on top of these by the registry. */
export function builtinDecoders(options: BuiltinDecoderOptions): Map<number, Decoder> {
  return new Map<number, Decoder>([
    [OID.BOOL, decodeBool],
    [OID.BYTEA, decodeBytea],
    [OID.INT8, int8Decoder(options.int8)],
    [OID.INT2, decodeNumber],
    [OID.INT4, decodeNumber],
    [OID.OID, decodeNumber],
    [OID.INT2VECTOR, decodeNumberVector],
    [OID.OIDVECTOR, decodeNumberVector],
    [OID.FLOAT4, decodeNumber],
    [OID.FLOAT8, decodeNumber],
    [OID.NUMERIC, numericDecoder(options.numeric)],
    [OID.JSON, decodeJson],
    [OID.JSONB, decodeJson],
    [OID.POINT, decodePoint],
    [OID.TIMESTAMP, decodeTimestamp],
    [OID.TIMESTAMPTZ, decodeTimestamp],
  ]);
}
