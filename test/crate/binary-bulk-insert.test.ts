/**
 * Binary results and bulkInsert() against CrateDB (the scripted server, or a real one via CRATEDB_URL): the same rows
 * in every binaryResults mode (fixture `cratedb-6.4.3/types_text.json` has the bytes), and column batches through
 * UNNEST with epoch-millisecond timestamps (fixture `cratedb-6.4.3/unnest_insert.json`).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { connect, UsageError, type Client } from '../../src/index.js';
import { REAL_CRATE, startCrateTarget, type CrateTarget } from './target.js';

let target: CrateTarget;
let text: Client;
const clients: Client[] = [];
const table = `cw_bi_${process.pid}`;

beforeAll(async () => {
  target = await startCrateTarget();
  text = await connect(target.url(), { binaryResults: 'never' });
  for (const binaryResults of ['auto', 'always'] as const) clients.push(await connect(target.url(), { binaryResults }));
});
afterAll(async () => {
  await text?.simpleQuery(`DROP TABLE IF EXISTS ${table}`).catch(() => undefined);
  await Promise.all([text?.close(), ...clients.map((c) => c.close())]);
  await target?.stop();
});

describe('binary results on CrateDB', () => {
  const sql =
    "SELECT true AS b, 1::smallint AS s, 2::integer AS i, 900719925474099::bigint AS big, 1.5::real AS r, 1.5e10::double precision AS d, " +
    "1000::numeric AS n, 'é\"x' AS t, '2024-01-02T03:04:05.678Z'::timestamp with time zone AS tz, " +
    "'2024-01-02T03:04:05.678Z'::timestamp without time zone AS ts, '2024-01-02'::date AS dt, [1,2,NULL] AS arr, " +
    "['a', NULL] AS tarr, [1.5, 2.25] AS darr, NULL AS nul";

  it('gives the same rows in every mode, from the first run on', async () => {
    const expected = (await text.query(sql)).rows;
    expect(expected[0]).toMatchObject({ b: true, big: 900719925474099, tz: new Date('2024-01-02T03:04:05.678Z'), arr: [1, 2, null] });
    for (const c of clients) {
      expect((await c.query(sql)).rows).toEqual(expected);
      expect((await c.query(sql)).rows).toEqual(expected);
    }
  });

  it.skipIf(!REAL_CRATE)('geo_point, geo_shape, object, float_vector, interval and ip read the same in every mode', async () => {
    const wide =
      "SELECT 'POINT(9.74 47.4)'::geo_point AS gp, 'POINT(9.74 47.4)'::geo_shape AS gs, {a=1, b=[1,2]} AS obj, [{x=1}] AS objarr, " +
      "[[1,2],[3]] AS nested, [1.0, 2.5]::float_vector(2) AS fv, '1 day 3 hours'::interval AS iv, '192.168.0.1'::ip AS ip, B'0101' AS bit";
    const expected = (await text.query(wide)).rows;
    for (const c of clients) expect((await c.query(wide)).rows).toEqual(expected);
  });
});

describe('bulkInsert on CrateDB', () => {
  // The scripted server's SQL engine has no UNNEST yet: this runs against a real CrateDB (CRATEDB_URL) only.
  it.skipIf(!REAL_CRATE)('inserts column batches and reads back the same values', async () => {
    await text.simpleQuery(`DROP TABLE IF EXISTS ${table}`);
    await text.simpleQuery(`CREATE TABLE ${table} (id INTEGER, name TEXT, v DOUBLE PRECISION, at TIMESTAMP WITH TIME ZONE, ok BOOLEAN)`);
    const rows: unknown[][] = Array.from({ length: 25 }, (_, i) => [i, `name ${i}`, i * 1.5, new Date(Date.UTC(2024, 0, 1, 0, i)), i % 2 === 0]);
    rows.push([25, null, null, null, null]);
    const result = await clients[0]!.bulkInsert(table, ['id', 'name', 'v', 'at', 'ok'], rows, { batchSize: 10 });
    expect(result).toEqual({ inserted: 26, failed: 0, errors: [] });
    await text.simpleQuery(`REFRESH TABLE ${table}`);
    const back = (await text.query(`SELECT id, name, v, at, ok FROM ${table} ORDER BY id`, [], { rowMode: 'array' })).rows;
    expect(back).toEqual(rows);
  });

  it.skipIf(!REAL_CRATE)('rows CrateDB skips (duplicate key, NOT NULL) are counted as failed; the batch still lands', async () => {
    await text.simpleQuery(`DROP TABLE IF EXISTS ${table}`);
    await text.simpleQuery(`CREATE TABLE ${table} (id INTEGER PRIMARY KEY, name TEXT NOT NULL)`);
    await text.query(`INSERT INTO ${table} (id, name) VALUES (3, 'x')`);
    await text.simpleQuery(`REFRESH TABLE ${table}`);
    const rows = [[1, 'a'], [2, 'b'], [3, 'duplicate'], [4, null], [5, 'e']];
    expect(await clients[0]!.bulkInsert(table, ['id', 'name'], rows, { batchSize: 2 })).toEqual({ inserted: 3, failed: 2, errors: [] });
    await text.simpleQuery(`REFRESH TABLE ${table}`);
    expect((await text.query(`SELECT id FROM ${table} ORDER BY id`, [], { rowMode: 'array' })).rows).toEqual([[1], [2], [3], [5]]);
  });

  it('refuses a value of the wrong type before sending anything', async () => {
    await text.simpleQuery(`DROP TABLE IF EXISTS ${table}`);
    await text.simpleQuery(`CREATE TABLE ${table} (id INTEGER, name TEXT)`);
    await expect(clients[0]!.bulkInsert(table, ['id', 'name'], [[1, 'a'], [{}, 'b']])).rejects.toThrow(UsageError);
    await text.simpleQuery(`REFRESH TABLE ${table}`);
    expect((await text.query(`SELECT count(*) AS n FROM ${table}`)).rows[0]).toEqual({ n: 0 });
  });
});
