/**
 * Readers of PostgreSQL's binary value layouts, as pure functions over a field's bytes (big-endian, as on the wire).
 * They return the raw quantities (integers, IEEE values, microseconds, day numbers) with no JS objects, for the
 * binary result decoders (binary.ts) and for columnar readers that fill typed arrays straight from DataRows.
 * Callers pass the start of a field whose length they have checked. Layouts: int2/int4/int8/float4/float8 as named;
 * date = int4 days since 2000-01-01 (`readInt32`); timestamp(tz) and time = int8 µs (`readTimestampMs`,
 * `readInt64Number`); interval = int8 µs, int4 days, int4 months; uuid = 16 bytes; point = two float8 (x, y).
 */

/** Milliseconds from 1970-01-01 to 2000-01-01, PostgreSQL's epoch for binary dates and timestamps. */
export const PG_EPOCH_MS = 946_684_800_000;
/** Days from 1970-01-01 to 2000-01-01. */
export const PG_EPOCH_DAYS = 10_957;

const TWO_32 = 4_294_967_296;

/** int2. */
export function readInt16(b: Uint8Array, p: number): number {
  return (((b[p] as number) << 24) | ((b[p + 1] as number) << 16)) >> 16;
}

/** int4 (also the sign-aware length and count fields of arrays). */
export function readInt32(b: Uint8Array, p: number): number {
  return ((b[p] as number) << 24) | ((b[p + 1] as number) << 16) | ((b[p + 2] as number) << 8) | (b[p + 3] as number);
}

/** oid, regclass, regproc: unsigned int4. */
export function readUint32(b: Uint8Array, p: number): number {
  return readInt32(b, p) >>> 0;
}

/**
 * int8 as a double: exact while |value| ≤ 2^53 − 1 (check with {@link int64IsSafe}), the nearest double beyond.
 */
export function readInt64Number(b: Uint8Array, p: number): number {
  return readInt32(b, p) * TWO_32 + readUint32(b, p + 4);
}

/** Whether the int8 at `p` is within ±(2^53 − 1), so {@link readInt64Number} is exact. */
export function int64IsSafe(b: Uint8Array, p: number): boolean {
  const hi = readInt32(b, p);
  if (hi >= 0) return hi < 0x20_0000;
  // -2^53 itself (hi = -2^21, lo = 0) is not safe.
  return hi > -0x20_0000 || (hi === -0x20_0000 && readUint32(b, p + 4) !== 0);
}

/** int8 as a bigint, always exact. */
export function readInt64BigInt(b: Uint8Array, p: number): bigint {
  return (BigInt(readInt32(b, p)) << 32n) | BigInt(readUint32(b, p + 4));
}

/** Scratch for IEEE reads: a typed-array view instead of a DataView per value (docs/design.md "Benchmarks": per-value cost). */
const F64 = new Float64Array(1);
const F64_BYTES = new Uint8Array(F64.buffer);
const F32 = new Float32Array(1);
const F32_BYTES = new Uint8Array(F32.buffer);
const LITTLE_ENDIAN = new Uint8Array(new Uint16Array([1]).buffer)[0] === 1;

/** float8. */
export function readFloat64(b: Uint8Array, p: number): number {
  if (LITTLE_ENDIAN) {
    for (let i = 0; i < 8; i++) F64_BYTES[i] = b[p + 7 - i] as number;
  } else {
    for (let i = 0; i < 8; i++) F64_BYTES[i] = b[p + i] as number;
  }
  return F64[0] as number;
}

/** float4, widened exactly to a double (1.1f reads as 1.100000023841858). */
export function readFloat32(b: Uint8Array, p: number): number {
  if (LITTLE_ENDIAN) {
    for (let i = 0; i < 4; i++) F32_BYTES[i] = b[p + 3 - i] as number;
  } else {
    for (let i = 0; i < 4; i++) F32_BYTES[i] = b[p + i] as number;
  }
  return F32[0] as number;
}

/** int8 value PostgreSQL sends for the timestamp `infinity` (INT64_MAX); `-infinity` is INT64_MIN. */
const INFINITE_HI = 0x7fff_ffff;

/**
 * timestamp / timestamptz (int8 µs since 2000-01-01) → epoch milliseconds, floored as the text path truncates the
 * fraction, or ±Infinity for PostgreSQL's `infinity` / `-infinity`. Exact for every instant a JS Date can hold.
 */
export function readTimestampMs(b: Uint8Array, p: number): number {
  const hi = readInt32(b, p);
  const lo = readUint32(b, p + 4);
  if (hi === INFINITE_HI && lo === 0xffff_ffff) return Infinity;
  if (hi === -0x8000_0000 && lo === 0) return -Infinity;
  if (hi >= -0x20_0000 && hi < 0x20_0000) return Math.floor((hi * TWO_32 + lo) / 1000) + PG_EPOCH_MS;
  // Beyond ±2^53 µs (about 285 years from 2000) the double sum is inexact: divide exactly.
  const micros = (BigInt(hi) << 32n) | BigInt(lo);
  const q = micros / 1000n;
  return Number(micros < 0n && q * 1000n !== micros ? q - 1n : q) + PG_EPOCH_MS;
}

/** An array header: dimensions, element type and where the first element's length word starts. */
export interface ArrayHeader {
  /** Sizes of the dimensions, outermost first; [] for an empty array (CrateDB sends one dimension of size 0). */
  readonly dims: number[];
  readonly elementOid: number;
  /** Offset of the first element (its int32 length). */
  readonly dataStart: number;
}

/**
 * The header of a binary array: ndim, has-null flags, element OID, then (size, lower bound) per dimension. Lower
 * bounds are ignored: CrateDB writes the dimension size there (fixture `types_text.json`).
 */
export function readArrayHeader(b: Uint8Array, start: number): ArrayHeader {
  const ndim = readInt32(b, start);
  const elementOid = readUint32(b, start + 8);
  const dims: number[] = [];
  let p = start + 12;
  for (let i = 0; i < ndim; i++, p += 8) dims.push(readInt32(b, p));
  return { dims, elementOid, dataStart: p };
}
