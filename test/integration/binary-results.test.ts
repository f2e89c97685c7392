/**
 * Binary results give the same rows as text results, type by type, on PostgreSQL: the same query through a client
 * reading text only (`binaryResults: 'never'`), one choosing per column (`auto`) and one asking binary for every type
 * it can decode (`always`), rows deep-equal. A proxy shows the `always` client really asked for binary columns.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { connect, type Client } from '../../src/index.js';
import { startFaultProxy, type FaultProxy, type ProxiedConnection } from '../support/fault-proxy.js';
import { getTestPg } from '../support/pg-env.js';

const pg = getTestPg();
let proxy: FaultProxy;
let text: Client;
let auto: Client;
let always: Client;
let alwaysSession: ProxiedConnection;

beforeAll(async () => {
  const url = pg.url('trust', { sslmode: 'disable' });
  text = await connect(url, { binaryResults: 'never' });
  auto = await connect(url, { binaryResults: 'auto' });
  proxy = await startFaultProxy({ host: pg.host, port: pg.port });
  always = await connect({ host: proxy.host, port: proxy.port, user: pg.users.trust.user, database: pg.database, sslmode: 'disable', binaryResults: 'always' });
  alwaysSession = proxy.sessions()[0] as ProxiedConnection;
  await text.simpleQuery("DROP TYPE IF EXISTS binmood; CREATE TYPE binmood AS ENUM ('sad', 'ok')");
});
afterAll(async () => {
  await Promise.all([text?.close(), auto?.close(), always?.close()]);
  await proxy?.close();
});

/** Result format codes of the last Bind the `always` client sent. */
function lastBindFormats(): number[] {
  const binds = alwaysSession.clientMessages.filter((m) => m[0] === 0x42);
  const bind = binds[binds.length - 1] as Buffer;
  let p = 5;
  p = bind.indexOf(0, p) + 1;
  p = bind.indexOf(0, p) + 1;
  const paramFormats = bind.readInt16BE(p);
  p += 2 + 2 * paramFormats;
  const params = bind.readInt16BE(p);
  p += 2;
  for (let i = 0; i < params; i++) {
    const len = bind.readInt32BE(p);
    p += 4 + Math.max(len, 0);
  }
  const count = bind.readInt16BE(p);
  return Array.from({ length: count }, (_, i) => bind.readInt16BE(p + 2 + 2 * i));
}

/** SQL expressions covering every type with a binary decoder, its edge values, and its arrays. */
const EXPRESSIONS: string[] = [
  'true', 'false', 'ARRAY[true, NULL, false]',
  '(-32768)::int2', '32767::int2', "'1 2 -3'::int2vector",
  '(-2147483648)::int4', '2147483647::int4', 'ARRAY[[1,2],[3,NULL]]::int4[]', "'{}'::int4[]", "'[2:3]={7,8}'::int4[]",
  '9007199254740991::int8', '(-9007199254740991)::int8', '0::int8', 'ARRAY[1, -2]::int8[]',
  '4294967295::oid', "'1 2 3'::oidvector",
  '1.1::float4', '3.4028235e38::float4', '1e-45::float4', "'-0'::float4", "'NaN'::float4", "'-Infinity'::float4", '0.1::float4', '123456.79::float4', 'ARRAY[1.1, 2.5]::float4[]',
  '0.1::float8', "'-0'::float8", '1.7976931348623157e308::float8', '5e-324::float8', "'Infinity'::float8", "'NaN'::float8", 'ARRAY[0.1, NULL]::float8[]',
  '0::numeric', '123.4500::numeric', '-0.000012::numeric', '1e20::numeric', '99999999.99999999::numeric', '10000::numeric', '0.0001::numeric', "'NaN'::numeric", "'Infinity'::numeric", "'-Infinity'::numeric", '(1.5)::numeric(10,4)', 'ARRAY[1.50, -2]::numeric[]',
  "'héllo'::text", "''::text", "'ab'::char(3)", "'x'::varchar(4)", "'nm'::name", "'a'::\"char\"", "'é'::\"char\"", "ARRAY['a\"b', 'c\\d', 'e,f', NULL, 'NULL']::text[]",
  "'{\"a\":[1,2,{\"b\":null}]}'::json", "'[1,\"x\"]'::jsonb", "'\"s\"'::jsonb", "ARRAY['{\"a\":1}']::jsonb[]", "ARRAY['{\"a\":1}']::json[]",
  "'\\x00ff10'::bytea", "''::bytea", "ARRAY['\\x01'::bytea, NULL]",
  "'2024-02-29 23:59:58.123456+00'::timestamptz", "'1969-12-31 23:59:59.9995+00'::timestamptz", "'0044-03-15 12:00:00+00 BC'::timestamptz",
  "'1500-01-01 00:00:00.001+00'::timestamptz", "'10000-01-01 00:00:00+00'::timestamptz", "'infinity'::timestamptz", "'-infinity'::timestamp",
  "'2024-02-29 23:59:58.5'::timestamp", "ARRAY['2024-01-01 00:00:00+00', NULL]::timestamptz[]",
  "'2024-02-29'::date", "'0001-01-01'::date", "'0044-03-15 BC'::date", "'12345-06-07'::date", "'infinity'::date", "'-infinity'::date", "ARRAY['2000-01-01'::date]",
  "'13:14:15.5'::time", "'00:00:00'::time", "'23:59:59.999999'::time", "'24:00:00'::time",
  "'13:14:15.25+02'::timetz", "'01:02:03-05:30'::timetz", "'00:00:00+00'::timetz", "'10:00:00+05:45:30'::timetz",
  "'1 day 02:00:00'::interval", "'0'::interval", "'-1 day +02:00:00'::interval", "'1 year 2 mons 3 days 04:05:06.5'::interval",
  "'-1 year -2 mons'::interval", "'1 mon -1 day'::interval", "'-00:00:00.000001'::interval", "'100 hours'::interval", "'14 mons'::interval", "'-3 days -04:00:00'::interval",
  "'192.168.0.1/32'::inet", "'10.1.0.0/16'::inet", "'10.1.0.0/16'::cidr", "'::1'::inet", "'2001:db8::ff00:42:8329'::inet", "'::ffff:1.2.3.4'::inet", "'::1.2.3.4'::inet",
  "'fe80::/10'::cidr", "'1:0:0:1:0:0:0:1'::inet", "'1:2:3:4:5:6:7:8/64'::inet", "'::'::inet", "'1::'::inet",
  "'a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11'::uuid", "ARRAY['a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11'::uuid, NULL]",
  "B'0101'", "B''::varbit", "B'1111000011'::varbit", "ARRAY[B'01']",
  'point(1.5, -2)', 'ARRAY[point(1,2)]',
  "'ok'::binmood", "ARRAY['sad'::binmood]", "'$1.50'::money", "'08:00:2b:01:02:03'::macaddr", "'(1,2),(3,4)'::box", "'[1,5)'::int4range",
  'NULL::int4', 'NULL::timestamptz',
];

/** The expressions above whose types have no binary decoder: enums (custom types), money, macaddr, box, ranges. */
const TEXT_ONLY = /binmood|money|macaddr|box|int4range/;

describe('binary and text results are the same rows', () => {
  it.each(EXPRESSIONS)('%s', async (expr) => {
    const sql = `SELECT ${expr} AS v, 1::int4 AS k`;
    const expected = (await text.query(sql)).rows;
    // First run: described before Bind; second: from the statement cache.
    for (let run = 0; run < 2; run++) {
      expect((await always.query(sql)).rows).toEqual(expected);
      expect(lastBindFormats()).toEqual([TEXT_ONLY.test(expr) ? 0 : 1, 1]);
      expect((await auto.query(sql)).rows).toEqual(expected);
    }
  });

  it('the always client asks binary for decodable types and text for the rest', async () => {
    await always.query("SELECT 1::int4 AS a, '1 day'::interval AS b, 'ok'::binmood AS c, '$1'::money AS d, ARRAY['ok'::binmood] AS e");
    expect(lastBindFormats()).toEqual([1, 1, 0, 0, 0]);
  });

  it('a wide table read whole and streamed gives the same rows in every mode', async () => {
    await text.simpleQuery(`DROP TABLE IF EXISTS binwide; CREATE TABLE binwide AS
      SELECT i AS id, 'name ' || i AS name, i * 1.5::float8 AS v, timestamptz '2024-01-01' + i * interval '1 minute' AS ts,
             (i % 2 = 0) AS flag, ARRAY[i, i + 1] AS pair, i::numeric / 7 AS ratio, md5(i::text)::uuid AS u
      FROM generate_series(1, 500) AS i`);
    const sql = 'SELECT * FROM binwide WHERE id > $1 ORDER BY id';
    const expected = (await text.query(sql, [0])).rows;
    expect(expected).toHaveLength(500);
    for (const c of [auto, always]) {
      expect((await c.query(sql, [0])).rows).toEqual(expected);
      expect((await c.query(sql, [0], { rowMode: 'array' })).rows).toEqual(expected.map((r) => Object.values(r)));
      const streamed: unknown[] = [];
      for await (const row of c.stream(sql, [0], { fetchSize: 64 })) streamed.push(row);
      expect(streamed).toEqual(expected);
    }
    const prepared = await always.prepare(sql);
    expect((await prepared.execute([0])).rows).toEqual(expected);
    await prepared.close();
  });

  it('custom decoders keep their columns in text', async () => {
    const custom = await connect(pg.url('trust', { sslmode: 'disable' }), { binaryResults: 'always', types: { 23: { decode: (t) => `int:${t}` } } });
    try {
      expect((await custom.query('SELECT 7::int4 AS v, ARRAY[1]::int4[] AS a, 2::int8 AS w')).rows).toEqual([{ v: 'int:7', a: ['int:1'], w: 2 }]);
    } finally {
      await custom.close();
    }
  });
});
