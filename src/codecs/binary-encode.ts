/**
 * Column batches as binary array parameters, for `INSERT … SELECT * FROM UNNEST($1::T[], …)` (bulkInsert). Binary
 * parameters are sent only with their array OIDs declared in Parse: binary with OID 0 is read with the inferred type,
 * and a size mismatch corrupts data silently on CrateDB (docs/cratedb-wire.md "Parameter type inference").
 *
 * Timestamps go to CrateDB as epoch milliseconds (`bigint[]`, cast on insert): CrateDB parses timestamp text slowly,
 * and bigint is exactly what it stores. PostgreSQL gets them as binary `timestamptz` (µs since 2000-01-01).
 */
import { putInt32, putText, writeUtf8 } from '../bytes.js';
import { PG_EPOCH_MS } from './binary-read.js';
import { EncodeFailure, describeValue, toJsonText } from './encode.js';
import { OID } from './oids.js';
import { parseTimestamp } from './timestamp.js';
import { DecodeError } from '../errors.js';

/** How one column's values travel: the array parameter's element type, and how each value is checked and written. */
export type ColumnEncoder = FixedEncoder | TextEncoder;

interface EncoderBase {
  /** Element OID written in the array header. */
  readonly elementOid: number;
  /** Array OID declared in Parse. */
  readonly arrayOid: number;
  /** The SQL array type the parameter is cast to, e.g. `integer[]`. */
  readonly sqlType: string;
}

/** Elements of a fixed size, written straight into the array. */
interface FixedEncoder extends EncoderBase {
  readonly kind: 'fixed';
  readonly bytes: number;
  /** Check the non-null value and write it at `p`; throws EncodeFailure. */
  put(value: unknown, b: Buffer, p: number): void;
}

/** Elements sent as their UTF-8 text. */
interface TextEncoder extends EncoderBase {
  readonly kind: 'text';
  /** Check the non-null value and return its text; throws EncodeFailure. */
  toText(value: unknown): string;
}

function fixed(elementOid: number, arrayOid: number, sqlType: string, bytes: number, put: (v: unknown, b: Buffer, p: number) => void): FixedEncoder {
  return { kind: 'fixed', elementOid, arrayOid, sqlType, bytes, put };
}

function integer(value: unknown, min: number, max: number, type: string): number {
  if (typeof value === 'number' && Number.isInteger(value) && value >= min && value <= max) return value;
  if (typeof value === 'bigint' && value >= BigInt(min) && value <= BigInt(max)) return Number(value);
  throw new EncodeFailure(`${describeValue(value)} is not a valid ${type} value (an integer from ${min} to ${max})`);
}

const TWO_32 = 4_294_967_296;
const INT8_MIN = -(2n ** 63n);
const INT8_MAX = 2n ** 63n - 1n;

/** Scratch for IEEE writes: one typed-array view instead of Buffer's per-call checks. */
const F64 = new Float64Array(1);
const F64_BYTES = new Uint8Array(F64.buffer);
const F32 = new Float32Array(1);
const F32_BYTES = new Uint8Array(F32.buffer);
const LITTLE_ENDIAN = new Uint8Array(new Uint16Array([1]).buffer)[0] === 1;

function putFloat64(v: number, b: Buffer, p: number): void {
  F64[0] = v;
  if (LITTLE_ENDIAN) for (let i = 0; i < 8; i++) b[p + i] = F64_BYTES[7 - i] as number;
  else for (let i = 0; i < 8; i++) b[p + i] = F64_BYTES[i] as number;
}

function putFloat32(v: number, b: Buffer, p: number): void {
  F32[0] = v;
  if (LITTLE_ENDIAN) for (let i = 0; i < 4; i++) b[p + i] = F32_BYTES[3 - i] as number;
  else for (let i = 0; i < 4; i++) b[p + i] = F32_BYTES[i] as number;
}

/** Writes a safe integer or an int8 bigint. */
function putInt64(value: number | bigint, b: Buffer, p: number): void {
  if (typeof value === 'bigint') {
    b.writeBigInt64BE(value, p);
    return;
  }
  const hi = Math.floor(value / TWO_32);
  putInt32(hi, b, p);
  putInt32(value - hi * TWO_32, b, p + 4);
}

function int64(value: unknown): number | bigint {
  if (typeof value === 'number' && Number.isSafeInteger(value)) return value;
  if (typeof value === 'bigint' && value >= INT8_MIN && value <= INT8_MAX) return value;
  throw new EncodeFailure(`${describeValue(value)} is not a valid bigint value (a safe integer, or a BigInt within int8)`);
}

function float(value: unknown, type: string): number {
  if (typeof value === 'number') return value;
  throw new EncodeFailure(`${describeValue(value)} is not a valid ${type} value (a number)`);
}

/** Timestamp text → epoch milliseconds, NaN when it is not a finite timestamp. */
function timestampText(text: string): number {
  try {
    const parsed = parseTimestamp(text);
    return typeof parsed === 'number' ? NaN : parsed.getTime();
  } catch (error) {
    if (error instanceof DecodeError) return NaN;
    throw error;
  }
}

/** A Date, an epoch-milliseconds number or timestamp text → epoch milliseconds. */
function epochMs(value: unknown): number {
  let ms: number;
  if (value instanceof Date) ms = value.getTime();
  else if (typeof value === 'number') ms = value;
  else if (typeof value === 'string') ms = timestampText(value);
  else ms = NaN;
  if (!Number.isFinite(ms)) {
    throw new EncodeFailure(`${describeValue(value)} is not a valid timestamp value (a valid Date, epoch milliseconds, or ISO 8601 text)`);
  }
  return ms;
}

/** Text of a string column value: strings, and numbers, bigints and booleans as their decimal/`true` text. */
function text(value: unknown): string {
  if (typeof value === 'string') return value;
  if (typeof value === 'number' || typeof value === 'bigint' || typeof value === 'boolean') return String(value);
  throw new EncodeFailure(`${describeValue(value)} is not a valid text value (a string)`);
}

function variable(elementOid: number, arrayOid: number, sqlType: string, toText: (v: unknown) => string): TextEncoder {
  return { kind: 'text', elementOid, arrayOid, sqlType, toText };
}

/** JSON column values: strings are taken as JSON text already (as query() does), anything else is stringified. */
function json(value: unknown): string {
  return typeof value === 'string' ? value : toJsonText(value);
}

const UUID_TEXT = /^[0-9a-f]{8}-?[0-9a-f]{4}-?[0-9a-f]{4}-?[0-9a-f]{4}-?[0-9a-f]{12}$/i;

function putUuid(value: unknown, b: Buffer, p: number): void {
  if (typeof value !== 'string' || !UUID_TEXT.test(value)) throw new EncodeFailure(`${describeValue(value)} is not a valid uuid value (uuid text)`);
  b.write(value.replaceAll('-', ''), p, 16, 'hex');
}

const COMMON: ReadonlyMap<number, ColumnEncoder> = new Map<number, ColumnEncoder>([
  [OID.BOOL, fixed(OID.BOOL, OID.BOOL_ARRAY, 'boolean[]', 1, (v, b, p) => {
    if (typeof v !== 'boolean') throw new EncodeFailure(`${describeValue(v)} is not a valid boolean value (true or false)`);
    b[p] = v ? 1 : 0;
  })],
  [OID.INT2, fixed(OID.INT2, OID.INT2_ARRAY, 'smallint[]', 2, (v, b, p) => {
    const n = integer(v, -32_768, 32_767, 'smallint');
    b[p] = n >>> 8;
    b[p + 1] = n;
  })],
  [OID.INT4, fixed(OID.INT4, OID.INT4_ARRAY, 'integer[]', 4, (v, b, p) => putInt32(integer(v, -2_147_483_648, 2_147_483_647, 'integer'), b, p))],
  [OID.INT8, fixed(OID.INT8, OID.INT8_ARRAY, 'bigint[]', 8, (v, b, p) => putInt64(int64(v), b, p))],
  [OID.FLOAT4, fixed(OID.FLOAT4, OID.FLOAT4_ARRAY, 'real[]', 4, (v, b, p) => putFloat32(float(v, 'real'), b, p))],
  [OID.FLOAT8, fixed(OID.FLOAT8, OID.FLOAT8_ARRAY, 'double precision[]', 8, (v, b, p) => putFloat64(float(v, 'double precision'), b, p))],
  [OID.TEXT, variable(OID.TEXT, OID.TEXT_ARRAY, 'text[]', text)],
  [OID.VARCHAR, variable(OID.VARCHAR, OID.VARCHAR_ARRAY, 'text[]', text)],
  [OID.BPCHAR, variable(OID.VARCHAR, OID.VARCHAR_ARRAY, 'text[]', text)],
  [OID.NAME, variable(OID.VARCHAR, OID.VARCHAR_ARRAY, 'text[]', text)],
  [OID.UUID, fixed(OID.UUID, OID.UUID_ARRAY, 'uuid[]', 16, putUuid)],
]);

/** Epoch milliseconds as bigint, cast to the timestamp column on insert (CrateDB). */
const CRATE_TIMESTAMP = fixed(OID.INT8, OID.INT8_ARRAY, 'bigint[]', 8, (v, b, p) => putInt64(epochMs(v), b, p));

/** µs since 2000-01-01 (PostgreSQL's binary timestamp); exact for every Date (BigInt beyond ±2^53 µs). */
function pgTimestamp(elementOid: number, arrayOid: number, sqlType: string): ColumnEncoder {
  return fixed(elementOid, arrayOid, sqlType, 8, (v, b, p) => {
    const micros = (epochMs(v) - PG_EPOCH_MS) * 1000;
    putInt64(Number.isSafeInteger(micros) ? micros : BigInt(epochMs(v) - PG_EPOCH_MS) * 1000n, b, p);
  });
}

const CRATE: ReadonlyMap<number, ColumnEncoder> = new Map<number, ColumnEncoder>([
  ...COMMON,
  [OID.TIMESTAMPTZ, CRATE_TIMESTAMP],
  [OID.TIMESTAMP, CRATE_TIMESTAMP],
  // object, geo_shape and json columns (docs/cratedb-wire.md, types): JSON text elements.
  [OID.JSON, variable(OID.JSON, OID.JSON_ARRAY, 'object[]', json)],
]);

const POSTGRES: ReadonlyMap<number, ColumnEncoder> = new Map<number, ColumnEncoder>([
  ...COMMON,
  [OID.TIMESTAMPTZ, pgTimestamp(OID.TIMESTAMPTZ, OID.TIMESTAMPTZ_ARRAY, 'timestamptz[]')],
  [OID.TIMESTAMP, pgTimestamp(OID.TIMESTAMP, OID.TIMESTAMP_ARRAY, 'timestamp[]')],
  [OID.JSON, variable(OID.JSON, OID.JSON_ARRAY, 'json[]', json)],
]);

/** The encoder for a column of type `typeOid` on this server, or undefined when it cannot travel as a column batch. */
export function columnEncoder(typeOid: number, isCrate: boolean): ColumnEncoder | undefined {
  return (isCrate ? CRATE : POSTGRES).get(typeOid);
}

/** One column of a batch, checked and measured: what {@link writeColumnBatch} needs to write it. */
export interface MeasuredColumn {
  readonly encoder: ColumnEncoder;
  readonly column: number;
  /** At most this many bytes (text is measured at 3 bytes per UTF-16 unit, its UTF-8 bound). */
  readonly maxBytes: number;
  /** The text of each value of a text column (null for NULL); undefined for fixed-size columns. */
  readonly texts: readonly (string | null)[] | undefined;
}

/**
 * Check one column of rows `[from, to)` and bound its size as a binary array. Throws RowEncodeFailure naming the
 * failing row (fixed-size values are checked as they are written, by {@link writeColumnBatch}).
 */
export function measureColumnBatch(encoder: ColumnEncoder, rows: readonly (readonly unknown[])[], column: number, from: number, to: number): MeasuredColumn {
  const count = to - from;
  if (encoder.kind === 'fixed') return { encoder, column, maxBytes: 20 + (4 + encoder.bytes) * count, texts: undefined };
  const texts = new Array<string | null>(count);
  let size = 20 + 4 * count;
  let i = from;
  try {
    for (; i < to; i++) {
      const v = (rows[i] as readonly unknown[])[column];
      if (v === null || v === undefined) {
        texts[i - from] = null;
        continue;
      }
      const t = encoder.toText(v);
      texts[i - from] = t;
      size += 3 * t.length;
    }
  } catch (error) {
    throw failedAt(i, error);
  }
  return { encoder, column, maxBytes: size, texts };
}

/**
 * Write a measured column of rows `[from, to)` at `b[p…]` as a one-dimensional binary array (NULL/undefined → NULL
 * elements); returns the position after it. Throws RowEncodeFailure naming the failing row.
 */
export function writeColumnBatch(m: MeasuredColumn, rows: readonly (readonly unknown[])[], from: number, to: number, b: Buffer, p: number): number {
  const start = p;
  const { encoder, column, texts } = m;
  putInt32(1, b, p);
  putInt32(encoder.elementOid, b, p + 8);
  putInt32(to - from, b, p + 12);
  putInt32(1, b, p + 16);
  p += 20;
  let hasNull = false;
  if (texts !== undefined) {
    for (const t of texts) {
      if (t === null) hasNull = true;
      p = putText(t, b, p);
    }
  } else {
    const fixed = encoder as FixedEncoder;
    const bytes = fixed.bytes;
    let i = from;
    try {
      for (; i < to; i++) {
        const v = (rows[i] as readonly unknown[])[column];
        if (v === null || v === undefined) {
          hasNull = true;
          putInt32(-1, b, p);
          p += 4;
          continue;
        }
        putInt32(bytes, b, p);
        fixed.put(v, b, p + 4);
        p += 4 + bytes;
      }
    } catch (error) {
      throw failedAt(i, error);
    }
  }
  putInt32(hasNull ? 1 : 0, b, start + 4);
  return p;
}

/**
 * One column of rows `[from, to)` as a one-dimensional binary array parameter (NULL/undefined → NULL elements).
 * Throws RowEncodeFailure naming the failing row.
 */
export function encodeColumnBatch(encoder: ColumnEncoder, rows: readonly (readonly unknown[])[], column: number, from: number, to: number): Buffer {
  const measured = measureColumnBatch(encoder, rows, column, from, to);
  const b = Buffer.allocUnsafe(measured.maxBytes);
  return b.subarray(0, writeColumnBatch(measured, rows, from, to, b, 0));
}

/** The row of an EncodeFailure (a value of the wrong type) thrown while encoding row `row`. */
function failedAt(row: number, error: unknown): unknown {
  return error instanceof EncodeFailure ? new RowEncodeFailure(row, error) : error;
}

/** An EncodeFailure for one row of a column batch. */
export class RowEncodeFailure extends EncodeFailure {
  readonly row: number;

  constructor(row: number, cause: EncodeFailure) {
    super(cause.message, { cause });
    this.row = row;
  }
}

/** PostgreSQL's binary COPY signature, then the flags and header-extension words (both 0). */
const COPY_HEADER = Buffer.concat([Buffer.from('PGCOPY\n\xff\r\n\0', 'latin1'), Buffer.alloc(8)]);
const COPY_DATA = 0x64;

/**
 * Rows `[from, to)` as one CopyData message in PostgreSQL's binary COPY format: the header, per row the field count
 * and each field's length and bytes (the same bytes as an array element), then the trailer (-1). Throws
 * RowEncodeFailure naming the failing row.
 */
export function encodeCopyData(encoders: readonly ColumnEncoder[], rows: readonly (readonly unknown[])[], from: number, to: number): Buffer {
  const width = encoders.length;
  const texts = new Array<string | null | undefined>((to - from) * width);
  let size = 1 + 4 + COPY_HEADER.length + 2;
  let i = from;
  try {
    for (; i < to; i++) {
      const row = rows[i] as readonly unknown[];
      size += 2;
      for (let c = 0; c < width; c++) {
        const v = row[c];
        size += 4;
        if (v === null || v === undefined) continue;
        const encoder = encoders[c] as ColumnEncoder;
        if (encoder.kind === 'fixed') {
          size += encoder.bytes;
        } else {
          const t = encoder.toText(v);
          texts[(i - from) * width + c] = t;
          size += 3 * t.length;
        }
      }
    }
    const b = Buffer.allocUnsafe(size);
    b[0] = COPY_DATA;
    let p = 5 + COPY_HEADER.copy(b, 5);
    for (i = from; i < to; i++) {
      const row = rows[i] as readonly unknown[];
      b[p] = width >>> 8;
      b[p + 1] = width;
      p += 2;
      for (let c = 0; c < width; c++) {
        const v = row[c];
        if (v === null || v === undefined) {
          putInt32(-1, b, p);
          p += 4;
          continue;
        }
        const encoder = encoders[c] as ColumnEncoder;
        if (encoder.kind === 'fixed') {
          putInt32(encoder.bytes, b, p);
          encoder.put(v, b, p + 4);
          p += 4 + encoder.bytes;
        } else {
          const n = writeUtf8(texts[(i - from) * width + c] as string, b, p + 4);
          putInt32(n, b, p);
          p += 4 + n;
        }
      }
    }
    p = b.writeInt16BE(-1, p);
    b.writeInt32BE(p - 1, 1);
    return b.subarray(0, p);
  } catch (error) {
    throw failedAt(i, error);
  }
}
