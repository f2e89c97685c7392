/**
 * PostgreSQL array literals (text format): parse `{...}` into JS arrays, and serialise JS arrays into literals.
 *
 * Two parsing modes:
 * - `escaped` (PostgreSQL, and CrateDB's json[] 199): inside quotes `\` escapes the next character.
 * - `unescaped` (CrateDB's other arrays, docs/cratedb-wire.md "Arrays"): CrateDB quotes every non-NULL element but does NOT escape `"`
 *   or `\` inside it, so `['a"b']` arrives as `{"a"b"}`. A backslash is then literal, and a `"` closes the element
 *   only where the text can go on as an array: `",` followed by `"`, `{` or a bare `NULL`, or `"}` followed by the
 *   end of the text (top level) or by `,`/`}` (nested).
 *   What stays ambiguous: an element containing `","`, `",{` or `",NULL,`/`",NULL}` (e.g. `['a","b']` reads as
 *   `['a', 'b']`), or, inside nested arrays, `"},`. CrateDB sends nested arrays as JSON (docs/cratedb-wire.md "Types"), so its array
 *   text is one-dimensional in practice. Columns whose elements may contain such sequences need another way to be read
 *   (binary results would fix it but need our own DataRow decoding, docs/design.md "CrateDB rules").
 */
import { DecodeError } from '../errors.js';

/** How `"` and `\` inside quoted elements are treated; see the module comment. */
export type ArrayQuoting = 'escaped' | 'unescaped';

/** Turns the text of one non-NULL element into its value. */
export type ElementDecoder = (text: string) => unknown;

const BACKSLASH = 92;
const QUOTE = 34;
const COMMA = 44;
const LBRACE = 123;
const RBRACE = 125;
const LBRACKET = 91;

function isSpace(c: number): boolean {
  return c === 32 || (c >= 9 && c <= 13);
}

class ArrayParser {
  pos = 0;

  constructor(
    readonly text: string,
    readonly decode: ElementDecoder,
    readonly unescaped: boolean,
  ) {}

  fail(): DecodeError {
    const shown = this.text.length > 200 ? `${this.text.slice(0, 200)}…` : this.text;
    return new DecodeError(`Malformed array literal at offset ${this.pos}: ${JSON.stringify(shown)}`);
  }

  skipSpace(): void {
    while (isSpace(this.text.charCodeAt(this.pos))) this.pos++;
  }

  parseDimension(depth: number): unknown[] {
    const { text } = this;
    if (text.charCodeAt(this.pos) !== LBRACE) throw this.fail();
    this.pos++;
    const out: unknown[] = [];
    this.skipSpace();
    if (text.charCodeAt(this.pos) === RBRACE) {
      this.pos++;
      return out;
    }
    for (;;) {
      this.skipSpace();
      const c = text.charCodeAt(this.pos);
      if (c === LBRACE) out.push(this.parseDimension(depth + 1));
      else if (c === QUOTE) out.push(this.decode(this.unescaped ? this.readLenient(depth) : this.readQuoted()));
      else out.push(this.readBare());
      this.skipSpace();
      const next = text.charCodeAt(this.pos++);
      if (next === COMMA) continue;
      if (next === RBRACE) return out;
      this.pos--;
      throw this.fail();
    }
  }

  /** A quoted element with backslash escapes. */
  readQuoted(): string {
    const { text } = this;
    const start = this.pos + 1;
    const end = text.indexOf('"', start);
    if (end < 0) throw this.fail();
    const backslash = text.indexOf('\\', start);
    if (backslash < 0 || backslash > end) {
      this.pos = end + 1;
      return text.slice(start, end);
    }
    let out = '';
    let chunk = start;
    let i = start;
    for (;;) {
      const c = text.charCodeAt(i);
      if (c === QUOTE) break;
      if (c === BACKSLASH) {
        out += text.slice(chunk, i);
        chunk = ++i;
      } else if (Number.isNaN(c)) {
        this.pos = i;
        throw this.fail();
      }
      i++;
    }
    this.pos = i + 1;
    return out + text.slice(chunk, i);
  }

  /** A quoted element of CrateDB's unescaped arrays (docs/cratedb-wire.md "Arrays"). */
  readLenient(depth: number): string {
    const { text } = this;
    const start = this.pos + 1;
    let end = text.indexOf('"', start);
    while (end >= 0 && !this.closesElement(end, depth)) end = text.indexOf('"', end + 1);
    if (end < 0) throw this.fail();
    this.pos = end + 1;
    return text.slice(start, end);
  }

  closesElement(quote: number, depth: number): boolean {
    const { text } = this;
    const next = text.charCodeAt(quote + 1);
    if (next === COMMA) {
      const after = text.charCodeAt(quote + 2);
      return after === QUOTE || after === LBRACE || this.isBareNull(quote + 2);
    }
    if (next === RBRACE) {
      if (depth === 0) return quote + 2 === text.length;
      const after = text.charCodeAt(quote + 2);
      return after === COMMA || after === RBRACE;
    }
    return false;
  }

  isBareNull(at: number): boolean {
    const after = this.text.charCodeAt(at + 4);
    return (after === COMMA || after === RBRACE) && this.text.slice(at, at + 4).toUpperCase() === 'NULL';
  }

  /** An unquoted element: `NULL` or text up to the next delimiter. */
  readBare(): unknown {
    const { text } = this;
    const start = this.pos;
    let escaped = false;
    for (;;) {
      const c = text.charCodeAt(this.pos);
      if (c === COMMA || c === RBRACE || c === QUOTE || c === LBRACE || Number.isNaN(c)) break;
      if (c === BACKSLASH && !this.unescaped) {
        escaped = true;
        this.pos++;
      }
      this.pos++;
    }
    let end = this.pos;
    while (end > start && isSpace(text.charCodeAt(end - 1))) end--;
    if (end === start) throw this.fail();
    const raw = text.slice(start, end);
    if (escaped) return this.decode(raw.replace(/\\(.)/gs, '$1'));
    if (raw.length === 4 && raw.toUpperCase() === 'NULL') return null;
    return this.decode(raw);
  }
}

/**
 * Parse an array literal. Multi-dimensional literals become nested arrays; `NULL` becomes `null`; every other element
 * goes through `decode`. A `[1:2]=` dimension prefix is skipped (JS arrays start at 0).
 * Throws DecodeError on malformed text.
 */
export function parseArray(text: string, decode: ElementDecoder, quoting: ArrayQuoting = 'escaped'): unknown[] {
  const parser = new ArrayParser(text, decode, quoting === 'unescaped');
  if (text.charCodeAt(0) === LBRACKET) {
    const eq = text.indexOf('=');
    if (eq < 0) throw parser.fail();
    parser.pos = eq + 1;
  }
  parser.skipSpace();
  const result = parser.parseDimension(0);
  parser.skipSpace();
  if (parser.pos !== text.length) throw parser.fail();
  return result;
}

/**
 * Encodes one non-null, non-array element to its text. Throws to reject the element; the serialiser prefixes the
 * element's path to the message.
 */
export type ElementEncoder = (value: unknown) => string;

/** An element that could not be encoded; `message` already names the element's path, e.g. `element [1][0]`. */
export class ArrayElementError extends Error {
  constructor(
    readonly path: string,
    readonly reason: Error,
  ) {
    super(`element ${path}: ${reason.message}`, { cause: reason });
  }
}

/** Quote an element, escaping only `"` and `\`, the one form both servers parse (docs/cratedb-wire.md "Arrays" input grammar). */
export function quoteElement(text: string): string {
  if (text.indexOf('"') < 0 && text.indexOf('\\') < 0) return `"${text}"`;
  return `"${text.replace(/["\\]/g, '\\$&')}"`;
}

/** Arrays and typed arrays other than bytes (a Uint8Array element is a bytea value). */
function isNestedList(value: unknown): value is ArrayLike<unknown> {
  return (
    Array.isArray(value) ||
    (ArrayBuffer.isView(value) && !(value instanceof Uint8Array) && !(value instanceof DataView))
  );
}

function serialize(values: ArrayLike<unknown>, encode: ElementEncoder, nest: boolean, path: string): string {
  let out = '{';
  for (let i = 0; i < values.length; i++) {
    if (i > 0) out += ',';
    const value = values[i];
    if (value === null || value === undefined) {
      out += 'NULL';
    } else if (nest && isNestedList(value)) {
      out += serialize(value, encode, nest, `${path}[${i}]`);
    } else {
      let text: string;
      try {
        text = encode(value);
      } catch (error) {
        if (error instanceof ArrayElementError) throw error;
        throw new ArrayElementError(`${path}[${i}]`, error instanceof Error ? error : new Error(String(error)));
      }
      out += quoteElement(text);
    }
  }
  return `${out}}`;
}

/**
 * Serialise a JS array (or typed array) into an array literal with every element quoted. With `nest`, inner arrays
 * become further dimensions; without it (json[] elements), they are handed to `encode` as values.
 * Throws ArrayElementError when `encode` rejects an element.
 */
export function serializeArray(values: ArrayLike<unknown>, encode: ElementEncoder, nest = true): string {
  return serialize(values, encode, nest, '');
}
