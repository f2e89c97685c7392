/**
 * Frontend side of the fake CrateDB's codec: framing of the byte stream and decoding of every frontend message into
 * a plain object, so that tests can assert exactly what a driver sent.
 */

/** Request codes carried in the first packet (docs/cratedb-wire.md "First packet and TLS"). */
const SSL_REQUEST_CODE = 80877103;
const CANCEL_REQUEST_CODE = 80877102;
const GSSENC_REQUEST_CODE = 80877104;

/** One decoded frontend message. Byte strings stay `Buffer`s; names and SQL are UTF-8 decoded. */
export type FrontendMessage =
  | { type: 'SSLRequest' }
  | { type: 'GSSENCRequest' }
  | { type: 'CancelRequest'; pid: number; secret: number }
  | { type: 'Startup'; major: number; minor: number; params: Record<string, string> }
  | { type: 'Password'; password: string }
  | { type: 'Query'; text: string }
  | { type: 'Parse'; name: string; text: string; paramTypes: number[] }
  | {
      type: 'Bind';
      portal: string;
      statement: string;
      paramFormats: number[];
      params: (Buffer | null)[];
      resultFormats: number[];
    }
  | { type: 'Describe'; kind: string; name: string }
  | { type: 'Execute'; portal: string; maxRows: number }
  | { type: 'Close'; kind: string; name: string }
  | { type: 'Sync' }
  | { type: 'Flush' }
  | { type: 'Terminate' }
  /** FunctionCall, CopyData/Done/Fail and anything else: answered with `Unsupported messageType` (docs/cratedb-wire.md "COPY"). */
  | { type: 'Other'; code: number; payload: Buffer }
  /** A known message type whose body could not be decoded (answered with an error and skip-until-Sync, "Errors inside a batch"). */
  | { type: 'Malformed'; code: number; payload: Buffer; reason: string };

/** Result of looking at the head of the input buffer. */
export type Frame =
  | { kind: 'frame'; code: number; body: Buffer }
  | { kind: 'bad-startup-length'; length: number }
  | { kind: 'too-large'; code: number; length: number };

/** Splits the byte stream into frames: first the type-less startup packets, then typed messages. */
export class FrameReader {
  #buf: Buffer = Buffer.alloc(0);

  push(chunk: Buffer): void {
    this.#buf = this.#buf.length === 0 ? chunk : Buffer.concat([this.#buf, chunk]);
  }

  /** Leftover bytes (needed when switching the socket to TLS right after SSLRequest). */
  takeRest(): Buffer {
    const rest = this.#buf;
    this.#buf = Buffer.alloc(0);
    return rest;
  }

  /**
   * The next startup-phase packet (length includes itself, no type byte). The length is checked before the body has
   * arrived, so a TLS ClientHello (read as a huge length) is answered at once (docs/cratedb-wire.md "First packet and TLS": 8 – 10 000 bytes).
   */
  nextStartup(): Frame | null {
    if (this.#buf.length < 4) return null;
    const length = this.#buf.readInt32BE(0);
    if (length < 8 || length > 10_000) return { kind: 'bad-startup-length', length };
    if (this.#buf.length < length) return null;
    const body = this.#buf.subarray(4, length);
    this.#buf = this.#buf.subarray(length);
    return { kind: 'frame', code: 0, body };
  }

  /** The next typed message; `maxPayload` enforces the unauthenticated limit (docs/cratedb-wire.md "First packet and TLS", 6.4.3+). */
  nextMessage(maxPayload?: number): Frame | null {
    if (this.#buf.length < 5) return null;
    const code = this.#buf[0] as number;
    const length = this.#buf.readInt32BE(1);
    if (maxPayload !== undefined && length - 4 > maxPayload) return { kind: 'too-large', code, length };
    if (this.#buf.length < 1 + length) return null;
    const body = this.#buf.subarray(5, 1 + length);
    this.#buf = this.#buf.subarray(1 + length);
    return { kind: 'frame', code, body };
  }
}

/** Sequential reader over one message body; throws RangeError on truncated input. */
class BodyReader {
  #offset = 0;
  constructor(private readonly body: Buffer) {}

  int16(): number {
    const v = this.body.readInt16BE(this.#offset);
    this.#offset += 2;
    return v;
  }

  int32(): number {
    const v = this.body.readInt32BE(this.#offset);
    this.#offset += 4;
    return v;
  }

  cstring(): string {
    const end = this.body.indexOf(0, this.#offset);
    if (end < 0) throw new RangeError('missing string terminator');
    const s = this.body.toString('utf8', this.#offset, end);
    this.#offset = end + 1;
    return s;
  }

  bytes(n: number): Buffer {
    if (this.#offset + n > this.body.length) throw new RangeError('value runs past the message end');
    const b = this.body.subarray(this.#offset, this.#offset + n);
    this.#offset += n;
    return b;
  }

  atEnd(): boolean {
    return this.#offset >= this.body.length;
  }

  byte(): string {
    return String.fromCharCode(this.bytes(1)[0] as number);
  }
}

/** Decodes a startup-phase packet body (everything after the length). */
export function decodeStartupPacket(body: Buffer): FrontendMessage {
  const r = new BodyReader(body);
  const code = r.int32();
  if (code === SSL_REQUEST_CODE) return { type: 'SSLRequest' };
  if (code === GSSENC_REQUEST_CODE) return { type: 'GSSENCRequest' };
  if (code === CANCEL_REQUEST_CODE) return { type: 'CancelRequest', pid: r.int32(), secret: r.int32() };
  const params: Record<string, string> = {};
  while (!r.atEnd()) {
    const key = r.cstring();
    if (key === '') break;
    params[key] = r.atEnd() ? '' : r.cstring();
  }
  return { type: 'Startup', major: code >>> 16, minor: code & 0xffff, params };
}

/** Decodes a typed message body; a truncated body becomes a `Malformed` message. */
export function decodeMessage(code: number, body: Buffer): FrontendMessage {
  try {
    return decodeBody(code, body);
  } catch (err) {
    return { type: 'Malformed', code, payload: body, reason: err instanceof Error ? err.message : String(err) };
  }
}

function decodeBody(code: number, body: Buffer): FrontendMessage {
  const r = new BodyReader(body);
  switch (String.fromCharCode(code)) {
    case 'p':
      return { type: 'Password', password: r.cstring() };
    case 'Q':
      return { type: 'Query', text: r.cstring() };
    case 'P': {
      const name = r.cstring();
      const text = r.cstring();
      const n = r.int16();
      const paramTypes: number[] = [];
      for (let i = 0; i < n; i++) paramTypes.push(r.int32());
      return { type: 'Parse', name, text, paramTypes };
    }
    case 'B':
      return decodeBind(r);
    case 'D':
      return { type: 'Describe', kind: r.byte(), name: r.cstring() };
    case 'E':
      return { type: 'Execute', portal: r.cstring(), maxRows: r.int32() };
    case 'C':
      return { type: 'Close', kind: r.byte(), name: r.cstring() };
    case 'S':
      return { type: 'Sync' };
    case 'H':
      return { type: 'Flush' };
    case 'X':
      return { type: 'Terminate' };
    default:
      return { type: 'Other', code, payload: body };
  }
}

function decodeBind(r: BodyReader): FrontendMessage {
  const portal = r.cstring();
  const statement = r.cstring();
  const paramFormats: number[] = [];
  for (let i = r.int16(); i > 0; i--) paramFormats.push(r.int16());
  const params: (Buffer | null)[] = [];
  for (let i = r.int16(); i > 0; i--) {
    const len = r.int32();
    params.push(len === -1 ? null : Buffer.from(r.bytes(len)));
  }
  const resultFormats: number[] = [];
  for (let i = r.int16(); i > 0; i--) resultFormats.push(r.int16());
  return { type: 'Bind', portal, statement, paramFormats, params, resultFormats };
}

/** The format code for column/param `i` under PG's 0/1/N format-code rule. */
export function formatCodeAt(codes: readonly number[], i: number): number {
  if (codes.length === 0) return 0;
  if (codes.length === 1) return codes[0] as number;
  return codes[i] ?? 0;
}
