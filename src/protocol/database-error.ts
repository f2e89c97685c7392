/**
 * ErrorResponse → DatabaseError. CrateDB reports cancellation and statement_timeout as XX000 with a message starting
 * `Job killed.` (docs/cratedb-wire.md "Cancel and statement timeout"), PostgreSQL as 57014; both become a QueryCanceledError.
 */
import { DatabaseError, NodeUnavailableError, QueryCanceledError, type DatabaseErrorFields } from '../errors.js';
import type { ErrorMessage } from './wire.js';

const CRATE_JOB_KILLED = 'Job killed.';
/** CrateDB's messages when a node the query ran on left the cluster mid-query (seen on 6.4.3 killing a node). */
const CRATE_NODE_LOST = [/^Job killed\. Participating node .* disconnected/, /\] Node not connected$/];

/** Build the public error from a parsed ErrorResponse. Missing fields stay undefined; a missing SQLSTATE is ''. */
export function toDatabaseError(msg: ErrorMessage): DatabaseError {
  const fields: DatabaseErrorFields = {
    severity: msg.severity,
    sqlstate: msg.code ?? '',
    message: msg.message === undefined || msg.message === '' ? '(the server sent an error without a message)' : msg.message,
    detail: msg.detail,
    hint: msg.hint,
    position: msg.position,
    internalPosition: msg.internalPosition,
    internalQuery: msg.internalQuery,
    where: msg.where,
    schema: msg.schema,
    table: msg.table,
    column: msg.column,
    dataType: msg.dataType,
    constraint: msg.constraint,
    file: msg.file,
    line: msg.line,
    routine: msg.routine,
  };
  if (fields.sqlstate === 'XX000' && CRATE_NODE_LOST.some((re) => re.test(fields.message))) return new NodeUnavailableError(fields);
  const canceled =
    fields.sqlstate === '57014' || (fields.sqlstate === 'XX000' && fields.message.startsWith(CRATE_JOB_KILLED));
  return canceled ? new QueryCanceledError(fields) : new DatabaseError(fields);
}
