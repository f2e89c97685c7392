/**
 * COPY FROM STDIN / TO STDOUT through query(), simpleQuery(), stream() and the pool: refused with a clear error, never
 * a hang, and the connection stays usable (issue #12, bug 1).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { UsageError, connect, createPool, type Client, type Pool } from '../../src/index.js';
import { getTestPg } from '../support/pg-env.js';

const pg = getTestPg();
let client: Client;
let pool: Pool;

beforeAll(async () => {
  client = await connect(pg.url('trust', { sslmode: 'disable' }));
  pool = createPool(pg.url('trust', { sslmode: 'disable' }), { max: 1 });
  await client.simpleQuery('DROP TABLE IF EXISTS copied; CREATE TABLE copied (id int)');
});
afterAll(async () => {
  await client?.close();
  await pool?.end();
});

/** Settles within `ms` or fails the test: the bug was a hang, so every call races a short deadline. */
function soon<T>(promise: Promise<T>, ms = 5_000): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const deadline = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`still pending after ${ms} ms`)), ms);
  });
  return Promise.race([promise, deadline]).finally(() => clearTimeout(timer));
}

const COPY_IN = /COPY … FROM STDIN is not supported by query\(\).*use executeMany\(\)|insert the rows with executeMany\(\)/;

describe('COPY through the query paths', () => {
  it.each([
    ['cached', {}],
    ['prepare: false', { prepare: false }],
  ])('query() refuses COPY FROM STDIN (%s) and the client stays usable', async (_, options) => {
    const err = await soon(client.query('COPY copied FROM STDIN', [], options)).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(UsageError);
    expect((err as Error).message).toMatch(COPY_IN);
    expect((await soon(client.query('SELECT 1 AS one'))).rows).toEqual([{ one: 1 }]);
    expect(client.transactionStatus).toBe('I');
  });

  it('query() refuses COPY TO STDOUT after draining its data', async () => {
    await client.query('INSERT INTO copied VALUES (1), (2)');
    await expect(soon(client.query('COPY copied TO STDOUT'))).rejects.toThrow(/COPY … TO STDOUT is not supported/);
    expect((await soon(client.query('SELECT count(*)::int AS n FROM copied'))).rows).toEqual([{ n: 2 }]);
  });

  it('simpleQuery() refuses COPY FROM STDIN without an extra Sync', async () => {
    await expect(soon(client.simpleQuery('COPY copied FROM STDIN'))).rejects.toBeInstanceOf(UsageError);
    expect((await soon(client.simpleQuery('SELECT 2 AS two')))[0]?.rows).toEqual([{ two: 2 }]);
  });

  it('stream() refuses COPY FROM STDIN and the client stays usable', async () => {
    const rows: unknown[] = [];
    const run = async (): Promise<void> => {
      for await (const row of client.stream('COPY copied FROM STDIN')) rows.push(row);
    };
    await expect(soon(run())).rejects.toBeInstanceOf(UsageError);
    expect(rows).toEqual([]);
    expect((await soon(client.query('SELECT 3 AS three'))).rows).toEqual([{ three: 3 }]);
  });

  it('a COPY issued beside pipelined queries is not pipelined with them; every query settles', async () => {
    const results = await soon(
      Promise.allSettled([
        client.query('SELECT 1 AS a'),
        client.query('COPY copied FROM STDIN'),
        client.query('SELECT 2 AS b'),
        client.query('COPY copied FROM STDIN', [], { prepare: false }),
        client.query('SELECT 3 AS c'),
      ]),
    );
    expect(results.map((r) => r.status)).toEqual(['fulfilled', 'rejected', 'fulfilled', 'rejected', 'fulfilled']);
    expect((results[4] as PromiseFulfilledResult<{ rows: unknown[] }>).value.rows).toEqual([{ c: 3 }]);
  });

  it('executeMany() refuses COPY before sending anything', async () => {
    await expect(client.executeMany('COPY copied FROM STDIN', [[1]])).rejects.toThrow(/executeMany\(\) cannot run COPY/);
  });

  it('pool.query() refuses it and keeps the connection', async () => {
    await pool.query('SELECT 1');
    const created = pool.stats.created;
    await expect(soon(pool.query('COPY copied FROM STDIN'))).rejects.toThrow(COPY_IN);
    await expect(soon(pool.query('COPY copied FROM STDIN', [], { prepare: false }))).rejects.toBeInstanceOf(UsageError);
    expect((await soon(pool.query('SELECT 4 AS four'))).rows).toEqual([{ four: 4 }]);
    expect(pool.stats.created).toBe(created);
  });
});
