/**
 * CrateDB answers CREATE TABLE before the new table's shards have started: a read in that window fails with XX000
 * "no such shard" or "CurrentState[RECOVERING] operations only allowed when shard state is one of [POST_RECOVERY,
 * STARTED]" (both seen on CrateDB 6.4.3 when two Migrators start together: one creates the lock table, the other
 * reads it at once). A read changes nothing, so it is retried for a short while.
 */
import { DatabaseError } from '../index.js';

const RETRY_BUDGET_MS = 10_000;
const FIRST_WAIT_MS = 50;
const MAX_WAIT_MS = 500;

/** Whether `err` is CrateDB saying the shard is still starting. */
export function isShardStarting(err: unknown): boolean {
  return (
    err instanceof DatabaseError &&
    err.sqlstate === 'XX000' &&
    (err.message === 'no such shard' || err.message.includes('operations only allowed when shard state is one of'))
  );
}

/** Run `read`, retrying while CrateDB reports the table's shard as still starting (up to 10 s). */
export async function retryWhileShardStarts<T>(read: () => Promise<T>): Promise<T> {
  const deadline = Date.now() + RETRY_BUDGET_MS;
  for (let wait = FIRST_WAIT_MS; ; wait = Math.min(wait * 2, MAX_WAIT_MS)) {
    try {
      return await read();
    } catch (err) {
      if (!isShardStarting(err) || Date.now() + wait > deadline) throw err;
      await new Promise((resolve) => setTimeout(resolve, wait));
    }
  }
}
