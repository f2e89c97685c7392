/**
 * Pipelining on PostgreSQL: queries issued without awaiting share the connection (each with its own Sync), through
 * one client and through pool.query() lanes. A counting TCP proxy shows how many writes reached the server.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DatabaseError, QueryTimeoutError, connect, createPool } from '../../src/index.js';
import { getTestPg } from '../support/pg-env.js';
import { startTapProxy, type TapProxy } from '../support/tap-proxy.js';

const pg = getTestPg();
let proxy: TapProxy;
/** Client→server chunks seen by the proxy, in total. */
let chunksToServer = 0;

beforeAll(async () => {
  proxy = await startTapProxy(pg.host, pg.port, () => () => {
    chunksToServer++;
  });
});
afterAll(() => proxy.close());

function viaProxy(extra: Record<string, unknown> = {}): Record<string, unknown> {
  return { host: '127.0.0.1', port: proxy.port, user: pg.users.trust.user, database: pg.database, sslmode: 'disable', ...extra };
}

describe('one client', () => {
  it('sends concurrently issued queries together and answers each in order', async () => {
    const c = await connect(viaProxy());
    await c.query('SELECT $1::int AS i', [0]);
    const before = chunksToServer;
    const results = await Promise.all(Array.from({ length: 40 }, (_, i) => c.query('SELECT $1::int AS i', [i])));
    expect(results.map((r) => r.rows[0]?.['i'])).toEqual(Array.from({ length: 40 }, (_, i) => i));
    expect(chunksToServer - before).toBeLessThan(10);
    await c.close();
  });

  it('pipelineDepth 1 sends one query per round trip', async () => {
    const c = await connect(viaProxy({ pipelineDepth: 1 }));
    // Warm the statement cache: a statement's first run is described before its Bind (binary results).
    await c.query('SELECT $1::int AS i', [0]);
    const before = chunksToServer;
    await Promise.all(Array.from({ length: 10 }, (_, i) => c.query('SELECT $1::int AS i', [i])));
    expect(chunksToServer - before).toBe(10);
    await c.close();
  });

  it("keeps one query's error out of its neighbours' results", async () => {
    const c = await connect(viaProxy());
    const settled = await Promise.allSettled([
      c.query('SELECT 1 AS a'),
      c.query('SELECT 1/0 AS b'),
      c.query('SELECT $1::int AS c', [3]),
      c.query('SELECT * FROM no_such_table_pipeline'),
      c.query('SELECT $1::text AS e', ['five']),
    ]);
    expect(settled.map((s) => s.status)).toEqual(['fulfilled', 'rejected', 'fulfilled', 'rejected', 'fulfilled']);
    expect(((settled[1] as PromiseRejectedResult).reason as DatabaseError).sqlstate).toBe('22012');
    expect(((settled[3] as PromiseRejectedResult).reason as DatabaseError).sqlstate).toBe('42P01');
    expect((settled[4] as PromiseFulfilledResult<{ rows: unknown[] }>).value.rows).toEqual([{ e: 'five' }]);
    await c.close();
  });

  it('a cached statement lost while pipelined fails once (26000), then is prepared afresh', async () => {
    const c = await connect(viaProxy());
    await c.query('SELECT $1::int + 1 AS n', [1]);
    await c.simpleQuery('DEALLOCATE ALL');
    const settled = await Promise.allSettled([c.query('SELECT $1::int + 1 AS n', [1]), c.query('SELECT $1::int + 1 AS n', [2])]);
    for (const s of settled) {
      if (s.status === 'rejected') expect((s.reason as DatabaseError).sqlstate).toBe('26000');
    }
    expect((await c.query('SELECT $1::int + 1 AS n', [41])).rows).toEqual([{ n: 42 }]);
    await c.close();
  });

  it('a query with a deadline is not pipelined, so its cancel cannot hit a neighbour', async () => {
    const c = await connect(viaProxy());
    const slow = c.query('SELECT pg_sleep(0.3), 1 AS slow');
    const timed = c.query('SELECT pg_sleep(5)', [], { timeoutMs: 100 });
    const after = c.query('SELECT 3 AS after');
    await expect(timed).rejects.toThrow(QueryTimeoutError);
    expect((await slow).rows[0]).toMatchObject({ slow: 1 });
    expect((await after).rows).toEqual([{ after: 3 }]);
    await c.close();
  });
});

describe('pool.query lanes', () => {
  it('shares busy connections among reads when none is free, with correct results', async () => {
    const pool = createPool(viaProxy(), { max: 2 });
    await pool.query('SELECT 1');
    const before = chunksToServer;
    const results = await Promise.all(Array.from({ length: 60 }, (_, i) => pool.query('SELECT $1::int AS i, pg_backend_pid() AS pid', [i])));
    expect(results.map((r) => r.rows[0]?.['i'])).toEqual(Array.from({ length: 60 }, (_, i) => i));
    expect(new Set(results.map((r) => r.rows[0]?.['pid'])).size).toBeLessThanOrEqual(2);
    expect(chunksToServer - before).toBeLessThan(40);
    expect(pool.stats).toMatchObject({ busy: 0, waiting: 0 });
    await pool.end();
  });

  it('never shares a statement that changes the session', async () => {
    const pool = createPool(viaProxy(), { max: 1 });
    await pool.query('SELECT 1');
    const order: string[] = [];
    const read = (label: string): Promise<string | undefined> =>
      pool.query<{ t: string }>("SELECT current_setting('statement_timeout') AS t").then((r) => {
        order.push(label);
        return r.rows[0]?.t;
      });
    const reads = Array.from({ length: 10 }, () => read('before'));
    const set = pool.query("SET statement_timeout = '7s'").then(() => order.push('set'));
    const later = Array.from({ length: 10 }, () => read('after'));
    await set;
    const seen = await Promise.all([...reads, ...later]);
    expect(seen.every((t) => t === '0')).toBe(true);
    expect(order.indexOf('set')).toBe(10);
    await pool.end();
  });
});
