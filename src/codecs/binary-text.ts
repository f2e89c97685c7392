/**
 * The text PostgreSQL prints for values it sends in binary: for the types whose text decoder returns the server's
 * text (numeric, date, time, timetz, interval, inet/cidr, bit, uuid), a binary result must give the same string
 * (DateStyle ISO, IntervalStyle postgres: the defaults, which cratewire assumes everywhere).
 */
import { PG_EPOCH_DAYS, readInt16, readInt32, readInt64Number } from './binary-read.js';

/** Node's Buffer hex primitive, as raw.ts uses utf8Slice: `toString('hex', …)` spends as long dispatching. */
interface HexSliceable {
  hexSlice(start: number, end: number): string;
}
const INT32_MAX = 0x7fff_ffff;
const INT32_MIN = -0x8000_0000;

function pad2(n: number): string {
  return n < 10 ? `0${n}` : `${n}`;
}

/** `n` as decimal digits, left-padded with zeros to `width`. */
function padded(n: number, width: number): string {
  const s = String(n);
  return s.length >= width ? s : '0'.repeat(width - s.length) + s;
}

/** A fraction of a second in µs (0 < µs < 10^6) as `.ffffff` without trailing zeros. */
function fraction(micros: number): string {
  if (micros === 0) return '';
  let digits = padded(micros, 6);
  let end = 6;
  while (digits.charCodeAt(end - 1) === 48) end--;
  digits = digits.slice(0, end);
  return `.${digits}`;
}

/** Proleptic Gregorian (year, month, day) of a day count since 1970-01-01 (H. Hinnant's `civil_from_days`). */
function civilFromDays(days: number): [number, number, number] {
  const z = days + 719_468;
  const era = Math.floor(z / 146_097);
  const doe = z - era * 146_097;
  const yoe = Math.floor((doe - Math.floor(doe / 1460) + Math.floor(doe / 36_524) - Math.floor(doe / 146_096)) / 365);
  const doy = doe - (365 * yoe + Math.floor(yoe / 4) - Math.floor(yoe / 100));
  const mp = Math.floor((5 * doy + 2) / 153);
  const day = doy - Math.floor((153 * mp + 2) / 5) + 1;
  const month = mp < 10 ? mp + 3 : mp - 9;
  return [era * 400 + yoe + (month <= 2 ? 1 : 0), month, day];
}

/** date (int4 days since 2000-01-01) → `YYYY-MM-DD`, ` BC` for years ≤ 0, `infinity` / `-infinity`. */
export function dateText(b: Uint8Array, p: number): string {
  const days = readInt32(b, p);
  if (days === INT32_MAX) return 'infinity';
  if (days === INT32_MIN) return '-infinity';
  const [year, month, day] = civilFromDays(days + PG_EPOCH_DAYS);
  const bc = year <= 0;
  return `${padded(bc ? 1 - year : year, 4)}-${pad2(month)}-${pad2(day)}${bc ? ' BC' : ''}`;
}

/** Microseconds of a time of day → `HH:MM:SS[.ffffff]`. */
function timeOfDay(micros: number): string {
  const seconds = Math.floor(micros / 1e6);
  const hour = Math.floor(seconds / 3600);
  const minute = Math.floor(seconds / 60) % 60;
  return `${pad2(hour)}:${pad2(minute)}:${pad2(seconds % 60)}${fraction(micros - seconds * 1e6)}`;
}

/** time (int8 µs since midnight) → `HH:MM:SS[.ffffff]`. */
export function timeText(b: Uint8Array, p: number): string {
  return timeOfDay(readInt64Number(b, p));
}

/** timetz (int8 µs, then int4 zone in seconds *west* of UTC) → `HH:MM:SS[.ffffff]±HH[:MM[:SS]]`, as PostgreSQL prints it. */
export function timetzText(b: Uint8Array, p: number): string {
  const east = -readInt32(b, p + 8);
  const abs = Math.abs(east);
  const h = Math.floor(abs / 3600);
  const m = Math.floor(abs / 60) % 60;
  const s = abs % 60;
  const zone = `${east < 0 ? '-' : '+'}${pad2(h)}${m !== 0 || s !== 0 ? `:${pad2(m)}` : ''}${s !== 0 ? `:${pad2(s)}` : ''}`;
  return timeOfDay(readInt64Number(b, p)) + zone;
}

/**
 * interval (int8 µs, int4 days, int4 months) → PostgreSQL's `postgres` IntervalStyle, e.g. `1 year 2 mons 3 days
 * 04:05:06.5`, `-1 days +02:00:00`, `00:00:00`: each non-zero field with its sign, `+` on a positive field after a
 * negative one, and the time part when non-zero or when everything else is zero.
 */
export function intervalText(b: Uint8Array, p: number): string {
  const micros = readInt64Number(b, p);
  const days = readInt32(b, p + 8);
  const months = readInt32(b, p + 12);
  const parts: string[] = [];
  let before = false;
  const add = (value: number, unit: string): void => {
    if (value === 0) return;
    parts.push(`${before && value > 0 ? '+' : ''}${value} ${unit}${value !== 1 ? 's' : ''}`);
    before = value < 0;
  };
  add(Math.trunc(months / 12), 'year');
  add(months % 12, 'mon');
  add(days, 'day');
  if (parts.length === 0 || micros !== 0) {
    const abs = Math.abs(micros);
    const seconds = Math.floor(abs / 1e6);
    const sign = micros < 0 ? '-' : before ? '+' : '';
    const clock = `${pad2(Math.floor(seconds / 3600))}:${pad2(Math.floor(seconds / 60) % 60)}:${pad2(seconds % 60)}`;
    parts.push(`${sign}${clock}${fraction(abs - seconds * 1e6)}`);
  }
  return parts.join(' ');
}

const NUMERIC_NEG = 0x4000;
const NUMERIC_NAN = 0xc000;
const NUMERIC_PINF = 0xd000;
const NUMERIC_NINF = 0xf000;

/**
 * numeric (int2 ndigits, int2 weight, int2 sign, int2 dscale, then base-10000 digits) → the decimal text PostgreSQL
 * prints: exactly `dscale` fraction digits, `NaN`, `Infinity`, `-Infinity`. Never scientific: CrateDB's text may be
 * (`1E+3`, docs/cratedb-wire.md, types), its binary is the same number in plain digits.
 */
export function numericText(b: Uint8Array, p: number): string {
  const ndigits = readInt16(b, p);
  const weight = readInt16(b, p + 2);
  const sign = ((b[p + 4] as number) << 8) | (b[p + 5] as number);
  const dscale = readInt16(b, p + 6) & 0x3fff;
  if (sign === NUMERIC_NAN) return 'NaN';
  if (sign === NUMERIC_PINF) return 'Infinity';
  if (sign === NUMERIC_NINF) return '-Infinity';
  const digit = (i: number): number => (i >= 0 && i < ndigits ? readInt16(b, p + 8 + 2 * i) : 0);
  let out = sign === NUMERIC_NEG ? '-' : '';
  if (weight < 0) {
    out += '0';
  } else {
    out += String(digit(0));
    for (let i = 1; i <= weight; i++) out += padded(digit(i), 4);
  }
  if (dscale > 0) {
    let frac = '';
    for (let i = weight + 1; frac.length < dscale; i++) frac += padded(digit(i), 4);
    out += `.${frac.slice(0, dscale)}`;
  }
  return out;
}

/** uuid (16 bytes) → canonical lowercase `8-4-4-4-12`. */
export function uuidText(b: Buffer, p: number): string {
  const hex = (b as unknown as HexSliceable).hexSlice(p, p + 16);
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
}

/** bit / varbit (int4 bit count, then the bits, most significant first) → `0101`. */
export function bitText(b: Uint8Array, p: number): string {
  const count = readInt32(b, p);
  let out = '';
  for (let i = 0; i < count; i++) out += ((b[p + 4 + (i >> 3)] as number) >> (7 - (i & 7))) & 1 ? '1' : '0';
  return out;
}

const AF_INET = 2;

/**
 * inet / cidr (family, bits, is_cidr, byte count, address) → PostgreSQL's text: IPv4 as four octets, IPv6 with the
 * longest run of two or more zero groups as `::` (and an embedded IPv4 tail where PostgreSQL prints one), then
 * `/bits` unless the mask is full — always for cidr.
 */
export function inetText(b: Uint8Array, p: number): string {
  const family = b[p] as number;
  const bits = b[p + 1] as number;
  const isCidr = b[p + 2] === 1;
  const a = p + 4;
  const address = family === AF_INET ? `${b[a]}.${b[a + 1]}.${b[a + 2]}.${b[a + 3]}` : ipv6Text(b, a);
  const full = family === AF_INET ? 32 : 128;
  return isCidr || bits !== full ? `${address}/${bits}` : address;
}

function ipv6Text(b: Uint8Array, a: number): string {
  const words: number[] = [];
  for (let i = 0; i < 8; i++) words.push(((b[a + 2 * i] as number) << 8) | (b[a + 2 * i + 1] as number));
  let bestBase = -1;
  let bestLen = 0;
  let curBase = -1;
  for (let i = 0; i <= 8; i++) {
    if (i < 8 && words[i] === 0) {
      if (curBase < 0) curBase = i;
    } else if (curBase >= 0) {
      if (i - curBase > bestLen) {
        bestBase = curBase;
        bestLen = i - curBase;
      }
      curBase = -1;
    }
  }
  if (bestLen < 2) bestBase = -1;
  let out = '';
  for (let i = 0; i < 8; i++) {
    if (bestBase >= 0 && i >= bestBase && i < bestBase + bestLen) {
      if (i === bestBase) out += ':';
      continue;
    }
    if (i !== 0) out += ':';
    if (i === 6 && bestBase === 0 && (bestLen === 6 || (bestLen === 7 && words[7] !== 1) || (bestLen === 5 && words[5] === 0xffff))) {
      return `${out}${b[a + 12]}.${b[a + 13]}.${b[a + 14]}.${b[a + 15]}`;
    }
    out += (words[i] as number).toString(16);
  }
  if (bestBase >= 0 && bestBase + bestLen === 8) out += ':';
  return out;
}

/** `"char"` (one byte) → PostgreSQL's text: the character, or `\ooo` for bytes above 127. */
export function charText(b: Uint8Array, p: number, end: number): string {
  if (end === p) return '';
  const c = b[p] as number;
  return c < 128 ? String.fromCharCode(c) : `\\${c.toString(8).padStart(3, '0')}`;
}

