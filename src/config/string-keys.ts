/** Connection-string keys: URL query parameters and keyword/value pairs, and how each maps to a setting. */
import { ConfigError } from '../errors.js';
import {
  checkEnum,
  checkText,
  describe,
  INT8_MODES,
  NUMERIC_MODES,
  BINARY_RESULTS_MODES,
  optionalText,
  parseBoolean,
  parseHostList,
  parseInt10,
  parsePortList,
  parseSeconds,
  RANGES,
  SSL_MODES,
  type IntField,
} from './checks.js';
import { put, type Field, type Layer, type Settings } from './layer.js';
import { FOREIGN_KEYS, nearest, withSuggestion } from './suggest.js';

/** How a string key maps to a setting; `field: undefined` marks libpq keys accepted only with harmless values. */
export interface StringKey {
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

/** Every key accepted in URL parameters and keyword/value strings (libpq names plus our option names). */
export const STRING_KEYS: Readonly<Record<string, StringKey>> = {
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
  binaryResults: maps('binaryResults', (t, name) => checkEnum(t, name, BINARY_RESULTS_MODES)),
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
  sslnegotiation: accepted(['postgres'], 'CrateDB only understands SSLRequest, not direct TLS (docs/cratedb-wire.md "First packet and TLS")'),
  target_session_attrs: accepted(['any'], 'CrateDB has no primary or standby nodes'),
};

/** Parses one connection-string `name=value` into `layer`; throws ConfigError for an unknown key. */
export function applyStringKey(layer: Layer, name: string, value: string): void {
  if (!Object.hasOwn(STRING_KEYS, name)) throw unknownStringKey(name);
  const spec = STRING_KEYS[name] as StringKey;
  const parsed = spec.parse(value, name);
  if (spec.field !== undefined && parsed !== undefined) put(layer, spec.field, name, parsed as never);
}

function unknownStringKey(name: string): ConfigError {
  const known = Object.keys(STRING_KEYS);
  const suggestion = Object.hasOwn(FOREIGN_KEYS, name)
    ? FOREIGN_KEYS[name]
    : withSuggestion(nearest(name, known), `valid keys: ${known.join(', ')}`);
  return new ConfigError(name, `unknown connection-string key ${describe(name)}; ${suggestion}`);
}
