/** The connection string: which of the two forms it is. */
import { ConfigError } from '../errors.js';
import { describe } from './checks.js';
import { parseKeywordValue } from './keyword-value.js';
import type { Layer } from './layer.js';
import { parseUrl } from './url.js';

/** A URL or a keyword/value string, told apart by its start; empty means no settings. */
export function parseConnectionString(input: string): Layer {
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
