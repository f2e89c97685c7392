/**
 * BEGIN … COMMIT and SAVEPOINTs around a callback, for Client.transaction() and Pool.transaction(). PostgreSQL only:
 * CrateDB has no transactions (BEGIN/COMMIT are no-ops, ROLLBACK is a syntax error: docs/cratedb-wire.md, transactions).
 */
import { UsageError } from '../errors.js';
import type { TransactionStatus } from '../protocol/session.js';
import type { TransactionMode } from '../types.js';

/** What a transaction runs on: a client or a pooled connection. */
export interface TransactionTarget {
  readonly serverInfo: { readonly transactions: boolean };
  readonly transactionStatus: TransactionStatus;
  simpleQuery(text: string): Promise<unknown>;
}

const ISOLATION_LEVELS = ['read committed', 'repeatable read', 'serializable'];

/** Throws before anything is sent when the server cannot run transactions. */
export function checkTransactions(target: TransactionTarget, method: string): void {
  if (!target.serverInfo.transactions) {
    throw new UsageError(
      `${method}: CrateDB has no transactions: BEGIN and COMMIT are no-ops, ROLLBACK is a syntax error and every statement commits on its own. Run the statements one by one and design writes to be idempotent`,
    );
  }
}

/**
 * Run `fn` between BEGIN and COMMIT on `target`. ROLLBACK when `fn` throws, and also when it swallowed the error of a
 * failed statement (status `E`), where COMMIT would roll back silently. The caller checked checkTransactions().
 */
export async function runTransaction<T>(target: TransactionTarget, fn: () => Promise<T>, mode: TransactionMode): Promise<T> {
  await target.simpleQuery(beginStatement(mode));
  return finishScope(target, fn, 'COMMIT', 'ROLLBACK', 'the transaction was rolled back');
}

/**
 * Run `fn` inside SAVEPOINT `name` of the transaction already open on `target`: RELEASE on success, ROLLBACK TO (then
 * RELEASE) when `fn` throws or swallowed a failed statement's error, so the outer transaction goes on.
 */
export async function runSavepoint<T>(target: TransactionTarget, fn: () => Promise<T>, name: string): Promise<T> {
  await target.simpleQuery(`SAVEPOINT ${name}`);
  return finishScope(target, fn, `RELEASE SAVEPOINT ${name}`, `ROLLBACK TO SAVEPOINT ${name}; RELEASE SAVEPOINT ${name}`, 'the work since its savepoint was rolled back');
}

async function finishScope<T>(target: TransactionTarget, fn: () => Promise<T>, commit: string, rollback: string, rolledBack: string): Promise<T> {
  let result: T;
  try {
    result = await fn();
  } catch (err) {
    await undo(target, rollback);
    throw err;
  }
  if (target.transactionStatus === 'E') {
    await undo(target, rollback);
    throw new UsageError(`A statement inside the transaction failed and its error was caught; ${rolledBack}`);
  }
  await target.simpleQuery(commit);
  return result;
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

/** If even the rollback fails, the connection's status (T/E/closed) tells its owner; the caller's error is the one worth reporting. */
async function undo(target: TransactionTarget, statement: string): Promise<void> {
  try {
    await target.simpleQuery(statement);
  } catch {
    // Reported through the caller's own error.
  }
}
