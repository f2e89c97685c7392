/**
 * Connection string + options object + PG* environment → one frozen, validated config (docs/design.md "Layout and import direction").
 *
 * URLs and keyword/value strings are parsed in config/ rather than by `pg-connection-string`: measured on 2.14.1 it
 * throws on multi-host URLs with ports, turns keyword/value strings into a database name, leaves `%2F` encoded in
 * database names, decodes `+` in parameters as a space (libpq keeps it), accepts malformed `%` escapes silently, reads
 * a file named `system` for `sslrootcert=system`, and emits a process warning for sslmode=prefer/require. Every one of
 * those would need a workaround that re-does its work, so this module follows libpq's rules directly.
 */
import { describe, type IntField } from './config/checks.js';
import { parseConnectionString } from './config/connection-string.js';
import { readEnv } from './config/env.js';
import { merge, type Layer } from './config/layer.js';
import { readOptions } from './config/options.js';
import { resolveSsl } from './config/ssl.js';
import { ConfigError, UsageError } from './errors.js';
import type { BinaryResultsMode, ConnectOptions, CustomType, HostPort, Int8Mode, Notice, NumericMode, PasswordSource, SslMode } from './types.js';

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
  readonly binaryResults: BinaryResultsMode;
  readonly statementCacheSize: number;
  readonly pipelineDepth: number;
  readonly queryTimeoutMs: number;
  readonly cancelTimeoutMs: number;
  readonly closeTimeoutMs: number;
  readonly maxResultBytes: number;
  readonly maxMessageBytes: number;
  readonly types: Readonly<Record<number, CustomType>>;
  readonly onNotice: ((notice: Notice) => void) | undefined;
  readonly hasPassword: boolean;
}

const PASSWORDS = new WeakMap<ResolvedConfig, PasswordSource | undefined>();

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

/** The merged layers plus defaults, frozen; the password is kept in PASSWORDS, off the object. */
function build(merged: Layer): ResolvedConfig {
  const password = merged.password?.value;
  const int = (field: IntField, fallback: number): number => merged[field]?.value ?? fallback;
  const config: ResolvedConfig = Object.freeze({
    hosts: Object.freeze(resolveHosts(merged)),
    user: merged.user?.value ?? 'crate',
    // CrateDB takes `database` as the default schema; defaulting it to the user name would put tables in schema
    // "crate" instead of "doc" (docs/cratedb-wire.md "Startup parameters").
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
    binaryResults: merged.binaryResults?.value ?? 'auto',
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
