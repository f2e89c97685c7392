/** PG* environment variables, the lowest layer above the defaults. */
import { put, type Layer } from './layer.js';
import { STRING_KEYS, type StringKey } from './string-keys.js';

/** Each PG* variable and the connection-string key whose parser it shares. */
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

/** Only variables for settings no higher layer gave are parsed, so a stale PG* variable that loses is harmless. */
export function readEnv(env: NodeJS.ProcessEnv, taken: Layer): Layer {
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
