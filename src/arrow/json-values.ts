/**
 * JSON values in the shape apache-arrow's builders take for a `schema` type (json-column.ts): a JSON number becomes a
 * BigInt for Int64 / Uint64 / Time64 / Duration, four 32-bit words for a Decimal, epoch milliseconds for a Timestamp
 * or Date; objects and arrays are walked along the Struct, List, FixedSizeList and Map children. A value of the wrong
 * kind is an error naming where it is (`.a[2]`), never a value silently wrapped into an integer array.
 *
 * Numbers stay exact: JSON.parse keeps at most 15 significant digits of a number, so text holding a longer run of
 * digits is read again by {@link ExactReader}, which keeps those numbers' digits ({@link ExactNumber}) for Int64 and
 * Decimal (a float column still gets the nearest double).
 */
import { TimeUnit, Type, type DataType, type Decimal, type FixedSizeList, type Int, type Map_, type Struct, type Timestamp } from 'apache-arrow';
import { scaledDecimal } from './decimal-column.js';

/** A JSON number with more significant digits than a double holds exactly: its text as written. */
class ExactNumber {
  readonly text: string;

  constructor(text: string) {
    this.text = text;
  }
}

/** 16 digits in a row, perhaps around a decimal point: a number JSON.parse may round (or just a long string). */
const LONG_NUMBER = /\d(?:\.?\d){15}/;
/** A JSON number token at the reader's position. */
const NUMBER_TOKEN = /-?\d+(?:\.\d+)?(?:[eE][+-]?\d+)?/y;

/** Parse JSON `text` (throws JSON.parse's SyntaxError), keeping numbers of 16 or more significant digits exact. */
export function parseJson(text: string): unknown {
  const value: unknown = JSON.parse(text);
  return LONG_NUMBER.test(text) ? new ExactReader(text).value() : value;
}

/** Reads JSON text already checked by JSON.parse, with long numbers as ExactNumber. */
class ExactReader {
  readonly #s: string;
  #i = 0;

  constructor(text: string) {
    this.#s = text;
  }

  value(): unknown {
    this.#space();
    const s = this.#s;
    const c = s.charCodeAt(this.#i);
    if (c === 0x7b) return this.#object();
    if (c === 0x5b) return this.#array();
    if (c === 0x22) return this.#string();
    if (c === 0x74 || c === 0x6e) {
      this.#i += 4;
      return c === 0x74 ? true : null;
    }
    if (c === 0x66) {
      this.#i += 5;
      return false;
    }
    NUMBER_TOKEN.lastIndex = this.#i;
    const token = (NUMBER_TOKEN.exec(s) as RegExpExecArray)[0];
    this.#i += token.length;
    const digits = token.replace(/[eE].*$/, '').replace(/[-.]/g, '').replace(/^0+/, '');
    return digits.length > 15 ? new ExactNumber(token) : Number(token);
  }

  #object(): Record<string, unknown> {
    const o: Record<string, unknown> = {};
    this.#i++;
    if (this.#next() === 0x7d) return this.#skip(o);
    for (;;) {
      this.#space();
      const key = this.#string();
      this.#space();
      this.#i++;
      // An own property, as JSON.parse makes, also for the key "__proto__".
      Object.defineProperty(o, key, { value: this.value(), enumerable: true, writable: true, configurable: true });
      if (this.#next() === 0x7d) return this.#skip(o);
      this.#i++;
    }
  }

  #array(): unknown[] {
    const a: unknown[] = [];
    this.#i++;
    if (this.#next() === 0x5d) return this.#skip(a);
    for (;;) {
      a.push(this.value());
      if (this.#next() === 0x5d) return this.#skip(a);
      this.#i++;
    }
  }

  #string(): string {
    const s = this.#s;
    const start = this.#i;
    let escaped = false;
    let i = start + 1;
    for (let c = s.charCodeAt(i); c !== 0x22; c = s.charCodeAt(i)) {
      if (c === 0x5c) {
        escaped = true;
        i++;
      }
      i++;
    }
    this.#i = i + 1;
    return escaped ? (JSON.parse(s.slice(start, i + 1)) as string) : s.slice(start + 1, i);
  }

  /** The next character after white space. */
  #next(): number {
    this.#space();
    return this.#s.charCodeAt(this.#i);
  }

  /** Step over the closing bracket and return `v`. */
  #skip<T>(v: T): T {
    this.#i++;
    return v;
  }

  #space(): void {
    const s = this.#s;
    for (let c = s.charCodeAt(this.#i); c === 0x20 || c === 0x0a || c === 0x0d || c === 0x09; c = s.charCodeAt(++this.#i));
  }
}

/** A JSON value that does not fit the Arrow type where it is. */
export class JsonMismatch extends Error {}

/**
 * The first type in `type` (itself or a child) that JSON values cannot be built into, as text for an error message;
 * undefined when every type in it can be.
 */
export function jsonUnbuildable(type: DataType): string | undefined {
  switch (type.typeId) {
    case Type.Bool:
    case Type.Int:
    case Type.Float:
    case Type.Decimal:
    case Type.Utf8:
    case Type.LargeUtf8:
    case Type.Date:
    case Type.Time:
    case Type.Duration:
      return undefined;
    case Type.Timestamp:
      // apache-arrow's builder multiplies epoch ms by 1e6 in floating point: nanoseconds would come out rounded.
      return (type as Timestamp).unit === TimeUnit.NANOSECOND ? `${String(type)} (use MICROSECOND or MILLISECOND)` : undefined;
    case Type.Map: {
      const keys = (type as Map_).keyType;
      if (keys.typeId !== Type.Utf8) return `${String(type)} (JSON object keys are Utf8)`;
      return jsonUnbuildable((type as Map_).valueType);
    }
    case Type.Struct:
    case Type.List:
    case Type.FixedSizeList:
      for (const child of type.children) {
        const bad = jsonUnbuildable(child.type);
        if (bad !== undefined) return bad;
      }
      return undefined;
    default:
      return String(type);
  }
}

/**
 * The JSON value `v` (from {@link parseJson}) as apache-arrow's builder for `type` takes it. `at` is where `v` is in
 * the column's value, for the JsonMismatch thrown when it does not fit.
 */
export function toArrowValue(type: DataType, v: unknown, at: string): unknown {
  if (v === null) return null;
  switch (type.typeId) {
    case Type.Bool:
      if (typeof v === 'boolean') return v;
      break;
    case Type.Int:
      return integer(type as Int, v, at);
    case Type.Float:
      if (typeof v === 'number') return v;
      if (v instanceof ExactNumber) return Number(v.text);
      break;
    case Type.Decimal:
      return decimal(type as Decimal, v, at);
    case Type.Utf8:
    case Type.LargeUtf8:
      return typeof v === 'string' ? v : jsonText(v);
    case Type.Date:
      return epochMs(v, at);
    case Type.Timestamp: {
      const ms = epochMs(v, at);
      return (type as Timestamp).unit === TimeUnit.SECOND ? Math.floor(ms / 1000) * 1000 : ms;
    }
    case Type.Time:
    case Type.Duration: {
      const n = exactInteger(v, at, 'an integer');
      const big = (type as { bitWidth?: number }).bitWidth !== 32;
      if (n >= (big ? 2n ** 63n : 2n ** 31n) || n < (big ? -(2n ** 63n) : -(2n ** 31n))) throw mismatch(at, `${String(n)} is beyond ${String(type)}`);
      return big ? n : Number(n);
    }
    case Type.Struct:
      if (isObject(v)) {
        // By position, which apache-arrow's Struct builder takes as well: a child named `__proto__` stays an own value.
        return (type as Struct).children.map((f) => toArrowValue(f.type, Object.hasOwn(v, f.name) ? v[f.name] : null, `${at}.${f.name}`));
      }
      break;
    case Type.List:
    case Type.FixedSizeList:
      if (Array.isArray(v)) {
        const size = type.typeId === Type.FixedSizeList ? (type as FixedSizeList).listSize : v.length;
        if (v.length !== size) throw mismatch(at, `an array of ${v.length} elements, but ${String(type)} holds ${size}`);
        const child = (type.children[0] as { type: DataType }).type;
        return v.map((e: unknown, i) => toArrowValue(child, e, `${at}[${i}]`));
      }
      break;
    case Type.Map:
      if (isObject(v)) {
        const values = (type as Map_).valueType;
        return new Map(Object.entries(v).map(([k, e]) => [k, toArrowValue(values, e, `${at}.${k}`)]));
      }
      break;
  }
  throw mismatch(at, `${describe(v)} does not fit ${String(type)}`);
}

/** An integer column's value: a number for up to 32 bits, a BigInt for 64, in the type's range. */
function integer(type: Int, v: unknown, at: string): number | bigint {
  const n = exactInteger(v, at, `an integer for ${String(type)}`);
  const bits = BigInt(type.bitWidth);
  const min = type.isSigned ? -(2n ** (bits - 1n)) : 0n;
  const max = type.isSigned ? 2n ** (bits - 1n) - 1n : 2n ** bits - 1n;
  if (n < min || n > max) throw mismatch(at, `${String(n)} is beyond ${String(type)}`);
  return type.bitWidth === 64 ? n : Number(n);
}

/** The exact integer a JSON number (or a string of digits) writes. */
function exactInteger(v: unknown, at: string, what: string): bigint {
  if (typeof v === 'number' && Number.isSafeInteger(v)) return BigInt(v);
  const n = typeof v === 'number' || typeof v === 'string' || v instanceof ExactNumber ? scaledDecimal(numberText(v), 0) : undefined;
  if (typeof n !== 'bigint') throw mismatch(at, `expected ${what}, got ${describe(v)}`);
  return n;
}

/** A Decimal's value: the unscaled integer as little-endian two's complement 32-bit words. */
function decimal(type: Decimal, v: unknown, at: string): Uint32Array {
  const n = typeof v === 'number' || typeof v === 'string' || v instanceof ExactNumber ? scaledDecimal(numberText(v), type.scale) : undefined;
  if (typeof n !== 'bigint' || n >= 10n ** BigInt(type.precision) || -n >= 10n ** BigInt(type.precision)) {
    throw mismatch(at, `${describe(v)} does not fit ${String(type)}`);
  }
  const words = new Uint32Array(type.bitWidth / 32);
  let rest = n;
  for (let k = 0; k < words.length; k++, rest >>= 32n) words[k] = Number(rest & 0xffff_ffffn);
  return words;
}

/** The decimal text of a number: its shortest round-trip form, or its digits as written. */
function numberText(v: number | string | ExactNumber): string {
  return v instanceof ExactNumber ? v.text : String(v);
}

/** An ISO 8601 date-time without a zone designator: read as UTC (Date.parse would take local time). */
const NO_ZONE = /T\d\d:\d\d(?::\d\d(?:\.\d+)?)?$/;

/** A Timestamp or Date value: integer epoch milliseconds (CrateDB), or ISO 8601 text (PostgreSQL's to_json). */
function epochMs(v: unknown, at: string): number {
  if (typeof v === 'number' && Number.isSafeInteger(v)) return v;
  if (typeof v === 'string') {
    const ms = Date.parse(NO_ZONE.test(v) ? `${v}Z` : v);
    if (!Number.isNaN(ms)) return ms;
  }
  throw mismatch(at, `expected integer epoch milliseconds or ISO 8601 text, got ${describe(v)}`);
}

/** Compact JSON text of a parsed value, with long numbers as written. */
function jsonText(v: unknown): string {
  if (v instanceof ExactNumber) return v.text;
  if (Array.isArray(v)) return `[${v.map(jsonText).join(',')}]`;
  if (isObject(v)) return `{${Object.entries(v).map(([k, e]) => `${JSON.stringify(k)}:${jsonText(e)}`).join(',')}}`;
  return JSON.stringify(v);
}

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v) && !(v instanceof ExactNumber);
}

function describe(v: unknown): string {
  if (v instanceof ExactNumber) return v.text;
  if (Array.isArray(v)) return 'an array';
  if (isObject(v)) return 'an object';
  const text = JSON.stringify(v);
  return text.length > 40 ? `${text.slice(0, 40)}…` : text;
}

function mismatch(at: string, what: string): JsonMismatch {
  return new JsonMismatch(at === '' ? what : `at ${at}: ${what}`);
}
