/**
 * The base of the Arrow column builders: a growing validity bitmap and the per-value entry points that
 * RecordBatchBuilder calls with a field's bytes straight from a DataRow. Subclasses keep their values in typed arrays
 * (no per-value JS objects) and hand them to apache-arrow's `makeData` on flush, trimmed to the rows written.
 */
import type { Data, DataType } from 'apache-arrow';
import { DecodeError } from '../errors.js';

/** One Arrow column being filled from DataRow fields. */
export interface ColumnBuilder {
  readonly type: DataType;
  /** Values appended since the last flush. */
  readonly length: number;
  /** Approximate bytes held since the last flush. */
  readonly byteLength: number;
  /** Append the value in bytes [p, p + len). The bytes are only valid during the call. */
  append(b: Buffer, p: number, len: number): void;
  appendNull(): void;
  /** The values appended since the last flush; the builder starts empty again. */
  flush(): Data;
}

/** Little-endian host: Arrow buffers are in host byte order, the wire is big-endian. */
export const LITTLE_ENDIAN = new Uint8Array(new Uint16Array([1]).buffer)[0] === 1;

/** `a` with room for at least `needed` elements: the same array, or a copy at least twice as large. */
export function grownBytes(a: Uint8Array<ArrayBuffer>, needed: number): Uint8Array<ArrayBuffer> {
  if (needed <= a.length) return a;
  const next = new Uint8Array(Math.max(needed, a.length * 2));
  next.set(a);
  return next;
}

/** Like {@link grownBytes}, for offsets. */
export function grownInt32(a: Int32Array<ArrayBuffer>, needed: number): Int32Array<ArrayBuffer> {
  if (needed <= a.length) return a;
  const next = new Int32Array(Math.max(needed, a.length * 2));
  next.set(a);
  return next;
}

/** A DecodeError naming the column: the server sent a value this column's type cannot have. */
export function badValue(column: string, what: string): DecodeError {
  return new DecodeError(`Column "${column}": ${what}`);
}

/**
 * Validity bits and the value count of one column. A class of its own so that the hot `append` of every column type
 * calls the same monomorphic code: helpers inherited by many column classes would see all their shapes and go
 * megamorphic (measured by bench/arrow-build.ts).
 */
export class Validity {
  length = 0;
  nullCount = 0;
  #bits = new Uint8Array(8);

  /** Record one valid value at index `length`. */
  valid(): void {
    const i = this.length;
    if (i >> 3 >= this.#bits.length) this.#bits = grownBytes(this.#bits, (i >> 3) + 1);
    (this.#bits[i >> 3] as number) |= 1 << (i & 7);
    this.length = i + 1;
  }

  /** Record one NULL at index `length`. */
  null(): void {
    const i = this.length;
    if (i >> 3 >= this.#bits.length) this.#bits = grownBytes(this.#bits, (i >> 3) + 1);
    this.nullCount++;
    this.length = i + 1;
  }

  /** The bitmap of the values so far (undefined when none is NULL); counting starts over. */
  take(): Uint8Array | undefined {
    const length = this.length;
    const bitmap = this.nullCount === 0 ? undefined : this.#bits.subarray(0, (length + 7) >> 3);
    this.#bits = new Uint8Array(Math.max(8, (length + 7) >> 3));
    this.length = 0;
    this.nullCount = 0;
    return bitmap;
  }
}

/**
 * A column with its own validity bits; subclasses store the values. Each subclass writes its own `append` and
 * `appendNull`, calling `v.valid()` / `v.null()` last, so that the call sites inside stay monomorphic
 * (docs/design.md "Benchmarks": per-value cost).
 */
export abstract class ValidityColumn implements ColumnBuilder {
  abstract readonly type: DataType;
  /** The column's name, for error messages. */
  readonly column: string;
  protected readonly v = new Validity();
  /** Rows flushed before the current batch, for error messages naming a row of the result. */
  protected rowsBefore = 0;

  constructor(column: string) {
    this.column = column;
  }

  get length(): number {
    return this.v.length;
  }

  get byteLength(): number {
    return (this.v.length >> 3) + this.valueBytes();
  }

  /** Store the value at index `length` from the field bytes [p, p + len), then call `v.valid()`. */
  abstract append(b: Buffer, p: number, len: number): void;
  /** Store the placeholder of a NULL at index `length` (a zero value, a repeated offset), then call `v.null()`. */
  abstract appendNull(): void;

  flush(): Data {
    const length = this.v.length;
    const nullCount = this.v.nullCount;
    const data = this.finish(length, nullCount, this.v.take());
    this.rowsBefore += length;
    return data;
  }

  /** The 1-based row of the result being appended now, for error messages. */
  protected rowNumber(): number {
    return this.rowsBefore + this.v.length + 1;
  }

  /** Bytes held by the values. */
  protected abstract valueBytes(): number;
  /** The Arrow Data for the first `length` values; the builder then allocates fresh buffers. */
  protected abstract finish(length: number, nullCount: number, nullBitmap: Uint8Array | undefined): Data;
}
