/** Tagged-template SQL on the client, the pool and a pooled connection (issue #12, missing basics). */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { UsageError, connect, createPool, sql, type Client, type Pool } from '../../src/index.js';
import { getTestPg } from '../support/pg-env.js';

const pg = getTestPg();
let client: Client;
let pool: Pool;

beforeAll(async () => {
  client = await connect(pg.url('trust', { sslmode: 'disable' }));
  pool = createPool(pg.url('trust', { sslmode: 'disable' }), { max: 2 });
  await client.simpleQuery('DROP TABLE IF EXISTS "Tagged Items"; CREATE TABLE "Tagged Items" (id int, "user" text)');
  await client.query(`INSERT INTO "Tagged Items" VALUES (1, 'a'), (2, 'b'), (3, 'c')`);
});
afterAll(async () => {
  await client?.close();
  await pool?.end();
});

describe('sql`…`', () => {
  it('sends values as parameters, lists as arrays and identifiers through sql.id()', async () => {
    const table = sql.id('Tagged Items');
    const ids = [1, 3];
    const name = "a' OR '1'='1";
    const res = await client.sql<{ id: number }>`SELECT id FROM ${table} WHERE id = ANY(${ids}) OR ${sql.id('user')} = ${name} ORDER BY id`;
    expect(res.rows).toEqual([{ id: 1 }, { id: 3 }]);
  });

  it('works the same on the pool and on a pooled connection', async () => {
    const table = sql.id('public.Tagged Items');
    expect((await pool.sql<{ n: number }>`SELECT count(*)::int AS n FROM ${table} WHERE id > ${1}`).rows).toEqual([{ n: 2 }]);
    const c = await pool.acquire();
    try {
      expect((await c.sql<{ u: string }>`SELECT ${sql.id('user')} AS u FROM ${table} WHERE id = ${2}`).rows).toEqual([{ u: 'b' }]);
    } finally {
      c.release();
    }
  });

  it('refuses a plain call', async () => {
    await expect(client.sql('SELECT 1' as unknown as TemplateStringsArray)).rejects.toBeInstanceOf(UsageError);
  });
});
