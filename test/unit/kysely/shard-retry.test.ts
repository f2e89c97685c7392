/** The Kysely dialect's retry of reads on a CrateDB table whose shard is still starting (src/kysely/shard-retry.ts). */
import { describe, expect, it } from 'vitest';
import { DatabaseError } from '../../../src/index.js';
import { isShardStarting, retryWhileShardStarts } from '../../../src/kysely/shard-retry.js';

const starting = (message: string): DatabaseError => new DatabaseError({ sqlstate: 'XX000', message });

describe('retryWhileShardStarts', () => {
  it('recognises both messages CrateDB 6.4.3 sends for a just-created table, and nothing else', () => {
    expect(isShardStarting(starting('no such shard'))).toBe(true);
    expect(isShardStarting(starting('CurrentState[RECOVERING] operations only allowed when shard state is one of [POST_RECOVERY, STARTED]'))).toBe(true);
    expect(isShardStarting(starting('Job killed. Cancellation request by: crate'))).toBe(false);
    expect(isShardStarting(new DatabaseError({ sqlstate: '42P01', message: 'no such shard' }))).toBe(false);
    expect(isShardStarting(new Error('no such shard'))).toBe(false);
  });

  it('retries the read until the shard has started', async () => {
    let calls = 0;
    const result = await retryWhileShardStarts(async () => {
      if (++calls < 3) throw starting('no such shard');
      return 'rows';
    });
    expect(result).toBe('rows');
    expect(calls).toBe(3);
  });

  it('rethrows any other error at once', async () => {
    let calls = 0;
    const other = starting('Relation unknown');
    await expect(
      retryWhileShardStarts(async () => {
        calls++;
        throw other;
      }),
    ).rejects.toBe(other);
    expect(calls).toBe(1);
  });
});
