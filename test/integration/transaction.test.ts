/** client.transaction(): BEGIN … COMMIT/ROLLBACK, savepoints for nesting, refusals (issue #12, missing basics). */
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { DatabaseError, UsageError, connect, type Client } from '../../src/index.js';
import { getTestPg } from '../support/pg-env.js';

const pg = getTestPg();
let client: Client;

beforeAll(async () => {
  client = await connect(pg.url('trust', { sslmode: 'disable' }));
  await client.simpleQuery('DROP TABLE IF EXISTS tx_items; CREATE TABLE tx_items (id int PRIMARY KEY)');
});
beforeEach(async () => {
  await client.query('DELETE FROM tx_items');
});
afterAll(async () => {
  await client?.close();
});

const ids = async (): Promise<number[]> => (await client.query<{ id: number }>('SELECT id FROM tx_items ORDER BY id')).rows.map((r) => r.id);

describe('client.transaction()', () => {
  it('commits and resolves with the callback result', async () => {
    const result = await client.transaction(async (tx) => {
      await tx.query('INSERT INTO tx_items VALUES ($1), ($2)', [1, 2]);
      expect(tx.transactionStatus).toBe('T');
      return 'done';
    }, { isolationLevel: 'serializable' });
    expect(result).toBe('done');
    expect(await ids()).toEqual([1, 2]);
    expect(client.transactionStatus).toBe('I');
  });

  it('rolls back and rethrows when the callback throws', async () => {
    const boom = new Error('boom');
    await expect(client.transaction(async (tx) => {
      await tx.query('INSERT INTO tx_items VALUES (1)');
      throw boom;
    })).rejects.toBe(boom);
    expect(await ids()).toEqual([]);
    expect(client.transactionStatus).toBe('I');
  });

  it('rolls back when the callback swallowed a failed statement', async () => {
    await expect(client.transaction(async (tx) => {
      await tx.query('INSERT INTO tx_items VALUES (1)');
      await tx.query('INSERT INTO tx_items VALUES (1)').catch(() => undefined);
    })).rejects.toThrow(/failed and its error was caught; the transaction was rolled back/);
    expect(await ids()).toEqual([]);
  });

  it('nests with savepoints: a failing inner call rolls back alone, the outer one commits', async () => {
    await client.transaction(async (tx) => {
      await tx.query('INSERT INTO tx_items VALUES (1)');
      const inner = await tx.transaction(async (inner) => {
        await inner.query('INSERT INTO tx_items VALUES (2)');
        return 'kept';
      });
      expect(inner).toBe('kept');
      await expect(tx.transaction(async (inner) => {
        await inner.query('INSERT INTO tx_items VALUES (3)');
        await inner.query('INSERT INTO tx_items VALUES (1)');
      })).rejects.toBeInstanceOf(DatabaseError);
      expect(tx.transactionStatus).toBe('T');
      await tx.transaction(async (inner) => {
        await inner.transaction(async (deeper) => {
          await deeper.query('INSERT INTO tx_items VALUES (4)');
        });
      });
    });
    expect(await ids()).toEqual([1, 2, 4]);
  });

  it('refuses isolation options on a nested call and a transaction begun by hand', async () => {
    await client.transaction(async (tx) => {
      await expect(tx.transaction(async () => 1, { readOnly: true })).rejects.toThrow(/apply to the outermost call only/);
    });
    await client.query('BEGIN');
    try {
      await expect(client.transaction(async () => 1)).rejects.toThrow(/already in a transaction \(status T\)/);
    } finally {
      await client.query('ROLLBACK');
    }
    await expect(client.transaction('x' as never)).rejects.toBeInstanceOf(UsageError);
  });
});
