/** Value checks shared by every source: the options object, connection strings and PG* environment variables. */
import { isIP } from 'node:net';
import { ConfigError } from '../errors.js';
import { MAX_TIMER_MS } from '../timers.js';
import type { BinaryResultsMode, Int8Mode, NumericMode, SslMode } from '../types.js';

/** The accepted values of sslmode, int8, numeric and binaryResults. */
export const SSL_MODES: readonly SslMode[] = ['disable', 'prefer', 'require', 'verify-ca', 'verify-full'];
export const INT8_MODES: readonly Int8Mode[] = ['number', 'bigint', 'string'];
export const NUMERIC_MODES: readonly NumericMode[] = ['string', 'number'];
export const BINARY_RESULTS_MODES: readonly BinaryResultsMode[] = ['auto', 'always', 'never'];
const SSL_MODE_HINTS: Readonly<Record<string, string>> = {
  allow: ' (allow is not supported; use prefer or disable)',
  'no-verify': ' (no-verify is node-postgres only; here require means TLS without verification)',
};

/** Inclusive bounds of an integer setting. */
export interface IntRange {
  readonly min: number;
  readonly max: number;
}
/** Valid TCP ports. */
export const PORT_RANGE: IntRange = { min: 1, max: 65_535 };
/** Bounds of every integer setting, in its option unit (milliseconds, counts, bytes). */
export const RANGES = {
  connectTimeoutMs: { min: 1, max: MAX_TIMER_MS },
  keepAliveInitialDelayMs: { min: 0, max: MAX_TIMER_MS },
  statementCacheSize: { min: 0, max: Number.MAX_SAFE_INTEGER },
  pipelineDepth: { min: 1, max: 1_000 },
  queryTimeoutMs: { min: 0, max: MAX_TIMER_MS },
  cancelTimeoutMs: { min: 1, max: MAX_TIMER_MS },
  closeTimeoutMs: { min: 0, max: MAX_TIMER_MS },
  maxResultBytes: { min: 0, max: Number.MAX_SAFE_INTEGER },
  maxMessageBytes: { min: 1, max: Number.MAX_SAFE_INTEGER },
} satisfies Record<string, IntRange>;
/** The integer settings. */
export type IntField = keyof typeof RANGES;

/** A value as quoted in an error message: strings cut at 200 characters, objects and functions not shown. */
export function describe(value: unknown): string {
  if (typeof value === 'string') return JSON.stringify(value.length > 200 ? `${value.slice(0, 200)}…` : value);
  if (typeof value === 'number' || typeof value === 'boolean' || typeof value === 'bigint') return String(value);
  if (value === null || value === undefined) return String(value);
  if (typeof value === 'function') return 'a function';
  if (Array.isArray(value)) return 'an array';
  return 'an object';
}

/** `value` if it is an integer within `range`. */
export function checkInt(value: number, name: string, range: IntRange, unit = ''): number {
  if (!Number.isInteger(value) || value < range.min || value > range.max) {
    throw new ConfigError(name, `${describe(value)} is not an integer from ${range.min} to ${range.max}${unit}`);
  }
  return value;
}

/** Decimal digits (surrounding space allowed) within `range`. */
export function parseInt10(text: string, name: string, range: IntRange, unit = ''): number {
  const trimmed = text.trim();
  if (!/^[0-9]+$/.test(trimmed)) {
    throw new ConfigError(name, `${describe(text)} is not an integer from ${range.min} to ${range.max}${unit}`);
  }
  return checkInt(Number(trimmed), name, range, unit);
}

/** libpq takes whole seconds in strings; we keep milliseconds. */
export function parseSeconds(text: string, name: string, rangeMs: IntRange): number {
  const range = { min: Math.ceil(rangeMs.min / 1000), max: Math.floor(rangeMs.max / 1000) };
  return parseInt10(text, name, range, ' (seconds)') * 1000;
}

/** true/1/on/yes or false/0/off/no, any case. */
export function parseBoolean(text: string, name: string): boolean {
  if (/^(true|1|on|yes)$/i.test(text)) return true;
  if (/^(false|0|off|no)$/i.test(text)) return false;
  throw new ConfigError(name, `${describe(text)} is not a boolean; use true or false (1 or 0)`);
}

/** `value` if it is one of `allowed`; sslmode values from other drivers get a hint. */
export function checkEnum<T extends string>(value: unknown, name: string, allowed: readonly T[]): T {
  if (typeof value === 'string' && (allowed as readonly string[]).includes(value)) return value as T;
  const hinted = allowed === SSL_MODES && typeof value === 'string' && Object.hasOwn(SSL_MODE_HINTS, value);
  const hint = hinted ? SSL_MODE_HINTS[value as string] : '';
  throw new ConfigError(name, `${describe(value)} is not one of ${allowed.join(', ')}${hint}`);
}

/** Startup and password messages carry C strings, so a NUL would cut the value short on the server. */
export function checkText(value: unknown, name: string, secret = false): string {
  if (typeof value !== 'string') {
    throw new ConfigError(name, `must be a string, got ${secret ? typeof value : describe(value)}`);
  }
  if (value.includes('\0')) {
    throw new ConfigError(name, `${secret ? 'the value' : describe(value)} contains a NUL character`);
  }
  return value;
}

/** A TCP host name or IP address; IPv6 brackets are removed. */
export function checkHost(host: string, name: string): string {
  checkText(host, name);
  const bare = /^\[.*\]$/.test(host) ? host.slice(1, -1) : host;
  if (bare === '') throw new ConfigError(name, 'a host name must not be empty');
  if (bare.startsWith('/')) {
    throw new ConfigError(name, `${describe(host)} is a Unix-domain socket directory; only TCP hosts are supported`);
  }
  if (bare.includes(':') && isIP(bare) !== 6) {
    throw new ConfigError(
      name,
      `${describe(host)} is neither a host name nor an IPv6 address; give the port separately`,
    );
  }
  return bare;
}

/** A comma-separated host list; empty means unset. */
export function parseHostList(text: string, name: string): string[] | undefined {
  if (text === '') return undefined;
  return text.split(',').map((host) => checkHost(host, name));
}

/** An empty entry (`port=5432,,5433`) takes the default port, as in libpq. */
export function parsePortList(text: string, name: string): (number | undefined)[] | undefined {
  if (text === '') return undefined;
  return text.split(',').map((port) => (port === '' ? undefined : parseInt10(port, name, PORT_RANGE)));
}

/** Empty means unset, as in libpq. */
export function optionalText(text: string, name: string): string | undefined {
  return text === '' ? undefined : checkText(text, name);
}
