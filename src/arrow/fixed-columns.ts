/**
 * Fixed-width Arrow columns from binary fields: int2/int4/int8 → Int16/Int32/Int64, float4/float8 →
 * Float32/Float64, timestamp(tz) → Timestamp(MICROSECOND), date → DateDay, bool → Bool. Values go byte by byte
 * from the big-endian wire into a host-order byte buffer that becomes the Arrow data buffer: no numbers boxed, no
 * BigInt per int8 (docs/arrow.md "Type mapping").
 */
import {
  Bool,
  DateDay,
  Float32,
  Float64,
  Int16,
  Int32,
  Int64,
  IntervalMonthDayNano,
  makeData,
  TimeMicrosecond,
  TimestampMicrosecond,
  type Data,
  type DataType,
} from 'apache-arrow';
import { PG_EPOCH_DAYS, PG_EPOCH_MS, readInt32, readInt64BigInt, readUint32 } from '../codecs/binary-read.js';
import { badValue, grownBytes, LITTLE_ENDIAN, ValidityColumn } from './column.js';

/** Copies one value of `width` bytes from the wire at `p` into `d` at `q`, converting as the type needs. */
type Write = (column: FixedColumn, b: Buffer, p: number, d: Uint8Array, q: number) => void;

/** A typed-array view over the first `length` values of a byte buffer. */
type View = (buffer: ArrayBuffer, length: number) => ArrayBufferView;

/** The byte-swapping copy for `width`-byte integers and IEEE floats. */
function swapped(width: number): Write {
  return (_column, b, p, d, q) => {
    if (LITTLE_ENDIAN) for (let i = 0; i < width; i++) d[q + i] = b[p + width - 1 - i] as number;
    else for (let i = 0; i < width; i++) d[q + i] = b[p + i] as number;
  };
}

/** Writes the int32 `v` in host order. */
function putInt32(d: Uint8Array, q: number, v: number): void {
  if (LITTLE_ENDIAN) {
    d[q] = v;
    d[q + 1] = v >> 8;
    d[q + 2] = v >> 16;
    d[q + 3] = v >> 24;
  } else {
    d[q] = v >> 24;
    d[q + 1] = v >> 16;
    d[q + 2] = v >> 8;
    d[q + 3] = v;
  }
}

const TWO_32 = 4_294_967_296;
/** Microseconds from 1970-01-01 to 2000-01-01, as the high and low words of an int64. */
const EPOCH_US = PG_EPOCH_MS * 1000;
const EPOCH_US_HI = Math.floor(EPOCH_US / TWO_32);
const EPOCH_US_LO = EPOCH_US % TWO_32;
const INT32_MAX = 0x7fff_ffff;
const INT32_MIN = -0x8000_0000;

/**
 * timestamp(tz): int8 µs since 2000-01-01 → int64 µs since 1970-01-01, added word by word. PostgreSQL's `infinity`
 * and `-infinity` (INT64_MAX / INT64_MIN) stay INT64_MAX / INT64_MIN.
 */
const writeTimestamp: Write = (column, b, p, d, q) => {
  let hi = readInt32(b, p);
  let lo = readUint32(b, p + 4);
  const infinite = (hi === INT32_MAX && lo === 0xffff_ffff) || (hi === INT32_MIN && lo === 0);
  if (!infinite) {
    lo += EPOCH_US_LO;
    const carry = lo >= TWO_32 ? 1 : 0;
    lo = lo >>> 0;
    const shifted = (hi + EPOCH_US_HI + carry) | 0;
    if (hi >= 0 && shifted < 0) throw badValue(column.column, `timestamp in row ${column.rowNumber()} is beyond int64 microseconds since 1970`);
    hi = shifted;
  }
  putInt32(d, LITTLE_ENDIAN ? q : q + 4, lo | 0);
  putInt32(d, LITTLE_ENDIAN ? q + 4 : q, hi);
};

/** date: int4 days since 2000-01-01 → days since 1970-01-01; `infinity` / `-infinity` stay INT32_MAX / INT32_MIN. */
const writeDate: Write = (_column, b, p, d, q) => {
  const days = readInt32(b, p);
  putInt32(d, q, days === INT32_MAX || days === INT32_MIN ? days : days + PG_EPOCH_DAYS);
};

/**
 * interval (int8 µs, int4 days, int4 months) → Interval(MONTH_DAY_NANO): int32 months, int32 days, int64 ns. One
 * BigInt per value for the exact µs → ns product (interval is not a bulk type).
 */
const writeInterval: Write = (column, b, p, d, q) => {
  const nanos = readInt64BigInt(b, p) * 1000n;
  if (nanos !== BigInt.asIntN(64, nanos)) throw badValue(column.column, `interval in row ${column.rowNumber()} is beyond int64 nanoseconds`);
  putInt32(d, q, readInt32(b, p + 12));
  putInt32(d, q + 4, readInt32(b, p + 8));
  const lo = Number(BigInt.asIntN(32, nanos));
  const hi = Number(BigInt.asIntN(32, nanos >> 32n));
  putInt32(d, LITTLE_ENDIAN ? q + 8 : q + 12, lo);
  putInt32(d, LITTLE_ENDIAN ? q + 12 : q + 8, hi);
};

/** A fixed-width column: `width` bytes per value in one growing buffer. */
export class FixedColumn extends ValidityColumn {
  readonly type: DataType;
  readonly #width: number;
  readonly #write: Write;
  readonly #view: View;
  #data: Uint8Array<ArrayBuffer>;

  constructor(column: string, type: DataType, width: number, write: Write, view: View) {
    super(column);
    this.type = type;
    this.#width = width;
    this.#write = write;
    this.#view = view;
    this.#data = new Uint8Array(width * 64);
  }

  /** The 1-based row of the result being appended now. */
  override rowNumber(): number {
    return super.rowNumber();
  }

  protected pushValue(b: Buffer, p: number, len: number): void {
    const w = this.#width;
    if (len !== w) throw badValue(this.column, `expected ${w} bytes per ${String(this.type)} value, got ${len} in row ${this.rowNumber()}`);
    const q = this.length * w;
    if (q + w > this.#data.length) this.#data = grownBytes(this.#data, q + w);
    this.#write(this, b, p, this.#data, q);
  }

  protected pushNull(): void {
    const q = this.length * this.#width;
    if (q + this.#width > this.#data.length) this.#data = grownBytes(this.#data, q + this.#width);
    this.#data.fill(0, q, q + this.#width);
  }

  protected valueBytes(): number {
    return this.length * this.#width;
  }

  protected finish(length: number, nullCount: number, nullBitmap: Uint8Array | undefined): Data {
    const data = this.#view(this.#data.buffer, length);
    this.#data = new Uint8Array(Math.max(64, length) * this.#width);
    return makeData({ type: this.type, length, nullCount, nullBitmap, data } as Parameters<typeof makeData>[0]);
  }
}

/** bool: one byte per value on the wire, one bit in Arrow. */
export class BoolColumn extends ValidityColumn {
  readonly type = new Bool();
  #bits = new Uint8Array(8);

  protected pushValue(b: Buffer, p: number, len: number): void {
    if (len !== 1) throw badValue(this.column, `expected 1 byte per bool value, got ${len} in row ${this.rowNumber()}`);
    const i = this.length;
    if (i >> 3 >= this.#bits.length) this.#bits = grownBytes(this.#bits, (i >> 3) + 1);
    if (b[p] !== 0) (this.#bits[i >> 3] as number) |= 1 << (i & 7);
  }

  protected pushNull(): void {
    const i = this.length;
    if (i >> 3 >= this.#bits.length) this.#bits = grownBytes(this.#bits, (i >> 3) + 1);
  }

  protected valueBytes(): number {
    return this.length >> 3;
  }

  protected finish(length: number, nullCount: number, nullBitmap: Uint8Array | undefined): Data {
    const data = this.#bits.subarray(0, (length + 7) >> 3);
    this.#bits = new Uint8Array(Math.max(8, (length + 7) >> 3));
    return makeData({ type: this.type, length, nullCount, nullBitmap, data });
  }
}

const int16View: View = (buffer, length) => new Int16Array(buffer, 0, length);
const int32View: View = (buffer, length) => new Int32Array(buffer, 0, length);
const int64View: View = (buffer, length) => new BigInt64Array(buffer, 0, length);
const float32View: View = (buffer, length) => new Float32Array(buffer, 0, length);
const float64View: View = (buffer, length) => new Float64Array(buffer, 0, length);

/** int2 → Int16. */
export const int16Column = (column: string): FixedColumn => new FixedColumn(column, new Int16(), 2, swapped(2), int16View);
/** int4 (and oid-like int4 types) → Int32. */
export const int32Column = (column: string): FixedColumn => new FixedColumn(column, new Int32(), 4, swapped(4), int32View);
/** int8 → Int64, exact. */
export const int64Column = (column: string): FixedColumn => new FixedColumn(column, new Int64(), 8, swapped(8), int64View);
/** float4 → Float32. */
export const float32Column = (column: string): FixedColumn => new FixedColumn(column, new Float32(), 4, swapped(4), float32View);
/** float8 → Float64. */
export const float64Column = (column: string): FixedColumn => new FixedColumn(column, new Float64(), 8, swapped(8), float64View);
/** timestamp → Timestamp(MICROSECOND), timestamptz → Timestamp(MICROSECOND, 'UTC'). */
export const timestampColumn = (column: string, zone: string | null): FixedColumn =>
  new FixedColumn(column, new TimestampMicrosecond(zone), 8, writeTimestamp, int64View);
/** time (int8 µs since midnight) → Time64(MICROSECOND). */
export const timeColumn = (column: string): FixedColumn => new FixedColumn(column, new TimeMicrosecond(), 8, swapped(8), int64View);
/** interval → Interval(MONTH_DAY_NANO). */
export const intervalColumn = (column: string): FixedColumn =>
  new FixedColumn(column, new IntervalMonthDayNano(), 16, writeInterval, (buffer, length) => new Int32Array(buffer, 0, length * 4));
/** date → DateDay (days since 1970-01-01). */
export const dateColumn = (column: string): FixedColumn => new FixedColumn(column, new DateDay(), 4, writeDate, int32View);
