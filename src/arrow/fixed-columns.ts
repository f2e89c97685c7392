/**
 * Fixed-width Arrow columns from binary fields: CrateDB's byte → Int8, int2/int4/int8 → Int16/Int32/Int64,
 * float4/float8 → Float32/Float64, timestamp(tz) → Timestamp(MICROSECOND), time → Time64(MICROSECOND), date →
 * DateDay, interval → Interval(MONTH_DAY_NANO), bool → Bool. Values go byte by byte from the big-endian wire into a host-order byte
 * buffer that becomes the Arrow data buffer: no numbers boxed, no BigInt per int8 or timestamp. Each type has its own
 * `append` so that its copy loop is inlined (docs/arrow.md "Type mapping").
 */
import {
  Bool,
  DateDay,
  Float32,
  Float64,
  Int8,
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
import { PG_EPOCH_DAYS, PG_EPOCH_MS, readInt32, readInt64BigInt } from '../codecs/binary-read.js';
import { badValue, grownBytes, LITTLE_ENDIAN, ValidityColumn } from './column.js';

/** A typed-array view over the first `length` values of a byte buffer. */
type View = (buffer: ArrayBuffer, length: number) => ArrayBufferView;

/** The values of a fixed-width column: `width` bytes each in one growing buffer (monomorphic, see column.ts Validity). */
class FixedStore {
  readonly width: number;
  data: Uint8Array<ArrayBuffer>;

  constructor(width: number) {
    this.width = width;
    this.data = new Uint8Array(width * 64);
  }

  /** The byte offset of value `index`, with room for it. */
  reserve(index: number): number {
    const w = this.width;
    const q = index * w;
    if (q + w > this.data.length) this.data = grownBytes(this.data, q + w);
    return q;
  }

  /** The buffer of the first `length` values; the store starts over with a fresh one. */
  take(length: number): ArrayBuffer {
    const buffer = this.data.buffer;
    this.data = new Uint8Array(Math.max(64, length) * this.width);
    return buffer;
  }
}

/** A fixed-width column; each subclass's `append` converts one wire value into the store. */
abstract class FixedColumn extends ValidityColumn {
  readonly type: DataType;
  readonly #view: View;
  protected readonly store: FixedStore;

  constructor(column: string, type: DataType, width: number, view: View) {
    super(column);
    this.type = type;
    this.#view = view;
    this.store = new FixedStore(width);
  }

  /** The error for a wire value of `len` bytes. */
  protected wrongLength(len: number): Error {
    return badValue(this.column, `expected ${this.store.width} bytes per ${String(this.type)} value, got ${len} in row ${this.rowNumber()}`);
  }

  appendNull(): void {
    const q = this.store.reserve(this.v.length);
    this.store.data.fill(0, q, q + this.store.width);
    this.v.null();
  }

  protected valueBytes(): number {
    return this.v.length * this.store.width;
  }

  /** Rewrite the first `length` values in place before they are handed over (timestamps: the epoch shift). */
  protected settle(_length: number): void {}

  protected finish(length: number, nullCount: number, nullBitmap: Uint8Array | undefined): Data {
    this.settle(length);
    const data = this.#view(this.store.take(length), length);
    return makeData({ type: this.type, length, nullCount, nullBitmap, data } as Parameters<typeof makeData>[0]);
  }
}

/** 1-byte integers: CrateDB's `byte` (`"char"`, 18, before 6.5.0), one signed byte in binary. */
class ByteColumn extends FixedColumn {
  append(b: Buffer, p: number, len: number): void {
    if (len !== 1) throw this.wrongLength(len);
    const q = this.store.reserve(this.v.length);
    this.store.data[q] = b[p] as number;
    this.v.valid();
  }
}

/** 2-byte integers. */
class Swap2Column extends FixedColumn {
  append(b: Buffer, p: number, len: number): void {
    if (len !== 2) throw this.wrongLength(len);
    const q = this.store.reserve(this.v.length);
    const d = this.store.data;
    if (LITTLE_ENDIAN) {
      d[q] = b[p + 1] as number;
      d[q + 1] = b[p] as number;
    } else {
      d[q] = b[p] as number;
      d[q + 1] = b[p + 1] as number;
    }
    this.v.valid();
  }
}

/** 4-byte integers and floats. */
class Swap4Column extends FixedColumn {
  append(b: Buffer, p: number, len: number): void {
    if (len !== 4) throw this.wrongLength(len);
    const q = this.store.reserve(this.v.length);
    const d = this.store.data;
    if (LITTLE_ENDIAN) {
      d[q] = b[p + 3] as number;
      d[q + 1] = b[p + 2] as number;
      d[q + 2] = b[p + 1] as number;
      d[q + 3] = b[p] as number;
    } else {
      for (let i = 0; i < 4; i++) d[q + i] = b[p + i] as number;
    }
    this.v.valid();
  }
}

/** 8-byte integers and floats. */
class Swap8Column extends FixedColumn {
  append(b: Buffer, p: number, len: number): void {
    if (len !== 8) throw this.wrongLength(len);
    const q = this.store.reserve(this.v.length);
    const d = this.store.data;
    if (LITTLE_ENDIAN) {
      d[q] = b[p + 7] as number;
      d[q + 1] = b[p + 6] as number;
      d[q + 2] = b[p + 5] as number;
      d[q + 3] = b[p + 4] as number;
      d[q + 4] = b[p + 3] as number;
      d[q + 5] = b[p + 2] as number;
      d[q + 6] = b[p + 1] as number;
      d[q + 7] = b[p] as number;
    } else {
      for (let i = 0; i < 8; i++) d[q + i] = b[p + i] as number;
    }
    this.v.valid();
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
 * timestamp(tz): int8 µs since 2000-01-01, copied as is, then shifted to µs since 1970-01-01 over the whole batch
 * word by word on flush. PostgreSQL's `infinity` and `-infinity` (INT64_MAX / INT64_MIN) stay as they are.
 */
class TimestampColumn extends Swap8Column {
  protected override settle(length: number): void {
    const words = new Int32Array(this.store.data.buffer, 0, length * 2);
    const lo = LITTLE_ENDIAN ? 0 : 1;
    const hi = 1 - lo;
    for (let k = 0; k < length; k++) {
      const h = words[2 * k + hi] as number;
      const l = (words[2 * k + lo] as number) >>> 0;
      if ((h === INT32_MAX && l === 0xffff_ffff) || (h === INT32_MIN && l === 0)) continue;
      const sum = l + EPOCH_US_LO;
      const carry = sum >= TWO_32 ? 1 : 0;
      const shifted = (h + EPOCH_US_HI + carry) | 0;
      if (h >= 0 && shifted < 0) throw badValue(this.column, `the timestamp in row ${this.rowsBefore + k + 1} is beyond int64 microseconds since 1970`);
      words[2 * k + lo] = sum | 0;
      words[2 * k + hi] = shifted;
    }
  }
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

/** date: int4 days since 2000-01-01 → days since 1970-01-01; `infinity` / `-infinity` stay INT32_MAX / INT32_MIN. */
class DateColumn extends FixedColumn {
  append(b: Buffer, p: number, len: number): void {
    if (len !== 4) throw this.wrongLength(len);
    const q = this.store.reserve(this.v.length);
    const days = readInt32(b, p);
    putInt32(this.store.data, q, days === INT32_MAX || days === INT32_MIN ? days : days + PG_EPOCH_DAYS);
    this.v.valid();
  }
}

/**
 * interval (int8 µs, int4 days, int4 months) → Interval(MONTH_DAY_NANO): int32 months, int32 days, int64 ns. One
 * BigInt per value for the exact µs → ns product (interval is not a bulk type).
 */
class IntervalColumn extends FixedColumn {
  append(b: Buffer, p: number, len: number): void {
    if (len !== 16) throw this.wrongLength(len);
    const q = this.store.reserve(this.v.length);
    const nanos = readInt64BigInt(b, p) * 1000n;
    if (nanos !== BigInt.asIntN(64, nanos)) throw badValue(this.column, `the interval in row ${this.rowNumber()} is beyond int64 nanoseconds`);
    const d = this.store.data;
    putInt32(d, q, readInt32(b, p + 12));
    putInt32(d, q + 4, readInt32(b, p + 8));
    putInt32(d, LITTLE_ENDIAN ? q + 8 : q + 12, Number(BigInt.asIntN(32, nanos)));
    putInt32(d, LITTLE_ENDIAN ? q + 12 : q + 8, Number(BigInt.asIntN(32, nanos >> 32n)));
    this.v.valid();
  }
}

/** bool: one byte per value on the wire, one bit in Arrow. */
export class BoolColumn extends ValidityColumn {
  readonly type = new Bool();
  #bits = new Uint8Array(8);

  append(b: Buffer, p: number, len: number): void {
    if (len !== 1) throw badValue(this.column, `expected 1 byte per bool value, got ${len} in row ${this.rowNumber()}`);
    const i = this.v.length;
    if (i >> 3 >= this.#bits.length) this.#bits = grownBytes(this.#bits, (i >> 3) + 1);
    if (b[p] !== 0) (this.#bits[i >> 3] as number) |= 1 << (i & 7);
    this.v.valid();
  }

  appendNull(): void {
    const i = this.v.length;
    if (i >> 3 >= this.#bits.length) this.#bits = grownBytes(this.#bits, (i >> 3) + 1);
    this.v.null();
  }

  protected valueBytes(): number {
    return this.v.length >> 3;
  }

  protected finish(length: number, nullCount: number, nullBitmap: Uint8Array | undefined): Data {
    const data = this.#bits.subarray(0, (length + 7) >> 3);
    this.#bits = new Uint8Array(Math.max(8, (length + 7) >> 3));
    return makeData({ type: this.type, length, nullCount, nullBitmap, data });
  }
}

const int8View: View = (buffer, length) => new Int8Array(buffer, 0, length);
const int16View: View = (buffer, length) => new Int16Array(buffer, 0, length);
const int32View: View = (buffer, length) => new Int32Array(buffer, 0, length);
const int64View: View = (buffer, length) => new BigInt64Array(buffer, 0, length);
const float32View: View = (buffer, length) => new Float32Array(buffer, 0, length);
const float64View: View = (buffer, length) => new Float64Array(buffer, 0, length);

/** CrateDB's byte (`"char"` before 6.5.0) → Int8. */
export const int8Column = (column: string): ValidityColumn => new ByteColumn(column, new Int8(), 1, int8View);
/** int2 → Int16. */
export const int16Column = (column: string): ValidityColumn => new Swap2Column(column, new Int16(), 2, int16View);
/** int4 → Int32. */
export const int32Column = (column: string): ValidityColumn => new Swap4Column(column, new Int32(), 4, int32View);
/** int8 → Int64, exact. */
export const int64Column = (column: string): ValidityColumn => new Swap8Column(column, new Int64(), 8, int64View);
/** float4 → Float32. */
export const float32Column = (column: string): ValidityColumn => new Swap4Column(column, new Float32(), 4, float32View);
/** float8 → Float64. */
export const float64Column = (column: string): ValidityColumn => new Swap8Column(column, new Float64(), 8, float64View);
/** timestamp → Timestamp(MICROSECOND), timestamptz → Timestamp(MICROSECOND, 'UTC'). */
export const timestampColumn = (column: string, zone: string | null): ValidityColumn =>
  new TimestampColumn(column, new TimestampMicrosecond(zone), 8, int64View);
/** time (int8 µs since midnight) → Time64(MICROSECOND). */
export const timeColumn = (column: string): ValidityColumn => new Swap8Column(column, new TimeMicrosecond(), 8, int64View);
/** date → DateDay (days since 1970-01-01). */
export const dateColumn = (column: string): ValidityColumn => new DateColumn(column, new DateDay(), 4, int32View);
/** interval → Interval(MONTH_DAY_NANO). */
export const intervalColumn = (column: string): ValidityColumn =>
  new IntervalColumn(column, new IntervalMonthDayNano(), 16, (buffer, length) => new Int32Array(buffer, 0, length * 4));
