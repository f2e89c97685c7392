/**
 * What the server told us at startup, and the capability flags derived from it. CrateDB is detected by its
 * `crate_version` ParameterStatus (docs/cratedb-wire.md "Server parameters") — never by catalog queries at connect.
 */
import type { ServerInfo } from '../types.js';

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
