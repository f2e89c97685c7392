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
const DOT = 46;
/** Integers of at most 15 digits are exact in a double. */
const MAX_FAST_DIGITS = 15;

/** Node's Buffer slicing primitives: `toString(encoding, start, end)` spends as long dispatching as decoding. */
interface SliceableBuffer {
  utf8Slice(start: number, end: number): string;
  latin1Slice(start: number, end: number): string;
}

/** The UTF-8 text of `b[start, end)`, through Node's slicing primitive. */
export function utf8(b: Buffer, start: number, end: number): string {
  return (b as unknown as SliceableBuffer).utf8Slice(start, end);
}

function latin1(b: Buffer, start: number, end: number): string {
  return (b as unknown as SliceableBuffer).latin1Slice(start, end);
}

/** Exact powers of ten as doubles (10^22 is the largest). */
const POW10 = Array.from({ length: 23 }, (_, i) => 10 ** i);

/**
 * A plain decimal `-?\d+(\.\d+)?` with at most 15 significant digits, or undefined to let the text decoder handle
 * the field. Exact: the digits form an integer below 2^53 and 10^k is an exact double, so the one division is
 * correctly rounded (Clinger's fast path) — the same double `Number(text)` gives.
 */
function fastDecimal(b: Buffer, start: number, end: number): number | undefined {
  let i = start;
  const negative = b[i] === MINUS;
  if (negative) i++;
  if (i === end) return undefined;
  let n = 0;
  let digits = 0;
  let fraction = -1;
  for (; i < end; i++) {
    const c = b[i] as number;
    const d = c - DIGIT_0;
    if (d >= 0 && d <= 9) {
      n = n * 10 + d;
      digits++;
    } else if (c === DOT && fraction < 0 && digits > 0 && i + 1 < end) {
      fraction = i + 1;
    } else {
      return undefined;
    }
  }
  if (digits > MAX_FAST_DIGITS) return undefined;
  const value = fraction < 0 ? n : n / (POW10[end - fraction] as number);
  return negative ? -value : value;
}

function rawNumber(b: Buffer, start: number, end: number): number {
  return fastDecimal(b, start, end) ?? decodeNumber(latin1(b, start, end));
}

/** A plain decimal integer of up to 15 digits, or undefined. */
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

const safeInt8 = int8Decoder('number');

function rawSafeInt8(b: Buffer, start: number, end: number): unknown {
  return fastInteger(b, start, end) ?? safeInt8(latin1(b, start, end));
}

function rawBool(b: Buffer, start: number, end: number): boolean {
  return end - start === 1 ? b[start] === 0x74 : decodeBool(utf8(b, start, end));
}

function rawText(b: Buffer, start: number, end: number): string {
  return utf8(b, start, end);
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
  return NATIVE.get(decoder) ?? ((b, start, end) => decoder(utf8(b, start, end)));
}
