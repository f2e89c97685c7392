/**
 * Structural checks of backend message bodies, run on the exact bytes of one complete message before `pg-protocol`
 * decodes it. Its decoders read from the whole receive buffer without bounds: a DataRow column length, a field count
 * or a missing terminator makes them read the following messages as if they were part of this one (garbage values),
 * and an ErrorResponse without its final NUL at the end of the buffer loops forever. Each check here is a walk over
 * lengths and terminators, with no decoding, so the cost per DataRow is a few integer reads.
 */
import { ProtocolError } from '../errors.js';

const DATA_ROW = 0x44; // D
const ROW_DESCRIPTION = 0x54; // T
const PARAMETER_DESCRIPTION = 0x74; // t
const ERROR_RESPONSE = 0x45; // E
const NOTICE_RESPONSE = 0x4e; // N
const COMMAND_COMPLETE = 0x43; // C
const PARAMETER_STATUS = 0x53; // S
const NOTIFICATION = 0x41; // A
const READY_FOR_QUERY = 0x5a; // Z
const BACKEND_KEY_DATA = 0x4b; // K
const AUTHENTICATION = 0x52; // R
const COPY_IN = 0x47; // G
const COPY_OUT = 0x48; // H
/** ParseComplete, BindComplete, CloseComplete, NoData, PortalSuspended, EmptyQueryResponse, CopyDone. */
const EMPTY_BODY = new Set([0x31, 0x32, 0x33, 0x6e, 0x73, 0x49, 0x63]);
/** Bytes per RowDescription field after its name: table OID, column, type OID, size, modifier, format. */
const FIELD_TAIL = 18;

/**
 * Throws a ProtocolError unless the body `bytes[start, end)` of a message of type `code` is well formed: every inner
 * length and terminator lands inside the message, and the last one exactly at its end.
 */
export function checkMessageBody(code: number, bytes: Buffer, start: number, end: number): void {
  if (!bodyIsValid(code, bytes, start, end)) {
    throw new ProtocolError(
      `Malformed backend message '${String.fromCharCode(code)}': its content does not fit its declared length of ${end - start + 4} bytes`,
    );
  }
}

function bodyIsValid(code: number, b: Buffer, start: number, end: number): boolean {
  switch (code) {
    case DATA_ROW:
      return dataRowIsValid(b, start, end);
    case ROW_DESCRIPTION:
      return rowDescriptionIsValid(b, start, end);
    case PARAMETER_DESCRIPTION:
      return end - start >= 2 && b.readInt16BE(start) >= 0 && start + 2 + 4 * b.readInt16BE(start) === end;
    case ERROR_RESPONSE:
    case NOTICE_RESPONSE:
      return fieldListIsValid(b, start, end);
    case COMMAND_COMPLETE:
      return cstrings(b, start, end, 1) === end;
    case PARAMETER_STATUS:
      return cstrings(b, start, end, 2) === end;
    case NOTIFICATION:
      return end - start >= 4 && cstrings(b, start + 4, end, 2) === end;
    case READY_FOR_QUERY:
      return end - start === 1 && (b[start] === 0x49 || b[start] === 0x54 || b[start] === 0x45);
    case BACKEND_KEY_DATA:
      return end - start === 8;
    case AUTHENTICATION:
      return authenticationIsValid(b, start, end);
    case COPY_IN:
    case COPY_OUT:
      return end - start >= 3 && b.readInt16BE(start + 1) >= 0 && start + 3 + 2 * b.readInt16BE(start + 1) === end;
    default:
      return !EMPTY_BODY.has(code) || start === end;
  }
}

/** A DataRow body: a column count, then per column a length (-1 for NULL) and that many bytes, ending exactly at `end`. */
export function dataRowIsValid(b: Buffer, start: number, end: number): boolean {
  if (end - start < 2) return false;
  const count = ((b[start] as number) << 8) | (b[start + 1] as number);
  if (count > 0x7fff) return false;
  let pos = start + 2;
  for (let i = 0; i < count; i++) {
    if (pos + 4 > end) return false;
    const length = ((b[pos] as number) << 24) | ((b[pos + 1] as number) << 16) | ((b[pos + 2] as number) << 8) | (b[pos + 3] as number);
    if (length < -1) return false;
    pos += 4 + (length > 0 ? length : 0);
  }
  return pos === end;
}

function rowDescriptionIsValid(b: Buffer, start: number, end: number): boolean {
  if (end - start < 2) return false;
  const count = b.readInt16BE(start);
  if (count < 0) return false;
  let pos = start + 2;
  for (let i = 0; i < count; i++) {
    const nul = b.indexOf(0, pos);
    if (nul < 0 || nul >= end) return false;
    pos = nul + 1 + FIELD_TAIL;
    if (pos > end) return false;
  }
  return pos === end;
}

/** ErrorResponse/NoticeResponse: (type byte, C string)* then a NUL that is the last byte. */
function fieldListIsValid(b: Buffer, start: number, end: number): boolean {
  let pos = start;
  while (pos < end) {
    if (b[pos] === 0) return pos + 1 === end;
    const nul = b.indexOf(0, pos + 1);
    if (nul < 0 || nul >= end) return false;
    pos = nul + 1;
  }
  return false;
}

/** Position after `n` C strings starting at `pos`, or -1 when one is not terminated inside the body. */
function cstrings(b: Buffer, pos: number, end: number, n: number): number {
  for (let i = 0; i < n; i++) {
    const nul = b.indexOf(0, pos);
    if (nul < 0 || nul >= end) return -1;
    pos = nul + 1;
  }
  return pos;
}

/** Authentication requests: fixed sizes, except SASL (a mechanism list ending with an empty name) and its data. */
function authenticationIsValid(b: Buffer, start: number, end: number): boolean {
  if (end - start < 4) return false;
  switch (b.readInt32BE(start)) {
    case 0:
    case 3:
      return end - start === 4;
    case 5:
      return end - start === 8;
    case 10: {
      let pos = start + 4;
      while (pos < end) {
        if (b[pos] === 0) return pos + 1 === end;
        pos = cstrings(b, pos, end, 1);
        if (pos < 0) return false;
      }
      return false;
    }
    default:
      // SASLContinue/SASLFinal carry raw data; pg-protocol rejects every other code itself.
      return true;
  }
}
