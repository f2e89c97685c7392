/**
 * Decoders that read a column straight from the DataRow bytes. The hot built-in types (integers, booleans,
 * timestamps, text) skip the intermediate string that pg-protocol's generic DataRow parsing builds for every field;
 * every other decoder (custom, CrateDB-specific, arrays, json, ...) gets the field as UTF-8 text, exactly as before.
 * A fast path that meets anything unusual falls back to its text decoder, so both paths give the same values and
 * errors.
 */
import { decodeBool, decodeNumber, decodeText, decodeTimestamp, int8Decoder, type Decoder } from './builtin.js';
import { parseTimestampBytes } from './timestamp.js';

/** Decode the field `bytes[start, end)`; valid only while the receive buffer holds this message. */
export type RawDecoder = (bytes: Buffer, start: number, end: number) => unknown;

const DIGIT_0 = 48;
const MINUS = 45;
/** Integers of at most 15 digits are exact in a double. */
const MAX_FAST_DIGITS = 15;

/** A plain decimal integer of up to 15 digits, or undefined to let the text decoder handle the field. */
function fastInteger(b: Buffer, start: number, end: number): number | undefined {
  let i = start;
  const negative = b[i] === MINUS;
  if (negative) i++;
  const digits = end - i;
  if (digits < 1 || digits > MAX_FAST_DIGITS) return undefined;
  let n = 0;
  for (; i < end; i++) {
    const d = (b[i] as number) - DIGIT_0;
    if (d < 0 || d > 9) return undefined;
    n = n * 10 + d;
  }
  return negative ? -n : n;
}

function rawNumber(b: Buffer, start: number, end: number): number {
  return fastInteger(b, start, end) ?? decodeNumber(b.toString('latin1', start, end));
}

const safeInt8 = int8Decoder('number');

function rawSafeInt8(b: Buffer, start: number, end: number): unknown {
  return fastInteger(b, start, end) ?? safeInt8(b.toString('latin1', start, end));
}

function rawBool(b: Buffer, start: number, end: number): boolean {
  return end - start === 1 ? b[start] === 0x74 : decodeBool(b.toString('utf8', start, end));
}

function rawText(b: Buffer, start: number, end: number): string {
  return b.toString('utf8', start, end);
}

const NATIVE = new Map<Decoder, RawDecoder>([
  [decodeText, rawText],
  [decodeBool, rawBool],
  [decodeNumber, rawNumber],
  [safeInt8, rawSafeInt8],
  [decodeTimestamp, parseTimestampBytes],
]);

/** The byte-level equivalent of a text decoder: native for the built-ins above, otherwise UTF-8 text then `decoder`. */
export function rawDecoderFor(decoder: Decoder): RawDecoder {
  return NATIVE.get(decoder) ?? ((b, start, end) => decoder(b.toString('utf8', start, end)));
}
