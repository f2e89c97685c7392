import { describe, expect, it } from 'vitest';
import { connect, type Client } from '../../src/index.js';
import { connectForFile, getTestPg } from '../support/pg-env.js';

const pg = getTestPg();
let client: Client;

connectForFile(pg, (c) => void (client = c));

/** Each case: SQL expression → the JS value cratewire must produce (PostgreSQL text format). */
const DECODE_CASES: [string, unknown][] = [
  ['true', true],
  ['false', false],
  ['1::int2', 1],
  ['(-2147483648)::int4', -2147483648],
  ['9007199254740991::int8', 9007199254740991],
  ['1.5::float4', 1.5],
  ["'NaN'::float8", NaN],
  ["'-Infinity'::float8", -Infinity],
  ['123.4500::numeric', '123.4500'],
  ["'héllo'::text", 'héllo'],
  ["'ab'::char(3)", 'ab '],
  ["'{\"a\":[1,2,{\"b\":null}]}'::json", { a: [1, 2, { b: null }] }],
  ["'[1,\"x\"]'::jsonb", [1, 'x']],
  ["'\\x00ff10'::bytea", Buffer.from([0, 255, 16])],
  ["'2024-02-29 23:59:58.123456+00'::timestamptz", new Date(Date.UTC(2024, 1, 29, 23, 59, 58, 123))],
  ["'2024-02-29 23:59:58.5'::timestamp", new Date(Date.UTC(2024, 1, 29, 23, 59, 58, 500))],
  ["'infinity'::timestamptz", Infinity],
  ["'-infinity'::timestamp", -Infinity],
  ["'2024-02-29'::date", '2024-02-29'],
  ["'13:14:15.5'::time", '13:14:15.5'],
  ["'1 day 02:00:00'::interval", '1 day 02:00:00'],
  ["'192.168.0.1/32'::inet", '192.168.0.1'],
  ["'a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11'::uuid", 'a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11'],
  ['point(1.5, -2)', { x: 1.5, y: -2 }],
  ['ARRAY[1, NULL, 3]::int4[]', [1, null, 3]],
  ["ARRAY['a\"b', 'c\\d', 'e,f', NULL, 'NULL']::text[]", ['a"b', 'c\\d', 'e,f', null, 'NULL']],
  ['ARRAY[[1,2],[3,4]]::int8[]', [[1, 2], [3, 4]]],
  ["ARRAY['2024-01-01 00:00:00+00']::timestamptz[]", [new Date(Date.UTC(2024, 0, 1))]],
  ["ARRAY['{\"a\":1}']::jsonb[]", [{ a: 1 }]],
  ['NULL::int4', null],
];

describe('decoding PostgreSQL types', () => {
  it.each(DECODE_CASES)('%s', async (expr, expected) => {
    const res = await client.query(`SELECT ${expr} AS v`);
    expect(res.rows[0]?.['v']).toEqual(expected);
  });

  it('int8 modes: bigint and string', async () => {
    const big = await connect(pg.url('trust', { sslmode: 'disable' }), { int8: 'bigint' });
    expect((await big.query("SELECT '9223372036854775807'::int8 AS v")).rows[0]).toEqual({ v: 9223372036854775807n });
    await big.close();
    const str = await connect(pg.url('trust', { sslmode: 'disable' }), { int8: 'string' });
    expect((await str.query("SELECT '-9223372036854775808'::int8 AS v")).rows[0]).toEqual({ v: '-9223372036854775808' });
    await str.close();
  });

  it('numeric: number', async () => {
    const c = await connect(pg.url('trust', { sslmode: 'disable' }), { numeric: 'number' });
    expect((await c.query('SELECT 12.5::numeric AS v')).rows[0]).toEqual({ v: 12.5 });
    await c.close();
  });

  it('custom decoders per client win over built-ins', async () => {
    const c = await connect(pg.url('trust', { sslmode: 'disable' }), { types: { 1082: { decode: (t) => `date:${t}` } } });
    expect((await c.query("SELECT '2024-01-02'::date AS v")).rows[0]).toEqual({ v: 'date:2024-01-02' });
    await c.close();
  });
});

describe('encoding parameters for PostgreSQL', () => {
  it.each<[string, unknown, unknown]>([
    ['$1::int4', 42, 42],
    ['$1::int8::text', 9007199254740993n, '9007199254740993'],
    ['$1::text', 'it\'s "quoted"', 'it\'s "quoted"'],
    ['$1::bool', true, true],
    ['$1::bool', false, false],
    ['$1::timestamptz', new Date(Date.UTC(2020, 0, 2, 3, 4, 5, 6)), new Date(Date.UTC(2020, 0, 2, 3, 4, 5, 6))],
    ['$1::jsonb', { a: [1, { b: 'c' }] }, { a: [1, { b: 'c' }] }],
    ['$1::int4[]', [1, null, 3], [1, null, 3]],
    ['$1::text[]', ['a"b', 'c\\d', '', null], ['a"b', 'c\\d', '', null]],
    ['$1::bytea', Buffer.from([1, 2, 255]), Buffer.from([1, 2, 255])],
    ['$1::point', [1.5, 2.5], { x: 1.5, y: 2.5 }],
    ['$1::date', new Date(Date.UTC(2024, 11, 31, 23, 0)), '2024-12-31'],
    ['$1::text', null, null],
  ])('%s ← %o', async (placeholder, value, expected) => {
    for (const prepare of [true, false]) {
      const res = await client.query(`SELECT ${placeholder} AS v`, [value], { prepare });
      expect(res.rows[0]?.['v']).toEqual(expected);
    }
  });

  it('a JS object into a json column and back', async () => {
    await client.simpleQuery('DROP TABLE IF EXISTS docs; CREATE TABLE docs (id int, body jsonb, tags text[])');
    await client.query('INSERT INTO docs VALUES ($1, $2, $3)', [1, { title: 'x', n: [1, 2] }, ['a', 'b c']]);
    expect((await client.query('SELECT body, tags FROM docs')).rows).toEqual([{ body: { title: 'x', n: [1, 2] }, tags: ['a', 'b c'] }]);
  });
});
