/**
 * Casts and comparisons between the fake's values (value conventions in `types.ts`).
 */
import { internalError, type FakeCrateError } from '../errors.js';
import { decodeText } from '../params.js';
import { formatText, toJson } from '../text-format.js';
import { castFromText } from './text-casts.js';
import { typeDisplayName, type CrateType, type Numeric } from '../types.js';

const CAST_ORIGIN = 'io.crate.types.DataType.implicitCast(DataType.java:152)';

/** CrateDB's ConversionException text; an IllegalArgumentException, so XX000 on pgwire ("SQLSTATE mapping"). */
function cannotCast(text: string, to: CrateType): FakeCrateError {
  return internalError(`Cannot cast value \`${text}\` to type \`${typeDisplayName(to)}\``, CAST_ORIGIN);
}

const INT_RANGES: Record<string, [bigint, bigint]> = {
  byte: [-128n, 127n],
  smallint: [-32768n, 32767n],
  integer: [-2147483648n, 2147483647n],
  bigint: [-(2n ** 63n), 2n ** 63n - 1n],
};

function numericToNumber(n: Numeric): number {
  return Number(n.unscaled) / 10 ** n.scale;
}

function toNumber(value: unknown, from: CrateType): number | undefined {
  if (typeof value === 'number') return value;
  if (typeof value === 'bigint') return Number(value);
  if (from.kind === 'scalar' && from.name === 'numeric') return numericToNumber(value as Numeric);
  return undefined;
}

/** Casts `value` of type `from` to `to` the way CrateDB's implicit casts do for the fake's types. */
export function castValue(value: unknown, from: CrateType, to: CrateType, version: string): unknown {
  if (value === null || value === undefined) return null;
  if (to.kind === 'array') {
    if (typeof value === 'string') return decodeText(to, value);
    if (!Array.isArray(value)) throw cannotCast(String(value), to);
    const fromElement = from.kind === 'array' ? from.element : from;
    return value.map((v) => castValue(v, fromElement, to.element, version));
  }
  if (from.kind === 'scalar' && from.name === to.name) return value;
  const text = (): string => (from.kind === 'scalar' && from.name !== 'undefined' ? formatText(from, value, version) : String(value));
  if (to.name === 'text' || to.name === 'character' || to.name === 'ip' || to.name === 'json') {
    if (to.name === 'json' && typeof value === 'object') return toJson(value);
    return typeof value === 'string' ? value : text();
  }
  if (typeof value === 'string') return castFromText(to, value) ?? decodeText(to, value);
  const n = toNumber(value, from);
  const range = INT_RANGES[to.name];
  if (range && n !== undefined) {
    const v = typeof value === 'bigint' ? value : BigInt(Math.trunc(n));
    if (v < range[0] || v > range[1]) throw cannotCast(text(), to);
    return to.name === 'bigint' ? v : Number(v);
  }
  switch (to.name) {
    case 'real':
      if (n !== undefined) return Math.fround(n);
      break;
    case 'double':
      if (n !== undefined) return n;
      break;
    case 'numeric':
      if (n !== undefined) return decodeText(to, typeof value === 'bigint' ? value.toString() : String(n));
      break;
    case 'timestamptz':
    case 'timestamp':
      if (n !== undefined) return Math.trunc(n);
      if (from.kind === 'scalar' && ['timestamptz', 'timestamp', 'date'].includes(from.name)) return value;
      break;
    case 'date':
      if (from.kind === 'scalar' && ['timestamptz', 'timestamp'].includes(from.name)) return Math.floor((value as number) / 86_400_000) * 86_400_000;
      break;
    case 'object':
    case 'geo_shape':
      if (typeof value === 'object' && !Array.isArray(value)) return value;
      break;
    case 'geo_point':
      if (Array.isArray(value) && value.length === 2) return value.map((v) => Number(v));
      break;
    case 'float_vector':
      if (Array.isArray(value)) return value.map((v) => Math.fround(Number(v)));
      break;
    case 'boolean':
      if (typeof value === 'boolean') return value;
      break;
    case 'undefined':
      return value;
  }
  throw cannotCast(text(), to);
}

/** Orders two non-null values of the same type; nulls are handled by the caller. */
export function compareValues(a: unknown, b: unknown, type: CrateType): number {
  if (type.kind === 'scalar' && type.name === 'numeric') {
    const x = numericToNumber(a as Numeric);
    const y = numericToNumber(b as Numeric);
    return x < y ? -1 : x > y ? 1 : 0;
  }
  if (typeof a === 'number' && typeof b === 'number') return a < b ? -1 : a > b ? 1 : 0;
  if (typeof a === 'bigint' && typeof b === 'bigint') return a < b ? -1 : a > b ? 1 : 0;
  if (typeof a === 'boolean' && typeof b === 'boolean') return Number(a) - Number(b);
  const x = typeof a === 'string' ? a : toJson(a);
  const y = typeof b === 'string' ? b : toJson(b);
  return x < y ? -1 : x > y ? 1 : 0;
}

/** WHERE `a op b` for two values of `type`; comparisons with NULL are never true. */
export function matches(a: unknown, op: string, b: unknown, type: CrateType): boolean {
  if (a === null || b === null) return false;
  const c = compareValues(a, b, type);
  switch (op) {
    case '=':
      return c === 0;
    case '<>':
      return c !== 0;
    case '<':
      return c < 0;
    case '<=':
      return c <= 0;
    case '>':
      return c > 0;
    default:
      return c >= 0;
  }
}
