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

/** Validity bits and the row count; subclasses store the values. */
export abstract class ValidityColumn implements ColumnBuilder {
  abstract readonly type: DataType;
  /** The column's name, for error messages. */
  readonly column: string;
  length = 0;
  nullCount = 0;
  /** Rows flushed before the current batch, for error messages naming a row of the result. */
  protected rowsBefore = 0;
  #validity = new Uint8Array(8);

  constructor(column: string) {
    this.column = column;
  }

  get byteLength(): number {
    return (this.length >> 3) + this.valueBytes();
  }

  append(b: Buffer, p: number, len: number): void {
    this.pushValue(b, p, len);
    this.markValid();
  }

  appendNull(): void {
    this.pushNull();
    this.markNull();
  }

  flush(): Data {
    const length = this.length;
    const nullBitmap = this.nullCount === 0 ? undefined : this.#validity.subarray(0, (length + 7) >> 3);
    const data = this.finish(length, this.nullCount, nullBitmap);
    this.#validity = new Uint8Array(Math.max(8, (length + 7) >> 3));
    this.rowsBefore += length;
    this.length = 0;
    this.nullCount = 0;
    return data;
  }

  /** The 1-based row of the result being appended now, for error messages. */
  protected rowNumber(): number {
    return this.rowsBefore + this.length + 1;
  }

  /** Record one valid value (after its data was stored at index `length`). */
  protected markValid(): void {
    const i = this.length;
    if (i >> 3 >= this.#validity.length) this.#validity = grownBytes(this.#validity, (i >> 3) + 1);
    (this.#validity[i >> 3] as number) |= 1 << (i & 7);
    this.length = i + 1;
  }

  /** Record one NULL (after its placeholder was stored at index `length`). */
  protected markNull(): void {
    const i = this.length;
    if (i >> 3 >= this.#validity.length) this.#validity = grownBytes(this.#validity, (i >> 3) + 1);
    this.nullCount++;
    this.length = i + 1;
  }

  /** Store the value for index `length` from the field bytes [p, p + len). */
  protected abstract pushValue(b: Buffer, p: number, len: number): void;
  /** Store the placeholder of a NULL at index `length` (a zero value, a repeated offset). */
  protected abstract pushNull(): void;
  /** Bytes held by the values. */
  protected abstract valueBytes(): number;
  /** The Arrow Data for the first `length` values; the builder then allocates fresh buffers. */
  protected abstract finish(length: number, nullCount: number, nullBitmap: Uint8Array | undefined): Data;
}
