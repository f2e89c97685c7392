import { beforeEach, describe, expect, it } from 'vitest';
import {
  BulkInterruptedError,
  DatabaseError,
  ParameterError,
  UsageError,
  connect,
  type Client,
} from '../../src/index.js';
import { connectForFile, getTestPg } from '../support/pg-env.js';

const pg = getTestPg();
let client: Client;

const INSERT = 'INSERT INTO bulk_items (id, name) VALUES ($1, $2)';

connectForFile(pg, (c) => void (client = c));
beforeEach(async () => {
  await client.simpleQuery('DROP TABLE IF EXISTS bulk_items; CREATE TABLE bulk_items (id int PRIMARY KEY, name text)');
});

const rowsOf = (n: number, from = 0): [number, string][] => Array.from({ length: n }, (_, i) => [from + i, `item ${from + i}`]);

async function countItems(): Promise<number> {
  return Number((await client.query<{ n: string }>('SELECT count(*)::text AS n FROM bulk_items')).rows[0]?.n);
}

describe('executeMany()', () => {
  it('0 rows: an empty result without a round trip', async () => {
    let slowDone = false;
    const slow = client.query('SELECT pg_sleep(0.2)').then(() => (slowDone = true));
    const r = await client.executeMany(INSERT, []);
    expect(slowDone).toBe(false);
    expect(r).toEqual({ rowCounts: [], failed: [], notApplied: [], errors: new Map() });
    await slow;
  });

  it('1 row', async () => {
    const r = await client.executeMany(INSERT, [[1, 'one']]);
    expect(r.rowCounts).toEqual([1]);
    expect((await client.query('SELECT id, name FROM bulk_items')).rows).toEqual([{ id: 1, name: 'one' }]);
  });

  it('50,000 rows in chunks', async () => {
    const r = await client.executeMany(INSERT, rowsOf(50_000));
    expect(r.rowCounts).toHaveLength(50_000);
    expect(r.rowCounts.every((c) => c === 1)).toBe(true);
    expect(r.failed).toEqual([]);
    expect(r.notApplied).toEqual([]);
    expect(await countItems()).toBe(50_000);
  });

  it('UPDATE counts per row, including 0 for a row that matched nothing', async () => {
    await client.executeMany(INSERT, rowsOf(3));
    const r = await client.executeMany('UPDATE bulk_items SET name = $2 WHERE id = $1', [[0, 'a'], [99, 'b'], [2, 'c']]);
    expect(r.rowCounts).toEqual([1, 0, 1]);
    expect(r.notApplied).toEqual([]);
  });

  it('a duplicate key in the middle rolls back its chunk only (PostgreSQL: one implicit transaction per chunk)', async () => {
    await client.query('INSERT INTO bulk_items VALUES (250, $1)', ['already there']);
    const r = await client.executeMany(INSERT, rowsOf(500), { chunkRows: 100 });
    expect(r.failed).toEqual([250]);
    expect(r.rowCounts[250]).toBe(-3);
    const err = r.errors.get(250) as DatabaseError;
    expect(err).toBeInstanceOf(DatabaseError);
    expect(err.sqlstate).toBe('23505');
    expect(err.parameters).toEqual([250, 'item 250']);
    expect(r.notApplied).toEqual(Array.from({ length: 100 }, (_, i) => 200 + i).filter((i) => i !== 250));
    expect(r.rowCounts.filter((c) => c === 1)).toHaveLength(400);
    expect(await countItems()).toBe(401);
    expect(client.transactionStatus).toBe('I');
  });

  it('retryFailedRows re-runs the failed and rolled-back rows one at a time', async () => {
    await client.query('INSERT INTO bulk_items VALUES (250, $1)', ['already there']);
    const r = await client.executeMany(INSERT, rowsOf(500), { chunkRows: 100, retryFailedRows: true });
    expect(r.failed).toEqual([250]);
    expect((r.errors.get(250) as DatabaseError).sqlstate).toBe('23505');
    expect(r.notApplied).toEqual([]);
    expect(r.rowCounts.filter((c) => c === 1)).toHaveLength(499);
    expect(await countItems()).toBe(500);
  });

  it("inside the caller's transaction an error aborts it: no row is reported as applied", async () => {
    await client.query('INSERT INTO bulk_items VALUES (250, $1)', ['already there']);
    await client.query('BEGIN');
    const r = await client.executeMany(INSERT, rowsOf(500), { chunkRows: 100 });
    expect(client.transactionStatus).toBe('E');
    expect(r.failed).toEqual([250]);
    expect(r.notApplied).toHaveLength(499);
    await client.query('ROLLBACK');
    expect(await countItems()).toBe(1);
  });

  it('refuses a statement that returns rows, before any Bind', async () => {
    await expect(client.executeMany('SELECT $1::int AS v', [[1]])).rejects.toThrow(UsageError);
    await expect(client.executeMany(`${INSERT} RETURNING id`, [[1, 'x']])).rejects.toThrow(/return no rows/);
    expect(await countItems()).toBe(0);
    expect((await client.query('SELECT 1 AS ok')).rows).toEqual([{ ok: 1 }]);
  });

  it('refuses an empty statement, uneven rows, and rows of the wrong width before sending', async () => {
    await expect(client.executeMany('', [[1]])).rejects.toThrow(UsageError);
    await expect(client.executeMany(INSERT, [[1, 'a'], [2]])).rejects.toThrow(/row 1 has 1/);
    await expect(client.executeMany(INSERT, [[1]])).rejects.toThrow("Wrong number of parameters: expected 2, got 1");
    expect(await countItems()).toBe(0);
  });

  it('a server error before any row (unknown table) rejects with the DatabaseError', async () => {
    const err = await client.executeMany('INSERT INTO no_such_table VALUES ($1)', [[1]]).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(DatabaseError);
    expect((err as DatabaseError).sqlstate).toBe('42P01');
    expect((err as DatabaseError).query).toBe('INSERT INTO no_such_table VALUES ($1)');
  });

  it('a value that cannot be encoded fails its row and rolls back its chunk, like a row the server refuses', async () => {
    const r = await client.executeMany(INSERT, [[1, 'a'], [Symbol('bad'), 'b'], [3, 'c']]);
    expect(r.rowCounts).toEqual([0, -3, 0]);
    expect(r.failed).toEqual([1]);
    expect(r.notApplied).toEqual([0, 2]);
    expect(r.errors.get(1)).toBeInstanceOf(ParameterError);
    expect(await countItems()).toBe(0);
    const alone = await client.executeMany(INSERT, [[1, 'a'], [Symbol('bad'), 'b'], [3, 'c']], { chunkRows: 1 });
    expect(alone.rowCounts).toEqual([1, -3, 1]);
    expect(await countItems()).toBe(2);
  });

  it('a lost connection rejects with the acknowledged chunks and the rows in flight', async () => {
    const c = await connect(pg.url('trust', { sslmode: 'disable' }));
    const pid = c.serverInfo.processId;
    const sql = 'INSERT INTO bulk_items (id, name) SELECT $1, $2 FROM (SELECT pg_sleep($3::float8)) s';
    const pending = c.executeMany(sql, [[1, 'a', 0], [2, 'b', 0], [3, 'c', 30], [4, 'd', 0]], { chunkRows: 1 }).catch((e: unknown) => e);
    // Terminate the backend while it sleeps in the third row's chunk.
    for (;;) {
      const waiting = await pg.psql(`SELECT count(*) FROM pg_stat_activity WHERE pid = ${pid} AND wait_event = 'PgSleep'`);
      if (waiting.trim() === '1') break;
      await new Promise((r) => setTimeout(r, 20));
    }
    await pg.psql(`SELECT pg_terminate_backend(${pid})`);
    const err = (await pending) as BulkInterruptedError;
    expect(err).toBeInstanceOf(BulkInterruptedError);
    expect(err.acknowledgedChunks).toBe(2);
    expect(err.acknowledgedRows).toBe(2);
    expect(err.unknownRows).toEqual([2]);
    expect(err.result.rowCounts.slice(0, 2)).toEqual([1, 1]);
    expect(err.result.notApplied).toEqual([3]);
    expect(await countItems()).toBe(2);
  });

  it('an aborted signal rejects with signal.reason and sends no further chunk', async () => {
    const controller = new AbortController();
    const reason = new Error('stop');
    const sql = 'INSERT INTO bulk_items (id, name) SELECT $1, $2 FROM (SELECT pg_sleep($3::float8)) s';
    const pending = client.executeMany(sql, [[1, 'a', 0.3], [2, 'b', 0]], { chunkRows: 1, signal: controller.signal });
    setTimeout(() => controller.abort(reason), 50);
    await expect(pending).rejects.toBe(reason);
    expect(await countItems()).toBe(0);
  });
});
