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

/** libpq's sslmode values (`allow` is not offered: it would prefer plaintext over TLS). */
export type SslMode = 'disable' | 'prefer' | 'require' | 'verify-ca' | 'verify-full';
/** How int8 (bigint) results are returned. */
export type Int8Mode = 'number' | 'bigint' | 'string';
/** How numeric (decimal) results are returned. */
export type NumericMode = 'string' | 'number';
/**
 * Result formats asked for at Bind: `auto` binary for the column types where it is cheaper (known once the statement
 * is described), `always` binary for every type with a binary decoder, `never` text only. Custom types are text.
 */
export type BinaryResultsMode = 'auto' | 'always' | 'never';
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
  /** Database; on CrateDB it is the default schema (docs/cratedb-wire.md "Startup parameters"). Default `doc`. */
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
  /** Result formats: see {@link BinaryResultsMode}. Values are the same in every mode. Default `auto`. */
  binaryResults?: BinaryResultsMode;
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
  /** Called with each NoticeResponse (PostgreSQL; CrateDB sends none). */
  onNotice?: (notice: Notice) => void;
}

/** A NoticeResponse from the server (PostgreSQL; CrateDB never sends one: docs/cratedb-wire.md, notices). */
export interface Notice {
  readonly severity: string | undefined;
  readonly sqlstate: string | undefined;
  readonly message: string | undefined;
  readonly detail: string | undefined;
  readonly hint: string | undefined;
  readonly where: string | undefined;
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
