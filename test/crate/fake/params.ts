/**
 * Decoding of Bind parameters with the statement's effective types (docs/cratedb-wire.md "Parameter type inference"), as strictly as CrateDB's
 * `decodeUTF8Text`/`readBinaryValue` do ("Parameter text parsing"). The text decoders double as the fake's casts from string.
 */
import { internalError, type FakeCrateError } from './errors.js';
import { PG_EPOCH_MS } from './binary-format.js';
import {
  oidHash, pgTypeOf, typeDisplayName, type CrateType, type NamedOid, type Numeric, type Period, type TimeTz,
} from './types.js';

const DECODE_ORIGIN = 'io.crate.protocols.postgres.PostgresWireProtocol.handleBindMessage(PostgresWireProtocol.java:512)';

const fail = (message: string): FakeCrateError => internalError(message, DECODE_ORIGIN);

/** Java `NumberFormatException.forInputString`. */
const badNumber = (s: string): FakeCrateError => fail(`For input string: "${s}"`);

function parseJavaInt(s: string, min: bigint, max: bigint): bigint {
  if (!/^[+-]?\d+$/.test(s)) throw badNumber(s);
  const v = BigInt(s);
  if (v < min || v > max) throw badNumber(s);
  return v;
}

/** Java `Double.parseDouble` syntax (trimmed; NaN, Infinity, optional f/d suffix). */
function parseJavaDouble(raw: string): number {
  const s = raw.trim();
  if (s === '') throw fail('empty String');
  const m = /^([+-]?)(NaN|Infinity|(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?)[fFdD]?$/.exec(s);
  if (!m) throw badNumber(raw);
  if (m[2] === 'NaN') return Number.NaN;
  const v = m[2] === 'Infinity' ? Infinity : Number(m[2]);
  return m[1] === '-' ? -v : v;
}

/** `new BigDecimal(s)`: exponents fine, NaN not ("Parameter text parsing"). */
function parseBigDecimal(s: string): Numeric {
  const m = /^([+-]?)(\d*)(?:\.(\d*))?(?:[eE]([+-]?\d+))?$/.exec(s);
  if (!m || ((m[2] ?? '') === '' && (m[3] ?? '') === '')) {
    const bad = [...s].find((c) => !/[\d.eE+-]/.test(c)) ?? s[0] ?? '';
    throw fail(`Character ${bad} is neither a decimal digit number, decimal point, nor "e" notation exponential mark.`);
  }
  const frac = m[3] ?? '';
  const unscaled = BigInt(`${m[1] ?? ''}${m[2] ?? ''}${frac}` || '0');
  return { unscaled, scale: frac.length - Number(m[4] ?? 0) };
}

const TIMESTAMP = /^(\d{4,})-(\d{2})-(\d{2})(?:[T ](\d{2}):(\d{2})(?::(\d{2})(?:\.(\d{1,9}))?)?)?\s*(Z|[+-]\d{2}(?::?\d{2})?)?(\s+BC)?$/;

/**
 * "Parameter text parsing" timestamps: epoch-ms digits, ISO 8601 with `T` or space, `Z`/`±hh:mm`/`±hh`, date only, `… BC`; local times
 * are UTC; up to 9 fraction digits kept to milliseconds. Without time zone the offset is dropped, not applied.
 */
function parseTimestamp(s: string, applyOffset: boolean): number {
  if (/^-?\d+$/.test(s)) return Number(s);
  const m = TIMESTAMP.exec(s.trim());
  if (!m) throw fail(`Text '${s}' could not be parsed at index 0`);
  let year = Number(m[1]);
  if (m[9]) year = 1 - year;
  const ms = Number((m[7] ?? '').padEnd(3, '0').slice(0, 3));
  let t = Date.UTC(2000, Number(m[2]) - 1, Number(m[3]), Number(m[4] ?? 0), Number(m[5] ?? 0), Number(m[6] ?? 0), ms);
  const d = new Date(t);
  d.setUTCFullYear(year);
  t = d.getTime();
  const zone = m[8];
  if (applyOffset && zone && zone !== 'Z') {
    const z = /^([+-])(\d{2}):?(\d{2})?$/.exec(zone);
    const minutes = Number(z?.[2] ?? 0) * 60 + Number(z?.[3] ?? 0);
    t -= (z?.[1] === '-' ? -minutes : minutes) * 60_000;
  }
  return t;
}

/** "Parameter text parsing" date: strict `YYYY-MM-DD` only (Java `LocalDate.parse`). */
function parseDate(s: string): number {
  const m = /^(\d{4})-(\d{2})-(\d{2})/.exec(s);
  if (!m) throw fail(`Text '${s}' could not be parsed at index 0`);
  if (s.length > 10) throw fail(`Text '${s}' could not be parsed, unparsed text found at index 10`);
  const t = Date.UTC(Number(m[1]), Number(m[2]) - 1, Number(m[3]));
  if (new Date(t).getUTCDate() !== Number(m[3])) throw fail(`Text '${s}' could not be parsed: Invalid date`);
  return t;
}

function parseTimeTz(s: string): TimeTz {
  const m = /^(\d{2}):(\d{2})(?::(\d{2})(?:\.(\d{1,6}))?)?(?:([+-])(\d{2})(?::?(\d{2}))?)?$/.exec(s);
  if (!m) throw fail(`Text '${s}' could not be parsed at index 0`);
  const micros = ((Number(m[1]) * 60 + Number(m[2])) * 60 + Number(m[3] ?? 0)) * 1_000_000 + Number((m[4] ?? '').padEnd(6, '0'));
  const offset = (Number(m[6] ?? 0) * 3600 + Number(m[7] ?? 0) * 60) * (m[5] === '-' ? -1 : 1);
  return { micros, offsetSeconds: offset };
}

/** "Parameter text parsing" interval: Joda's strict formatter, the output format of "Types". */
function parsePeriod(s: string): Period {
  const m = /^(?:(-?\d+) years? )?(?:(-?\d+) mons? )?(?:(-?\d+) weeks )?(?:(-?\d+) days? )?(\d{2}):(\d{2}):(\d{2})(?:\.(\d{1,3}))?$/.exec(s);
  if (!m) throw fail(`Invalid format: "${s}"`);
  const n = (i: number): number => Number(m[i] ?? 0);
  return {
    years: n(1), months: n(2), weeks: n(3), days: n(4), hours: n(5), minutes: n(6), seconds: n(7),
    millis: Number((m[8] ?? '').padEnd(3, '0')),
  };
}

/** "Parameter text parsing" json/object: a JSON object or array; scalars and bare strings fail. */
function parseJsonContainer(s: string): unknown {
  let v: unknown;
  try {
    v = JSON.parse(s);
  } catch {
    throw fail(`Failed to parse JSON: ${s}`);
  }
  if (v === null || typeof v !== 'object') throw fail(`Failed to parse JSON: ${s} is not an object or array`);
  return v;
}

function parseUuid(s: string): string {
  const m = /^([0-9a-f]{1,8})-([0-9a-f]{1,4})-([0-9a-f]{1,4})-([0-9a-f]{1,4})-([0-9a-f]{1,12})$/i.exec(s);
  if (!m) throw fail(`Invalid UUID string: ${s}`);
  const widths = [8, 4, 4, 4, 12];
  return m.slice(1).map((g, i) => g.padStart(widths[i] as number, '0').toLowerCase()).join('-');
}

/** "Arrays" text array input: quoted elements with JSON escapes, unquoted ones, NULL in any case, nesting. */
function parseArrayLiteral(s: string): unknown[] {
  let i = 0;
  const ws = (): void => {
    while (i < s.length && /\s/.test(s[i] as string)) i++;
  };
  const bad = (): FakeCrateError => fail(`Invalid array literal: ${s}`);
  const parseArray = (): unknown[] => {
    ws();
    if (s[i] !== '{') throw bad();
    i++;
    const items: unknown[] = [];
    ws();
    if (s[i] === '}') {
      i++;
      return items;
    }
    for (;;) {
      ws();
      if (s[i] === '{') items.push(parseArray());
      else if (s[i] === '"') items.push(parseQuoted());
      else {
        const start = i;
        while (i < s.length && !/[,"\\{}\s]/.test(s[i] as string)) i++;
        const word = s.slice(start, i);
        if (word === '') throw bad();
        items.push(word.toUpperCase() === 'NULL' ? null : word);
      }
      ws();
      if (s[i] === ',') i++;
      else if (s[i] === '}') {
        i++;
        return items;
      } else throw bad();
    }
  };
  const parseQuoted = (): string => {
    i++;
    let out = '';
    while (i < s.length && s[i] !== '"') {
      if (s[i] === '\\') {
        const c = s[i + 1];
        const simple: Record<string, string> = { '"': '"', '\\': '\\', '/': '/', b: '\b', f: '\f', n: '\n', r: '\r', t: '\t' };
        if (c === 'u') {
          out += String.fromCharCode(Number.parseInt(s.slice(i + 2, i + 6), 16));
          i += 6;
        } else if (c !== undefined && simple[c] !== undefined) {
          out += simple[c];
          i += 2;
        } else throw bad();
      } else out += s[i++];
    }
    if (s[i] !== '"') throw bad();
    i++;
    return out;
  };
  const result = parseArray();
  ws();
  if (i !== s.length) throw bad();
  return result;
}

function decodeArrayItems(element: CrateType, items: unknown[]): unknown[] {
  return items.map((item) => {
    if (item === null) return null;
    if (Array.isArray(item)) {
      if (element.kind !== 'array') throw fail('Invalid array literal: nested array for a one-dimensional type');
      return decodeArrayItems(element.element, item);
    }
    return decodeText(element, item as string);
  });
}

/** Decodes a text-format param (or casts a string) to `t` with CrateDB's strictness ("Parameter text parsing"). */
export function decodeText(t: CrateType, s: string): unknown {
  if (t.kind === 'array') return decodeArrayItems(t.element, parseArrayLiteral(s));
  switch (t.name) {
    case 'boolean':
      // "Parameter text parsing": true only for 1, t, T, true, TRUE; anything else is silently false.
      return ['1', 't', 'T', 'true', 'TRUE'].includes(s);
    case 'byte':
      return Number(parseJavaInt(s, -128n, 127n));
    case 'smallint':
      return Number(parseJavaInt(s, -32768n, 32767n));
    case 'integer':
      return Number(parseJavaInt(s, -2147483648n, 2147483647n));
    case 'bigint':
      return parseJavaInt(s, -(2n ** 63n), 2n ** 63n - 1n);
    case 'real':
      return Math.fround(parseJavaDouble(s));
    case 'double':
      return parseJavaDouble(s);
    case 'numeric':
      return parseBigDecimal(s);
    case 'timestamptz':
      return parseTimestamp(s, true);
    case 'timestamp':
      return parseTimestamp(s, false);
    case 'date':
      return parseDate(s);
    case 'timetz':
      return parseTimeTz(s);
    case 'interval':
      return parsePeriod(s);
    case 'object':
    case 'geo_shape':
      return parseJsonContainer(s);
    case 'json':
      parseJsonContainer(s);
      return s;
    case 'geo_point': {
      const m = /^\(?\s*([^,()]+?)\s*,\s*([^,()]+?)\s*\)?$/.exec(s);
      if (!m) throw fail(`Cannot convert "${s}" to a point`);
      return [parseJavaDouble(m[1] as string), parseJavaDouble(m[2] as string)];
    }
    case 'float_vector':
      return decodeArrayItems({ kind: 'scalar', name: 'real' }, parseArrayLiteral(s));
    case 'uuid':
      return parseUuid(s);
    case 'bit': {
      const m = /^(?:B'([01]*)'|([01]*))$/.exec(s);
      if (!m) throw fail(`Cannot cast value \`${s}\` to type \`${typeDisplayName(t)}\``);
      return m[1] ?? m[2] ?? '';
    }
    case 'regclass':
      return /^\d+$/.test(s) ? Number(s) : oidHash(s.includes('.') ? s : `doc.${s}`);
    case 'regtype':
    case 'regproc':
      return /^\d+$/.test(s) ? ({ oid: Number(s), name: s } satisfies NamedOid) : ({ oid: oidHash(s), name: s } satisfies NamedOid);
    case 'oidvector':
      return s.trim() === '' ? [] : s.trim().split(/\s+/).map((p) => Number(parseJavaInt(p, -2147483648n, 2147483647n)));
    case 'record':
      throw fail('Input of record values is not supported');
    default:
      return s;
  }
}

/** Reads a PG numeric (base-10000 digits) into a BigDecimal. */
function readNumeric(b: Buffer): Numeric {
  const ndigits = b.readInt16BE(0);
  const weight = b.readInt16BE(2);
  const sign = b.readUInt16BE(4);
  const dscale = b.readInt16BE(6);
  let unscaled = 0n;
  for (let i = 0; i < ndigits; i++) unscaled = unscaled * 10000n + BigInt(b.readInt16BE(8 + i * 2));
  const exp = (weight - ndigits + 1) * 4;
  if (exp > 0) unscaled *= 10n ** BigInt(exp);
  let scale = exp < 0 ? -exp : 0;
  for (; scale > dscale && unscaled % 10n === 0n; scale--) unscaled /= 10n;
  for (; scale < dscale; scale++) unscaled *= 10n;
  return { unscaled: sign === 0x4000 ? -unscaled : unscaled, scale };
}

function readArray(element: CrateType, b: Buffer, version: string): unknown[] {
  const ndim = b.readInt32BE(0);
  if (ndim === 0) return [];
  const dims: number[] = [];
  for (let d = 0; d < ndim; d++) dims.push(b.readInt32BE(12 + d * 8)); // "Arrays": lower bounds ignored
  let offset = 12 + ndim * 8;
  const read = (depth: number): unknown[] => {
    const out: unknown[] = [];
    for (let k = 0; k < (dims[depth] as number); k++) {
      if (depth + 1 < ndim) {
        out.push(read(depth + 1));
        continue;
      }
      const len = b.readInt32BE(offset);
      offset += 4;
      if (len === -1) out.push(null);
      else {
        out.push(decodeBinary(element, b.subarray(offset, offset + len), version));
        offset += len;
      }
    }
    return out;
  };
  return read(0);
}

/** Decodes a binary-format param with the effective type ("Parameter type inference": the declared OID is not consulted). */
function decodeBinary(t: CrateType, b: Buffer, version: string): unknown {
  if (t.kind === 'array') return readArray(t.element.kind === 'array' ? t.element.element : t.element, b, version);
  switch (t.name) {
    case 'boolean':
      return b.readUInt8(0) !== 0;
    case 'byte':
      return pgTypeOf(t, version).typlen === 1 ? b.readInt8(0) : b.readInt16BE(0);
    case 'smallint':
      return b.readInt16BE(0);
    case 'integer':
    case 'regclass':
      return b.readInt32BE(0);
    case 'bigint':
      return b.readBigInt64BE(0);
    case 'real':
      return b.readFloatBE(0);
    case 'double':
      return b.readDoubleBE(0);
    case 'numeric':
      return readNumeric(b);
    case 'timestamptz':
    case 'timestamp':
      // "Parameter text parsing": binary timestamps are cut to milliseconds.
      return Number(b.readBigInt64BE(0) / 1000n) + PG_EPOCH_MS;
    case 'date':
      return b.readInt32BE(0) * 86_400_000 + PG_EPOCH_MS;
    case 'timetz':
      return { micros: Number(b.readBigInt64BE(0)), offsetSeconds: b.readInt32BE(8) } satisfies TimeTz;
    case 'interval': {
      // "Parameter text parsing": binary intervals are split into years/months/weeks/days.
      const micros = Number(b.readBigInt64BE(0));
      const days = b.readInt32BE(8);
      const months = b.readInt32BE(12);
      const ms = Math.trunc(micros / 1000);
      return {
        years: Math.trunc(months / 12), months: months % 12, weeks: Math.trunc(days / 7), days: days % 7,
        hours: Math.trunc(ms / 3_600_000), minutes: Math.trunc(ms / 60_000) % 60, seconds: Math.trunc(ms / 1000) % 60,
        millis: ms % 1000,
      } satisfies Period;
    }
    case 'object':
    case 'geo_shape':
      return parseJsonContainer(b.toString('utf8'));
    case 'geo_point':
      return [b.readDoubleBE(0), b.readDoubleBE(8)];
    case 'float_vector':
      return readArray({ kind: 'scalar', name: 'real' }, b, version);
    case 'uuid': {
      const h = b.subarray(0, 16).toString('hex');
      return `${h.slice(0, 8)}-${h.slice(8, 12)}-${h.slice(12, 16)}-${h.slice(16, 20)}-${h.slice(20)}`;
    }
    case 'bit': {
      const n = b.readInt32BE(0);
      let bits = '';
      for (let i = 0; i < n; i++) bits += ((b[4 + (i >> 3)] as number) >> (7 - (i & 7))) & 1 ? '1' : '0';
      return bits;
    }
    case 'regproc':
    case 'regtype': {
      const oid = b.readInt32BE(0);
      return { oid, name: String(oid) } satisfies NamedOid;
    }
    case 'oidvector':
      return readArray({ kind: 'scalar', name: 'integer' }, b, version);
    case 'record':
      throw fail('Input of record values is not supported');
    default:
      return b.toString('utf8');
  }
}

/** Turns a RangeError from a short binary value into the XX000 the client sees. */
export function decodeParam(t: CrateType, raw: Buffer, format: number, version: string): unknown {
  if (format === 0) return decodeText(t, raw.toString('utf8'));
  try {
    return decodeBinary(t, raw, version);
  } catch (err) {
    if (err instanceof RangeError) throw fail(`Binary value too short for type ${typeDisplayName(t)}`);
    throw err;
  }
}
