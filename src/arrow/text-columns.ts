/**
 * Variable-width Arrow columns: Utf8 and Binary as an Int32 offset buffer plus one growing byte buffer, filled by
 * copying each field's bytes (text, varchar, json text, bytea, and every column read in text format), and Utf8 built
 * from a formatter of binary array elements that have no Arrow type of their own (numeric, uuid, inet).
 */
import { Binary, makeData, Utf8, type Data, type DataType } from 'apache-arrow';
import { badValue, grownBytes, grownInt32, ValidityColumn } from './column.js';

/** Arrow's Utf8 and Binary offsets are int32: one batch holds at most this many bytes per column. */
const MAX_BYTES = 0x7fff_ffff;

/** Offsets + bytes: the storage of Utf8 and Binary. */
export class VarColumn extends ValidityColumn {
  readonly type: DataType;
  /** Bytes skipped at the start of every value (jsonb's version byte). */
  readonly #skip: number;
  #offsets = new Int32Array(65);
  #data = new Uint8Array(1024);

  constructor(column: string, type: Utf8 | Binary, skip = 0) {
    super(column);
    this.type = type;
    this.#skip = skip;
  }

  append(b: Buffer, p: number, len: number): void {
    if (len < this.#skip) throw badValue(this.column, `a ${len}-byte value in row ${this.rowNumber()} is too short`);
    this.pushBytes(b, p + this.#skip, len - this.#skip);
    this.v.valid();
  }

  /** Store bytes [p, p + len) of `b` as the value at index `length`. */
  protected pushBytes(b: Uint8Array, p: number, len: number): void {
    const i = this.v.length;
    if (i + 2 > this.#offsets.length) this.#offsets = grownInt32(this.#offsets, i + 2);
    const q = this.#offsets[i] as number;
    const end = q + len;
    if (end > MAX_BYTES) throw badValue(this.column, `more than 2 GiB of values in one batch; use a smaller fetchSize`);
    if (end > this.#data.length) this.#data = grownBytes(this.#data, end);
    const d = this.#data;
    if (len < 32) for (let k = 0; k < len; k++) d[q + k] = b[p + k] as number;
    else d.set(b.subarray(p, p + len), q);
    this.#offsets[i + 1] = end;
  }

  appendNull(): void {
    const i = this.v.length;
    if (i + 2 > this.#offsets.length) this.#offsets = grownInt32(this.#offsets, i + 2);
    this.#offsets[i + 1] = this.#offsets[i] as number;
    this.v.null();
  }

  protected valueBytes(): number {
    return this.v.length * 4 + (this.#offsets[this.v.length] as number);
  }

  protected finish(length: number, nullCount: number, nullBitmap: Uint8Array | undefined): Data {
    const valueOffsets = this.#offsets.subarray(0, length + 1);
    const data = this.#data.subarray(0, valueOffsets[length] as number);
    this.#offsets = new Int32Array(Math.max(65, length + 1));
    this.#data = new Uint8Array(Math.max(1024, data.length));
    return makeData({ type: this.type as Utf8, length, nullCount, nullBitmap, valueOffsets, data });
  }
}

/** Formats one binary value as text. */
export type Formatter = (b: Buffer, p: number, end: number) => string;

/** Utf8 of binary array elements formatted as text (numeric, uuid, inet, cidr, timetz): one string per value. */
export class FormattedColumn extends VarColumn {
  readonly #format: Formatter;
  #scratch = new Uint8Array(64);

  constructor(column: string, format: Formatter) {
    super(column, new Utf8());
    this.#format = format;
  }

  override append(b: Buffer, p: number, len: number): void {
    const text = this.#format(b, p, p + len);
    const max = text.length * 3;
    if (max > this.#scratch.length) this.#scratch = new Uint8Array(max);
    const { written } = ENCODER.encodeInto(text, this.#scratch);
    this.pushBytes(this.#scratch, 0, written);
    this.v.valid();
  }
}

const ENCODER = new TextEncoder();

/** text, varchar, bpchar, name, json (and any column read as text) → Utf8, the bytes as sent. */
export const utf8Column = (column: string): VarColumn => new VarColumn(column, new Utf8());
/** jsonb in binary: a version byte, then the JSON text → Utf8. */
export const jsonbColumn = (column: string): VarColumn => new VarColumn(column, new Utf8(), 1);
/** bytea → Binary. */
export const binaryColumn = (column: string): VarColumn => new VarColumn(column, new Binary());
