/** The options object: which keys it takes, how each is checked, and what an unknown key probably meant. */
import { ConfigError } from '../errors.js';
import {
  checkEnum,
  checkHost,
  checkInt,
  checkText,
  describe,
  INT8_MODES,
  NUMERIC_MODES,
  BINARY_RESULTS_MODES,
  PORT_RANGE,
  SSL_MODES,
} from './checks.js';
import { put, type Field, type Layer, type Settings } from './layer.js';
import {
  checkBooleanOption,
  checkFunction,
  checkIntOption,
  checkNonEmptyText,
  checkPassword,
  checkPlainObject,
  checkSslMaterial,
  checkTypes,
} from './option-checks.js';
import { STRING_KEYS } from './string-keys.js';
import { FOREIGN_KEYS, nearest, withSuggestion } from './suggest.js';

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
  binaryResults: (value, name) => checkEnum(value, name, BINARY_RESULTS_MODES),
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

/** Checks an options object (connect()/createPool() argument) into a layer; throws ConfigError. */
export function readOptions(value: unknown, name: string): Layer {
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

function unknownOption(name: string): ConfigError {
  const stringKey = Object.hasOwn(STRING_KEYS, name) ? STRING_KEYS[name] : undefined;
  const suggestion = Object.hasOwn(FOREIGN_KEYS, name)
    ? FOREIGN_KEYS[name]
    : stringKey?.field !== undefined
      ? `did you mean "${stringKey.field}"? (connection-string names are not option names)`
      : withSuggestion(nearest(name, OPTION_KEYS), `valid options: ${OPTION_KEYS.join(', ')}`);
  return new ConfigError(name, `unknown option ${describe(name)}; ${suggestion}`);
}
