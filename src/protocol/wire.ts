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
import { checkMessageBody } from './message-check.js';

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

/**
 * A DataRow left in the receive buffer: `bytes[start, end)` is its body (Int16 column count, then per column an
 * Int32 length, -1 for NULL, and the value). Rows are decoded straight from these bytes by the result's column
 * decoders instead of pg-protocol building a string per field. Valid only during the message callback: the parser
 * reuses its buffer afterwards. Its lengths were checked against the message length (message-check.ts).
 */
export class DataRow implements PgBackendMessage {
  readonly name = 'dataRow' as const;
  readonly length: number;
  readonly bytes: Buffer;
  readonly start: number;
  readonly end: number;

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
 * Frames backend bytes into messages. Validates each header before handing bytes to pg-protocol's Parser.
 */
export class MessageReader {
  readonly #parser = new Parser();
  readonly #maxMessageBytes: number;
  /** Body bytes of the current message still to skip over before the next header. */
  #remaining = 0;
  /** A header split across chunks: up to 5 bytes. */
  #header = Buffer.alloc(5);
  #headerLength = 0;

  constructor(maxMessageBytes: number) {
    this.#maxMessageBytes = maxMessageBytes;
    // The Parser calls handlePacket once per complete message with its exact bounds: the one place where a body can
    // be checked before pg-protocol's unbounded decoders read it (message-check.ts). pg-protocol is pinned exactly.
    const parser = this.#parser as unknown as { handlePacket: HandlePacket };
    const decode = parser.handlePacket.bind(parser);
    parser.handlePacket = (offset, code, length, bytes) => {
      checkMessageBody(code, bytes, offset, offset + length - 4);
      return code === DATA_ROW_CODE ? new DataRow(length, bytes, offset, offset + length - 4) : decode(offset, code, length, bytes);
    };
  }

  /** Feed bytes; `onMessage` is called for each complete message. Throws ProtocolError on bad framing. */
  parse(chunk: Buffer, onMessage: (msg: BackendMessage) => void): void {
    this.#check(chunk);
    try {
      this.#parser.parse(chunk, onMessage);
    } catch (err) {
      if (err instanceof ProtocolError) throw err;
      throw new ProtocolError(`Malformed backend message: ${(err as Error).message}`, { cause: err });
    }
  }

  #check(chunk: Buffer): void {
    let offset = 0;
    const end = chunk.length;
    while (offset < end) {
      if (this.#remaining > 0) {
        const skip = Math.min(this.#remaining, end - offset);
        this.#remaining -= skip;
        offset += skip;
        continue;
      }
      if (this.#headerLength === 0 && end - offset >= 5) {
        this.#validate(chunk[offset] as number, chunk.readInt32BE(offset + 1));
        offset += 5;
        continue;
      }
      const take = Math.min(5 - this.#headerLength, end - offset);
      chunk.copy(this.#header, this.#headerLength, offset, offset + take);
      this.#headerLength += take;
      offset += take;
      if (this.#headerLength === 5) {
        this.#headerLength = 0;
        this.#validate(this.#header[0] as number, this.#header.readInt32BE(1));
      }
    }
  }

  #validate(type: number, length: number): void {
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
    this.#remaining = length - 4;
  }
}
