/**
 * Arrow columns from binary arrays and points: arrays → List of the element type (PostgreSQL multi-dimensional arrays
 * as nested Lists), geo_point / point → FixedSizeList<Float64, 2>, float_vector (float4[]) → FixedSizeList<Float32, n>
 * when the caller's schema says so. Elements go straight into the child column builder; offsets into an Int32Array.
 * The array layout (ndim, flags, element OID, (size, lower bound) per dimension, then length-prefixed elements) is
 * read in place rather than through readArrayHeader, which allocates a header object per value.
 */
import { Field as ArrowField, FixedSizeList, List, makeData, type Data, type DataType } from 'apache-arrow';
import { readInt32 } from '../codecs/binary-read.js';
import { badValue, grownInt32, ValidityColumn, type ColumnBuilder } from './column.js';
import { float64Column } from './fixed-columns.js';

/** The Arrow List type over `child`, as `depth` nested Lists. */
export function listType(child: DataType, depth: number): DataType {
  let type = child;
  for (let i = 0; i < depth; i++) type = new List(new ArrowField('item', type, true));
  return type;
}

/** A List column over a child builder; `depth` > 1 makes its child another ListColumn (multi-dimensional arrays). */
export class ListColumn extends ValidityColumn {
  readonly type: DataType;
  readonly #child: ColumnBuilder;
  /** List levels from this one down to the elements: an array value must have this many dimensions. */
  readonly #depth: number;
  #offsets = new Int32Array(65);

  constructor(column: string, element: ColumnBuilder, depth: number) {
    super(column);
    this.#depth = depth;
    this.#child = depth > 1 ? new ListColumn(column, element, depth - 1) : element;
    this.type = new List(new ArrowField('item', this.#child.type, true));
  }

  append(b: Buffer, p: number, len: number): void {
    const end = p + len;
    if (len < 12) throw badValue(this.column, `a ${len}-byte array value in row ${this.rowNumber()} is too short`);
    const ndim = readInt32(b, p);
    if (ndim === 0 || (ndim === 1 && len >= 20 && readInt32(b, p + 12) === 0)) {
      this.#close();
      this.v.valid();
      return;
    }
    if (ndim !== this.#depth) {
      throw badValue(
        this.column,
        `row ${this.rowNumber()} holds a ${ndim}-dimensional array; pass schema { "${this.column}": ${ndim} nested List types } to read it`,
      );
    }
    const q = this.#fill(b, p + 12, 0, p + 12 + 8 * ndim, end);
    if (q !== end) throw badValue(this.column, `the array in row ${this.rowNumber()} has ${end - q} bytes after its elements`);
    this.v.valid();
  }

  /** Append one list of the `level`-th dimension's size starting at element position `q`; returns the position after it. */
  #fill(b: Buffer, dims: number, level: number, q: number, end: number): number {
    const n = readInt32(b, dims + 8 * level);
    const child = this.#child;
    if (child instanceof ListColumn) {
      for (let k = 0; k < n; k++) {
        q = child.#fill(b, dims, level + 1, q, end);
        child.v.valid();
      }
    } else {
      for (let k = 0; k < n; k++) {
        if (q + 4 > end) throw this.#overrun();
        const elen = readInt32(b, q);
        q += 4;
        if (elen < 0) {
          child.appendNull();
        } else {
          if (q + elen > end) throw this.#overrun();
          child.append(b, q, elen);
          q += elen;
        }
      }
    }
    this.#close();
    return q;
  }

  #overrun(): Error {
    return badValue(this.column, `the array in row ${this.rowNumber()} ends inside an element`);
  }

  /** Ends the list at index `length` after the child's current values. */
  #close(): void {
    const i = this.v.length;
    if (i + 2 > this.#offsets.length) this.#offsets = grownInt32(this.#offsets, i + 2);
    this.#offsets[i + 1] = this.#child.length;
  }

  appendNull(): void {
    this.#close();
    this.v.null();
  }

  protected valueBytes(): number {
    return this.v.length * 4 + this.#child.byteLength;
  }

  protected finish(length: number, nullCount: number, nullBitmap: Uint8Array | undefined): Data {
    const valueOffsets = this.#offsets.subarray(0, length + 1);
    this.#offsets = new Int32Array(Math.max(65, length + 1));
    const child = this.#child.flush();
    return makeData({ type: this.type as List, length, nullCount, nullBitmap, valueOffsets, child });
  }
}

/** point / geo_point: two float8 (x, y; CrateDB's lon, lat) → FixedSizeList<Float64, 2>. */
export class PointColumn extends ValidityColumn {
  readonly type: DataType;
  readonly #child: ColumnBuilder;

  constructor(column: string) {
    super(column);
    this.#child = float64Column(column);
    this.type = new FixedSizeList(2, new ArrowField('xy', this.#child.type, true));
  }

  append(b: Buffer, p: number, len: number): void {
    if (len !== 16) throw badValue(this.column, `expected 16 bytes per point, got ${len} in row ${this.rowNumber()}`);
    this.#child.append(b, p, 8);
    this.#child.append(b, p + 8, 8);
    this.v.valid();
  }

  appendNull(): void {
    this.#child.appendNull();
    this.#child.appendNull();
    this.v.null();
  }

  protected valueBytes(): number {
    return this.#child.byteLength;
  }

  protected finish(length: number, nullCount: number, nullBitmap: Uint8Array | undefined): Data {
    return makeData({ type: this.type as FixedSizeList, length, nullCount, nullBitmap, child: this.#child.flush() });
  }
}

/**
 * A one-dimensional binary array of exactly `size` elements → FixedSizeList (float_vector as
 * FixedSizeList<Float32, n>); any other length is an error naming the column and row.
 */
export class FixedListColumn extends ValidityColumn {
  readonly type: DataType;
  readonly #child: ColumnBuilder;
  readonly #size: number;

  constructor(column: string, element: ColumnBuilder, size: number) {
    super(column);
    this.#child = element;
    this.#size = size;
    this.type = new FixedSizeList(size, new ArrowField('item', element.type, true));
  }

  append(b: Buffer, p: number, len: number): void {
    const end = p + len;
    if (len < 12) throw badValue(this.column, `a ${len}-byte array value in row ${this.rowNumber()} is too short`);
    const ndim = readInt32(b, p);
    const n = ndim === 0 ? 0 : readInt32(b, p + 12);
    if (ndim > 1 || n !== this.#size) {
      throw badValue(
        this.column,
        `row ${this.rowNumber()} holds ${ndim > 1 ? `a ${ndim}-dimensional array` : `${n} elements`}, but schema asks for FixedSizeList of ${this.#size}`,
      );
    }
    let q = p + 12 + 8 * ndim;
    const child = this.#child;
    for (let k = 0; k < n; k++) {
      if (q + 4 > end) throw badValue(this.column, `the array in row ${this.rowNumber()} ends inside an element`);
      const elen = readInt32(b, q);
      q += 4;
      if (elen < 0) {
        child.appendNull();
      } else {
        if (q + elen > end) throw badValue(this.column, `the array in row ${this.rowNumber()} ends inside an element`);
        child.append(b, q, elen);
        q += elen;
      }
    }
    this.v.valid();
  }

  appendNull(): void {
    for (let k = 0; k < this.#size; k++) this.#child.appendNull();
    this.v.null();
  }

  protected valueBytes(): number {
    return this.#child.byteLength;
  }

  protected finish(length: number, nullCount: number, nullBitmap: Uint8Array | undefined): Data {
    return makeData({ type: this.type as FixedSizeList, length, nullCount, nullBitmap, child: this.#child.flush() });
  }
}
