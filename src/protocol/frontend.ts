/**
 * The one place frontend bytes are produced: every message the session sends, from StartupMessage to Terminate.
 * Parse and Bind, sent once or more per query, are written here at their exact size: pg-protocol's serializer writes
 * through a growable buffer and allocates a fresh one after every message, and its Bind repeats a format code per
 * parameter; here each message is measured first and written into one allocation. Parameters are always text (format
 * code count 0 = all text); results are text unless the caller passes one format code per column. The other messages
 * are pg-protocol's serializer underneath (protocol/wire.ts, its only importer); the constant ones are built once.
 * (SSLRequest and CancelRequest go out before or beside a session and are written by transport/.)
 */
import { serialize } from './wire.js';

import { putInt32, putText, writeUtf8 } from '../bytes.js';

const PARSE = 0x50;
const BIND = 0x42;
const EXECUTE = 0x45;

/** Byte lengths of the values of the Bind being encoded; reused (encoding is synchronous), grown on demand. */
let scratchLengths = new Int32Array(64);

/** Parse: statement `name` ('' = unnamed), SQL `text`, declared parameter type OIDs (0 = let the server infer). */
export function encodeParse(name: string, text: string, types: readonly number[]): Buffer {
  const nameBytes = Buffer.byteLength(name);
  const textBytes = Buffer.byteLength(text);
  const size = 1 + 4 + nameBytes + 1 + textBytes + 1 + 2 + 4 * types.length;
  const b = Buffer.allocUnsafe(size);
  b[0] = PARSE;
  b.writeInt32BE(size - 1, 1);
  let p = 5;
  p += b.write(name, p, nameBytes, 'utf8');
  b[p++] = 0;
  p += b.write(text, p, textBytes, 'utf8');
  b[p++] = 0;
  b.writeInt16BE(types.length, p);
  p += 2;
  for (const oid of types) p = b.writeUInt32BE(oid >>> 0, p);
  return b;
}

/**
 * Bind of the unnamed portal to `statement` with text parameters (null = SQL NULL), written into one buffer between
 * the already-encoded messages `before` and `after` (e.g. Parse before, Execute and Sync after), so a whole query goes
 * out as one allocation. `resultFormats`: one code per result column (0 text, 1 binary), or [] for all text.
 */
export function encodeBind(
  statement: string,
  values: readonly (string | null)[],
  before: readonly Buffer[] = [],
  after: readonly Buffer[] = [],
  resultFormats: readonly number[] = [],
): Buffer {
  const statementBytes = Buffer.byteLength(statement);
  let bindSize = 1 + 4 + 1 + statementBytes + 1 + 2 + 2 + 2 + 2 * resultFormats.length;
  if (scratchLengths.length < values.length) scratchLengths = new Int32Array(values.length);
  const lengths = scratchLengths;
  for (let i = 0; i < values.length; i++) {
    const v = values[i];
    const length = v === null || v === undefined ? -1 : Buffer.byteLength(v);
    lengths[i] = length;
    bindSize += 4 + Math.max(length, 0);
  }
  let size = bindSize;
  for (const m of before) size += m.length;
  for (const m of after) size += m.length;
  const b = Buffer.allocUnsafe(size);
  // Plain stores and TypedArray copies: Buffer's write and copy methods check their arguments again on every call,
  // which costs more than the few bytes of a point query's Bind (bench/overhead.ts).
  let p = 0;
  for (const m of before) {
    b.set(m, p);
    p += m.length;
  }
  b[p] = BIND;
  putInt32(bindSize - 1, b, p + 1);
  b[p + 5] = 0;
  p += 6;
  if (statementBytes > 0) p += writeUtf8(statement, b, p);
  b[p++] = 0;
  b[p++] = 0;
  b[p++] = 0;
  b[p++] = values.length >>> 8;
  b[p++] = values.length;
  for (let i = 0; i < values.length; i++) {
    const length = lengths[i] as number;
    putInt32(length, b, p);
    p += 4;
    if (length > 0) p += writeUtf8(values[i] as string, b, p);
  }
  b[p++] = resultFormats.length >>> 8;
  b[p++] = resultFormats.length;
  for (const format of resultFormats) {
    b[p++] = format >>> 8;
    b[p++] = format;
  }
  for (const m of after) {
    b.set(m, p);
    p += m.length;
  }
  return b;
}

/** Parse messages of the unnamed statement by SQL text, with the parameter types they were encoded for. */
const UNNAMED_PARSE = new Map<string, { readonly types: readonly number[]; readonly bytes: Buffer }>();
const UNNAMED_PARSE_ENTRIES = 256;
/** Longer texts are encoded afresh each time: the memo must not pin large statements in memory. */
const UNNAMED_PARSE_MAX_TEXT = 4_096;

/**
 * Parse of the unnamed statement, memoised per SQL text (shared by every connection; the bytes are never mutated):
 * a query repeated with `prepare: false` re-sends the same Parse without encoding its text again.
 */
export function encodeUnnamedParse(text: string, types: readonly number[]): Buffer {
  if (text.length > UNNAMED_PARSE_MAX_TEXT) return encodeParse('', text, types);
  const known = UNNAMED_PARSE.get(text);
  if (known !== undefined && sameTypes(known.types, types)) return known.bytes;
  const bytes = encodeParse('', text, types);
  if (UNNAMED_PARSE.size >= UNNAMED_PARSE_ENTRIES) UNNAMED_PARSE.clear();
  UNNAMED_PARSE.set(text, { types: [...types], bytes });
  return bytes;
}

function sameTypes(a: readonly number[], b: readonly number[]): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}

/**
 * Bind of the unnamed portal to `statement` with every parameter in binary (format code count 1, code 1) and text
 * results. Only for statements whose parameter OIDs were declared in Parse: binary with OID 0 is read with the
 * server's inferred type (docs/cratedb-wire.md "Parameter type inference"). Parameter `i` is written in place by
 * `write(i, b, p)`, which returns the position after its bytes; `maxBytes[i]` bounds their size. One allocation for
 * the whole message, no copy of the parameters.
 */
export function encodeBinaryBind(statement: string, maxBytes: readonly number[], write: (i: number, b: Buffer, p: number) => number): Buffer {
  const statementBytes = Buffer.byteLength(statement);
  let size = 1 + 4 + 1 + statementBytes + 1 + 2 + 2 + 2 + 2;
  for (const n of maxBytes) size += 4 + n;
  const b = Buffer.allocUnsafe(size);
  b[0] = BIND;
  b[5] = 0;
  let p = 6;
  p += b.write(statement, p, statementBytes, 'utf8');
  b[p++] = 0;
  p = b.writeInt16BE(1, p);
  p = b.writeInt16BE(1, p);
  p = b.writeInt16BE(maxBytes.length, p);
  for (let i = 0; i < maxBytes.length; i++) {
    const end = write(i, b, p + 4);
    b.writeInt32BE(end - p - 4, p);
    p = end;
  }
  p = b.writeInt16BE(0, p);
  b.writeInt32BE(p - 1, 1);
  return b.subarray(0, p);
}

/** Bytes of Execute of the unnamed portal for all rows: 'E', length 9, empty portal name, max rows 0. */
const EXECUTE_BYTES = 10;

/**
 * executeMany()'s chunks: Bind (text parameters, text results) + Execute of the unnamed statement and portal for
 * row after row, written one after another into one buffer, so a chunk of thousands of rows is one allocation and
 * one write, and no value is measured before it is written.
 */
export class BindExecuteBatch {
  #b: Buffer;
  #p = 0;

  constructor(initialBytes = 16_384) {
    this.#b = Buffer.allocUnsafe(initialBytes);
  }

  /** Bytes written so far. */
  get length(): number {
    return this.#p;
  }

  /** Append Bind + Execute for one row of text parameters (null = SQL NULL). */
  add(values: readonly (string | null)[]): void {
    let bound = 1 + 4 + 1 + 1 + 2 + 2 + 2 + EXECUTE_BYTES;
    for (const v of values) bound += 4 + (v === null ? 0 : 3 * v.length);
    this.#reserve(bound);
    const b = this.#b;
    const start = this.#p;
    b[start] = BIND;
    // Portal and statement '' (two NULs), no parameter format codes (all text).
    b[start + 5] = 0;
    b[start + 6] = 0;
    b[start + 7] = 0;
    b[start + 8] = 0;
    b[start + 9] = values.length >>> 8;
    b[start + 10] = values.length;
    let p = start + 11;
    for (const v of values) p = putText(v, b, p);
    // No result format codes (all text).
    b[p] = 0;
    b[p + 1] = 0;
    p += 2;
    putInt32(p - start - 1, b, start + 1);
    b[p] = EXECUTE;
    putInt32(9, b, p + 1);
    b[p + 5] = 0;
    putInt32(0, b, p + 6);
    this.#p = p + EXECUTE_BYTES;
  }

  /** The messages written so far (a view of the batch's own buffer, never reused). */
  bytes(): Buffer {
    return this.#b.subarray(0, this.#p);
  }

  #reserve(n: number): void {
    if (this.#p + n <= this.#b.length) return;
    const grown = Buffer.allocUnsafe(Math.max(2 * this.#b.length, this.#p + n));
    this.#b.copy(grown, 0, 0, this.#p);
    this.#b = grown;
  }
}

/** Sync: ends an extended-query cycle; the server answers ReadyForQuery. */
export const SYNC = serialize.sync();
/** Flush: the server sends what it has without ending the cycle (portal batches, describe-first). */
export const FLUSH = serialize.flush();
/** Terminate: the graceful end of a connection. */
export const TERMINATE = serialize.end();
/** Describe of the unnamed portal. */
export const DESCRIBE_UNNAMED_PORTAL = serialize.describe({ type: 'P', name: '' });
/** Execute of the unnamed portal for all rows. */
export const EXECUTE_UNNAMED = serialize.execute();
/** Close of the unnamed portal. */
export const CLOSE_UNNAMED_PORTAL = serialize.close({ type: 'P', name: '' });
/** CopyDone: the end of a COPY FROM STDIN data stream. */
export const COPY_DONE = serialize.copyDone();

/** Describe of statement `name` ('' = unnamed). */
export function encodeDescribeStatement(name: string): Buffer {
  return serialize.describe({ type: 'S', name });
}

/** Close of statement `name`. */
export function encodeCloseStatement(name: string): Buffer {
  return serialize.close({ type: 'S', name });
}

/** Execute of the unnamed portal for at most `rows` rows (0 = all). */
export function encodeExecute(rows: number): Buffer {
  return serialize.execute({ portal: '', rows });
}

/** Query: `text` on the simple-query protocol. */
export function encodeQuery(text: string): Buffer {
  return serialize.query(text);
}

/** CopyFail with `message`: refuses a COPY FROM STDIN. */
export function encodeCopyFail(message: string): Buffer {
  return serialize.copyFail(message);
}

/** StartupMessage (protocol 3.0) with its parameters. */
export function encodeStartup(parameters: Record<string, string>): Buffer {
  return serialize.startup(parameters);
}

/** PasswordMessage: a cleartext password or an MD5 response. */
export function encodePassword(password: string): Buffer {
  return serialize.password(password);
}

/** SASLInitialResponse for `mechanism` with the client-first message. */
export function encodeSaslInitialResponse(mechanism: string, clientFirstMessage: string): Buffer {
  return serialize.sendSASLInitialResponseMessage(mechanism, clientFirstMessage);
}

/** SASLResponse with the client-final message. */
export function encodeSaslResponse(clientFinalMessage: string): Buffer {
  return serialize.sendSCRAMClientFinalMessage(clientFinalMessage);
}
