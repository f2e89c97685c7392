/** BEGIN … COMMIT around a callback on one pooled connection (PostgreSQL only; the rules are in query/transaction.ts). */
import { checkTransactions, runTransaction as runOn } from '../query/transaction.js';
import type { ConnectionControl, PoolConnection } from './connection.js';
import type { TransactionMode } from '../types.js';

/** The connection given to a transaction() callback: the pool releases it, so it has no release(). */
export type TransactionConnection = Omit<PoolConnection, 'release' | typeof Symbol.asyncDispose>;

/** Run `fn` in a transaction on `connection` (which the caller releases afterwards); it may not be released inside. */
export async function runTransaction<T>(
  connection: PoolConnection,
  control: ConnectionControl,
  fn: (tx: TransactionConnection) => Promise<T>,
  mode: TransactionMode,
): Promise<T> {
  checkTransactions(connection, 'pool.transaction()');
  return runOn(
    connection,
    async () => {
      control.locked = 'Do not release the connection of pool.transaction(); the pool releases it when the callback ends';
      try {
        return await fn(connection);
      } finally {
        control.locked = undefined;
      }
    },
    mode,
  );
}
