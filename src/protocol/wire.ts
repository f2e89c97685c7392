/**
 * The only importer of `pg-protocol`: message framing, narrowed to the types we use, and its serializer for
 * protocol/frontend.ts (the one place frontend bytes are produced).
 *
 * `pg-protocol`'s Parser trusts every length it reads and reacts to unknown message types differently across
 * versions, so {@link MessageReader} checks each message header first (type byte known, length within
 * `maxMessageBytes`) and turns anything else into a {@link ProtocolError} before the Parser buffers a byte of it.
 */
import { serialize } from 'pg-protocol';
import { Parser } from 'pg-protocol/dist/parser.js';
import type {
  AuthenticationMD5Password,
  BackendKeyDataMessage,
  BackendMessage as PgBackendMessage,
  CommandCompleteMessage,
  DatabaseError as PgDatabaseError,
  NoticeMessage,
  NotificationResponseMessage,
  ParameterDescriptionMessage,
  ParameterStatusMessage,
  ReadyForQueryMessage,
  RowDescriptionMessage,
} from 'pg-protocol/dist/messages.js';
import { ProtocolError } from '../errors.js';
import { checkMessageBody, dataRowIsValid } from './message-check.js';

export { serialize };
export type {
  AuthenticationMD5Password,
  BackendKeyDataMessage,
  CommandCompleteMessage,
  NoticeMessage,
  NotificationResponseMessage,
  ParameterDescriptionMessage,
  ParameterStatusMessage,
  ReadyForQueryMessage,
  RowDescriptionMessage,
};
/** An ErrorResponse as parsed by pg-protocol. */
export type ErrorMessage = PgDatabaseError;
/** The column description pg-protocol produces for RowDescription. */
export type { Field as WireField } from 'pg-protocol/dist/messages.js';

/** AuthenticationSASL / SASLContinue / SASLFinal as pg-protocol shapes them. */
export interface SaslMessage extends PgBackendMessage {
  readonly mechanisms?: string[];
  readonly data?: string;
}

/** Any backend message; narrow on `name`. */
export type BackendMessage = PgBackendMessage;

/** Backend message types pg-protocol understands; anything else (even valid 3.x types we never ask for, such as
 *  NegotiateProtocolVersion) is a ProtocolError. */
const KNOWN_TYPES = new Uint8Array(256);
for (const c of '123ACDEGHIKNRSTZcdnst') KNOWN_TYPES[c.charCodeAt(0)] = 1;

/** pg-protocol's internal per-message decoder: body at `offset`, `length` as declared (it counts itself). */
type HandlePacket = (offset: number, code: number, length: number, bytes: Buffer) => BackendMessage;

const DATA_ROW_CODE = 0x44;
const ROW_DESCRIPTION_CODE = 0x54;

/**
 * A DataRow left in the receive buffer: `bytes[start, end)` is its body (Int16 column count, then per column an
 * Int32 length, -1 for NULL, and the value). Rows are decoded straight from these bytes by the result's column
 * decoders instead of pg-protocol building a string per field. Valid only during the message callback: the parser
 * reuses its buffer afterwards. Its lengths were checked against the message length (message-check.ts).
 */
export class DataRow implements PgBackendMessage {
  readonly name = 'dataRow' as const;
  length: number;
  bytes: Buffer;
  start: number;
  end: number;

  constructor(length: number, bytes: Buffer, start: number, end: number) {
    this.length = length;
    this.bytes = bytes;
    this.start = start;
    this.end = end;
  }

  /** The number of columns the row says it has. */
  get columnCount(): number {
    return this.bytes.readInt16BE(this.start);
  }
}

/**
 * Frames backend bytes into messages in one pass: each header is validated as soon as its 5 bytes are in (type
 * known, length within `maxMessageBytes`) before a byte of the body is buffered, each complete body is checked
 * (message-check.ts), then a DataRow is handed on as a view of the bytes and every other message is decoded by
 * pg-protocol's Parser. Complete messages are read straight from the chunk they arrived in; only a message split
 * across chunks is assembled in a buffer of its own.
 */
export class MessageReader {
  readonly #maxMessageBytes: number;
  /** pg-protocol's decoder of one complete message (every type but DataRow). pg-protocol is pinned exactly. */
  readonly #decode: HandlePacket;
  /** A message split across chunks, assembled here: its first {@link #pendingLength} bytes so far. */
  #pending = Buffer.alloc(0);
  #pendingLength = 0;
  /** The one DataRow handed on for every row: valid only during the callback, as its bytes are. */
  readonly #row = new DataRow(0, Buffer.alloc(0), 0, 0);
  /**
   * The last RowDescription: a copy of its body and the message decoded from it. An unnamed statement run again
   * (`prepare: false`) is described again on every run; the same bytes give the same message, which is handed on
   * again instead of decoding the names and attributes of every column anew. Consumers only read it.
   */
  #description: { readonly body: Buffer; readonly msg: BackendMessage } | undefined;

  constructor(maxMessageBytes: number) {
    this.#maxMessageBytes = maxMessageBytes;
    const parser = new Parser() as unknown as { handlePacket: HandlePacket };
    this.#decode = parser.handlePacket.bind(parser);
  }

  /** Feed bytes; `onMessage` is called for each complete message. Throws ProtocolError on bad framing. */
  parse(chunk: Buffer, onMessage: (msg: BackendMessage) => void): void {
    try {
      let offset = 0;
      if (this.#pendingLength > 0) {
        offset = this.#completePending(chunk, onMessage);
        if (offset < 0) return;
      }
      const end = chunk.length;
      while (end - offset >= 5) {
        const length = this.#validate(chunk[offset] as number, readLength(chunk, offset + 1));
        const next = offset + 1 + length;
        if (next > end) break;
        this.#emit(chunk, offset, next, onMessage);
        offset = next;
      }
      if (offset < end) this.#keep(chunk, offset, end);
    } catch (err) {
      this.#pendingLength = 0;
      if (err instanceof ProtocolError) throw err;
      throw new ProtocolError(`Malformed backend message: ${(err as Error).message}`, { cause: err });
    }
  }

  /** Hand on the complete message `b[start, next)` (type byte, length, body). */
  #emit(b: Buffer, start: number, next: number, onMessage: (msg: BackendMessage) => void): void {
    const code = b[start] as number;
    const bodyStart = start + 5;
    if (code === DATA_ROW_CODE) {
      if (!dataRowIsValid(b, bodyStart, next)) checkMessageBody(code, b, bodyStart, next);
      const row = this.#row;
      row.length = next - start - 1;
      row.bytes = b;
      row.start = bodyStart;
      row.end = next;
      onMessage(row);
      return;
    }
    checkMessageBody(code, b, bodyStart, next);
    if (code === ROW_DESCRIPTION_CODE) {
      onMessage(this.#rowDescription(b, start, next));
      return;
    }
    onMessage(this.#decode(bodyStart, code, next - start - 1, b));
  }

  /** The RowDescription `b[start, next)`: the last one's message when its body is the same bytes. */
  #rowDescription(b: Buffer, start: number, next: number): BackendMessage {
    const bodyStart = start + 5;
    const last = this.#description;
    if (last !== undefined && last.body.length === next - bodyStart && b.compare(last.body, 0, last.body.length, bodyStart, next) === 0) return last.msg;
    const msg = this.#decode(bodyStart, ROW_DESCRIPTION_CODE, next - start - 1, b);
    this.#description = { body: Buffer.from(b.subarray(bodyStart, next)), msg };
    return msg;
  }

  /** Start assembling the incomplete message `chunk[from, end)`. */
  #keep(chunk: Buffer, from: number, end: number): void {
    const have = end - from;
    // The header, once whole, was validated by the caller: reserve the whole message.
    const size = have >= 5 ? 1 + readLength(chunk, from + 1) : 5;
    if (this.#pending.length < size) this.#pending = Buffer.allocUnsafe(Math.max(size, 2 * this.#pending.length, 1024));
    chunk.copy(this.#pending, 0, from, end);
    this.#pendingLength = have;
  }

  /**
   * Add `chunk`'s bytes to the message being assembled. Returns the offset in `chunk` after it once it is complete
   * and handed on, or -1 when `chunk` ended first.
   */
  #completePending(chunk: Buffer, onMessage: (msg: BackendMessage) => void): number {
    let offset = 0;
    if (this.#pendingLength < 5) {
      const take = Math.min(5 - this.#pendingLength, chunk.length);
      chunk.copy(this.#pending, this.#pendingLength, 0, take);
      this.#pendingLength += take;
      offset = take;
      if (this.#pendingLength < 5) return -1;
      const length = this.#validate(this.#pending[0] as number, readLength(this.#pending, 1));
      if (this.#pending.length < 1 + length) {
        const grown = Buffer.allocUnsafe(Math.max(1 + length, 2 * this.#pending.length));
        this.#pending.copy(grown, 0, 0, 5);
        this.#pending = grown;
      }
    }
    const size = 1 + readLength(this.#pending, 1);
    const take = Math.min(size - this.#pendingLength, chunk.length - offset);
    chunk.copy(this.#pending, this.#pendingLength, offset, offset + take);
    this.#pendingLength += take;
    offset += take;
    if (this.#pendingLength < size) return -1;
    this.#pendingLength = 0;
    this.#emit(this.#pending, 0, size, onMessage);
    return offset;
  }

  /** Throws unless a header is acceptable; returns its length. */
  #validate(type: number, length: number): number {
    if (KNOWN_TYPES[type] !== 1) {
      throw new ProtocolError(
        `Unknown backend message type 0x${type.toString(16).padStart(2, '0')}; the server is not speaking protocol 3.0 (or the stream is corrupt)`,
      );
    }
    if (length < 4) {
      throw new ProtocolError(`Backend message '${String.fromCharCode(type)}' declares an invalid length ${length}`);
    }
    if (length > this.#maxMessageBytes) {
      throw new ProtocolError(
        `Backend message '${String.fromCharCode(type)}' declares ${length} bytes, more than maxMessageBytes=${this.#maxMessageBytes}; raise maxMessageBytes if this is expected`,
      );
    }
    return length;
  }
}

/** A signed big-endian int32 at `p`. */
function readLength(b: Buffer, p: number): number {
  return ((b[p] as number) << 24) | ((b[p + 1] as number) << 16) | ((b[p + 2] as number) << 8) | (b[p + 3] as number);
}
