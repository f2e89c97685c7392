/**
 * numeric read as text → Decimal128(precision, scale) (docs/arrow.md "Type mapping"). The text (PostgreSQL's
 * `-12.340`, CrateDB's BigDecimal text which may be scientific, `1E+3`) is scaled to an integer and stored as four
 * little-endian 32-bit words per value; one BigInt per value (numeric is not a bulk type).
 */
import { Decimal, makeData, type Data } from 'apache-arrow';
import { badValue, ValidityColumn } from './column.js';

const NUMERIC_TEXT = /^([+-]?)(\d*)(?:\.(\d*))?(?:[eE]([+-]?\d+))?$/;
/** More integer digits than any Decimal (Decimal256: 76) holds: refused before the digits are built. */
const MAX_DIGITS = 80;
/** Decimal128's largest precision. */
export const MAX_DECIMAL_PRECISION = 38;

/**
 * Decimal text (`-12.340`, `1E+3`, `.5`) as the integer of its value × 10^scale, exactly: undefined when the text is
 * not a decimal number (`NaN`, `Infinity`), null when it does not fit: non-zero digits beyond `scale` fraction digits, or
 * more than 80 digits in all.
 */
export function scaledDecimal(text: string, scale: number): bigint | null | undefined {
  const m = NUMERIC_TEXT.exec(text);
  if (m === null || (m[2] === '' && (m[3] ?? '') === '')) return undefined;
  const fraction = m[3] ?? '';
  const shift = scale + Number(m[4] ?? 0) - fraction.length;
  let digits = `${m[2] ?? ''}${fraction}`.replace(/^0+/, '');
  if (digits === '') return 0n;
  if (digits.length + shift > MAX_DIGITS) return null;
  if (shift >= 0) {
    digits += '0'.repeat(shift);
  } else {
    if (/[^0]/.test(digits.slice(digits.length + shift))) return null;
    digits = digits.slice(0, digits.length + shift);
  }
  const v = BigInt(digits === '' ? '0' : digits);
  return m[1] === '-' ? -v : v;
}

/** A numeric column with a declared precision and scale as Decimal128. */
export class DecimalColumn extends ValidityColumn {
  readonly type: Decimal;
  readonly #limit: bigint;
  #words = new Uint32Array(64 * 4);

  constructor(column: string, precision: number, scale: number) {
    super(column);
    this.type = new Decimal(scale, precision, 128);
    this.#limit = 10n ** BigInt(precision);
  }

  append(b: Buffer, p: number, len: number): void {
    const text = b.toString('latin1', p, p + len);
    let v = scaledDecimal(text, this.type.scale);
    if (v === undefined) throw badValue(this.column, `row ${this.rowNumber()} holds ${text}, which Decimal128 cannot hold; pass numeric: 'text'`);
    if (v === null || v >= this.#limit || -v >= this.#limit) throw this.#tooPrecise(text);
    const q = this.v.length * 4;
    this.#ensure(q + 4);
    for (let k = 0; k < 4; k++, v >>= 32n) this.#words[q + k] = Number(v & 0xffff_ffffn);
    this.v.valid();
  }

  #tooPrecise(text: string): Error {
    return badValue(this.column, `row ${this.rowNumber()} holds ${text}, beyond ${String(this.type)}; pass numeric: 'text'`);
  }

  #ensure(needed: number): void {
    if (needed <= this.#words.length) return;
    const next = new Uint32Array(Math.max(needed, this.#words.length * 2));
    next.set(this.#words);
    this.#words = next;
  }

  appendNull(): void {
    const q = this.v.length * 4;
    this.#ensure(q + 4);
    this.#words.fill(0, q, q + 4);
    this.v.null();
  }

  protected valueBytes(): number {
    return this.v.length * 16;
  }

  protected finish(length: number, nullCount: number, nullBitmap: Uint8Array | undefined): Data {
    const data = this.#words.subarray(0, length * 4);
    this.#words = new Uint32Array(Math.max(64, length) * 4);
    return makeData({ type: this.type, length, nullCount, nullBitmap, data });
  }
}
