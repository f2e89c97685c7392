/**
 * Session settings of one fake connection (docs/cratedb-wire.md "Session commands and pool reset", "Search path", "Startup parameters" `options`).
 */
import { internalError } from '../errors.js';

/** Elasticsearch `TimeValue.toString()`: largest unit, one fraction digit, `.0` dropped (`10ms`, `1.5s`, `1m`). */
export function formatTimeValue(ms: number): string {
  if (ms === 0) return '0s';
  const units: Array<[number, string]> = [[86_400_000, 'd'], [3_600_000, 'h'], [60_000, 'm'], [1000, 's']];
  for (const [size, suffix] of units) {
    if (ms >= size) return `${Number((ms / size).toFixed(1))}${suffix}`;
  }
  return `${ms}ms`;
}

/** statement_timeout takes milliseconds or a time value ("Cancel and statement timeout"). */
function parseTimeout(raw: string): number {
  if (/^\d+$/.test(raw)) return Number(raw);
  const m = /^(\d+(?:\.\d+)?)\s*(ms|s|m|h|d)$/.exec(raw.trim());
  if (!m) {
    throw internalError(
      `failed to parse setting [statement_timeout] with value [${raw}] as a time value: unit is missing or unrecognized`,
      'org.elasticsearch.common.unit.TimeValue.parseTimeValue(TimeValue.java:355)',
    );
  }
  const factor: Record<string, number> = { ms: 1, s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000 };
  return Math.round(Number(m[1]) * (factor[m[2] as string] as number));
}

/** Read-only settings and defaults of the writable ones ("Session commands and pool reset"; server_version is 14.0 since 2023, "Server parameters"). */
const DEFAULTS: Record<string, string> = {
  application_name: '',
  datestyle: 'ISO',
  enable_hashjoin: 'true',
  error_on_unknown_object_key: 'true',
  insert_select_fail_fast: 'false',
  'memory.operation_limit': '0',
  client_encoding: 'UTF8',
  server_version: '14.0',
  server_version_num: '140000',
  max_index_keys: '32',
  max_identifier_length: '255',
  standard_conforming_strings: 'on',
};

const READ_ONLY = new Set(['server_version', 'server_version_num', 'max_index_keys', 'max_identifier_length', 'standard_conforming_strings']);

/** Session settings, set by `options` at startup and by SET. */
export class SessionSettings {
  #searchPath: string[];
  #timeoutMs = 0;
  #values = new Map<string, string>();

  constructor(private readonly defaultSchema: string) {
    this.#searchPath = [defaultSchema];
  }

  /** Schemas searched for unqualified names; pg_catalog is implicit ("Search path"). */
  get searchPath(): readonly string[] {
    return this.#searchPath.filter((s) => s !== 'pg_catalog');
  }

  get statementTimeoutMs(): number {
    return this.#timeoutMs;
  }

  /** True when `name` is a session setting; unknown names are ignored by SET and `options` ("Session commands and pool reset", "Startup parameters"). */
  isKnown(name: string): boolean {
    return name === 'search_path' || name === 'statement_timeout' || name in DEFAULTS;
  }

  /** SET name = values | DEFAULT. Unknown names are silently ignored ("Session commands and pool reset"). */
  apply(name: string, values: readonly string[] | 'default'): void {
    if (!this.isKnown(name) || READ_ONLY.has(name)) return;
    if (name === 'search_path') {
      // "Search path": SET search_path TO a, b — pg_catalog stays first unless listed; DEFAULT is the startup schema.
      this.#searchPath = values === 'default' ? [this.defaultSchema] : values.flatMap((v) => v.split(',')).map((v) => v.trim());
    } else if (name === 'statement_timeout') {
      this.#timeoutMs = values === 'default' ? 0 : parseTimeout(values.join(','));
    } else if (values === 'default') this.#values.delete(name);
    else this.#values.set(name, values.join(', '));
  }

  /** SHOW name; undefined for unknown names. */
  show(name: string): string | undefined {
    if (name === 'search_path') return this.#searchPath.join(', ');
    if (name === 'statement_timeout') return formatTimeValue(this.#timeoutMs);
    if (!(name in DEFAULTS)) return undefined;
    return this.#values.get(name) ?? DEFAULTS[name];
  }

  /** SHOW ALL rows: name, setting, description. */
  all(): Array<[string, string, string]> {
    return ['search_path', 'statement_timeout', ...Object.keys(DEFAULTS)]
      .sort()
      .map((name) => [name, this.show(name) as string, '']);
  }
}
