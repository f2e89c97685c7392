/**
 * The Migrator's lock. PostgreSQL: a session advisory lock (the key Kysely's own PostgresDialect uses, so both exclude
 * each other). CrateDB has no advisory locks (`pg_advisory_lock` is 0A000 Unknown function): the Migrator's lock row
 * is taken with optimistic concurrency control — read it by primary key with `_seq_no`/`_primary_term`, then UPDATE
 * only if nobody wrote it in between.
 */
import { sql, type Kysely, type MigrationLockOptions } from 'kysely';
import { UsageError } from '../index.js';

/** Kysely's PostgresAdapter lock key. */
const ADVISORY_LOCK_KEY = '3853314791062309107';
const FIRST_RETRY_MS = 25;
const MAX_RETRY_MS = 1_000;

/** The Migrator's lock table, plus CrateDB's system columns for optimistic concurrency. */
interface LockDb {
  [lockTable: string]: { id: string; is_locked: number; _seq_no: number; _primary_term: number };
}

/** Wait for the advisory lock up to `timeoutMs` (PostgreSQL). */
export async function acquireAdvisoryLock(db: Kysely<unknown>, timeoutMs: number): Promise<void> {
  await retryUntil(timeoutMs, async () => {
    const { rows } = await sql<{ locked: boolean }>`select pg_try_advisory_lock(${sql.raw(ADVISORY_LOCK_KEY)}) as locked`.execute(db);
    return rows[0]?.locked === true;
  }, () => `Another process holds the PostgreSQL migration lock (advisory lock ${ADVISORY_LOCK_KEY}) since more than ${timeoutMs} ms; it is freed when that session ends`);
}

/** Free the advisory lock (PostgreSQL). */
export async function releaseAdvisoryLock(db: Kysely<unknown>): Promise<void> {
  await sql`select pg_advisory_unlock(${sql.raw(ADVISORY_LOCK_KEY)})`.execute(db);
}

/** Take the lock row with optimistic concurrency, waiting up to `timeoutMs` (CrateDB). */
export async function acquireLockRow(db: Kysely<unknown>, options: MigrationLockOptions, timeoutMs: number): Promise<void> {
  const lockDb = lockTableDb(db, options);
  await retryUntil(timeoutMs, async () => {
    const row = await lockDb.selectFrom(options.lockTable).select(['is_locked', '_seq_no', '_primary_term']).where('id', '=', options.lockRowId).executeTakeFirst();
    if (row === undefined) {
      throw new UsageError(`The migration lock row ${JSON.stringify(options.lockRowId)} is missing from ${qualifiedName(options)}; run migrations through Kysely's Migrator, which creates it`);
    }
    if (row.is_locked !== 0) return false;
    const result = await lockDb
      .updateTable(options.lockTable)
      .set({ is_locked: 1 })
      .where('id', '=', options.lockRowId)
      .where('_seq_no', '=', row._seq_no)
      .where('_primary_term', '=', row._primary_term)
      .executeTakeFirst();
    return result.numUpdatedRows === 1n;
  }, () =>
    `The CrateDB migration lock (row ${JSON.stringify(options.lockRowId)} of ${qualifiedName(options)}) has been held for more than ${timeoutMs} ms. ` +
    `If no other migration is running (a crashed run leaves the row set), free it with: UPDATE ${qualifiedName(options)} SET is_locked = 0 WHERE id = '${options.lockRowId}'`);
}

/** Free the lock row (CrateDB). */
export async function releaseLockRow(db: Kysely<unknown>, options: MigrationLockOptions): Promise<void> {
  await lockTableDb(db, options).updateTable(options.lockTable).set({ is_locked: 0 }).where('id', '=', options.lockRowId).execute();
}

/**
 * Make the Migrator's reads see every row written so far: CrateDB searches see writes only after a refresh (about
 * every second, not while idle; README "CrateDB specifics"), and the Migrator reads its table with a full scan.
 */
export async function refreshMigrationTable(db: Kysely<unknown>, options: MigrationLockOptions, migrationTable: string): Promise<void> {
  const name = options.lockTableSchema === undefined ? migrationTable : `${options.lockTableSchema}.${migrationTable}`;
  try {
    await sql`refresh table ${sql.table(name)}`.execute(db);
  } catch (err) {
    throw new UsageError(
      `Could not refresh the migration table ${name} on CrateDB. If the Migrator has another migrationTableName, give the same name to new CrateDialect({ migrationTableName })`,
      { cause: err },
    );
  }
}

/** `db` typed for the lock table, in the Migrator's schema if it has one. */
function lockTableDb(db: Kysely<unknown>, options: MigrationLockOptions): Kysely<LockDb> {
  const typed = db as Kysely<LockDb>;
  return options.lockTableSchema === undefined ? typed : typed.withSchema(options.lockTableSchema);
}

function qualifiedName(options: MigrationLockOptions): string {
  const quote = (s: string): string => `"${s.replace(/"/g, '""')}"`;
  return options.lockTableSchema === undefined ? quote(options.lockTable) : `${quote(options.lockTableSchema)}.${quote(options.lockTable)}`;
}

/** Call `attempt` until it returns true, backing off; past `timeoutMs` throw a UsageError with `message()`. */
async function retryUntil(timeoutMs: number, attempt: () => Promise<boolean>, message: () => string): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (let wait = FIRST_RETRY_MS; !(await attempt()); wait = Math.min(wait * 2, MAX_RETRY_MS)) {
    const left = deadline - Date.now();
    if (left <= 0) throw new UsageError(message(), { code: 'MIGRATION_LOCK_TIMEOUT' });
    await new Promise((resolve) => setTimeout(resolve, Math.min(wait, left)));
  }
}
