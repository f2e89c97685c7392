/**
 * Connection string + options object + PG* environment → one frozen, validated config (DESIGN.md §2).
 *
 * URLs and keyword/value strings are parsed here rather than by `pg-connection-string`: measured on 2.14.1 it throws
 * on multi-host URLs with ports, turns keyword/value strings into a database name, leaves `%2F` encoded in database
 * names, decodes `+` in parameters as a space (libpq keeps it), accepts malformed `%` escapes silently, reads a file
 * named `system` for `sslrootcert=system`, and emits a process warning for sslmode=prefer/require. Every one of those
 * would need a workaround that re-does its work, so this module follows libpq's rules directly.
 */
import { readFileSync } from 'node:fs';
import { isIP } from 'node:net';
import { ConfigError, UsageError } from './errors.js';

/** libpq's sslmode values (`allow` is not offered: it would prefer plaintext over TLS). */
export type SslMode = 'disable' | 'prefer' | 'require' | 'verify-ca' | 'verify-full';
/** How int8 (bigint) results are returned. */
export type Int8Mode = 'number' | 'bigint' | 'string';
/** How numeric (decimal) results are returned. */
export type NumericMode = 'string' | 'number';
/** One server address. */
export interface HostPort {
  readonly host: string;
  readonly port: number;
}
/** A password, or a function returning one (called at each connect). */
export type PasswordSource = string | (() => string | Promise<string>);
/** A custom codec for one type OID. */
export interface CustomType {
  /** Turns the text form of a result value into a JS value. */
  decode?: (text: string) => unknown;
  /** Turns a JS parameter into its text form. */
  encode?: (value: unknown) => string;
}

/** Options accepted by connect() / createPool(). They override the connection string, which overrides PG* env vars. */
export interface ConnectOptions {
  /** Host name(s) or IP address(es); a list is tried in order. Default `localhost`. */
  host?: string | readonly string[];
  /** Port, or one port per host (`hosts[i]` pairs with `ports[i]`). Default 5432. */
  port?: number | readonly number[];
  /** User name. Default `crate`. */
  user?: string;
  /** Password, or a function called at each connect. */
  password?: PasswordSource;
  /** Database; on CrateDB it is the default schema (WIRE.md §1.2). Default `doc`. */
  database?: string;
  /** libpq sslmode. Default `prefer`. */
  sslmode?: SslMode;
  /** Path of a CA certificate file, or `system` for Node's default store (then sslmode must be verify-full). */
  sslrootcert?: string;
  /** Path of a client certificate file (needs sslkey). */
  sslcert?: string;
  /** Path of the client certificate's private key file (needs sslcert). */
  sslkey?: string;
  /** In-memory PEM material; each field wins over the matching file option. */
  ssl?: { ca?: string | Buffer; cert?: string | Buffer; key?: string | Buffer; servername?: string };
  /** One deadline over DNS + TCP + TLS + auth. Default 10 000. */
  connectTimeoutMs?: number;
  /** TCP keepalive. Default true. */
  keepAlive?: boolean;
  /** Idle time before the first keepalive probe. Default 30 000. */
  keepAliveInitialDelayMs?: number;
  /** Reported as `application_name`. */
  applicationName?: string;
  /** libpq `options`, e.g. `-c statement_timeout=1000 -c search_path=x`. */
  options?: string;
  /** Allow sending a cleartext password over a non-TLS socket. Default false. */
  allowCleartextPasswordWithoutTls?: boolean;
  /** How int8 values are returned. Default `number`. */
  int8?: Int8Mode;
  /** How numeric values are returned. Default `string`. */
  numeric?: NumericMode;
  /** Size of the automatic prepared-statement cache; 0 disables it. Default 100. */
  statementCacheSize?: number;
  /**
   * Most queries in flight at once on one PostgreSQL connection when several are issued without awaiting (each with
   * its own Sync, so errors stay separate). 1 disables pipelining. Never used on CrateDB. Default 16.
   */
  pipelineDepth?: number;
  /** Default per-query timeout; 0 = none. Default 0. */
  queryTimeoutMs?: number;
  /**
   * How long a CancelRequest (its own socket, its own deadline) and the cancelled query may take to finish before the
   * connection is destroyed instead — what bounds a half-open socket once a query deadline fired. Default 5 000.
   */
  cancelTimeoutMs?: number;
  /** How long close() waits for queued queries. Default 5 000. */
  closeTimeoutMs?: number;
  /** Bound on one buffered result; 0 = unlimited. Default 0. */
  maxResultBytes?: number;
  /** Largest server message accepted. Default 1 GiB. */
  maxMessageBytes?: number;
  /** Custom codecs by type OID. */
  types?: Readonly<Record<number, CustomType>>;
  /** Called with each NoticeResponse. */
  onNotice?: (notice: unknown) => void;
}

/** TLS settings after the sslmode table has been applied. */
export interface SslConfig {
  /** Effective mode: `require` with a CA becomes `verify-ca`, like libpq. */
  readonly mode: SslMode;
  /** Trusted CA(s), loaded from sslrootcert or ssl.ca; absent means Node's default store. */
  readonly ca?: string | Buffer;
  readonly cert?: string | Buffer;
  readonly key?: string | Buffer;
  readonly servername?: string;
}

/** The validated, frozen result of {@link resolveConfig}; its password is only reachable via resolvePassword. */
export interface ResolvedConfig {
  readonly hosts: readonly HostPort[];
  readonly user: string;
  readonly database: string;
  readonly ssl: SslConfig;
  readonly connectTimeoutMs: number;
  readonly keepAlive: boolean;
  readonly keepAliveInitialDelayMs: number;
  readonly applicationName: string | undefined;
  readonly options: string | undefined;
  readonly allowCleartextPasswordWithoutTls: boolean;
  readonly int8: Int8Mode;
  readonly numeric: NumericMode;
  readonly statementCacheSize: number;
  readonly pipelineDepth: number;
  readonly queryTimeoutMs: number;
  readonly cancelTimeoutMs: number;
  readonly closeTimeoutMs: number;
  readonly maxResultBytes: number;
  readonly maxMessageBytes: number;
  readonly types: Readonly<Record<number, CustomType>>;
  readonly onNotice: ((notice: unknown) => void) | undefined;
  readonly hasPassword: boolean;
}

type SslMaterial = NonNullable<ConnectOptions['ssl']>;

/** Every setting in its validated form; hosts and ports are lists from every source. */
interface Settings {
  host: readonly string[];
  port: readonly (number | undefined)[];
  user: string;
  password: PasswordSource;
  database: string;
  sslmode: SslMode;
  sslrootcert: string;
  sslcert: string;
  sslkey: string;
  ssl: SslMaterial;
  connectTimeoutMs: number;
  keepAlive: boolean;
  keepAliveInitialDelayMs: number;
  applicationName: string;
  options: string;
  allowCleartextPasswordWithoutTls: boolean;
  int8: Int8Mode;
  numeric: NumericMode;
  statementCacheSize: number;
  pipelineDepth: number;
  queryTimeoutMs: number;
  cancelTimeoutMs: number;
  closeTimeoutMs: number;
  maxResultBytes: number;
  maxMessageBytes: number;
  types: Readonly<Record<number, CustomType>>;
  onNotice: (notice: unknown) => void;
}
type Field = keyof Settings & keyof ConnectOptions;
/** A value together with the key the user spelled it with (`port`, `PGPORT`, `connect_timeout`), for errors. */
interface Entry<F extends Field> {
  readonly name: string;
  readonly value: Settings[F];
}
type Layer = { [F in Field]?: Entry<F> };

const SSL_MODES: readonly SslMode[] = ['disable', 'prefer', 'require', 'verify-ca', 'verify-full'];
const INT8_MODES: readonly Int8Mode[] = ['number', 'bigint', 'string'];
const NUMERIC_MODES: readonly NumericMode[] = ['string', 'number'];
const SSL_MODE_HINTS: Readonly<Record<string, string>> = {
  allow: ' (allow is not supported; use prefer or disable)',
  'no-verify': ' (no-verify is node-postgres only; here require means TLS without verification)',
};
const URL_SCHEMES = ['postgres', 'postgresql', 'crate'];
/** setTimeout fires at once for delays above 2^31−1 ms, so no timeout may exceed it. */
const MAX_TIMER_MS = 2_147_483_647;
const MAX_OID = 4_294_967_295;

interface IntRange {
  readonly min: number;
  readonly max: number;
}
const PORT_RANGE: IntRange = { min: 1, max: 65_535 };
const RANGES = {
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
type IntField = keyof typeof RANGES;

const PASSWORDS = new WeakMap<ResolvedConfig, PasswordSource | undefined>();

// ---------------------------------------------------------------------------------------------------------------
// Value checks shared by every source.

function describe(value: unknown): string {
  if (typeof value === 'string') return JSON.stringify(value.length > 200 ? `${value.slice(0, 200)}…` : value);
  if (typeof value === 'number' || typeof value === 'boolean' || typeof value === 'bigint') return String(value);
  if (value === null || value === undefined) return String(value);
  if (typeof value === 'function') return 'a function';
  if (Array.isArray(value)) return 'an array';
  return 'an object';
}

function checkInt(value: number, name: string, range: IntRange, unit = ''): number {
  if (!Number.isInteger(value) || value < range.min || value > range.max) {
    throw new ConfigError(name, `${describe(value)} is not an integer from ${range.min} to ${range.max}${unit}`);
  }
  return value;
}

function parseInt10(text: string, name: string, range: IntRange, unit = ''): number {
  const trimmed = text.trim();
  if (!/^[0-9]+$/.test(trimmed)) {
    throw new ConfigError(name, `${describe(text)} is not an integer from ${range.min} to ${range.max}${unit}`);
  }
  return checkInt(Number(trimmed), name, range, unit);
}

/** libpq takes whole seconds in strings; we keep milliseconds. */
function parseSeconds(text: string, name: string, rangeMs: IntRange): number {
  const range = { min: Math.ceil(rangeMs.min / 1000), max: Math.floor(rangeMs.max / 1000) };
  return parseInt10(text, name, range, ' (seconds)') * 1000;
}

function parseBoolean(text: string, name: string): boolean {
  if (/^(true|1|on|yes)$/i.test(text)) return true;
  if (/^(false|0|off|no)$/i.test(text)) return false;
  throw new ConfigError(name, `${describe(text)} is not a boolean; use true or false (1 or 0)`);
}

function checkEnum<T extends string>(value: unknown, name: string, allowed: readonly T[]): T {
  if (typeof value === 'string' && (allowed as readonly string[]).includes(value)) return value as T;
  const hinted = allowed === SSL_MODES && typeof value === 'string' && Object.hasOwn(SSL_MODE_HINTS, value);
  const hint = hinted ? SSL_MODE_HINTS[value as string] : '';
  throw new ConfigError(name, `${describe(value)} is not one of ${allowed.join(', ')}${hint}`);
}

/** Startup and password messages carry C strings, so a NUL would cut the value short on the server. */
function checkText(value: unknown, name: string, secret = false): string {
  if (typeof value !== 'string') {
    throw new ConfigError(name, `must be a string, got ${secret ? typeof value : describe(value)}`);
  }
  if (value.includes('\0')) {
    throw new ConfigError(name, `${secret ? 'the value' : describe(value)} contains a NUL character`);
  }
  return value;
}

function checkHost(host: string, name: string): string {
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

function parseHostList(text: string, name: string): string[] | undefined {
  if (text === '') return undefined;
  return text.split(',').map((host) => checkHost(host, name));
}

/** An empty entry (`port=5432,,5433`) takes the default port, as in libpq. */
function parsePortList(text: string, name: string): (number | undefined)[] | undefined {
  if (text === '') return undefined;
  return text.split(',').map((port) => (port === '' ? undefined : parseInt10(port, name, PORT_RANGE)));
}

function optionalText(text: string, name: string): string | undefined {
  return text === '' ? undefined : checkText(text, name);
}

// ---------------------------------------------------------------------------------------------------------------
// The options object.

function checkIntOption(field: IntField): (value: unknown, name: string) => number {
  return (value, name) => {
    if (typeof value !== 'number') throw new ConfigError(name, `must be a number, got ${describe(value)}`);
    return checkInt(value, name, RANGES[field]);
  };
}

function checkBooleanOption(value: unknown, name: string): boolean {
  if (typeof value !== 'boolean') throw new ConfigError(name, `must be true or false, got ${describe(value)}`);
  return value;
}

function checkNonEmptyText(value: unknown, name: string): string {
  if (checkText(value, name) === '') throw new ConfigError(name, 'must not be empty');
  return value as string;
}

function checkFunction<T>(value: unknown, name: string): T {
  if (typeof value !== 'function') throw new ConfigError(name, `must be a function, got ${describe(value)}`);
  return value as T;
}

function checkPlainObject(value: unknown, name: string): Record<string, unknown> {
  if (typeof value !== 'object' || value === null || Array.isArray(value) || Buffer.isBuffer(value)) {
    throw new ConfigError(name, `must be an object, got ${describe(value)}`);
  }
  return value as Record<string, unknown>;
}

function checkPem(value: unknown, name: string): string | Buffer {
  if (typeof value !== 'string' && !Buffer.isBuffer(value)) {
    throw new ConfigError(name, `must be a PEM string or Buffer, got ${describe(value)}`);
  }
  return value;
}

const SSL_MATERIAL_KEYS = ['ca', 'cert', 'key', 'servername'];

function checkSslMaterial(value: unknown, name: string): SslMaterial {
  if (typeof value === 'boolean') {
    throw new ConfigError(name, `must be an object with ca/cert/key/servername, got ${value}; choose TLS with sslmode`);
  }
  const object = checkPlainObject(value, name);
  const out: { -readonly [K in keyof SslMaterial]: SslMaterial[K] } = {};
  for (const key of Object.keys(object)) {
    const item = object[key];
    const itemName = `${name}.${key}`;
    if (!SSL_MATERIAL_KEYS.includes(key)) {
      throw new ConfigError(
        itemName,
        `unknown TLS option; only ${SSL_MATERIAL_KEYS.join(', ')} are accepted, and verification is chosen with ` +
          'sslmode (require = no verification, verify-ca, verify-full)',
      );
    }
    if (item === undefined) continue;
    if (key === 'servername') out.servername = checkNonEmptyText(item, itemName);
    else out[key as 'ca' | 'cert' | 'key'] = checkPem(item, itemName);
  }
  return out;
}

function checkTypes(value: unknown, name: string): Readonly<Record<number, CustomType>> {
  const object = checkPlainObject(value, name);
  const out: Record<number, CustomType> = {};
  for (const key of Object.keys(object)) {
    const itemName = `${name}.${key}`;
    if (!/^[0-9]+$/.test(key) || Number(key) < 1 || Number(key) > MAX_OID) {
      throw new ConfigError(itemName, `${describe(key)} is not a type OID (an integer from 1 to ${MAX_OID})`);
    }
    const codec = checkPlainObject(object[key], itemName);
    const copy: CustomType = {};
    for (const part of Object.keys(codec)) {
      if (part !== 'decode' && part !== 'encode') {
        throw new ConfigError(`${itemName}.${part}`, 'unknown codec member; only decode and encode are accepted');
      }
      if (codec[part] !== undefined) copy[part] = checkFunction(codec[part], `${itemName}.${part}`);
    }
    if (copy.decode === undefined && copy.encode === undefined) {
      throw new ConfigError(itemName, 'a custom type needs a decode or an encode function');
    }
    out[Number(key)] = Object.freeze(copy);
  }
  return Object.freeze(out);
}

function checkPassword(value: unknown, name: string): PasswordSource {
  if (typeof value === 'function') return value as PasswordSource;
  if (typeof value !== 'string') {
    throw new ConfigError(name, `must be a string or a function returning one, got ${typeof value}`);
  }
  return checkText(value, name, true);
}

type OptionCheckers = { [F in Field]: (value: unknown, name: string) => Settings[F] };

const OPTION_CHECKERS: OptionCheckers = {
  host: (value, name) => {
    const list = typeof value === 'string' ? value.split(',') : value;
    if (!Array.isArray(list) || list.length === 0) {
      throw new ConfigError(name, `must be a host name or a non-empty array of them, got ${describe(value)}`);
    }
    return list.map((host: unknown, i) => {
      const itemName = Array.isArray(value) ? `${name}[${i}]` : name;
      return checkHost(checkText(host, itemName), itemName);
    });
  },
  port: (value, name) => {
    const list: unknown = typeof value === 'number' ? [value] : value;
    if (!Array.isArray(list) || list.length === 0) {
      throw new ConfigError(name, `must be a port number or a non-empty array of them, got ${describe(value)}`);
    }
    return list.map((port: unknown, i) => {
      const itemName = Array.isArray(value) ? `${name}[${i}]` : name;
      if (typeof port !== 'number') throw new ConfigError(itemName, `must be a number, got ${describe(port)}`);
      return checkInt(port, itemName, PORT_RANGE);
    });
  },
  user: checkNonEmptyText,
  password: checkPassword,
  database: checkNonEmptyText,
  sslmode: (value, name) => checkEnum(value, name, SSL_MODES),
  sslrootcert: checkNonEmptyText,
  sslcert: checkNonEmptyText,
  sslkey: checkNonEmptyText,
  ssl: checkSslMaterial,
  connectTimeoutMs: checkIntOption('connectTimeoutMs'),
  keepAlive: checkBooleanOption,
  keepAliveInitialDelayMs: checkIntOption('keepAliveInitialDelayMs'),
  applicationName: checkText,
  options: checkText,
  allowCleartextPasswordWithoutTls: checkBooleanOption,
  int8: (value, name) => checkEnum(value, name, INT8_MODES),
  numeric: (value, name) => checkEnum(value, name, NUMERIC_MODES),
  statementCacheSize: checkIntOption('statementCacheSize'),
  pipelineDepth: checkIntOption('pipelineDepth'),
  queryTimeoutMs: checkIntOption('queryTimeoutMs'),
  cancelTimeoutMs: checkIntOption('cancelTimeoutMs'),
  closeTimeoutMs: checkIntOption('closeTimeoutMs'),
  maxResultBytes: checkIntOption('maxResultBytes'),
  maxMessageBytes: checkIntOption('maxMessageBytes'),
  types: checkTypes,
  onNotice: (value, name) => checkFunction(value, name),
};
const OPTION_KEYS = Object.keys(OPTION_CHECKERS) as Field[];

function put<F extends Field>(layer: Layer, field: F, name: string, value: Settings[F]): void {
  (layer as Record<F, Entry<F>>)[field] = { name, value };
}

function readOptions(value: unknown, name: string): Layer {
  const object = checkPlainObject(value, name);
  const layer: Layer = {};
  for (const key of Object.keys(object)) {
    const item = object[key];
    if (!(OPTION_KEYS as string[]).includes(key)) throw unknownOption(key);
    if (item === undefined) continue;
    const field = key as Field;
    put(layer, field, key, OPTION_CHECKERS[field](item, key));
  }
  return layer;
}

// ---------------------------------------------------------------------------------------------------------------
// Connection-string keys (URL query parameters and keyword/value pairs) and PG* environment variables.

/** How a string key maps to a setting; `field: undefined` marks libpq keys accepted only with harmless values. */
interface StringKey {
  readonly field: Field | undefined;
  readonly parse: (text: string, name: string) => unknown;
}

function maps<F extends Field>(field: F, parse: (text: string, name: string) => Settings[F] | undefined): StringKey {
  return { field, parse };
}

function accepted(allowed: readonly string[], why: string): StringKey {
  return {
    field: undefined,
    parse: (text, name) => {
      if (!allowed.includes(text.toLowerCase())) {
        throw new ConfigError(name, `${describe(text)} is not supported (${why}); accepted: ${allowed.join(', ')}`);
      }
      return undefined;
    },
  };
}

const intKey = (field: IntField): StringKey => maps(field, (t, name) => parseInt10(t, name, RANGES[field]));

const STRING_KEYS: Readonly<Record<string, StringKey>> = {
  host: maps('host', parseHostList),
  port: maps('port', parsePortList),
  user: maps('user', optionalText),
  password: maps('password', (t, name) => checkText(t, name, true)),
  dbname: maps('database', optionalText),
  database: maps('database', optionalText),
  sslmode: maps('sslmode', (t, name) => checkEnum(t, name, SSL_MODES)),
  sslrootcert: maps('sslrootcert', optionalText),
  sslcert: maps('sslcert', optionalText),
  sslkey: maps('sslkey', optionalText),
  connect_timeout: maps('connectTimeoutMs', (t, name) => parseSeconds(t, name, RANGES.connectTimeoutMs)),
  connectTimeoutMs: intKey('connectTimeoutMs'),
  keepalives: maps('keepAlive', (t, name) => {
    if (t !== '0' && t !== '1') throw new ConfigError(name, `${describe(t)} is not 0 or 1`);
    return t === '1';
  }),
  keepAlive: maps('keepAlive', parseBoolean),
  keepalives_idle: maps('keepAliveInitialDelayMs', (t, name) => parseSeconds(t, name, RANGES.keepAliveInitialDelayMs)),
  keepAliveInitialDelayMs: intKey('keepAliveInitialDelayMs'),
  application_name: maps('applicationName', optionalText),
  applicationName: maps('applicationName', optionalText),
  options: maps('options', optionalText),
  allowCleartextPasswordWithoutTls: maps('allowCleartextPasswordWithoutTls', parseBoolean),
  int8: maps('int8', (t, name) => checkEnum(t, name, INT8_MODES)),
  numeric: maps('numeric', (t, name) => checkEnum(t, name, NUMERIC_MODES)),
  statementCacheSize: intKey('statementCacheSize'),
  pipelineDepth: intKey('pipelineDepth'),
  queryTimeoutMs: intKey('queryTimeoutMs'),
  cancelTimeoutMs: intKey('cancelTimeoutMs'),
  closeTimeoutMs: intKey('closeTimeoutMs'),
  maxResultBytes: intKey('maxResultBytes'),
  maxMessageBytes: intKey('maxMessageBytes'),
  // Common in copied libpq URLs; accepted where the value asks for nothing we would not do anyway.
  client_encoding: accepted(['utf8', 'utf-8', 'unicode'], 'the driver speaks UTF-8 only'),
  gssencmode: accepted(['disable', 'prefer'], 'GSSAPI encryption is not implemented'),
  channel_binding: accepted(['disable', 'prefer'], 'SCRAM channel binding is not implemented'),
  sslnegotiation: accepted(['postgres'], 'CrateDB only understands SSLRequest, not direct TLS (WIRE.md §10.5)'),
  target_session_attrs: accepted(['any'], 'CrateDB has no primary or standby nodes'),
};

const ENV_KEYS: readonly (readonly [string, string])[] = [
  ['PGHOST', 'host'],
  ['PGPORT', 'port'],
  ['PGUSER', 'user'],
  ['PGPASSWORD', 'password'],
  ['PGDATABASE', 'dbname'],
  ['PGSSLMODE', 'sslmode'],
  ['PGSSLROOTCERT', 'sslrootcert'],
  ['PGSSLCERT', 'sslcert'],
  ['PGSSLKEY', 'sslkey'],
  ['PGAPPNAME', 'application_name'],
  ['PGCONNECT_TIMEOUT', 'connect_timeout'],
  ['PGOPTIONS', 'options'],
];

/** Names people bring from other drivers, with where the setting lives here. */
const FOREIGN_KEYS: Readonly<Record<string, string>> = {
  ssl: 'use sslmode (disable, prefer, require, verify-ca, verify-full)',
  connectionString: 'pass the connection string as the first argument',
  connectionTimeoutMillis: 'did you mean "connectTimeoutMs"?',
  statement_timeout: 'use queryTimeoutMs, or options "-c statement_timeout=…"',
  query_timeout: 'did you mean "queryTimeoutMs"?',
  keepAliveInitialDelayMillis: 'did you mean "keepAliveInitialDelayMs"?',
};

function applyStringKey(layer: Layer, name: string, value: string): void {
  if (!Object.hasOwn(STRING_KEYS, name)) throw unknownStringKey(name);
  const spec = STRING_KEYS[name] as StringKey;
  const parsed = spec.parse(value, name);
  if (spec.field !== undefined && parsed !== undefined) put(layer, spec.field, name, parsed as never);
}

/** Only variables for settings no higher layer gave are parsed, so a stale PG* variable that loses is harmless. */
function readEnv(env: NodeJS.ProcessEnv, taken: Layer): Layer {
  const layer: Layer = {};
  for (const [variable, stringKey] of ENV_KEYS) {
    const value = env[variable];
    const spec = STRING_KEYS[stringKey] as StringKey;
    if (value === undefined || value === '' || spec.field === undefined || taken[spec.field] !== undefined) continue;
    const parsed = spec.parse(value, variable);
    if (parsed !== undefined) put(layer, spec.field, variable, parsed as never);
  }
  return layer;
}

// ---------------------------------------------------------------------------------------------------------------
// Unknown keys, with the nearest valid one.

/** Optimal string alignment distance (Levenshtein plus adjacent transpositions), case-insensitive. */
function distance(a: string, b: string): number {
  const x = a.toLowerCase();
  const y = b.toLowerCase();
  const d: number[][] = Array.from({ length: x.length + 1 }, (_, i) => [i]);
  for (let j = 1; j <= y.length; j++) (d[0] as number[])[j] = j;
  for (let i = 1; i <= x.length; i++) {
    const row = d[i] as number[];
    const prev = d[i - 1] as number[];
    for (let j = 1; j <= y.length; j++) {
      const cost = x[i - 1] === y[j - 1] ? 0 : 1;
      let best = Math.min((prev[j] as number) + 1, (row[j - 1] as number) + 1, (prev[j - 1] as number) + cost);
      if (i > 1 && j > 1 && x[i - 1] === y[j - 2] && x[i - 2] === y[j - 1]) {
        best = Math.min(best, ((d[i - 2] as number[])[j - 2] as number) + 1);
      }
      row[j] = best;
    }
  }
  return (d[x.length] as number[])[y.length] as number;
}

function nearest(word: string, candidates: readonly string[]): string | undefined {
  let best: string | undefined;
  let bestDistance = word.length < 5 ? 2 : 3;
  for (const candidate of candidates) {
    const d = distance(word, candidate);
    if (d < bestDistance) {
      best = candidate;
      bestDistance = d;
    }
  }
  return best;
}

function unknownOption(name: string): ConfigError {
  const stringKey = Object.hasOwn(STRING_KEYS, name) ? STRING_KEYS[name] : undefined;
  const suggestion = Object.hasOwn(FOREIGN_KEYS, name)
    ? FOREIGN_KEYS[name]
    : stringKey?.field !== undefined
      ? `did you mean "${stringKey.field}"? (connection-string names are not option names)`
      : withSuggestion(nearest(name, OPTION_KEYS), `valid options: ${OPTION_KEYS.join(', ')}`);
  return new ConfigError(name, `unknown option ${describe(name)}; ${suggestion}`);
}

function unknownStringKey(name: string): ConfigError {
  const known = Object.keys(STRING_KEYS);
  const suggestion = Object.hasOwn(FOREIGN_KEYS, name)
    ? FOREIGN_KEYS[name]
    : withSuggestion(nearest(name, known), `valid keys: ${known.join(', ')}`);
  return new ConfigError(name, `unknown connection-string key ${describe(name)}; ${suggestion}`);
}

function withSuggestion(candidate: string | undefined, fallback: string): string {
  return candidate === undefined ? fallback : `did you mean "${candidate}"?`;
}

// ---------------------------------------------------------------------------------------------------------------
// URLs: scheme://[user[:password]@][host[:port][,host[:port]...]][/database][?key=value&...]

/** Hides `:password@` and `password=` values before a URL is quoted in an error. */
function redactUrl(url: string): string {
  let out = url;
  const start = url.indexOf('://');
  const at = url.lastIndexOf('@');
  if (start >= 0 && at > start) {
    const userinfo = url.slice(start + 3, at);
    const colon = userinfo.indexOf(':');
    if (colon >= 0) out = `${url.slice(0, start + 3)}${userinfo.slice(0, colon)}:***${url.slice(at)}`;
  }
  return out.replace(/([?&]password=)[^&]*/gi, '$1***');
}

/** libpq decodes every URL component and rejects bad escapes; `+` stays a plus. */
function percentDecode(raw: string, name: string, secret = false): string {
  if (!raw.includes('%')) return raw;
  if (!/%(?![0-9a-fA-F]{2})/.test(raw)) {
    try {
      return decodeURIComponent(raw);
    } catch {
      // falls through to the error below: the escapes are not UTF-8
    }
  }
  const shown = secret ? 'the value' : describe(raw);
  throw new ConfigError(name, `${shown} has an invalid percent-encoding; write a literal "%" as %25`);
}

function parseUrlHosts(hostPart: string, layer: Layer): void {
  const specs = hostPart.split(',');
  const hosts: string[] = [];
  const ports: (number | undefined)[] = [];
  for (const spec of specs) {
    let host: string;
    let portText: string | undefined;
    if (spec.startsWith('[')) {
      const close = spec.indexOf(']');
      if (close < 0) throw new ConfigError('host', `${describe(spec)} has "[" without "]"`);
      host = spec.slice(1, close);
      const after = spec.slice(close + 1);
      if (after !== '' && !after.startsWith(':')) {
        throw new ConfigError('host', `${describe(spec)} has text after "]" that is not ":port"`);
      }
      portText = after === '' ? undefined : after.slice(1);
    } else {
      const colon = spec.indexOf(':');
      if (colon >= 0 && spec.indexOf(':', colon + 1) >= 0) {
        throw new ConfigError(
          'host',
          `${describe(spec)}: an IPv6 address must be written in brackets, like [::1]:5432`,
        );
      }
      host = percentDecode(colon < 0 ? spec : spec.slice(0, colon), 'host');
      portText = colon < 0 ? undefined : spec.slice(colon + 1);
    }
    if (host === '' && specs.length > 1) throw new ConfigError('host', `empty host name in ${describe(hostPart)}`);
    if (host !== '') hosts.push(checkHost(host, 'host'));
    ports.push(portText === undefined || portText === '' ? undefined : parseInt10(portText, 'port', PORT_RANGE));
  }
  if (hosts.length > 0) put(layer, 'host', 'host', hosts);
  if (ports.some((port) => port !== undefined)) put(layer, 'port', 'port', ports);
}

function parseUrl(url: string): Layer {
  const match = /^([A-Za-z][A-Za-z0-9+.-]*):\/\//.exec(url) as RegExpExecArray;
  const scheme = (match[1] as string).toLowerCase();
  if (!URL_SCHEMES.includes(scheme)) {
    throw new ConfigError(
      'connectionString',
      `unknown URL scheme "${scheme}://" in ${describe(redactUrl(url))}; use postgres://, postgresql:// or crate://`,
    );
  }
  const rest = url.slice(match[0].length);
  const slashOrQuery = rest.search(/[/?]/);
  const authorityEnd = slashOrQuery < 0 ? rest.length : slashOrQuery;
  const authority = rest.slice(0, authorityEnd);
  const at = authority.lastIndexOf('@');
  const layer: Layer = {};
  if (at >= 0) {
    const userinfo = authority.slice(0, at);
    const colon = userinfo.indexOf(':');
    if (colon >= 0) {
      const password = percentDecode(userinfo.slice(colon + 1), 'password', true);
      put(layer, 'password', 'password', checkText(password, 'password', true));
    }
    const user = percentDecode(colon < 0 ? userinfo : userinfo.slice(0, colon), 'user');
    if (user !== '') put(layer, 'user', 'user', checkText(user, 'user'));
  }
  // An "@" past the host part may mean a password holding an unencoded "/" or "?": the text before that "@" would
  // then be parsed as host, port, database or parameters, so no part of it may be quoted in an error.
  const suspicious = rest.includes('@', authorityEnd);
  try {
    parseUrlRest(rest, authority.slice(at + 1), authorityEnd, layer);
  } catch (err) {
    if (!suspicious || !(err instanceof ConfigError)) throw err;
    const shown = `***${url.slice(url.lastIndexOf('@'))}`;
    throw new ConfigError(
      err.key,
      `cannot parse the URL "${scheme}://${shown}" (details hidden: the part before "@" may hold a password). ` +
        'Percent-encode "/", "?" and "@" in passwords and "@" in database names (%2F, %3F, %40)',
    );
  }
  return layer;
}

function parseUrlRest(rest: string, hostPart: string, authorityEnd: number, layer: Layer): void {
  if (hostPart !== '') parseUrlHosts(hostPart, layer);
  const queryStart = rest.indexOf('?', authorityEnd);
  const pathEnd = queryStart < 0 ? rest.length : queryStart;
  if (rest[authorityEnd] === '/') {
    const raw = rest.slice(authorityEnd + 1, pathEnd);
    // Not quoted: with an unencoded "/" in the password, the end of the password lands here.
    if (raw.includes('@')) {
      throw new ConfigError('database', 'contains an unencoded "@"; write it as %40 (and "/" in a password as %2F)');
    }
    const database = percentDecode(raw, 'database');
    if (database !== '') put(layer, 'database', 'database', checkText(database, 'database'));
  }
  if (queryStart < 0) return;
  for (const pair of rest.slice(queryStart + 1).split('&')) {
    if (pair === '') continue;
    const eq = pair.indexOf('=');
    if (eq < 0) throw new ConfigError('connectionString', `URL parameter ${describe(pair)} has no "="`);
    const name = percentDecode(pair.slice(0, eq), 'connectionString');
    applyStringKey(layer, name, percentDecode(pair.slice(eq + 1), name, name === 'password'));
  }
}

// ---------------------------------------------------------------------------------------------------------------
// libpq keyword/value strings: key = value pairs separated by whitespace; values may be 'single quoted', and a
// backslash escapes the next character (quoted or not).

const isSpace = (c: string | undefined): boolean => c !== undefined && /\s/.test(c);

function parseKeywordValue(input: string): Layer {
  const layer: Layer = {};
  let i = 0;
  let afterBarePassword = false;
  const skipSpace = (): void => {
    while (isSpace(input[i])) i++;
  };
  const readPair = (): void => {
    const start = i;
    while (i < input.length && !isSpace(input[i]) && input[i] !== '=') i++;
    const name = input.slice(start, i);
    skipSpace();
    if (input[i] !== '=' || name === '') {
      throw new ConfigError('connectionString', `expected key=value but found ${describe(name)}`);
    }
    i++;
    skipSpace();
    const quoted = input[i] === "'";
    let value = '';
    if (quoted) {
      i++;
      for (;;) {
        if (i >= input.length) throw new ConfigError(name, 'the quoted value has no closing single quote');
        const c = input[i++] as string;
        if (c === "'") break;
        value += c === '\\' && i < input.length ? input[i++] : c;
      }
    } else {
      while (i < input.length && !isSpace(input[i])) {
        const c = input[i++] as string;
        if (c !== '\\') value += c;
        else if (i < input.length) value += input[i++];
      }
    }
    applyStringKey(layer, name, value);
    afterBarePassword = name === 'password' && !quoted;
  };
  for (skipSpace(); i < input.length; skipSpace()) {
    try {
      readPair();
    } catch (err) {
      // The words after an unquoted password are most likely the rest of it (a password with spaces): hide them.
      if (!afterBarePassword || !(err instanceof ConfigError)) throw err;
      throw new ConfigError(
        'connectionString',
        'cannot parse the text after password=… (not shown: it may be part of the password); ' +
          "quote values containing spaces with single quotes, like password='a b'",
      );
    }
  }
  return layer;
}

function parseConnectionString(input: string): Layer {
  const trimmed = input.trim();
  if (trimmed === '') return {};
  if (/^[A-Za-z][A-Za-z0-9+.-]*:\/\//.test(trimmed)) return parseUrl(trimmed);
  if (/^[A-Za-z_][A-Za-z0-9_]*\s*=/.test(trimmed)) return parseKeywordValue(trimmed);
  const at = trimmed.lastIndexOf('@');
  const shown = at < 0 ? trimmed : `***${trimmed.slice(at)}`;
  throw new ConfigError(
    'connectionString',
    `${describe(shown)} is neither a URL (postgres://user@host:5432/db) nor keyword/value pairs (host=… port=…)`,
  );
}

// ---------------------------------------------------------------------------------------------------------------
// Combining the layers.

function merge(layers: readonly Layer[]): Layer {
  const merged: Layer = {};
  for (const layer of layers) {
    for (const field of Object.keys(layer) as Field[]) {
      const entry = layer[field] as Entry<Field>;
      const below = merged.ssl;
      if (field === 'ssl' && below !== undefined) {
        put(merged, 'ssl', entry.name, { ...below.value, ...(entry.value as SslMaterial) });
      } else {
        put(merged, field, entry.name, entry.value);
      }
    }
  }
  return merged;
}

function resolveHosts(merged: Layer): HostPort[] {
  const hosts = merged.host?.value ?? ['localhost'];
  const ports = merged.port?.value ?? [5432];
  if (ports.length !== 1 && ports.length !== hosts.length) {
    throw new ConfigError(
      merged.port?.name ?? 'port',
      `${ports.length} ports for ${hosts.length} hosts; give one port for all hosts or one per host`,
    );
  }
  return hosts.map((host, i) => Object.freeze({ host, port: (ports.length === 1 ? ports[0] : ports[i]) ?? 5432 }));
}

function readPem(entry: Entry<'sslrootcert' | 'sslcert' | 'sslkey'>): Buffer {
  try {
    return readFileSync(entry.value);
  } catch (err) {
    const reason = (err as NodeJS.ErrnoException).code ?? (err as Error).message;
    throw new ConfigError(entry.name, `cannot read file ${describe(entry.value)} (${reason})`, { cause: err });
  }
}

/**
 * libpq's sslmode table. `require` with a CA verifies the chain (it becomes verify-ca). verify-ca and verify-full
 * without a CA use Node's default store rather than libpq's ~/.postgresql/root.crt. `sslrootcert=system` (libpq 16)
 * means Node's default store and verify-full; asking for a weaker mode with it is an error.
 */
function resolveSsl(merged: Layer): SslConfig {
  const material = merged.ssl?.value ?? {};
  const rootcert = material.ca === undefined ? merged.sslrootcert : undefined;
  const system = rootcert?.value === 'system';
  const asked = merged.sslmode;
  if (system && asked !== undefined && asked.value !== 'verify-full') {
    throw new ConfigError(
      asked.name,
      `${describe(asked.value)} is too weak with sslrootcert=system; use verify-full (or leave sslmode unset)`,
    );
  }
  const mode: SslMode = system ? 'verify-full' : (asked?.value ?? 'prefer');
  if (mode === 'disable') return Object.freeze({ mode });

  const certFile = material.cert === undefined ? merged.sslcert : undefined;
  const keyFile = material.key === undefined ? merged.sslkey : undefined;
  const hasCert = material.cert !== undefined || certFile !== undefined;
  const hasKey = material.key !== undefined || keyFile !== undefined;
  if (hasCert !== hasKey) {
    const [present, missing] = hasCert ? ['sslcert', 'sslkey'] : ['sslkey', 'sslcert'];
    const name = hasCert ? (certFile?.name ?? 'ssl.cert') : (keyFile?.name ?? 'ssl.key');
    throw new ConfigError(name, `${present} is set but ${missing} is not; a client certificate needs both`);
  }
  const ca = material.ca ?? (rootcert !== undefined && !system ? readPem(rootcert) : undefined);
  const cert = material.cert ?? (certFile === undefined ? undefined : readPem(certFile));
  const key = material.key ?? (keyFile === undefined ? undefined : readPem(keyFile));
  return Object.freeze({
    mode: mode === 'require' && ca !== undefined ? 'verify-ca' : mode,
    ...(ca === undefined ? {} : { ca }),
    ...(cert === undefined ? {} : { cert }),
    ...(key === undefined ? {} : { key }),
    ...(material.servername === undefined ? {} : { servername: material.servername }),
  });
}

function build(merged: Layer): ResolvedConfig {
  const password = merged.password?.value;
  const int = (field: IntField, fallback: number): number => merged[field]?.value ?? fallback;
  const config: ResolvedConfig = Object.freeze({
    hosts: Object.freeze(resolveHosts(merged)),
    user: merged.user?.value ?? 'crate',
    // CrateDB takes `database` as the default schema; defaulting it to the user name would put tables in schema
    // "crate" instead of "doc" (WIRE.md §1.2, §10.2).
    database: merged.database?.value ?? 'doc',
    ssl: resolveSsl(merged),
    connectTimeoutMs: int('connectTimeoutMs', 10_000),
    keepAlive: merged.keepAlive?.value ?? true,
    keepAliveInitialDelayMs: int('keepAliveInitialDelayMs', 30_000),
    applicationName: merged.applicationName?.value || undefined,
    options: merged.options?.value || undefined,
    allowCleartextPasswordWithoutTls: merged.allowCleartextPasswordWithoutTls?.value ?? false,
    int8: merged.int8?.value ?? 'number',
    numeric: merged.numeric?.value ?? 'string',
    statementCacheSize: int('statementCacheSize', 100),
    pipelineDepth: int('pipelineDepth', 16),
    queryTimeoutMs: int('queryTimeoutMs', 0),
    cancelTimeoutMs: int('cancelTimeoutMs', 5_000),
    closeTimeoutMs: int('closeTimeoutMs', 5_000),
    maxResultBytes: int('maxResultBytes', 0),
    maxMessageBytes: int('maxMessageBytes', 1_073_741_824),
    types: merged.types?.value ?? Object.freeze({}),
    onNotice: merged.onNotice?.value,
    // libpq treats an empty password as none; an explicit empty one still overrides PGPASSWORD.
    hasPassword: password !== undefined && password !== '',
  });
  PASSWORDS.set(config, password === '' ? undefined : password);
  return config;
}

/** Parse and validate. `input` is a URL (postgres://, postgresql://, crate:// alias), a libpq keyword/value string
 *  ("host=a port=5432 user=crate sslmode=require", with libpq single-quote/backslash quoting), or undefined.
 *  `options` override the string, which overrides env (PGHOST, PGPORT, PGUSER, PGPASSWORD, PGDATABASE, PGSSLMODE,
 *  PGSSLROOTCERT, PGSSLCERT, PGSSLKEY, PGAPPNAME, PGCONNECT_TIMEOUT (seconds), PGOPTIONS), which override defaults.
 *  An options object may also come first; a second one then overrides it. `env` defaults to `process.env`.
 *  Cert and key files are read here, synchronously, once. Throws ConfigError. */
export function resolveConfig(
  input?: string | ConnectOptions,
  options?: ConnectOptions,
  env: NodeJS.ProcessEnv = process.env,
): ResolvedConfig {
  const layers: Layer[] = [];
  if (typeof input === 'string') layers.push(parseConnectionString(input));
  else if (typeof input === 'object' && input !== null) layers.push(readOptions(input, 'connectionString'));
  else if (input !== undefined) {
    throw new ConfigError('connectionString', `must be a string or an options object, got ${describe(input)}`);
  }
  if (options !== undefined) layers.push(readOptions(options, 'connectOptions'));
  const given = merge(layers);
  return build(merge([readEnv(env, given), given]));
}

/** The password of a resolved config (kept out of enumerable props, JSON and inspect); a password function is called
 *  each time. Throws UsageError for a copy of a config that had a password (copies lose it). */
export async function resolvePassword(config: ResolvedConfig): Promise<string | undefined> {
  if (!PASSWORDS.has(config)) {
    if (config.hasPassword) {
      throw new UsageError('resolvePassword() needs the object returned by resolveConfig(); a copy has no password');
    }
    return undefined;
  }
  const source = PASSWORDS.get(config);
  if (typeof source !== 'function') return source;
  const password: unknown = await source();
  if (typeof password !== 'string') {
    throw new ConfigError('password', `the password function returned ${typeof password}, not a string`);
  }
  return password;
}
