/** client.bulkInsert() on PostgreSQL: column batches through UNNEST with binary array parameters. */
import { describe, expect, it } from 'vitest';
import { createPool, DatabaseError, UsageError, type Client } from '../../src/index.js';
import { connectForFile, getTestPg } from '../support/pg-env.js';

const pg = getTestPg();
let client: Client;

connectForFile(pg, (c) => void (client = c));

async function table(name: string, columns: string): Promise<void> {
  await client.simpleQuery(`DROP TABLE IF EXISTS ${name}; CREATE TABLE ${name} (${columns})`);
}

describe('bulkInsert on PostgreSQL', () => {
  it('inserts every supported type, NULLs included, and reads back the same values', async () => {
    await table('bi_types', 'i int4, s int2, b int8, f float4, d float8, t text, v varchar(10), ts timestamptz, tn timestamp, ok bool, j json, u uuid');
    const columns = ['i', 's', 'b', 'f', 'd', 't', 'v', 'ts', 'tn', 'ok', 'j', 'u'];
    const rows = [
      [1, -2, 9007199254740991, 1.5, 0.1, 'héllo "q" \\ ,{}', 'x', new Date('2024-02-29T23:59:58.123Z'), new Date('1969-12-31T23:59:59.999Z'), true, { a: [1, null] }, 'a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11'],
      [null, null, -5n, null, -Infinity, '', null, '2000-01-01T00:00:00Z', 0, false, '[1,"x"]', null],
      [2147483647, 32767, 0, -0.25, 1e308, 'NULL', 'y', new Date('0044-03-15T12:00:00Z'), new Date('9999-12-31T23:59:59.999Z'), null, null, 'A0EEBC999C0B4EF8BB6D6BB9BD380A12'],
    ];
    const result = await client.bulkInsert('bi_types', columns, rows);
    expect(result).toEqual({ inserted: 3, failed: 0, errors: [] });
    const back = (await client.query(`SELECT ${columns.join(', ')} FROM bi_types ORDER BY t`, [], { rowMode: 'array' })).rows;
    expect(back).toEqual([
      [null, null, -5, null, -Infinity, '', null, new Date('2000-01-01T00:00:00Z'), new Date(0), false, [1, 'x'], null],
      [2147483647, 32767, 0, -0.25, 1e308, 'NULL', 'y', new Date('0044-03-15T12:00:00Z'), new Date('9999-12-31T23:59:59.999Z'), null, null, 'a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a12'],
      [1, -2, 9007199254740991, 1.5, 0.1, 'héllo "q" \\ ,{}', 'x', new Date('2024-02-29T23:59:58.123Z'), new Date('1969-12-31T23:59:59.999Z'), true, { a: [1, null] }, 'a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11'],
    ]);
  });

  it('splits into batches of batchSize and counts every row', async () => {
    await table('bi_batches', 'id int4, name text');
    const rows = Array.from({ length: 2_345 }, (_, i) => [i, `n${i}`]);
    expect(await client.bulkInsert('bi_batches', ['id', 'name'], rows, { batchSize: 1_000 })).toEqual({ inserted: 2_345, failed: 0, errors: [] });
    expect((await client.query('SELECT count(*)::int AS n, sum(id)::int8 AS s FROM bi_batches')).rows).toEqual([{ n: 2_345, s: (2_344 * 2_345) / 2 }]);
  });

  it('a batch the server refuses is reported and the other batches still land', async () => {
    await table('bi_unique', 'id int4 PRIMARY KEY');
    await client.query('INSERT INTO bi_unique VALUES (15)');
    const rows = Array.from({ length: 30 }, (_, i) => [i]);
    const result = await client.bulkInsert('bi_unique', ['id'], rows, { batchSize: 10 });
    expect(result.inserted).toBe(20);
    expect(result.failed).toBe(10);
    expect(result.errors.map((e) => [e.firstRow, e.rows, e.error.sqlstate])).toEqual([[10, 10, '23505']]);
    expect((await client.query('SELECT count(*)::int AS n FROM bi_unique')).rows[0]).toEqual({ n: 21 });
  });

  it('quotes names by the one rule: each dot-separated part is the exact name, a quoted part is kept as written', async () => {
    await client.simpleQuery('DROP SCHEMA IF EXISTS bi_s CASCADE; CREATE SCHEMA bi_s; CREATE TABLE bi_s.plain (id int4, "Mixed Col" text); CREATE TABLE bi_s."Exact.T" ("select" int4)');
    expect((await client.bulkInsert('bi_s.plain', ['id', 'Mixed Col'], [[1, 'a']])).inserted).toBe(1);
    expect((await client.bulkInsert('bi_s."Exact.T"', ['"select"'], [[2]])).inserted).toBe(1);
    expect((await client.bulkInsert('bi_s."Exact.T"', ['select'], [[3]])).inserted).toBe(1);
    // Exact names: Plain is not plain.
    const wrongCase = await client.bulkInsert('bi_s.Plain', ['id'], [[9]]).catch((e: unknown) => e);
    expect((wrongCase as DatabaseError).sqlstate).toBe('42P01');
    expect((await client.query('SELECT id, "Mixed Col" AS m FROM bi_s.plain')).rows).toEqual([{ id: 1, m: 'a' }]);
    expect((await client.query('SELECT count(*)::int AS n FROM bi_s."Exact.T"')).rows[0]).toEqual({ n: 2 });
  });

  it('refuses bad input before sending any row', async () => {
    await table('bi_refuse', 'id int4, name text, amount numeric');
    const refuse = (fn: () => Promise<unknown>): Promise<unknown> => fn().then(() => 'resolved', (e: unknown) => e);
    const cases: [() => Promise<unknown>, RegExp][] = [
      [() => client.bulkInsert('bi_refuse', ['id', 'name'], [[1, 'a'], [2]]), /row 1 has 1 value\(s\) for 2 column\(s\)/],
      [() => client.bulkInsert('bi_refuse', ['id'], [[1], 2 as unknown as unknown[]]), /row 1 is number, not an array/],
      [() => client.bulkInsert('bi_refuse', ['id', 'id'], [[1, 1]]), /column id is listed twice/],
      [() => client.bulkInsert('bi_refuse', [], [[1]]), /columns must be a non-empty array/],
      [() => client.bulkInsert('bi_refuse..x', ['id'], [[1]]), /has an empty part/],
      [() => client.bulkInsert('"bi_refuse', ['id'], [[1]]), /unterminated quoted part/],
      [() => client.bulkInsert('a.b.c', ['id'], [[1]]), /3 dot-separated parts/],
      [() => client.bulkInsert('bi_refuse', ['id'], [[1]], { batchSize: 0 }), /batchSize must be a positive integer/],
      [() => client.bulkInsert('bi_refuse', ['id', 'amount'], [[1, 2]]), /column amount has type numeric.*use executeMany/],
      [() => client.bulkInsert('bi_refuse', ['id', 'name'], [[1, 'a'], ['2', 'b']]), /row 1, column id: a string is not a valid integer value/],
      [() => client.bulkInsert('bi_refuse', ['id'], [[1]], { columnTypes: [23, 25] }), /one type OID per column/],
    ];
    for (const [fn, message] of cases) {
      const error = await refuse(fn);
      expect(error, String(message)).toBeInstanceOf(UsageError);
      expect((error as Error).message).toMatch(message);
    }
    const unknown = await refuse(() => client.bulkInsert('bi_refuse', ['id', 'nope'], [[1, 2]]));
    expect(unknown).toBeInstanceOf(DatabaseError);
    expect((unknown as DatabaseError).sqlstate).toBe('42703');
    expect((await client.query('SELECT count(*)::int AS n FROM bi_refuse')).rows[0]).toEqual({ n: 0 });
  });

  it('takes the column types from the caller without describing, and works on a pool', async () => {
    await table('bi_pool', 'id int4, at timestamptz');
    const pool = createPool(pg.url('trust', { sslmode: 'disable' }), { max: 1 });
    try {
      const at = new Date('2024-01-02T03:04:05.678Z');
      expect(await pool.bulkInsert('bi_pool', ['id', 'at'], [[1, at]], { columnTypes: [23, 1184] })).toEqual({ inserted: 1, failed: 0, errors: [] });
      expect((await pool.query('SELECT id, at FROM bi_pool')).rows).toEqual([{ id: 1, at }]);
      expect(pool.stats).toMatchObject({ busy: 0 });
    } finally {
      await pool.end();
    }
  });

  it('zero rows: nothing sent', async () => {
    expect(await client.bulkInsert('no_such_table_at_all', ['x'], [])).toEqual({ inserted: 0, failed: 0, errors: [] });
  });
});
