import {
  Binary,
  Bool,
  DateDay,
  Decimal,
  DurationMillisecond,
  Field as ArrowField,
  FixedSizeList,
  Float32,
  Float64,
  Int32,
  Int64,
  List,
  Map_,
  Struct,
  Table,
  tableFromIPC,
  tableToIPC,
  TimeMicrosecond,
  TimestampMicrosecond,
  TimestampNanosecond,
  TimestampSecond,
  Uint64,
  Utf8,
  type RecordBatch,
} from 'apache-arrow';
import { describe, expect, it } from 'vitest';
import { arrowResultFormats, RecordBatchBuilder, type ArrowOptions } from '../../src/arrow/batch-builder.js';
import { ArrowTypeError, DecodeError, ProtocolError } from '../../src/errors.js';
import type { Field } from '../../src/types.js';
import { plain } from './normalize.js';
import {
  array,
  bool,
  days2000,
  decodedRows,
  encodedArray,
  field,
  float4,
  float8,
  int2,
  int4,
  int8,
  interval,
  micros2000,
  OID,
  point,
  rowBytes,
  text,
  uuid,
} from './wire-values.js';

/** Rows through a RecordBatchBuilder bound with arrowResultFormats, flushed once. */
function build(fields: readonly Field[], rows: readonly (Buffer | null)[][], options: ArrowOptions = {}): RecordBatch {
  const builder = new RecordBatchBuilder(fields, arrowResultFormats(fields, options), options);
  for (const values of rows) {
    const r = rowBytes(values);
    builder.appendRow(r, 0, r.length);
  }
  expect(builder.length).toBe(rows.length);
  return builder.flush();
}

/** Column `i` of `batch` as plain values. */
function column(batch: RecordBatch, i: number): unknown[] {
  return [...(batch.getChildAt(i) ?? [])].map(plain);
}

describe('RecordBatchBuilder against the row decoders', () => {
  const fields = [
    field('s', OID.INT2),
    field('i', OID.INT4),
    field('big', OID.INT8),
    field('r', OID.FLOAT4),
    field('d', OID.FLOAT8),
    field('b', OID.BOOL),
    field('t', OID.TEXT),
    field('v', OID.VARCHAR),
    field('bytes', OID.BYTEA),
    field('ia', OID.INT4_ARRAY),
    field('ta', OID.TEXT_ARRAY),
    field('da', OID.FLOAT8_ARRAY),
    field('ba', OID.BOOL_ARRAY),
    field('la', OID.INT8_ARRAY),
  ];
  const rows: (Buffer | null)[][] = [
    [int2(-32768), int4(2147483647), int8(9007199254740993n), float4(1.1), float8(-0.5), bool(true), text('héllo'), text(''), Buffer.from([0, 255]),
      encodedArray(OID.INT4, [1, null, 3]), encodedArray(OID.TEXT, ['a', '', null, 'ü']), encodedArray(OID.FLOAT8, [1.5, NaN]), encodedArray(OID.BOOL, [true, false, null]), encodedArray(OID.INT8, [-(2n ** 63n), 2n ** 63n - 1n])],
    [null, null, null, null, null, null, null, null, null, null, null, null, null, null],
    [int2(7), int4(-1), int8(-1n), float4(Infinity), float8(1e300), bool(false), text('x'.repeat(100)), text('ok'), Buffer.alloc(0),
      encodedArray(OID.INT4, []), encodedArray(OID.TEXT, []), array(OID.FLOAT8, [0], []), array(OID.BOOL, [], []), encodedArray(OID.INT8, [null])],
  ];

  it('gives the same value as client.query() for every column and row, NULLs included', () => {
    const batch = build(fields, rows);
    const formats = arrowResultFormats(fields, {});
    const expected = decodedRows(fields, formats, rows.map(rowBytes));
    expect(batch.numRows).toBe(3);
    // float4 is held as the float itself: client.query() gives its shortest decimal (1.1), Arrow the float (1.100000023841858).
    const asStored = (f: Field, v: unknown): unknown => (f.typeOid === OID.FLOAT4 && typeof v === 'number' ? Math.fround(v) : v);
    fields.forEach((f, i) => {
      expect({ column: f.name, values: column(batch, i) }).toEqual({ column: f.name, values: expected.map((r) => asStored(f, plain(r[i]))) });
    });
  });

  it('maps the types as docs/arrow.md says, and NULLs as validity bits', () => {
    const batch = build(fields, rows);
    expect(batch.schema.fields.map((f) => `${f.name}: ${String(f.type)}`)).toEqual([
      's: Int16', 'i: Int32', 'big: Int64', 'r: Float32', 'd: Float64', 'b: Bool', 't: Utf8', 'v: Utf8', 'bytes: Binary',
      'ia: List<Int32>', 'ta: List<Utf8>', 'da: List<Float64>', 'ba: List<Bool>', 'la: List<Int64>',
    ]);
    for (let i = 0; i < fields.length; i++) {
      const data = batch.getChildAt(i)?.data[0];
      expect(data?.nullCount).toBe(1);
      expect(batch.getChildAt(i)?.isValid(1)).toBe(false);
      expect(batch.getChildAt(i)?.isValid(0)).toBe(true);
    }
    expect(batch.getChildAt(9)?.get(0)?.nullCount).toBe(1);
  });

  it('reads int8 exactly, beyond 2^53, into a BigInt64Array', () => {
    const batch = build([field('big', OID.INT8)], [[int8(-(2n ** 63n))], [int8(2n ** 63n - 1n)], [int8(9007199254740993n)]]);
    const values = batch.getChildAt(0)?.data[0]?.values;
    expect(values).toBeInstanceOf(BigInt64Array);
    expect([...(values as BigInt64Array)]).toEqual([-(2n ** 63n), 2n ** 63n - 1n, 9007199254740993n]);
  });
});

describe('timestamps, dates, times and intervals', () => {
  it('keeps every microsecond: Timestamp(MICROSECOND) since 1970, UTC for timestamptz only', () => {
    const fields = [field('tz', OID.TIMESTAMPTZ), field('ts', OID.TIMESTAMP)];
    const us = [0n, 1n, -1n, 757_480_245_678_123n, -63_000_000_000_000_000n];
    const batch = build(fields, us.map((u) => [micros2000(u), micros2000(u)]));
    expect(batch.schema.fields.map((f) => String(f.type))).toEqual(['Timestamp<MICROSECOND, UTC>', 'Timestamp<MICROSECOND>']);
    const epoch = 946_684_800_000_000n;
    for (const i of [0, 1]) expect([...(batch.getChildAt(i)?.data[0]?.values as BigInt64Array)]).toEqual(us.map((u) => u + epoch));
    const expected = decodedRows(fields, arrowResultFormats(fields, {}), us.map((u) => rowBytes([micros2000(u), micros2000(u)])));
    expect(expected.map((r) => (r[0] as Date).getTime())).toEqual(us.map((u) => Number((u + epoch - ((u + epoch) % 1000n + 1000n) % 1000n) / 1000n)));
  });

  it('keeps PostgreSQL infinity and -infinity as INT64_MAX / INT64_MIN', () => {
    const batch = build([field('tz', OID.TIMESTAMPTZ)], [[int8(2n ** 63n - 1n)], [int8(-(2n ** 63n))]]);
    expect([...(batch.getChildAt(0)?.data[0]?.values as BigInt64Array)]).toEqual([2n ** 63n - 1n, -(2n ** 63n)]);
  });

  it('date → DateDay, the same day client.query() gives', () => {
    const fields = [field('d', OID.DATE)];
    const rows = [[days2000(0)], [days2000(8767)], [days2000(-800_000)], [null]];
    const batch = build(fields, rows);
    expect(String(batch.schema.fields[0]?.type)).toBe('Date32<DAY>');
    expect([...(batch.getChildAt(0)?.data[0]?.values as Int32Array)].slice(0, 3)).toEqual([10957, 10957 + 8767, 10957 - 800_000]);
    const expected = decodedRows(fields, arrowResultFormats(fields, {}), rows.map(rowBytes));
    expect(expected.slice(0, 2).map((r) => r[0])).toEqual(
      [...(batch.getChildAt(0) ?? [])].slice(0, 2).map((ms) => new Date(ms as number).toISOString().slice(0, 10)),
    );
  });

  it('interval → Interval(MONTH_DAY_NANO) with exact nanoseconds', () => {
    const batch = build([field('iv', OID.INTERVAL)], [[interval(10_800_000_000n, 1, 14)], [interval(-1n, -2, -3)], [null]]);
    expect(String(batch.schema.fields[0]?.type)).toBe('Interval<MONTH_DAY_NANO>');
    const words = batch.getChildAt(0)?.data[0]?.values as Int32Array;
    const nanos = (k: number): bigint => (BigInt(words[4 * k + 3] as number) << 32n) | BigInt((words[4 * k + 2] as number) >>> 0);
    expect([words[0], words[1], nanos(0)]).toEqual([14, 1, 10_800_000_000_000n]);
    expect([words[4], words[5], nanos(1)]).toEqual([-3, -2, -1000n]);
  });

  it('date infinity stays INT32_MAX / INT32_MIN; a timestamp beyond int64 µs since 1970 names column and row', () => {
    const dates = build([field('d', OID.DATE)], [[days2000(2147483647)], [days2000(-2147483648)]]);
    expect([...(dates.getChildAt(0)?.data[0]?.values as Int32Array)]).toEqual([2147483647, -2147483648]);
    expect(() => build([field('ts', OID.TIMESTAMP)], [[micros2000(0n)], [micros2000(2n ** 63n - 2n)]])).toThrow(
      'Column "ts": the timestamp in row 2 is beyond int64 microseconds since 1970',
    );
  });

  it('time → Time64(MICROSECOND)', () => {
    const batch = build([field('t', OID.TIME)], [[int8(45_296_000_001n)]]);
    expect(String(batch.schema.fields[0]?.type)).toBe('Time64<MICROSECOND>');
    expect([...(batch.getChildAt(0)?.data[0]?.values as BigInt64Array)]).toEqual([45_296_000_001n]);
  });
});

describe('arrays, points and vectors', () => {
  it('a 2-dimensional PostgreSQL array needs nested Lists in schema, and then gives them with NULL elements', () => {
    const fields = [field('m', OID.INT4_ARRAY)];
    const value = array(OID.INT4, [2, 3], [int4(1), int4(2), null, int4(4), int4(5), int4(6)]);
    expect(() => build(fields, [[value]])).toThrow(/holds a 2-dimensional array; pass schema \{ "m": 2 nested List types \}/);
    const schema = { m: new List(new ArrowField('item', new List(new ArrowField('item', new Int32()))) ) };
    const batch = build(fields, [[value], [array(OID.INT4, [], [])], [null]], { schema });
    expect(column(batch, 0)).toEqual([[[1, 2, null], [4, 5, 6]], [], null]);
    expect(decodedRows(fields, [1], [rowBytes([value])])[0]?.[0]).toEqual([[1, 2, null], [4, 5, 6]]);
  });

  it('reads CrateDB arrays, whose lower-bound field holds the size, and its empty array of one 0-size dimension', () => {
    const batch = build([field('a', OID.INT4_ARRAY)], [[array(OID.INT4, [3], [int4(1), int4(2), int4(3)], 3)], [array(OID.INT4, [0], [], 0)]]);
    expect(column(batch, 0)).toEqual([[1, 2, 3], []]);
  });

  it('point / geo_point → FixedSizeList<Float64, 2>, and arrays of them', () => {
    const fields = [field('p', OID.POINT), field('ps', OID.POINT_ARRAY)];
    const batch = build(fields, [[point(9.74, 47.4), array(OID.POINT, [2], [point(1, 2), null])], [null, null]]);
    expect(batch.schema.fields.map((f) => String(f.type))).toEqual(['FixedSizeList[2]<Float64>', 'List<FixedSizeList[2]<Float64>>']);
    expect(column(batch, 0)).toEqual([[9.74, 47.4], null]);
    expect(column(batch, 1)).toEqual([[[1, 2], null], null]);
    const crate = decodedRows(fields, [1, 1], [rowBytes([point(9.74, 47.4), null])], { isCrate: true });
    expect(crate[0]?.[0]).toEqual([9.74, 47.4]);
  });

  it('float_vector (float4[]) → List<Float32> by default, FixedSizeList<Float32, n> from schema, wrong length named', () => {
    const fields = [field('fv', OID.FLOAT4_ARRAY)];
    const vec = array(OID.FLOAT4, [3], [float4(1), float4(2.5), float4(-0.25)], 3);
    expect(String(build(fields, [[vec]]).schema.fields[0]?.type)).toBe('List<Float32>');
    const schema = { fv: new FixedSizeList(3, new ArrowField('item', new Float32())) };
    const batch = build(fields, [[vec], [null]], { schema });
    expect(String(batch.schema.fields[0]?.type)).toBe('FixedSizeList[3]<Float32>');
    expect(column(batch, 0)).toEqual([[1, 2.5, -0.25], null]);
    expect(batch.getChildAt(0)?.data[0]?.children[0]?.length).toBe(6);
    const short = array(OID.FLOAT4, [2], [float4(1), float4(2)], 2);
    expect(() => build(fields, [[vec], [short]], { schema })).toThrow('Column "fv": row 2 holds 2 elements, but schema asks for FixedSizeList of 3');
  });

  it('arrays of text-mapped elements (numeric, uuid) give the text client.query() gives', () => {
    const fields = [field('u', OID.UUID_ARRAY)];
    const rows = [[array(OID.UUID, [2], [uuid('a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11'), null])]];
    const batch = build(fields, rows);
    expect(column(batch, 0)).toEqual(decodedRows(fields, [1], rows.map(rowBytes)).map((r) => r[0]));
    expect(column(batch, 0)).toEqual([['a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11', null]]);
  });
});

describe('json, OBJECT and numeric', () => {
  it('json → Utf8 JSON text by default, a Struct when schema gives one', () => {
    const fields = [field('obj', OID.JSON)];
    const rows = [[text('{"a":1,"b":"x"}')], [null], [text('{"a":null}')]];
    expect(arrowResultFormats(fields, {})).toEqual([0]);
    expect(column(build(fields, rows), 0)).toEqual(['{"a":1,"b":"x"}', null, '{"a":null}']);
    const schema = { obj: new Struct([new ArrowField('a', new Int32()), new ArrowField('b', new Utf8())]) };
    const batch = build(fields, rows, { schema });
    expect([...(batch.getChildAt(0) ?? [])].map((v) => (v === null ? null : (v as { toJSON(): unknown }).toJSON()))).toEqual([
      { a: 1, b: 'x' },
      null,
      { a: null, b: null },
    ]);
  });

  it('a Struct takes the keys it names: missing ones are NULL, others are dropped; jsonb too', () => {
    const schema = { o: new Struct([new ArrowField('a', new Int32())]) };
    const batch = build([field('o', OID.JSONB)], [[text('{"b":2}')], [text('{"a":3,"z":[1]}')]], { schema });
    expect([...(batch.getChildAt(0) ?? [])].map((v) => (v as { toJSON(): unknown }).toJSON())).toEqual([{ a: null }, { a: 3 }]);
  });

  it('jsonb[] elements lose their version byte', () => {
    const jsonb = (s: string): Buffer => Buffer.concat([Buffer.from([1]), text(s)]);
    const batch = build([field('j', OID.JSONB_ARRAY)], [[array(OID.JSONB, [2], [jsonb('{"x":1}'), jsonb('[]')])]]);
    expect(column(batch, 0)).toEqual([['{"x":1}', '[]']]);
  });

  it('a CrateDB nested array (json) as nested Lists from schema; bad JSON names the column and row', () => {
    const fields = [field('nested', OID.JSON)];
    const schema = { nested: new List(new ArrowField('item', new List(new ArrowField('item', new Int32())))) };
    expect(column(build(fields, [[text('[[1,2],[3]]')], [text('[]')]], { schema }), 0)).toEqual([[[1, 2], [3]], []]);
    expect(() => build(fields, [[text('[[1]]')], [text('[[1')]], { schema })).toThrow(/Column "nested": row 2 is not JSON/);
  });

  it("json[] (CrateDB's array(object)) as a List of Structs from schema", () => {
    const fields = [field('objarr', OID.JSON_ARRAY)];
    const schema = { objarr: new List(new ArrowField('item', new Struct([new ArrowField('x', new Int32())]))) };
    const batch = build(fields, [[array(OID.JSON, [2], [text('{"x":1}'), null])]], { schema });
    const list = batch.getChildAt(0)?.get(0) as { toArray(): unknown[] } | null;
    expect(list?.toArray().map((v) => (v === null ? null : (v as { toJSON(): unknown }).toJSON()))).toEqual([{ x: 1 }, null]);
  });

  it('a Struct with Int64, Uint64, Decimal, Timestamp, Date and nested children gets each JSON number in the form its child stores', () => {
    const inner = new Struct([new ArrowField('big', new Int64()), new ArrowField('ids', new List(new ArrowField('item', new Int64())))]);
    const schema = {
      o: new Struct([
        new ArrowField('id', new Int64()),
        new ArrowField('u', new Uint64()),
        new ArrowField('price', new Decimal(2, 10, 128)),
        new ArrowField('at', new TimestampMicrosecond('UTC')),
        new ArrowField('day', new DateDay()),
        new ArrowField('inner', inner),
        new ArrowField('name', new Utf8()),
      ]),
    };
    const rows = [
      [text('{"id":0,"u":7,"price":12.5,"at":1704164645123,"day":"2024-01-02","inner":{"big":-1,"ids":[0,1,null]},"name":"x"}')],
      [null],
      [text('{"id":null,"at":"2024-01-02T03:04:05.123","inner":null,"name":{"nested":[1,2]}}')],
      [text('{}')],
    ];
    const batch = build([field('o', OID.JSON)], rows, { schema });
    const values = [...(batch.getChildAt(0) ?? [])].map((v) => (v === null ? null : (v as { toJSON(): Record<string, unknown> }).toJSON()));
    expect(values[0]).toMatchObject({ id: 0n, u: 7n, at: 1704164645123, name: 'x' });
    expect(String(values[0]?.['price'])).toBe('1250');
    expect(new Date(values[0]?.['day'] as number).toISOString()).toBe('2024-01-02T00:00:00.000Z');
    expect(plain((values[0]?.['inner'] as { toJSON(): Record<string, unknown> }).toJSON()['ids'])).toEqual([0n, 1n, null]);
    expect((values[0]?.['inner'] as { toJSON(): Record<string, unknown> }).toJSON()['big']).toBe(-1n);
    expect(values[1]).toBeNull();
    expect(values[2]).toMatchObject({ id: null, u: null, at: Date.UTC(2024, 0, 2, 3, 4, 5, 123), inner: null, name: '{"nested":[1,2]}' });
    expect(Object.values(values[3] ?? {})).toEqual([null, null, null, null, null, null, null]);
    const micros = batch.getChildAt(0)?.data[0]?.children[3]?.values as BigInt64Array;
    expect(micros[0]).toBe(1_704_164_645_123_000n);
  });

  it('a Struct child named __proto__ or constructor, or two children of one name, each get their JSON member', () => {
    const schema = {
      o: new Struct([
        new ArrowField('__proto__', new Int32()),
        new ArrowField('constructor', new Utf8()),
        new ArrowField('a', new Int32()),
        new ArrowField('a', new Int32()),
      ]),
    };
    const batch = build([field('o', OID.JSON)], [[text('{"__proto__":5,"constructor":"c","a":7}')], [text('{"a":8}')]], { schema });
    const children = [0, 1, 2, 3].map((i) => [...(batch.getChildAt(0)?.getChildAt(i) ?? [])]);
    expect(children).toEqual([
      [5, null],
      ['c', null],
      [7, 8],
      [7, 8],
    ]);
  });

  it('JSON numbers beyond 2^53 stay exact in Int64 and Decimal children and in JSON text; a float child gets the nearest double', () => {
    const schema = {
      o: new Struct([
        new ArrowField('id', new Int64()),
        new ArrowField('price', new Decimal(3, 30, 128)),
        new ArrowField('f', new Float64()),
        new ArrowField('rest', new Utf8()),
      ]),
    };
    const json = '{"id":9007199254740993,"price":123456789012345678.901,"f":9007199254740993,"rest":{"x":[18446744073709551615, 0.1]}}';
    const batch = build([field('o', OID.JSON)], [[text(json)], [text('{"id":-9223372036854775808,"price":"-1.5","f":1.5}')]], { schema });
    const [first, second] = [...(batch.getChildAt(0) ?? [])].map((v) => (v as { toJSON(): Record<string, unknown> }).toJSON());
    expect(JSON.parse(json).id).toBe(9007199254740992);
    expect(first?.['id']).toBe(9007199254740993n);
    expect(first?.['f']).toBe(9007199254740992);
    expect(String(first?.['price'])).toBe('123456789012345678901');
    expect(first?.['rest']).toBe('{"x":[18446744073709551615,0.1]}');
    expect(second?.['id']).toBe(-(2n ** 63n));
    expect(String(second?.['price'])).toBe('-1500');
    const list = { l: new List(new ArrowField('item', new Int64())) };
    expect(column(build([field('l', OID.JSON)], [[text('[12345678901234567890123, 1]')]], { schema: { l: new Utf8() } }), 0)).toEqual(['[12345678901234567890123, 1]']);
    expect(() => build([field('l', OID.JSON)], [[text('[1, 9223372036854775808]')]], { schema: list })).toThrow(
      'Column "l": row 1 does not fit List<Int64>: at [1]: 9223372036854775808 is beyond Int64',
    );
  });

  it('Map<Utf8, Int64>, Time64, Duration and Timestamp(SECOND) children from JSON', () => {
    const schema = {
      o: new Struct([
        new ArrowField('counts', new Map_(new ArrowField('entries', new Struct<{ key: Utf8; value: Int64 }>([new ArrowField('key', new Utf8(), false), new ArrowField('value', new Int64())])))),
        new ArrowField('t', new TimeMicrosecond()),
        new ArrowField('d', new DurationMillisecond()),
        new ArrowField('s', new TimestampSecond()),
      ]),
    };
    const batch = build([field('o', OID.JSON)], [[text('{"counts":{"a":1,"b":null},"t":45296000001,"d":-5,"s":1704164645999}')]], { schema });
    const o = (batch.getChildAt(0)?.get(0) as { toJSON(): Record<string, unknown> }).toJSON();
    expect((o['counts'] as { toJSON(): unknown }).toJSON()).toEqual({ a: 1n, b: null });
    expect([o['t'], o['d'], o['s']]).toEqual([45_296_000_001n, -5n, 1704164645000]);
  });

  it('a JSON value of the wrong kind names the column, the row and where in the value it is', () => {
    const schema = { o: new Struct([new ArrowField('id', new Int64()), new ArrowField('n', new Int32()), new ArrowField('b', new Bool())]) };
    const fields = [field('o', OID.JSON)];
    expect(() => build(fields, [[text('{"id":1}')], [text('{"id":1.5}')]], { schema })).toThrow(
      'Column "o": row 2 does not fit Struct<{id:Int64, n:Int32, b:Bool}>: at .id: expected an integer for Int64, got 1.5',
    );
    expect(() => build(fields, [[text('{"n":2147483648}')]], { schema })).toThrow('at .n: 2147483648 is beyond Int32');
    expect(() => build(fields, [[text('{"b":"yes"}')]], { schema })).toThrow('at .b: "yes" does not fit Bool');
    expect(() => build(fields, [[text('[1]')]], { schema })).toThrow(DecodeError);
    const vectors = { v: new FixedSizeList(2, new ArrowField('item', new Float64())) };
    expect(() => build([field('v', OID.JSON)], [[text('[1, 2, 3]')]], { schema: vectors })).toThrow('an array of 3 elements, but FixedSizeList[2]<Float64> holds 2');
  });

  it('numeric(p, s) → Decimal128 from the type modifier, exact; unconstrained numeric and numeric: text → Utf8', () => {
    const typmod = ((12 << 16) | 3) + 4;
    const fields = [field('n', OID.NUMERIC, typmod), field('free', OID.NUMERIC)];
    expect(arrowResultFormats(fields, {})).toEqual([0, 0]);
    const batch = build(fields, [[text('-123456789.125'), text('1E+3')], [text('0.000'), null], [null, text('NaN')]]);
    expect(batch.schema.fields.map((f) => String(f.type))).toEqual(['Decimal[12e+3]', 'Utf8']);
    const words = batch.getChildAt(0)?.data[0]?.values as Uint32Array;
    const unscaled = (k: number): bigint =>
      BigInt.asIntN(128, [0, 1, 2, 3].reduce((acc, w) => acc | (BigInt(words[4 * k + w] as number) << BigInt(32 * w)), 0n));
    expect([unscaled(0), unscaled(1)]).toEqual([-123456789125n, 0n]);
    expect(column(batch, 1)).toEqual(['1E+3', null, 'NaN']);
    const asText = build(fields, [[text('1.500'), null]], { numeric: 'text' });
    expect(column(asText, 0)).toEqual(['1.500']);
    expect(() => build([fields[0] as Field], [[text('1E+10')]])).toThrow(/Column "n": row 1 holds 1E\+10, beyond Decimal\[12e\+3\]; pass numeric: 'text'/);
    const scaled = build([field('free', OID.NUMERIC)], [[text('1E+3')]], { schema: { free: new Decimal(2, 10, 128) } });
    expect(String(scaled.getChildAt(0)?.get(0))).toBe('100000');
  });
});

describe('types without a mapping, and wrong schemas', () => {
  it('reads the text-mapped types of docs/arrow.md as the server text into Utf8', () => {
    const fields = [field('u', OID.UUID), field('ip', OID.INET), field('tz', OID.TIMETZ), field('bits', OID.BIT), field('nul', OID.UNKNOWN), field('jb', OID.JSONB)];
    expect(arrowResultFormats(fields, {})).toEqual([0, 0, 0, 0, 0, 0]);
    const batch = build(fields, [[text('a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11'), text('10.0.0.1/8'), text('12:00:00+02'), text('0101'), null, text('{"a": 1}')]]);
    expect(batch.schema.fields.map((f) => String(f.type))).toEqual(['Utf8', 'Utf8', 'Utf8', 'Utf8', 'Utf8', 'Utf8']);
    expect(column(batch, 3)).toEqual(['0101']);
    const bits = Buffer.concat([int4(4), Buffer.from([0x50])]);
    expect(column(build([field('ba', OID.BIT_ARRAY)], [[array(OID.BIT, [2], [bits, null])]]), 0)).toEqual([['0101', null]]);
  });

  it('a type without a mapping is an ArrowTypeError naming the column, its type and OID, and the ways out', () => {
    const call = (oid: number) => (): unknown => arrowResultFormats([field('id', OID.INT4), field('c', oid)], {});
    expect(call(OID.MONEY)).toThrow(ArrowTypeError);
    expect(call(OID.MONEY)).toThrow(
      'Column "c": type money (OID 790) has no Arrow mapping (docs/arrow.md "Type mapping"); pass schema: { "c": new Utf8() } for the server\'s text, or cast the column in SQL (e.g. ::text)',
    );
    expect(call(OID.TSVECTOR)).toThrow('Column "c": type tsvector (OID 3614) has no Arrow mapping');
    expect(call(OID.MONEY_ARRAY)).toThrow('Column "c": type money[] (OID 791) has no Arrow mapping');
    expect(call(16_384)).toThrow('Column "c": type OID 16384 (not built in: an enum, composite, range or extension type) has no Arrow mapping');
    expect(() => new RecordBatchBuilder([field('x', OID.XML)], [0], {})).toThrow('Column "x": type xml (OID 142) has no Arrow mapping');
    const overridden = build([field('c', OID.MONEY), field('mood', 16_384)], [[text('$1.50'), text('happy')]], { schema: { c: new Utf8(), mood: new Utf8() } });
    expect([column(overridden, 0), column(overridden, 1)]).toEqual([['$1.50'], ['happy']]);
  });

  it('a schema type JSON values cannot be built into is an ArrowTypeError before any row', () => {
    const fields = [field('o', OID.JSON), field('objs', OID.JSON_ARRAY)];
    const nanos = { o: new Struct([new ArrowField('at', new TimestampNanosecond())]) };
    expect(() => arrowResultFormats(fields, { schema: nanos })).toThrow(
      'Column "o": cannot build Struct<{at:Timestamp<NANOSECOND>}> from JSON values: Timestamp<NANOSECOND> (use MICROSECOND or MILLISECOND) is not built from JSON',
    );
    const binary = { objs: new List(new ArrowField('item', new Struct([new ArrowField('raw', new Binary())]))) };
    expect(() => arrowResultFormats(fields, { schema: binary })).toThrow(/^Column "objs": cannot build Struct<\{raw:Binary\}> from JSON values: Binary is not built/);
  });

  it('"char" (18): Int8 from the one signed byte CrateDB sends for its byte type, Utf8 of the character on PostgreSQL', () => {
    const fields = [field('b', OID.CHAR), field('bs', OID.CHAR_ARRAY)];
    const byte = (v: number): Buffer => Buffer.from([v & 0xff]);
    const rows = [[byte(-128), array(OID.CHAR, [3], [byte(1), byte(-2), null], 3)], [byte(127), null], [null, array(OID.CHAR, [0], [], 0)]];
    const crate = { isCrate: true };
    expect(arrowResultFormats(fields, {}, crate)).toEqual([1, 1]);
    const builder = new RecordBatchBuilder(fields, [1, 1], {}, crate);
    for (const r of rows.map(rowBytes)) builder.appendRow(r, 0, r.length);
    const batch = builder.flush();
    expect(batch.schema.fields.map((f) => String(f.type))).toEqual(['Int8', 'List<Int8>']);
    expect(column(batch, 0)).toEqual([-128, 127, null]);
    expect(column(batch, 1)).toEqual([[1, -2, null], null, []]);
    expect(() => new RecordBatchBuilder(fields, [0, 1], {}, crate)).toThrow(ProtocolError);
    // PostgreSQL: the top-level column in text (as client.query() gives it), elements formatted the same way.
    expect(arrowResultFormats(fields, {})).toEqual([0, 1]);
    const pgRows = [[text('a'), array(OID.CHAR, [2], [byte(0x61), byte(0x81)])], [text('\\201'), null]];
    const pg = build(fields, pgRows);
    expect(pg.schema.fields.map((f) => String(f.type))).toEqual(['Utf8', 'List<Utf8>']);
    expect([column(pg, 0), column(pg, 1)]).toEqual([['a', '\\201'], [['a', '\\201'], null]]);
    expect(decodedRows(fields, [0, 1], pgRows.map(rowBytes)).map((r) => r[1])).toEqual([['a', '\\201'], null]);
  });

  it('Utf8 in schema reads any column as the server text', () => {
    expect(arrowResultFormats([field('i', OID.INT4)], { schema: { i: new Utf8() } })).toEqual([0]);
    expect(column(build([field('i', OID.INT4)], [[text('42')]], { schema: { i: new Utf8() } }), 0)).toEqual(['42']);
  });

  it('a schema entry naming no column, or not an Arrow type, is an ArrowTypeError; inherited names are not entries', () => {
    const fields = [field('id', OID.INT4), field('constructor', OID.TEXT)];
    expect(() => arrowResultFormats(fields, { schema: { Id: new Int32() } })).toThrow(
      'Column "Id": schema names a column the result does not have (its columns: id, constructor)',
    );
    const notAType = { id: 'int4' } as unknown as ArrowOptions['schema'];
    expect(() => arrowResultFormats(fields, { schema: notAType })).toThrow('Column "id": the schema entry is not an apache-arrow DataType');
    expect(arrowResultFormats(fields, { schema: {} })).toEqual([1, 1]);
  });

  it('a schema type that does not fit is an ArrowTypeError naming the column, its type and the way out', () => {
    const call = (): unknown => arrowResultFormats([field('t', OID.TIMESTAMPTZ)], { schema: { t: new Int32() } });
    expect(call).toThrow(ArrowTypeError);
    expect(call).toThrow('Column "t": cannot build Int32 from timestamptz (type OID 1184); pass a type from docs/arrow.md "Type mapping" in schema, new Utf8() for the server\'s text, or cast the column in SQL (e.g. ::text)');
    expect(() => arrowResultFormats([field('a', OID.INT4_ARRAY)], { schema: { a: new List(new ArrowField('item', new Utf8())) } })).toThrow(ArrowTypeError);
  });
});

describe('batches and malformed rows', () => {
  it('flush then continue: each batch holds its own rows, arrays split cleanly between batches', () => {
    const fields = [field('id', OID.INT4), field('a', OID.TEXT_ARRAY), field('t', OID.TEXT)];
    const builder = new RecordBatchBuilder(fields, arrowResultFormats(fields, {}), {});
    const batches: RecordBatch[] = [];
    for (let i = 0; i < 1000; i++) {
      const r = rowBytes([int4(i), i % 7 === 0 ? null : encodedArray(OID.TEXT, [String(i), null, 'x'.repeat(i % 5)]), text(`row ${i}`)]);
      builder.appendRow(r, 0, r.length);
      if (builder.length === 300) batches.push(builder.flush());
    }
    batches.push(builder.flush());
    expect(batches.map((b) => b.numRows)).toEqual([300, 300, 300, 100]);
    const all = batches.flatMap((b) => [0, 1, 2].map((c) => column(b, c))).length;
    expect(all).toBe(12);
    const ids = batches.flatMap((b) => column(b, 0));
    expect(ids).toEqual([...Array(1000).keys()]);
    const arrays = batches.flatMap((b) => column(b, 1));
    expect(arrays[302]).toEqual(['302', null, 'xx']);
    expect(arrays[700]).toBeNull();
    expect(batches[3]?.getChildAt(1)?.data[0]?.valueOffsets[0]).toBe(0);
    expect(batches.flatMap((b) => column(b, 2))[999]).toBe('row 999');
  });

  it('batches of every default type survive the Arrow IPC stream format unchanged', () => {
    const fields = [
      field('i', OID.INT4), field('big', OID.INT8), field('t', OID.TEXT), field('tz', OID.TIMESTAMPTZ), field('d', OID.DATE),
      field('iv', OID.INTERVAL), field('n', OID.NUMERIC, ((10 << 16) | 2) + 4), field('p', OID.POINT), field('a', OID.INT4_ARRAY),
      field('b', OID.BOOL), field('bytes', OID.BYTEA),
    ];
    const builder = new RecordBatchBuilder(fields, arrowResultFormats(fields, {}), {});
    const batches: RecordBatch[] = [];
    for (let i = 0; i < 300; i++) {
      const r = rowBytes(
        i % 11 === 0
          ? fields.map(() => null)
          : [int4(i), int8(BigInt(i) << 40n), text(`v${i}`), micros2000(BigInt(i) * 1_000_001n), days2000(i), interval(BigInt(i), i, -i),
             text(`${i}.25`), point(i, -i), encodedArray(OID.INT4, [i, null]), bool(i % 2 === 0), Buffer.from([i & 255])],
      );
      builder.appendRow(r, 0, r.length);
      if (builder.length === 128) batches.push(builder.flush());
    }
    batches.push(builder.flush());
    const table = new Table(batches);
    const back = tableFromIPC(tableToIPC(table, 'stream'));
    expect(back.numRows).toBe(300);
    expect(back.schema.fields.map((f) => String(f.type))).toEqual(table.schema.fields.map((f) => String(f.type)));
    for (let c = 0; c < fields.length; c++) {
      const name = (fields[c] as Field).name;
      expect({ name, values: [...(back.getChild(name) ?? [])].map((v) => plain(v)?.toString()) }).toEqual({
        name,
        values: [...(table.getChild(name) ?? [])].map((v) => plain(v)?.toString()),
      });
    }
    expect(plain(back.getChild('a')?.get(1))).toEqual([1, null]);
  });

  it('zero rows: an empty batch with the schema', () => {
    const batch = build([field('i', OID.INT4), field('a', OID.INT4_ARRAY)], []);
    expect(batch.numRows).toBe(0);
    expect(batch.schema.fields.map((f) => f.name)).toEqual(['i', 'a']);
    expect(batch.getChildAt(1)?.length).toBe(0);
  });

  it('byteLength grows with the rows and starts over after flush', () => {
    const fields = [field('t', OID.TEXT)];
    const builder = new RecordBatchBuilder(fields, [1], {});
    const r = rowBytes([text('x'.repeat(1000))]);
    for (let i = 0; i < 10; i++) builder.appendRow(r, 0, r.length);
    expect(builder.byteLength).toBeGreaterThanOrEqual(10_000);
    builder.flush();
    expect(builder.byteLength).toBe(0);
  });

  it('bad lengths, truncated rows and the wrong column count are clear errors', () => {
    expect(() => build([field('i', OID.INT4)], [[int2(1)]])).toThrow(DecodeError);
    expect(() => build([field('i', OID.INT4)], [[int2(1)]])).toThrow('Column "i": expected 4 bytes per Int32 value, got 2 in row 1');
    expect(() => build([field('b', OID.BOOL)], [[bool(true)], [int4(1)]])).toThrow('Column "b": expected 1 byte per bool value, got 4 in row 2');
    const broken = array(OID.INT4, [3], [int4(1), int4(2)]);
    expect(() => build([field('a', OID.INT4_ARRAY)], [[broken]])).toThrow('Column "a": the array in row 1 ends inside an element');
    const builder = new RecordBatchBuilder([field('i', OID.INT4), field('j', OID.INT4)], [1, 1], {});
    const one = rowBytes([int4(1)]);
    expect(() => builder.appendRow(one, 0, one.length)).toThrow(ProtocolError);
    const cut = rowBytes([int4(1), int4(2)]);
    expect(() => builder.appendRow(cut, 0, cut.length - 1)).toThrow('DataRow ends inside column "j"');
  });

  it('rows in a format other than arrowResultFormats chose are refused at construction', () => {
    expect(() => new RecordBatchBuilder([field('i', OID.INT4)], [0], {})).toThrow(
      'Column "i" arrived in text format; cratewire/arrow reads it in binary (bind with arrowResultFormats())',
    );
  });
});
