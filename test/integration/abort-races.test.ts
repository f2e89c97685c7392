import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { streamArrow } from '../../src/arrow/index.js';
import { QueryTimeoutError, createPool, type Client, type Pool } from '../../src/index.js';
import { connectForFile, getTestPg } from '../support/pg-env.js';

const pg = getTestPg();
let client: Client;
let pool: Pool;

connectForFile(pg, (c) => void (client = c));
beforeAll(async () => {
  pool = createPool(pg.url('trust', { sslmode: 'disable' }), { max: 1 });
  await pg.psql('DROP TABLE IF EXISTS abort_races; CREATE TABLE abort_races (a int, b text); GRANT ALL ON abort_races TO PUBLIC');
});
afterAll(async () => {
  await pool.end({ timeoutMs: 1_000 });
});

const SLOW = 'SELECT pg_sleep(0.3) AS s';

describe('abort while queued behind another query on one client', () => {
  it.each(['query', 'executeMany', 'bulkInsert', 'stream'] as const)('%s rejects with signal.reason and sends nothing', async (kind) => {
    const controller = new AbortController();
    const reason = new Error(`stop ${kind}`);
    const signal = controller.signal;
    const slow = client.query(SLOW);
    const call =
      kind === 'query'
        ? client.query('INSERT INTO abort_races VALUES (1, $1)', [kind], { signal })
        : kind === 'executeMany'
          ? client.executeMany('INSERT INTO abort_races VALUES ($1, $2)', [[1, kind]], { signal })
          : kind === 'bulkInsert'
            ? client.bulkInsert('abort_races', ['a', 'b'], [[1, kind]], { signal })
            : client.stream('INSERT INTO abort_races VALUES (1, $1) RETURNING a', [kind], { signal })[Symbol.asyncIterator]().next();
    await new Promise((r) => setTimeout(r, 20));
    controller.abort(reason);
    await expect(call).rejects.toBe(reason);
    await slow;
    expect((await client.query('SELECT count(*)::int AS n FROM abort_races WHERE b = $1', [kind])).rows).toEqual([{ n: 0 }]);
  });
});

describe('abort while running', () => {
  it.each(['query', 'executeMany', 'stream'] as const)('pool %s rejects with signal.reason and the connection comes back', async (kind) => {
    const controller = new AbortController();
    const reason = new Error(`stop ${kind}`);
    const signal = controller.signal;
    const sql = 'SELECT pg_sleep(5) AS s';
    const call =
      kind === 'query'
        ? pool.query(sql, [], { signal })
        : kind === 'executeMany'
          ? pool.executeMany('INSERT INTO abort_races SELECT $1::int, pg_sleep(5)::text', [[7]], { signal })
          : pool.stream(sql, [], { signal })[Symbol.asyncIterator]().next();
    await new Promise((r) => setTimeout(r, 100));
    const started = Date.now();
    controller.abort(reason);
    await expect(call).rejects.toBe(reason);
    expect((await pool.query('SELECT 1 AS one')).rows).toEqual([{ one: 1 }]);
    expect(Date.now() - started).toBeLessThan(2_000);
    expect(pool.stats).toMatchObject({ busy: 0, total: 1 });
  });

  it.each(['client', 'pool'] as const)('%s stream: an abort while the last batch is still being read rejects the next pull with signal.reason', async (where) => {
    const controller = new AbortController();
    const reason = new Error(`stop ${where}`);
    const text = 'SELECT g FROM generate_series(1, 5) g';
    const stream = where === 'client' ? client.stream(text, [], { signal: controller.signal }) : pool.stream(text, [], { signal: controller.signal });
    let n = 0;
    const run = async (): Promise<void> => {
      for await (const _ of stream) {
        if (++n === 2) {
          await new Promise((r) => setTimeout(r, 20));
          controller.abort(reason);
        }
      }
    };
    await expect(run()).rejects.toBe(reason);
    expect(n).toBe(2);
    expect((await client.query('SELECT 6 AS six')).rows).toEqual([{ six: 6 }]);
    expect((await pool.query('SELECT 6 AS six')).rows).toEqual([{ six: 6 }]);
  });

  it('pool.stream aborted after it ended changes nothing', async () => {
    const controller = new AbortController();
    const rows: unknown[] = [];
    for await (const row of pool.stream('SELECT 1 AS one', [], { signal: controller.signal })) rows.push(row);
    controller.abort(new Error('late'));
    expect(rows).toEqual([{ one: 1 }]);
    expect(pool.stats).toMatchObject({ busy: 0, total: 1 });
    expect((await pool.query('SELECT 2 AS two')).rows).toEqual([{ two: 2 }]);
  });

  it('a pool connection stream aborted mid-way leaves the connection usable and releasable once', async () => {
    const c = await pool.acquire();
    const controller = new AbortController();
    const reason = new Error('mid');
    let n = 0;
    const run = async (): Promise<void> => {
      for await (const _ of c.stream('SELECT g FROM generate_series(1, 1000) g', [], { fetchSize: 10, signal: controller.signal })) if (++n === 15) controller.abort(reason);
    };
    await expect(run()).rejects.toBe(reason);
    expect((await c.query('SELECT 3 AS three')).rows).toEqual([{ three: 3 }]);
    c.release();
    expect(pool.stats).toMatchObject({ busy: 0, total: 1 });
  });

  it('streamArrow on a pool: an abort mid-way rejects with signal.reason; timeoutMs with QueryTimeoutError; the connection comes back', async () => {
    const controller = new AbortController();
    const reason = new Error('arrow stop');
    let batches = 0;
    const run = async (): Promise<void> => {
      for await (const _ of streamArrow(pool, 'SELECT g FROM generate_series(1, 1000) g', [], { fetchSize: 10, signal: controller.signal })) if (++batches === 3) controller.abort(reason);
    };
    await expect(run()).rejects.toBe(reason);
    expect((await pool.query('SELECT 5 AS five')).rows).toEqual([{ five: 5 }]);
    const slow = streamArrow(pool, 'SELECT 1 AS s FROM pg_sleep(5)', [], { timeoutMs: 100 });
    await expect(slow[Symbol.asyncIterator]().next()).rejects.toBeInstanceOf(QueryTimeoutError);
    expect((await pool.query('SELECT 4 AS four')).rows).toEqual([{ four: 4 }]);
    expect(pool.stats).toMatchObject({ busy: 0, total: 1 });
  });
});
