/**
 * Binary result decoders: one pure `(bytes, start, end) → value` function per type, giving exactly the value the
 * text decoder gives for the same column on the same server (builtin.ts, crate.ts), so a column may be read in
 * either format. Row results, streams and columnar readers share them; binary-read.ts has the raw readers beneath.
 *
 * A type is listed for a server only where binary and text agree there. Left out on CrateDB (they stay text):
 * numeric (its text can be scientific, `1E+3`), date (its BC form is unrecorded), interval (Joda's text format),
 * timetz (the zero offset is omitted), regproc/regtype (the text is a name, binary an oid), `"char"` (the old byte
 * type) and record (docs/cratedb-wire.md, types).
 */
import { OID } from './oids.js';
import {
  int64IsSafe,
  readArrayHeader,
  readFloat32,
  readFloat64,
  readInt16,
  readInt32,
  readInt64BigInt,
  readInt64Number,
  readTimestampMs,
  readUint32,
} from './binary-read.js';
import { bitText, charText, dateText, inetText, intervalText, numericText, timeText, timetzText, uuidText } from './binary-text.js';
import { decodeJson } from './builtin.js';
import { utf8, type RawDecoder } from './raw.js';
import { DecodeError } from '../errors.js';
import type { Int8Mode, NumericMode } from '../types.js';

/** The largest |epoch ms| a JS Date can hold. */
const MAX_DATE_MS = 8.64e15;

/** bool: one byte, 0 or 1. */
export function binaryBool(b: Buffer, start: number): boolean {
  return b[start] !== 0;
}

/** int2. */
export function binaryInt2(b: Buffer, start: number): number {
  return readInt16(b, start);
}

/** int4. */
export function binaryInt4(b: Buffer, start: number): number {
  return readInt32(b, start);
}

/** oid (and CrateDB's regclass, which it prints as the oid number): unsigned int4. */
export function binaryOid(b: Buffer, start: number): number {
  return readUint32(b, start);
}

/** int8 in `number` mode: exact, or the same DecodeError as the text path beyond ±(2^53−1). */
export function binaryInt8Number(b: Buffer, start: number): number {
  if (int64IsSafe(b, start)) return readInt64Number(b, start);
  throw new DecodeError(
    `int8 value ${readInt64BigInt(b, start)} cannot be represented exactly as a JavaScript number (beyond ±(2^53-1)); ` +
      "set the option int8: 'bigint' or int8: 'string' to read it",
  );
}

/** int8 in `bigint` mode. */
export function binaryInt8BigInt(b: Buffer, start: number): bigint {
  return readInt64BigInt(b, start);
}

/** int8 in `string` mode: the decimal text. */
export function binaryInt8String(b: Buffer, start: number): string {
  return int64IsSafe(b, start) ? String(readInt64Number(b, start)) : String(readInt64BigInt(b, start));
}

/** The binary int8 decoder for a mode (see builtin.ts `int8Decoder`). */
export function binaryInt8Decoder(mode: Int8Mode): RawDecoder {
  if (mode === 'bigint') return binaryInt8BigInt;
  if (mode === 'string') return binaryInt8String;
  return binaryInt8Number;
}

/** float8: the IEEE double, which is what both servers' shortest round-trip text parses back to. */
export function binaryFloat8(b: Buffer, start: number): number {
  return readFloat64(b, start);
}

/**
 * float4 → the double the text path gives: the servers print the shortest decimal that reads back as the same float4
 * (`1.1`), and `Number('1.1')` is not the float4 widened (1.100000023841858). So find that shortest decimal: the
 * correctly rounded p-digit form round-trips for every p from the shortest one on, hence a binary search over p.
 * Columnar readers that want the float4 itself use `readFloat32`.
 */
export function binaryFloat4(b: Buffer, start: number): number {
  const x = readFloat32(b, start);
  if (x === 0 || !Number.isFinite(x)) return x;
  let lo = 1;
  let hi = 9;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (Math.fround(Number(x.toPrecision(mid))) === x) hi = mid;
    else lo = mid + 1;
  }
  return Number(x.toPrecision(lo));
}

/** text, varchar, bpchar, name, CrateDB's ip: the same UTF-8 bytes as in text format. */
export function binaryText(b: Buffer, start: number, end: number): string {
  return utf8(b, start, end);
}

/** json (and CrateDB's object, geo_shape and nested arrays, OID 114): the JSON text, as in text format. */
export function binaryJson(b: Buffer, start: number, end: number): unknown {
  return decodeJson(utf8(b, start, end));
}

/** jsonb: a version byte (1), then the JSON text. */
export function binaryJsonb(b: Buffer, start: number, end: number): unknown {
  if (b[start] !== 1) throw new DecodeError(`Unsupported jsonb binary version ${String(b[start])}`);
  return decodeJson(utf8(b, start + 1, end));
}

/** bytea: a copy of the bytes (the receive buffer is reused after the row). */
export function binaryBytea(b: Buffer, start: number, end: number): Buffer {
  return Buffer.from(b.subarray(start, end));
}

/** timestamp / timestamptz → Date of the UTC instant (ms precision, like the text path), or ±Infinity. */
export function binaryTimestamp(b: Buffer, start: number): Date | number {
  const ms = readTimestampMs(b, start);
  if (ms === Infinity || ms === -Infinity) return ms;
  if (!(Math.abs(ms) <= MAX_DATE_MS)) {
    throw new DecodeError(
      `Timestamp ${readInt64BigInt(b, start)} µs after 2000-01-01 is outside the range of a JavaScript Date; ` +
        'read it as text with a custom decoder (the `types` option) or cast it to text in SQL',
    );
  }
  return new Date(ms);
}

/** date → `YYYY-MM-DD` text, as the text path keeps it (builtin.ts says why it is not a Date). */
export function binaryDate(b: Buffer, start: number): string {
  return dateText(b, start);
}

/** time → `HH:MM:SS[.ffffff]`. */
export function binaryTime(b: Buffer, start: number): string {
  return timeText(b, start);
}

/** timetz → `HH:MM:SS[.ffffff]±HH[:MM]` (PostgreSQL). */
export function binaryTimetz(b: Buffer, start: number): string {
  return timetzText(b, start);
}

/** interval → PostgreSQL's `postgres`-style text. */
export function binaryInterval(b: Buffer, start: number): string {
  return intervalText(b, start);
}

/** uuid → canonical lowercase text. */
export function binaryUuid(b: Buffer, start: number): string {
  return uuidText(b, start);
}

/** inet / cidr → PostgreSQL's text. */
export function binaryInet(b: Buffer, start: number): string {
  return inetText(b, start);
}

/** bit / varbit → `0101`. */
export function binaryBit(b: Buffer, start: number): string {
  return bitText(b, start);
}

/** `"char"` → its one-character text (PostgreSQL). */
export function binaryChar(b: Buffer, start: number, end: number): string {
  return charText(b, start, end);
}

/** point → `{ x, y }` (PostgreSQL). */
export function binaryPoint(b: Buffer, start: number): { x: number; y: number } {
  return { x: readFloat64(b, start), y: readFloat64(b, start + 8) };
}

/** CrateDB geo_point (point: x = lon, y = lat) → `[lon, lat]`, as crate.ts decodes the text. */
export function binaryGeoPoint(b: Buffer, start: number): [number, number] {
  return [readFloat64(b, start), readFloat64(b, start + 8)];
}

/** numeric → the decimal text PostgreSQL prints (`string` mode) or its number. */
export function binaryNumericDecoder(mode: NumericMode): RawDecoder {
  return mode === 'number' ? (b, start) => Number(numericText(b, start)) : (b, start) => numericText(b, start);
}

/**
 * An array decoder over an element decoder: nested JS arrays per dimension, NULL elements as null, lower bounds
 * ignored, an empty array (0 dimensions, or CrateDB's one dimension of size 0) as []. int2vector and oidvector use
 * it too: their binary form is an array.
 */
export function binaryArrayDecoder(element: RawDecoder): RawDecoder {
  return (b, start, end) => {
    const ndim = readInt32(b, start);
    if (ndim === 0) return [];
    if (ndim === 1) {
      const out: unknown[] = [];
      readElements(b, start + 20, end, readInt32(b, start + 12), element, out);
      return out;
    }
    const { dims, dataStart } = readArrayHeader(b, start);
    const flat: unknown[] = [];
    readElements(b, dataStart, end, dims.reduce((n, d) => n * d, 1), element, flat);
    return nest(flat, dims, 0, 0);
  };
}

/** Push `count` length-prefixed elements from `p` onto `out`; returns the offset after them. */
function readElements(b: Buffer, p: number, end: number, count: number, element: RawDecoder, out: unknown[]): number {
  for (let i = 0; i < count; i++) {
    const len = readInt32(b, p);
    p += 4;
    if (len < 0) {
      out.push(null);
      continue;
    }
    if (p + len > end) throw new DecodeError('Malformed binary array: an element runs past the end of the value');
    out.push(element(b, p, p + len));
    p += len;
  }
  return p;
}

/** The elements `flat[offset…]` shaped into dimensions `dims[depth…]`, row-major. */
function nest(flat: readonly unknown[], dims: readonly number[], depth: number, offset: number): unknown[] {
  const size = dims[depth] as number;
  if (depth === dims.length - 1) return flat.slice(offset, offset + size);
  const stride = dims.slice(depth + 1).reduce((n, d) => n * d, 1);
  const out: unknown[] = [];
  for (let i = 0; i < size; i++) out.push(nest(flat, dims, depth + 1, offset + i * stride));
  return out;
}

/** What the binary decoders depend on. */
export interface BinaryDecoderOptions {
  int8: Int8Mode;
  numeric: NumericMode;
  isCrate: boolean;
}

/** The scalar binary decoders for a server, by OID: only types whose binary value equals the text path's. */
export function binaryDecoders(options: BinaryDecoderOptions): Map<number, RawDecoder> {
  const shared: [number, RawDecoder][] = [
    [OID.BOOL, binaryBool],
    [OID.INT2, binaryInt2],
    [OID.INT4, binaryInt4],
    [OID.INT8, binaryInt8Decoder(options.int8)],
    [OID.OID, binaryOid],
    [OID.FLOAT4, binaryFloat4],
    [OID.FLOAT8, binaryFloat8],
    [OID.TEXT, binaryText],
    [OID.VARCHAR, binaryText],
    [OID.BPCHAR, binaryText],
    [OID.NAME, binaryText],
    [OID.JSON, binaryJson],
    [OID.TIMESTAMP, binaryTimestamp],
    [OID.TIMESTAMPTZ, binaryTimestamp],
    [OID.UUID, binaryUuid],
    [OID.BIT, binaryBit],
    [OID.VARBIT, binaryBit],
  ];
  if (options.isCrate) {
    return new Map<number, RawDecoder>([...shared, [OID.POINT, binaryGeoPoint], [OID.REGCLASS, binaryOid]]);
  }
  return new Map<number, RawDecoder>([
    ...shared,
    [OID.POINT, binaryPoint],
    [OID.CHAR, binaryChar],
    [OID.BYTEA, binaryBytea],
    [OID.JSONB, binaryJsonb],
    [OID.UNKNOWN, binaryText],
    [OID.NUMERIC, binaryNumericDecoder(options.numeric)],
    [OID.DATE, binaryDate],
    [OID.TIME, binaryTime],
    [OID.TIMETZ, binaryTimetz],
    [OID.INTERVAL, binaryInterval],
    [OID.INET, binaryInet],
    [OID.CIDR, binaryInet],
    [OID.INT2VECTOR, binaryArrayDecoder(binaryInt2)],
    [OID.OIDVECTOR, binaryArrayDecoder(binaryOid)],
  ]);
}
