/**
 * What the server told us at startup, and the capability flags derived from it. CrateDB is detected by its
 * `crate_version` ParameterStatus (docs/cratedb-wire.md "Server parameters") — never by catalog queries at connect.
 */

/** Facts about the connected server. */
export interface ServerInfo {
  /** True when the server is CrateDB (it sent `crate_version`). */
  readonly isCrate: boolean;
  /** CrateDB's version, e.g. `6.4.1`; undefined on PostgreSQL. */
  readonly crateVersion: string | undefined;
  /** The `server_version` ParameterStatus (CrateDB reports `14.0`). */
  readonly serverVersion: string | undefined;
  /** Every ParameterStatus value received, by name, as last reported. */
  readonly parameters: Readonly<Record<string, string>>;
  /** Backend process id from BackendKeyData (CrateDB: the session id). */
  readonly processId: number;
  /**
   * Whether several Sync-terminated queries may be in flight on one connection. On for PostgreSQL; off for CrateDB
   * until verified on a real server (docs/cratedb-wire.md "Pipelining").
   */
  readonly canPipeline: boolean;
  /** CrateDB's limit on SQL text in Parse (docs/cratedb-wire.md "Size limits"); undefined on PostgreSQL. */
  readonly statementMaxLength: number | undefined;
  /**
   * Whether the server has transactions. CrateDB has none: BEGIN/COMMIT are no-ops, ROLLBACK is a syntax error, and
   * the ReadyForQuery status byte means nothing there (docs/cratedb-wire.md "Transactions").
   */
  readonly transactions: boolean;
  /** Most parameters one statement may carry (CrateDB 32,767; PostgreSQL 65,535). */
  readonly maxParameters: number;
  /** Whether `?` is a placeholder besides `$n` (CrateDB). */
  readonly questionMarkPlaceholders: boolean;
}

/**
 * Whether `sqlstate` + `message` say that a cached statement must be prepared again and the query run once more
 * (nothing of it ran): PostgreSQL 26000 or 0A000 "cached plan must not change result type"; CrateDB's `No statement
 * found`, or 42P01 `Relation not found for oid` for a statement that outlived DROP + CREATE of its table
 * (docs/cratedb-wire.md "Statements and DDL"; test/fixtures/cratedb-6.4.3/stale_statement_after_ddl.json).
 */
export function isStaleStatementError(sqlstate: string | undefined, message: string | undefined): boolean {
  switch (sqlstate) {
    case '26000':
      return true;
    case '0A000':
      return message?.includes('cached plan must not change result type') === true;
    case '42P01':
      return message?.includes('Relation not found for oid') === true;
    case 'XX000':
      return message?.startsWith('No statement found with name') === true;
    default:
      return false;
  }
}

/** CrateDB's default `statement_max_length` (docs/cratedb-wire.md "Size limits"); it is a node setting the server does not report. */
export const CRATE_STATEMENT_MAX_LENGTH = 262_144;

/** Build the ServerInfo from the ParameterStatus values and BackendKeyData of a finished startup. */
export function buildServerInfo(parameters: Readonly<Record<string, string>>, processId: number): ServerInfo {
  const crateVersion = parameters['crate_version'];
  const isCrate = crateVersion !== undefined;
  return Object.freeze({
    isCrate,
    crateVersion,
    serverVersion: parameters['server_version'],
    parameters: Object.freeze({ ...parameters }),
    processId,
    canPipeline: !isCrate,
    statementMaxLength: isCrate ? CRATE_STATEMENT_MAX_LENGTH : undefined,
    transactions: !isCrate,
    maxParameters: isCrate ? 32_767 : 65_535,
    questionMarkPlaceholders: isCrate,
  });
}
