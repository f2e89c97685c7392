/**
 * Timestamp text ↔ JS values without `new Date(text)` (docs/design.md "Benchmarks": the Date string parser halves row throughput).
 *
 * Both `timestamptz` and `timestamp` decode to a Date holding the UTC instant. A `timestamp` (without time zone) is
 * read as UTC wall time, never as local time, so the same row gives the same Date on every machine (the complaint of
 * node-postgres #993 and postgres.js #1075 users).
 */
import { DecodeError } from '../errors.js';

/** The largest |epoch ms| a JS Date can hold. */
const MAX_DATE_MS = 8.64e15;
const DAY_MS = 86_400_000;

const DIGIT_0 = 48;
const DASH = 45;
const PLUS = 43;
const COLON = 58;
const DOT = 46;
const SPACE = 32;
const LETTER_T = 84;
const LETTER_Z = 90;

/** Two decimal digits at `pos` (before `end`), or -1. */
function twoDigits(b: Uint8Array, pos: number, end: number): number {
  if (pos + 1 >= end) return -1;
  const x = (b[pos] as number) - DIGIT_0;
  const y = (b[pos + 1] as number) - DIGIT_0;
  if (!(x >= 0 && x <= 9 && y >= 0 && y <= 9)) return -1;
  return x * 10 + y;
}

/**
 * Days from 1970-01-01 to a proleptic Gregorian date, for any astronomical year (H. Hinnant's `days_from_civil`).
 * Plain arithmetic instead of `Date.UTC`, which costs about as much as the rest of the parse and reads years 0..99
 * as 1900+.
 */
export function daysFromCivil(year: number, month: number, day: number): number {
  const y = month <= 2 ? year - 1 : year;
  const era = Math.floor(y / 400);
  const yearOfEra = y - era * 400;
  const dayOfYear = Math.floor((153 * (month > 2 ? month - 3 : month + 9) + 2) / 5) + day - 1;
  const dayOfEra = yearOfEra * 365 + Math.floor(yearOfEra / 4) - Math.floor(yearOfEra / 100) + dayOfYear;
  return era * 146_097 + dayOfEra - 719_468;
}

function malformed(b: Uint8Array, start: number, end: number): DecodeError {
  return new DecodeError(`Malformed timestamp ${JSON.stringify(Buffer.from(b.subarray(start, end)).toString('utf8'))}`);
}

const INFINITY = Buffer.from('infinity', 'latin1');
const MINUS_INFINITY = Buffer.from('-infinity', 'latin1');
const BC_SUFFIX = Buffer.from(' BC', 'latin1');

function bytesEqual(b: Uint8Array, start: number, end: number, expected: Uint8Array): boolean {
  if (end - start !== expected.length) return false;
  for (let i = 0; i < expected.length; i++) if (b[start + i] !== expected[i]) return false;
  return true;
}

/**
 * Parse PostgreSQL/CrateDB timestamp text (DateStyle ISO): `YYYY-MM-DD HH:MM:SS[.f{1,}][±HH[:MM[:SS]]|Z][ BC]`.
 *
 * - Years may have more than four digits; ` BC` years are mapped to astronomical years (1 BC is year 0).
 * - Fraction digits beyond milliseconds are truncated (a Date holds ms; CrateDB stores ms anyway, docs/cratedb-wire.md "Types").
 * - The offset is optional (CrateDB before 6.3.3 sent `+00` on `timestamp` too, docs/cratedb-wire.md "Types") and is applied.
 * - `infinity` / `-infinity` become the numbers `Infinity` / `-Infinity`: no Date can represent them, and a number
 *   compares correctly against `date.getTime()`.
 *
 * Throws DecodeError for malformed text and for instants outside the JS Date range (±8.64e15 ms, about ±275 760 years).
 */
export function parseTimestamp(text: string): Date | number {
  const bytes = Buffer.from(text, 'utf8');
  return parseTimestampBytes(bytes, 0, bytes.length);
}

/**
 * {@link parseTimestamp} over the bytes `b[start, end)` — straight from a DataRow, with no intermediate string
 * (docs/design.md "Benchmarks": value decoding, not framing, is where the row time goes).
 */
export function parseTimestampBytes(b: Uint8Array, start: number, end: number): Date | number {
  let pos = start;
  let year = 0;
  while (pos < end) {
    const d = (b[pos] as number) - DIGIT_0;
    if (!(d >= 0 && d <= 9)) break;
    year = year * 10 + d;
    pos++;
  }
  if (pos - start < 4 || pos >= end || b[pos] !== DASH) {
    if (bytesEqual(b, start, end, INFINITY)) return Infinity;
    if (bytesEqual(b, start, end, MINUS_INFINITY)) return -Infinity;
    throw malformed(b, start, end);
  }
  const month = twoDigits(b, pos + 1, end);
  const day = twoDigits(b, pos + 4, end);
  if (month < 1 || month > 12 || day < 1 || day > 31 || pos + 3 >= end || b[pos + 3] !== DASH) throw malformed(b, start, end);
  pos += 6;

  let hour = 0;
  let minute = 0;
  let second = 0;
  let ms = 0;
  const sep = pos < end ? b[pos] : -1;
  if (sep === SPACE || sep === LETTER_T) {
    hour = twoDigits(b, pos + 1, end);
    minute = twoDigits(b, pos + 4, end);
    second = twoDigits(b, pos + 7, end);
    if (
      hour < 0 ||
      hour > 24 ||
      minute < 0 ||
      minute > 59 ||
      second < 0 ||
      second > 60 ||
      b[pos + 3] !== COLON ||
      b[pos + 6] !== COLON
    ) {
      throw malformed(b, start, end);
    }
    pos += 9;
    if (pos < end && b[pos] === DOT) {
      const fraction = ++pos;
      while (pos < end) {
        const d = (b[pos] as number) - DIGIT_0;
        if (!(d >= 0 && d <= 9)) break;
        if (pos - fraction < 3) ms = ms * 10 + d;
        pos++;
      }
      const digits = pos - fraction;
      if (digits === 0) throw malformed(b, start, end);
      if (digits === 1) ms *= 100;
      else if (digits === 2) ms *= 10;
    }
  }

  let offsetSeconds = 0;
  const sign = pos < end ? b[pos] : -1;
  if (sign === PLUS || sign === DASH) {
    const oh = twoDigits(b, pos + 1, end);
    if (oh < 0) throw malformed(b, start, end);
    offsetSeconds = oh * 3600;
    pos += 3;
    if (pos < end && b[pos] === COLON) {
      const om = twoDigits(b, pos + 1, end);
      if (om < 0) throw malformed(b, start, end);
      offsetSeconds += om * 60;
      pos += 3;
      if (pos < end && b[pos] === COLON) {
        const os = twoDigits(b, pos + 1, end);
        if (os < 0) throw malformed(b, start, end);
        offsetSeconds += os;
        pos += 3;
      }
    }
    if (sign === DASH) offsetSeconds = -offsetSeconds;
  } else if (sign === LETTER_Z) {
    pos++;
  }

  if (pos !== end) {
    if (bytesEqual(b, pos, end, BC_SUFFIX)) year = 1 - year;
    else throw malformed(b, start, end);
  }

  const epochMs =
    daysFromCivil(year, month, day) * DAY_MS + (hour * 3600 + minute * 60 + second - offsetSeconds) * 1000 + ms;
  if (!(Math.abs(epochMs) <= MAX_DATE_MS)) {
    throw new DecodeError(
      `Timestamp ${JSON.stringify(Buffer.from(b.subarray(start, end)).toString('utf8'))} is outside the range of a JavaScript Date; ` +
        'read it as text with a custom decoder (the `types` option) or cast it to text in SQL',
    );
  }
  return new Date(epochMs);
}

function pad2(n: number): string {
  return n < 10 ? `0${n}` : `${n}`;
}

function pad3(n: number): string {
  return n < 10 ? `00${n}` : n < 100 ? `0${n}` : `${n}`;
}

/** Year as PostgreSQL prints it: at least four digits, and `BC` years counted from 1. */
function eraYear(date: Date): { year: string; bc: boolean } {
  const astronomical = date.getUTCFullYear();
  const bc = astronomical <= 0;
  return { year: String(bc ? 1 - astronomical : astronomical).padStart(4, '0'), bc };
}

/**
 * A Date as UTC timestamp text both servers parse: `toISOString()` for years 1..9999 (CrateDB and PostgreSQL take it
 * for both timestamp types, docs/cratedb-wire.md "Parameter text parsing"), otherwise PostgreSQL's own output form (`10000-01-01 00:00:00.000+00`,
 * `0044-03-15 12:00:00.000+00 BC`), because the ISO form's `+010000` / `-000043` years are not accepted.
 * The caller checks the Date is valid.
 */
export function formatTimestamp(date: Date): string {
  const ms = date.getTime();
  const day = Math.floor(ms / DAY_MS);
  if (day !== isoDay) {
    const y = date.getUTCFullYear();
    if (y < 1 || y > 9999) return eraTimestamp(date);
    isoDay = day;
    isoDayPrefix = date.toISOString().slice(0, 11);
  }
  // toISOString()'s text, the date part remembered: consecutive rows mostly share their day (half the cost).
  const t = ms - day * DAY_MS;
  const seconds = Math.floor(t / 1000);
  return `${isoDayPrefix}${PAD2[Math.floor(seconds / 3600)]}:${PAD2[Math.floor(seconds / 60) % 60]}:${PAD2[seconds % 60]}.${PAD3[t - seconds * 1000]}Z`;
}

/** The UTC day of {@link isoDayPrefix} (days since 1970-01-01), and its `YYYY-MM-DDT`. */
let isoDay = Number.NaN;
let isoDayPrefix = '';
const PAD2 = Array.from({ length: 100 }, (_, i) => String(i).padStart(2, '0'));
const PAD3 = Array.from({ length: 1000 }, (_, i) => String(i).padStart(3, '0'));

/** Years outside 1..9999 in PostgreSQL's output form. */
function eraTimestamp(date: Date): string {
  const { year, bc } = eraYear(date);
  const time =
    `${pad2(date.getUTCHours())}:${pad2(date.getUTCMinutes())}:${pad2(date.getUTCSeconds())}` +
    `.${pad3(date.getUTCMilliseconds())}`;
  return `${year}-${pad2(date.getUTCMonth() + 1)}-${pad2(date.getUTCDate())} ${time}+00${bc ? ' BC' : ''}`;
}

/**
 * A Date as `YYYY-MM-DD` of its UTC calendar day: CrateDB's date parser accepts nothing else (docs/cratedb-wire.md "Parameter text parsing").
 * Years outside 1..9999 use PostgreSQL's form (` BC` suffix), which CrateDB does not accept.
 */
export function formatDate(date: Date): string {
  const { year, bc } = eraYear(date);
  return `${year}-${pad2(date.getUTCMonth() + 1)}-${pad2(date.getUTCDate())}${bc ? ' BC' : ''}`;
}
