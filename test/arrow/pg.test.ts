/**
 * cratewire/arrow end to end on the embedded PostgreSQL: queryArrow, streamArrow and writeArrowIpc on a client and a
 * pool, compared value by value with client.query() on the same rows; NULLs, empty results, batches that split list
 * columns, a mid-stream error, early break, abort, timeout and a type the caller's schema cannot build.
 */
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { readFile } from 'node:fs/promises';
import { Decimal, Field as ArrowField, FixedSizeList, Float32, Int64, List, Struct, tableFromIPC, TimestampMillisecond, Utf8, type RecordBatch } from 'apache-arrow';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ArrowTypeError, queryArrow, streamArrow, writeArrowIpc } from '../../src/arrow/index.js';
import { createPool, DatabaseError, DecodeError, QueryTimeoutError, connect, type Client, type Pool } from '../../src/index.js';
import { getTestPg } from '../support/pg-env.js';
import { expectSameValues } from './compare.js';
import { plain } from './normalize.js';

const pg = getTestPg();
const OPTIONS = { int8: 'bigint', numeric: 'string' } as const;
let client: Client;
let pool: Pool;

beforeAll(async () => {
  client = await connect(pg.url('trust', { sslmode: 'disable' }), OPTIONS);
  pool = createPool(pg.url('trust', { sslmode: 'disable' }), { ...OPTIONS, max: 2 });
});
afterAll(async () => {
  await client?.close();
  await pool?.end();
});

/** Every type PostgreSQL shares with the mapping, a NULL in every column every 7th row. */
const ALL_TYPES = `SELECT g AS id,
  CASE WHEN g % 7 = 0 THEN NULL ELSE (g - 500)::int2 END AS i2,
  CASE WHEN g % 7 = 1 THEN NULL ELSE g * 1000 END AS i4,
  CASE WHEN g % 7 = 2 THEN NULL ELSE g::int8 * 9007199254 END AS i8,
  CASE WHEN g % 7 = 3 THEN NULL ELSE g / 3.0::float4 END AS f4,
  CASE WHEN g % 7 = 4 THEN NULL ELSE g / 7.0::float8 END AS f8,
  CASE WHEN g % 7 = 5 THEN NULL ELSE (g / 8.0)::numeric(12, 3) END AS dec,
  CASE WHEN g % 7 = 6 THEN NULL ELSE (g / 8.0)::numeric END AS num,
  CASE WHEN g % 7 = 0 THEN NULL ELSE 'row ' || g || repeat('é', g % 5) END AS t,
  CASE WHEN g % 7 = 1 THEN NULL ELSE ('v' || g)::varchar END AS v,
  CASE WHEN g % 7 = 2 THEN NULL ELSE g % 2 = 0 END AS b,
  CASE WHEN g % 7 = 3 THEN NULL ELSE timestamp '2024-01-02 03:04:05.123456' + g * interval '1 hour 1.5 second' END AS ts,
  CASE WHEN g % 7 = 4 THEN NULL ELSE timestamptz '2024-01-02 03:04:05.654321+00' - g * interval '1 day 1 ms' END AS tstz,
  CASE WHEN g % 7 = 5 THEN NULL ELSE date '2024-02-28' + g END AS d,
  CASE WHEN g % 7 = 6 THEN NULL ELSE ('10.0.' || (g % 256) || '.1')::inet END AS ip,
  CASE WHEN g % 7 = 0 THEN NULL ELSE point(g, -g / 2.0) END AS pt,
  CASE WHEN g % 7 = 1 THEN NULL ELSE ARRAY[g, NULL, g + 1]::int4[] END AS ai,
  CASE WHEN g % 7 = 2 THEN NULL ELSE array_fill(g::text, ARRAY[g % 4]) END AS at,
  CASE WHEN g % 7 = 3 THEN NULL ELSE ARRAY[g / 2.0, g / 4.0]::float4[] END AS vec,
  CASE WHEN g % 7 = 4 THEN NULL ELSE json_build_object('g', g, 'tags', json_build_array('a', g)) END AS j,
  CASE WHEN g % 7 = 5 THEN NULL ELSE jsonb_build_object('g', g) END AS jb,
  CASE WHEN g % 7 = 6 THEN NULL ELSE int4send(g) END AS by
FROM generate_series(1, $1::int) g ORDER BY g`;

async function collect(batches: AsyncIterable<RecordBatch>): Promise<RecordBatch[]> {
  const out: RecordBatch[] = [];
  for await (const b of batches) out.push(b);
  return out;
}

async function expectUsable(c: Client): Promise<void> {
  expect((await c.query('SELECT 42 AS answer')).rows).toEqual([{ answer: 42 }]);
}

describe('queryArrow / streamArrow on PostgreSQL', () => {
  it('every type, with NULLs, equals client.query() value by value (client and pool)', async () => {
    const expected = await client.query<unknown[]>(ALL_TYPES, [500], { rowMode: 'array' });
    expectSameValues(await queryArrow(client, ALL_TYPES, [500]), expected);
    expectSameValues(await queryArrow(pool, ALL_TYPES, [500]), expected);
    expect(pool.stats.busy).toBe(0);
  });

  it('streams batches of at most fetchSize rows; list columns split across batches keep their values', async () => {
    const expected = await client.query<unknown[]>(ALL_TYPES, [333], { rowMode: 'array' });
    const stream = streamArrow(client, ALL_TYPES, [333], { fetchSize: 50 });
    const batches = await collect(stream);
    expect(batches.map((b) => b.numRows)).toEqual([50, 50, 50, 50, 50, 50, 33]);
    expect(stream.schema?.fields.map((f) => f.name)).toEqual(expected.fields.map((f) => f.name));
    const { Table } = await import('apache-arrow');
    expectSameValues(new Table(batches), expected);
  });

  it('prepare: false (the unnamed statement, described first for its formats) and a cached statement give the same table', async () => {
    const expected = await client.query<unknown[]>(ALL_TYPES, [40], { rowMode: 'array' });
    expectSameValues(await queryArrow(client, ALL_TYPES, [40], { prepare: false }), expected);
    expectSameValues(await queryArrow(client, ALL_TYPES, [40]), expected);
    expectSameValues(await queryArrow(client, ALL_TYPES, [40]), expected);
  });

  it('nested arrays with the caller schema; numeric as text', async () => {
    const sql = `SELECT CASE WHEN g = 2 THEN NULL ELSE ARRAY[[g, g + 1], [NULL, g * 2]]::int8[] END AS m, (g / 3.0)::numeric(10, 4) AS n FROM generate_series(1, 4) g`;
    const expected = await client.query<unknown[]>(sql, [], { rowMode: 'array' });
    const nested = new List(new ArrowField('item', new List(new ArrowField('item', new Int64(), true)), true));
    const table = await queryArrow(client, sql, [], { schema: { m: nested }, numeric: 'text' });
    expect(String(table.schema.fields[1]?.type)).toBe('Utf8');
    expectSameValues(table, expected);
  });

  it('json as a Struct with Int64, Decimal and Timestamp children: exact beyond 2^53, the values client.query() gives', async () => {
    const sql = `SELECT CASE WHEN g = 4 THEN NULL ELSE json_build_object('id', g::int8 * 3002399751580331, 'price', (g / 8.0)::numeric(10, 3),
      'at', timestamptz '2024-01-02 03:04:05.123+00' + g * interval '1 day', 'tags', json_build_array(g, NULL)) END AS o
      FROM generate_series(1, 5) g ORDER BY g`;
    const schema = {
      o: new Struct([
        new ArrowField('id', new Int64()),
        new ArrowField('price', new Decimal(3, 10, 128)),
        new ArrowField('at', new TimestampMillisecond('UTC')),
        new ArrowField('tags', new List(new ArrowField('item', new Int64()))),
      ]),
    };
    const table = await queryArrow(client, sql, [], { schema });
    const expected = (await client.query<{ o: { price: number; at: string } | null }>(sql)).rows.map((r) => r.o);
    const got = [...(table.getChild('o') ?? [])].map((v) => (v === null ? null : (v as { toJSON(): Record<string, unknown> }).toJSON()));
    expect(got.map((o) => o?.['id'] ?? null)).toEqual([3002399751580331n, 6004799503160662n, 9007199254740993n, null, 15011998757901655n]);
    got.forEach((o, r) => {
      const e = expected[r];
      if (e === null || e === undefined) return expect(o).toBeNull();
      expect(Number(String(o?.['price'])) / 1000).toBe(e.price);
      expect(o?.['at']).toBe(Date.parse(e.at));
      expect(plain(o?.['tags'])).toEqual([BigInt(r + 1), null]);
    });
  });

  it('an empty result: a Table of the statement schema and no rows; streamArrow yields no batch', async () => {
    const table = await queryArrow(client, 'SELECT g AS n, g::text AS s FROM generate_series(1, 0) g');
    expect(table.numRows).toBe(0);
    expect(table.schema.fields.map((f) => `${f.name}:${String(f.type)}`)).toEqual(['n:Int32', 's:Utf8']);
    expect(await collect(streamArrow(pool, 'SELECT 1 AS x WHERE false'))).toEqual([]);
    const none = await queryArrow(client, `SET application_name = 'arrow'`);
    expect([none.numRows, none.numCols]).toEqual([0, 0]);
  });

  it('a server error mid-stream rejects the iterator after the rows before it (44 of 100); the client stays usable', async () => {
    const got: number[] = [];
    const run = async (): Promise<void> => {
      for await (const batch of streamArrow(client, 'SELECT 1 / (45 - g) AS x, g FROM generate_series(1, 100) g', [], { fetchSize: 10 })) {
        got.push(...(batch.getChild('g')?.toArray() as Int32Array));
      }
    };
    const err = await run().catch((e: unknown) => e);
    expect(err).toBeInstanceOf(DatabaseError);
    expect((err as DatabaseError).sqlstate).toBe('22012');
    expect(got).toEqual(Array.from({ length: 44 }, (_, i) => i + 1));
    await expectUsable(client);
  });

  it('early break closes the portal: the client is usable, the pool connection is back', async () => {
    for await (const batch of streamArrow(client, 'SELECT g FROM generate_series(1, 100000) g', [], { fetchSize: 100 })) {
      expect(batch.numRows).toBe(100);
      break;
    }
    await expectUsable(client);
    for await (const batch of streamArrow(pool, 'SELECT g FROM generate_series(1, 100000) g', [], { fetchSize: 100 })) {
      expect(batch.numRows).toBe(100);
      break;
    }
    expect(pool.stats.busy).toBe(0);
  });

  it('a schema type the column cannot be built as is an ArrowTypeError naming the column, before the statement runs', async () => {
    const err = await queryArrow(client, 'SELECT 1::int4 AS n', [], { schema: { n: new Float32() } }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ArrowTypeError);
    expect((err as ArrowTypeError).column).toBe('n');
    expect((err as Error).message).toContain('"n"');
    await expectUsable(client);
    await expect(queryArrow(client, 'SELECT 1', [], { numeric: 'float' as never })).rejects.toThrow(/numeric must be 'decimal' or 'text'/);
  });

  it('a type without a mapping (money, tsvector, xml) is an ArrowTypeError naming it before anything runs; new Utf8() in schema reads it as text', async () => {
    const sql = `SELECT g AS id, (g * 1.5)::money AS m, to_tsvector('simple', 'row ' || g) AS tv, xmlelement(name r, g) AS x FROM generate_series(1, 3) g`;
    const err = await queryArrow(client, sql).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ArrowTypeError);
    expect((err as ArrowTypeError).column).toBe('m');
    expect((err as Error).message).toBe(
      'Column "m": type money (OID 790) has no Arrow mapping (docs/arrow.md "Type mapping"); pass schema: { "m": new Utf8() } for the server\'s text, or cast the column in SQL (e.g. ::text)',
    );
    await expect(queryArrow(pool, sql, [], { schema: { m: new Utf8() } })).rejects.toThrow('Column "tv": type tsvector (OID 3614) has no Arrow mapping');
    expect(pool.stats.busy).toBe(0);
    await expectUsable(client);
    const table = await queryArrow(client, sql, [], { schema: { m: new Utf8(), tv: new Utf8(), x: new Utf8() } });
    expectSameValues(table, await client.query<unknown[]>(sql, [], { rowMode: 'array' }));
    expect(table.getChild('x')?.get(2)).toBe('<r>3</r>');
  });

  it('"char" is Utf8 of the character, as client.query() gives it; bit and timetz are Utf8 text', async () => {
    const sql = `SELECT chr(96 + g)::"char" AS c, ARRAY[chr(96 + g)::"char", NULL] AS cs, (g::bit(4)) AS bits, ARRAY[g::bit(3)] AS ba,
      '12:00:00+02'::timetz AS tz FROM generate_series(1, 3) g`;
    const table = await queryArrow(client, sql);
    expect(table.schema.fields.map((f) => `${f.name}:${String(f.type)}`)).toEqual(['c:Utf8', 'cs:List<Utf8>', 'bits:Utf8', 'ba:List<Utf8>', 'tz:Utf8']);
    expectSameValues(table, await client.query<unknown[]>(sql, [], { rowMode: 'array' }));
    expect([...(table.getChild('c') ?? [])]).toEqual(['a', 'b', 'c']);
  });

  it('a value that does not fit the schema type fails the query with a DecodeError naming the column; the client stays usable', async () => {
    const sql = 'SELECT g, CASE WHEN g = 13 THEN ARRAY[1, 2, 3]::float4[] ELSE ARRAY[g, g]::float4[] END AS v FROM generate_series(1, 40) g';
    const schema = { v: new FixedSizeList(2, new ArrowField('item', new Float32(), true)) };
    const seen: number[] = [];
    const err = await (async () => {
      for await (const batch of streamArrow(client, sql, [], { fetchSize: 10, schema })) seen.push(batch.numRows);
    })().catch((e: unknown) => e);
    expect(err).toBeInstanceOf(DecodeError);
    expect((err as Error).message).toContain('"v"');
    expect(seen).toEqual([10]);
    await expectUsable(client);
  });

  it('signal and timeoutMs cancel a running statement', async () => {
    const reason = new Error('stop');
    const controller = new AbortController();
    setTimeout(() => controller.abort(reason), 50);
    await expect(queryArrow(client, 'SELECT pg_sleep(5)::text AS s', [], { signal: controller.signal })).rejects.toBe(reason);
    await expectUsable(client);
    const started = Date.now();
    await expect(queryArrow(pool, 'SELECT pg_sleep(5)::text AS s', [], { timeoutMs: 100 })).rejects.toBeInstanceOf(QueryTimeoutError);
    expect(Date.now() - started).toBeLessThan(4000);
  });

  it('writeArrowIpc: a stream to an IPC file that apache-arrow reads back equal to queryArrow; an empty result keeps its schema', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'cw-arrow-'));
    const file = join(dir, 'all.arrows');
    const rows = await writeArrowIpc(streamArrow(pool, ALL_TYPES, [120], { fetchSize: 25 }), file);
    expect(rows).toBe(120);
    const read = tableFromIPC(await readFile(file));
    expect(read.batches.map((b) => b.numRows)).toEqual([25, 25, 25, 25, 20]);
    expectSameValues(read, await client.query<unknown[]>(ALL_TYPES, [120], { rowMode: 'array' }));
    const empty = join(dir, 'empty.arrows');
    expect(await writeArrowIpc(streamArrow(client, 'SELECT 1::int8 AS x WHERE false'), empty)).toBe(0);
    const none = tableFromIPC(await readFile(empty));
    expect([none.numRows, none.schema.fields.map((f) => String(f.type))]).toEqual([0, ['Int64']]);
    // A destination that cannot be written stops the query and rejects with its error; the pool connection goes back.
    const unwritable = join(dir, 'missing-dir', 'x.arrows');
    await expect(writeArrowIpc(streamArrow(pool, 'SELECT g FROM generate_series(1, 1000000) g', [], { fetchSize: 1000 }), unwritable)).rejects.toThrow(/ENOENT/);
    expect(pool.stats.busy).toBe(0);
  });
});
