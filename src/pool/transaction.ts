/** BEGIN … COMMIT around a callback on one pooled connection (PostgreSQL only; WIRE.md §4.3, §10.10). */
import { UsageError } from '../errors.js';
import type { ConnectionControl, PoolConnection } from './connection.js';

/** Options of Pool.transaction() that shape the BEGIN statement. */
export interface TransactionMode {
  isolationLevel?: 'read committed' | 'repeatable read' | 'serializable';
  readOnly?: boolean;
}

/** The connection given to a transaction() callback: the pool releases it, so it has no release(). */
export type TransactionConnection = Omit<PoolConnection, 'release' | typeof Symbol.asyncDispose>;

const ISOLATION_LEVELS = ['read committed', 'repeatable read', 'serializable'];

/**
 * Run `fn` in a transaction on `connection` (which the caller releases afterwards). ROLLBACK when `fn` throws, and
 * also when it swallowed the error of a failed statement (status `E`), where COMMIT would roll back silently.
 */
export async function runTransaction<T>(
  connection: PoolConnection,
  control: ConnectionControl,
  fn: (tx: TransactionConnection) => Promise<T>,
  mode: TransactionMode,
): Promise<T> {
  if (connection.serverInfo.isCrate) {
    throw new UsageError(
      'CrateDB has no transactions: BEGIN and COMMIT are no-ops, ROLLBACK is a syntax error and every statement commits on its own. Run the statements with pool.query() and design writes to be idempotent',
    );
  }
  const begin = beginStatement(mode);
  await connection.simpleQuery(begin);
  control.locked = 'Do not release the connection of pool.transaction(); the pool releases it when the callback ends';
  try {
    let result: T;
    try {
      result = await fn(connection);
    } catch (err) {
      await rollback(connection);
      throw err;
    }
    if (connection.transactionStatus === 'E') {
      await rollback(connection);
      throw new UsageError('A statement inside the transaction failed and its error was caught; the transaction was rolled back');
    }
    await connection.simpleQuery('COMMIT');
    return result;
  } finally {
    control.locked = undefined;
  }
}

function beginStatement(mode: TransactionMode): string {
  const parts = ['BEGIN'];
  if (mode.isolationLevel !== undefined) {
    if (!ISOLATION_LEVELS.includes(mode.isolationLevel)) {
      throw new UsageError(`isolationLevel ${JSON.stringify(mode.isolationLevel)} is not one of ${ISOLATION_LEVELS.join(', ')}`);
    }
    parts.push(`ISOLATION LEVEL ${mode.isolationLevel.toUpperCase()}`);
  }
  if (mode.readOnly !== undefined) parts.push(mode.readOnly ? 'READ ONLY' : 'READ WRITE');
  return parts.join(' ');
}

/** If even ROLLBACK fails, the connection's status (T/E/closed) makes the pool close it at release. */
async function rollback(connection: PoolConnection): Promise<void> {
  try {
    await connection.simpleQuery('ROLLBACK');
  } catch {
    // The caller's own error is the one worth reporting.
  }
}
