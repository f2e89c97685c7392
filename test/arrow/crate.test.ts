/**
 * cratewire/arrow against CrateDB (the scripted server of test/crate/fake/, or a real one with CRATEDB_URL): every
 * CrateDB type compared value by value with client.query(); the OID-114 columns (OBJECT, nested arrays, geo_shape)
 * and float_vector (float4[] without a length) told apart by the caller's schema; batches, a mid-stream error, early
 * break, pool and client.
 */
import { Field as ArrowField, FixedSizeList, Float32, Int32, Int64, List, Struct, Table, Utf8, type RecordBatch } from 'apache-arrow';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { queryArrow, streamArrow } from '../../src/arrow/index.js';
import { createPool, DatabaseError, connect, type Client, type Pool } from '../../src/index.js';
import { REAL_CRATE, startCrateTarget, type CrateTarget } from '../crate/target.js';
import { expectSameValues } from './compare.js';
import { plain } from './normalize.js';

const OPTIONS = { int8: 'bigint', numeric: 'string' } as const;
const table = `cw_arrow_${process.pid}`;
let target: CrateTarget;
let client: Client;
let pool: Pool;

beforeAll(async () => {
  target = await startCrateTarget();
  client = await connect(target.url(), OPTIONS);
  pool = createPool(target.url(), { ...OPTIONS, max: 2 });
  await client.simpleQuery(`DROP TABLE IF EXISTS ${table}`);
  await client.simpleQuery(
    `CREATE TABLE ${table} (id INTEGER, t TEXT, d DOUBLE, ts TIMESTAMP WITH TIME ZONE, b BOOLEAN, o OBJECT(DYNAMIC), v FLOAT_VECTOR(2), g GEO_POINT, a ARRAY(INTEGER), n ARRAY(ARRAY(INTEGER)), s GEO_SHAPE)`,
  );
  // The nested array goes in as SQL text: the scripted server cannot bind a nested array parameter.
  for (let i = 0; i < 30; i++) {
    const n = i % 11 === 7 ? 'NULL' : `[[${i}], [${i + 1}, ${i + 2}]]`;
    const values = [
      i + 1,
      i % 5 === 0 ? null : `row ${i + 1}`,
      i % 6 === 1 ? null : (i + 1) / 7,
      i % 7 === 2 ? null : new Date(Date.UTC(2024, 0, 2, 3, 4, 5, i)),
      i % 4 === 3 ? null : i % 2 === 0,
      i % 8 === 4 ? null : { k: i, name: `n${i}` },
      i % 9 === 5 ? null : [i / 2, i / 4],
      i % 10 === 6 ? null : [i / 10, -i / 20],
      i % 3 === 0 ? null : [i, i + 1],
      i % 12 === 8 ? null : { type: 'Point', coordinates: [i, i / 2] },
    ];
    await client.query(`INSERT INTO ${table} (id, t, d, ts, b, o, v, g, a, s, n) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, ${n})`, values);
  }
  await client.simpleQuery(`REFRESH TABLE ${table}`);
});
afterAll(async () => {
  await client?.simpleQuery(`DROP TABLE IF EXISTS ${table}`).catch(() => undefined);
  await client?.close();
  await pool?.end();
  await target?.stop();
});

async function collect(batches: AsyncIterable<RecordBatch>): Promise<RecordBatch[]> {
  const out: RecordBatch[] = [];
  for await (const b of batches) out.push(b);
  return out;
}

describe('queryArrow / streamArrow on CrateDB', () => {
  const select = `SELECT id, t, d, ts, b, o, v, g, a, n, s FROM ${table} ORDER BY id`;

  it('a table of CrateDB types with NULLs equals client.query() value by value (client and pool)', async () => {
    const expected = await client.query<unknown[]>(select, [], { rowMode: 'array' });
    expect(expected.rows).toHaveLength(30);
    const table1 = await queryArrow(client, select);
    expect(table1.schema.fields.map((f) => `${f.name}:${String(f.type)}`)).toEqual([
      'id:Int32',
      't:Utf8',
      'd:Float64',
      'ts:Timestamp<MICROSECOND, UTC>',
      'b:Bool',
      'o:Utf8',
      'v:List<Float32>',
      'g:FixedSizeList[2]<Float64>',
      'a:List<Int32>',
      'n:Utf8',
      's:Utf8',
    ]);
    expectSameValues(table1, expected);
    expectSameValues(await queryArrow(pool, select), expected);
  });

  it('OBJECT, a nested array and geo_shape all arrive as OID 114 (JSON text), float_vector as float4[]: the schema option tells them apart', async () => {
    const expected = await client.query<unknown[]>(select, [], { rowMode: 'array' });
    const schema = {
      o: new Struct([new ArrowField('k', new Int32(), true), new ArrowField('name', new Utf8(), true)]),
      n: new List(new ArrowField('item', new List(new ArrowField('item', new Int32(), true)), true)),
      v: new FixedSizeList(2, new ArrowField('item', new Float32(), true)),
      s: new Utf8(),
    };
    const typed = await queryArrow(client, select, [], { schema });
    expect(typed.schema.fields.map((f) => String(f.type))).toEqual([
      'Int32',
      'Utf8',
      'Float64',
      'Timestamp<MICROSECOND, UTC>',
      'Bool',
      'Struct<{k:Int32, name:Utf8}>',
      'FixedSizeList[2]<Float32>',
      'FixedSizeList[2]<Float64>',
      'List<Int32>',
      'List<List<Int32>>',
      'Utf8',
    ]);
    const fields = expected.fields.map((f) => f.name);
    const objects = typed.getChild('o');
    const nested = typed.getChild('n');
    const vectors = typed.getChild('v');
    expected.rows.forEach((row, r) => {
      const o = row[fields.indexOf('o')] as { k: number; name: string } | null;
      const struct = objects?.get(r) as { toJSON(): Record<string, unknown> } | null;
      expect(struct === null ? null : struct.toJSON()).toEqual(o === null ? null : { k: o.k, name: o.name });
      expect(plain(nested?.get(r))).toEqual(row[fields.indexOf('n')]);
      const v = row[fields.indexOf('v')] as number[] | null;
      expect(plain(vectors?.get(r))).toEqual(v === null ? null : v.map((x) => Math.fround(x)));
    });
  });

  it("an OBJECT's integer keys (bigint in a dynamic OBJECT) as Int64 children of a Struct", async () => {
    const expected = await client.query<{ o: { k: number; name: string } | null }>(`SELECT o FROM ${table} ORDER BY id`);
    const schema = { o: new Struct([new ArrowField('k', new Int64(), true), new ArrowField('name', new Utf8(), true)]) };
    const typed = await queryArrow(client, `SELECT o FROM ${table} ORDER BY id`, [], { schema });
    const got = [...(typed.getChild('o') ?? [])].map((v) => (v === null ? null : (v as { toJSON(): Record<string, unknown> }).toJSON()));
    expect(got).toEqual(expected.rows.map(({ o }) => (o === null ? null : { k: BigInt(o.k), name: o.name })));
  });

  it("byte (\"char\", OID 18, before 6.5.0) and array(byte) are Int8 and List<Int8>, the values client.query() gives", async () => {
    const bytes = `cw_arrow_bytes_${process.pid}`;
    await client.simpleQuery(`CREATE TABLE ${bytes} (id INTEGER, b BYTE, bs ARRAY(BYTE))`);
    try {
      await client.simpleQuery(`INSERT INTO ${bytes} (id, b, bs) VALUES (1, -128, [1, -2, NULL]), (2, 127, NULL), (3, NULL, [])`);
      await client.simpleQuery(`REFRESH TABLE ${bytes}`);
      const sql = `SELECT b, bs FROM ${bytes} ORDER BY id`;
      const expected = await client.query<unknown[]>(sql, [], { rowMode: 'array' });
      const got = await queryArrow(client, sql);
      const oid = expected.fields[0]?.typeOid;
      expect(got.schema.fields.map((f) => String(f.type))).toEqual(oid === 18 ? ['Int8', 'List<Int8>'] : ['Int16', 'List<Int16>']);
      expectSameValues(got, expected);
      expect([...(got.getChild('b') ?? [])]).toEqual([-128, 127, null]);
    } finally {
      await client.simpleQuery(`DROP TABLE IF EXISTS ${bytes}`);
    }
  });

  it('batches of fetchSize rows (CrateDB may end a portal with CommandComplete at an exact multiple)', async () => {
    const expected = await client.query<unknown[]>(select, [], { rowMode: 'array' });
    for (const fetchSize of [7, 10, 30]) {
      const batches = await collect(streamArrow(client, select, [], { fetchSize }));
      expect(batches.reduce((n, b) => n + b.numRows, 0)).toBe(30);
      expect(batches.every((b) => b.numRows <= fetchSize + 1)).toBe(true);
      expectSameValues(new Table(batches), expected);
    }
  });

  it('an empty result keeps its schema; early break leaves the client usable and returns the pool connection', async () => {
    const empty = await queryArrow(client, `SELECT id, a FROM ${table} WHERE id < 0`);
    expect([empty.numRows, empty.schema.fields.map((f) => String(f.type))]).toEqual([0, ['Int32', 'List<Int32>']]);
    for await (const batch of streamArrow(pool, select, [], { fetchSize: 5 })) {
      expect(batch.numRows).toBeGreaterThan(0);
      break;
    }
    expect(pool.stats.busy).toBe(0);
    for await (const batch of streamArrow(client, 'SELECT x FROM generate_series(1, 10000) x', [], { fetchSize: 100 })) {
      expect(batch.numRows).toBeGreaterThan(0);
      break;
    }
    expect((await client.query('SELECT 1 AS one')).rows).toEqual([{ one: 1 }]);
  });

  it('a server error rejects the stream; the client stays usable', async () => {
    const err = await collect(streamArrow(client, `SELECT 1 / (id - 15) AS x FROM ${table}`, [], { fetchSize: 5 })).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(DatabaseError);
    expect((await client.query('SELECT 1 AS one')).rows).toEqual([{ one: 1 }]);
  });
});

describe.skipIf(REAL_CRATE)('every column of the fake doc.types_demo', () => {
  // OID 114 arrives as JSON text; the columns compared here decode to the same values (byte_col: "char" 18 → Int8).
  const columns = [
    'bool_col', 'smallint_col', 'int_col', 'bigint_col', 'real_col', 'double_col', 'text_col', 'char_col', 'ip_col',
    'timestamptz_col', 'timestamp_col', 'date_col', 'object_col', 'json_col', 'geo_shape_col', 'geo_point_col',
    'float_vector_col', 'uuid_col', 'int_array_col', 'text_array_col', 'nested_array_col', 'empty_array_col', 'bool_array_col',
    'byte_col',
  ];

  it('equal client.query() value by value', async () => {
    const sql = `SELECT ${columns.join(', ')} FROM doc.types_demo`;
    expectSameValues(await queryArrow(client, sql), await client.query<unknown[]>(sql, [], { rowMode: 'array' }));
  });
});
