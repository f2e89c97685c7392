/**
 * Cached statements across DDL on CrateDB (scripted server, or a real one via CRATEDB_URL). CrateDB 6.4.3 fails a
 * statement that outlived DROP + CREATE of its table with 42P01 `Relation not found for oid`, and a `SELECT *`
 * prepared before `ALTER TABLE … ADD COLUMN` keeps returning the old columns without any error
 * (test/fixtures/cratedb-6.4.3/stale_statement_after_ddl.json).
 */
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { connect, createPool, type Client } from '../../src/index.js';
import { startCrateTarget, type CrateTarget } from './target.js';

let target: CrateTarget;
let a: Client;
let b: Client;
const table = `cw_ddl_${process.pid}`;

beforeAll(async () => {
  target = await startCrateTarget();
  a = await connect(target.url());
  b = await connect(target.url());
});
afterAll(async () => {
  await a?.simpleQuery(`DROP TABLE IF EXISTS ${table}`).catch(() => undefined);
  await a?.close();
  await b?.close();
  await target?.stop();
});
beforeEach(async () => {
  await a.simpleQuery(`DROP TABLE IF EXISTS ${table}`);
  await a.simpleQuery(`CREATE TABLE ${table} (id INTEGER, name TEXT)`);
  await a.query(`INSERT INTO ${table} (id, name) VALUES ($1, $2)`, [1, 'one']);
  await a.simpleQuery(`REFRESH TABLE ${table}`);
});

const selectAll = `SELECT * FROM ${table} ORDER BY id`;

describe('cached statements and DDL', () => {
  it('a cached INSERT whose table another program dropped and created again is prepared afresh, once', async () => {
    const insert = `INSERT INTO ${table} (id, name) VALUES ($1, $2)`;
    await a.query(insert, [2, 'two']);
    await b.simpleQuery(`DROP TABLE ${table}`);
    await b.simpleQuery(`CREATE TABLE ${table} (id INTEGER, name TEXT)`);
    const res = await a.query(insert, [3, 'three']);
    expect(res.rowCount).toBe(1);
    await a.simpleQuery(`REFRESH TABLE ${table}`);
    expect((await a.query(`SELECT id FROM ${table}`)).rows).toEqual([{ id: 3 }]);
  });

  it('ALTER TABLE … ADD COLUMN through the client: the next cached SELECT * shows the new column', async () => {
    expect((await a.query(selectAll)).fields.map((f) => f.name)).toEqual(['id', 'name']);
    await a.query(`ALTER TABLE ${table} ADD COLUMN extra TEXT`);
    const after = await a.query(selectAll);
    expect(after.fields.map((f) => f.name)).toEqual(['id', 'name', 'extra']);
    expect(after.rows).toEqual([{ id: 1, name: 'one', extra: null }]);
  });

  it('DDL through simpleQuery() empties the cache too', async () => {
    await a.query(selectAll);
    await a.simpleQuery(`ALTER TABLE ${table} ADD COLUMN extra TEXT`);
    expect((await a.query(selectAll)).fields.map((f) => f.name)).toEqual(['id', 'name', 'extra']);
  });

  it('DDL by another program keeps the old columns until clearStatementCache()', async () => {
    await a.query(selectAll);
    await b.query(`ALTER TABLE ${table} ADD COLUMN extra TEXT`);
    // What CrateDB does with a statement prepared before the change: the old columns, no error.
    expect((await a.query(selectAll)).fields.map((f) => f.name)).toEqual(['id', 'name']);
    a.clearStatementCache();
    expect((await a.query(selectAll)).fields.map((f) => f.name)).toEqual(['id', 'name', 'extra']);
  });

  it('in a pool, DDL through one connection empties the caches of the others', async () => {
    const pool = createPool(target.url(), { max: 2 });
    try {
      const first = await pool.acquire();
      const second = await pool.acquire();
      const pids = [first.serverInfo.processId, second.serverInfo.processId];
      for (const c of [first, second]) expect((await c.query(selectAll)).fields).toHaveLength(2);
      await first.query(`ALTER TABLE ${table} ADD COLUMN extra TEXT`);
      first.release();
      second.release();
      const again = [await pool.acquire(), await pool.acquire()];
      expect(again.map((c) => c.serverInfo.processId).sort()).toEqual(pids.sort());
      for (const c of again) expect((await c.query(selectAll)).fields.map((f) => f.name)).toEqual(['id', 'name', 'extra']);
      for (const c of again) c.release();
    } finally {
      await pool.end();
    }
  });

  it('pool.clearStatementCache() reaches every connection after DDL by another program', async () => {
    const pool = createPool(target.url(), { max: 1 });
    try {
      await pool.query(selectAll);
      await b.query(`ALTER TABLE ${table} ADD COLUMN extra TEXT`);
      expect((await pool.query(selectAll)).fields).toHaveLength(2);
      pool.clearStatementCache();
      expect((await pool.query(selectAll)).fields).toHaveLength(3);
    } finally {
      await pool.end();
    }
  });
});
