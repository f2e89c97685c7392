import { describe, expect, it } from 'vitest';
import { OID } from '../../../src/codecs/oids.js';
import { TypeRegistry, type RegistryOptions } from '../../../src/codecs/registry.js';
import { DecodeError } from '../../../src/errors.js';

const registry = (options: Partial<RegistryOptions> = {}): TypeRegistry =>
  new TypeRegistry({ int8: 'number', numeric: 'string', isCrate: false, ...options });
const pg = registry();
const crate = registry({ isCrate: true });

describe.each([
  ['PostgreSQL', pg],
  ['CrateDB', crate],
])('%s: values both servers print alike', (_server, reg) => {
  it.each<[string, number, string, unknown]>([
    ['bool t', OID.BOOL, 't', true],
    ['bool f', OID.BOOL, 'f', false],
    ['int2', OID.INT2, '-32768', -32768],
    ['int4', OID.INT4, '2147483647', 2147483647],
    ['oid', OID.OID, '4294967295', 4294967295],
    ['int8 safe max', OID.INT8, '9007199254740991', 9007199254740991],
    ['int8 safe min', OID.INT8, '-9007199254740991', -9007199254740991],
    ['float4 Java', OID.FLOAT4, '1.0E10', 1e10],
    ['float8 small', OID.FLOAT8, '1.0E-4', 0.0001],
    ['float8 NaN', OID.FLOAT8, 'NaN', NaN],
    ['float8 Infinity', OID.FLOAT8, 'Infinity', Infinity],
    ['float8 -Infinity', OID.FLOAT8, '-Infinity', -Infinity],
    ['float8 PG exponent', OID.FLOAT8, '1e+21', 1e21],
    ['numeric as sent', OID.NUMERIC, '1E+3', '1E+3'],
    ['text', OID.TEXT, 'héllo', 'héllo'],
    ['varchar (CrateDB ip too)', OID.VARCHAR, '192.168.0.1', '192.168.0.1'],
    ['bpchar', OID.BPCHAR, 'ab  ', 'ab  '],
    ['name', OID.NAME, 'doc', 'doc'],
    ['unknown 705', OID.UNKNOWN, 'anything', 'anything'],
    ['uuid', OID.UUID, 'a0ee-bc99', 'a0ee-bc99'],
    ['inet', OID.INET, '10.0.0.0/8', '10.0.0.0/8'],
    ['cidr', OID.CIDR, '10.0.0.0/8', '10.0.0.0/8'],
    ['regtype', OID.REGTYPE, 'integer', 'integer'],
    ['regproc', OID.REGPROC, 'abs', 'abs'],
    ['interval (Joda)', OID.INTERVAL, '1 day 03:00:00', '1 day 03:00:00'],
    ['time', OID.TIME, '03:04:05.123456', '03:04:05.123456'],
    ['timetz without offset (CrateDB)', OID.TIMETZ, '03:04:05.123', '03:04:05.123'],
    ['timetz with offset', OID.TIMETZ, '03:04:05+02:00', '03:04:05+02:00'],
    ['bit', OID.BIT, '0101', '0101'],
    ['money', OID.MONEY, '$1.00', '$1.00'],
    ['date stays text', OID.DATE, '2024-01-02', '2024-01-02'],
    ['BC date stays text', OID.DATE, '0044-03-15 BC', '0044-03-15 BC'],
    ['json object', OID.JSON, '{"a":{"b":[1,null]}}', { a: { b: [1, null] } }],
    ['json nested array (CrateDB array(array))', OID.JSON, '[[1,2],[3]]', [[1, 2], [3]]],
    ['json scalar', OID.JSON, '"x"', 'x'],
    ['jsonb', OID.JSONB, '{"a": 1}', { a: 1 }],
    ['oidvector', OID.OIDVECTOR, '23 25', [23, 25]],
    ['unregistered OID', 99999, 'raw', 'raw'],
    ['bool[]', OID.BOOL_ARRAY, '{"t","f",NULL}', [true, false, null]],
    ['int4[]', OID.INT4_ARRAY, '{"10","20"}', [10, 20]],
    ['float4[] / float_vector', OID.FLOAT4_ARRAY, '{"1.0","2.5"}', [1, 2.5]],
    ['float8[]', OID.FLOAT8_ARRAY, '{"NaN","-Infinity"}', [NaN, -Infinity]],
    ['int8[]', OID.INT8_ARRAY, '{"1","-2",NULL}', [1, -2, null]],
    ['numeric[]', OID.NUMERIC_ARRAY, '{"1E+3","0.5"}', ['1E+3', '0.5']],
    ['text[] empty', OID.TEXT_ARRAY, '{}', []],
    ['varchar[]', OID.VARCHAR_ARRAY, '{"a","b c",NULL}', ['a', 'b c', null]],
    ['uuid[]', OID.UUID_ARRAY, '{"a-b"}', ['a-b']],
    ['date[]', OID.DATE_ARRAY, '{"2024-01-02"}', ['2024-01-02']],
    ['json[] (array(object))', OID.JSON_ARRAY, '{"{\\"a\\":\\"x\\\\\\"y\\"}","[1]",NULL}', [{ a: 'x"y' }, [1], null]],
  ])('%s', (_name, oid, text, expected) => {
    expect(reg.decoder(oid)(text)).toEqual(expected);
  });

  it('timestamptz and timestamp → Date in UTC (CrateDB and PostgreSQL forms)', () => {
    expect((reg.decoder(OID.TIMESTAMPTZ)('2021-03-04 05:06:07.890+00') as Date).getTime()).toBe(1614834367890);
    expect((reg.decoder(OID.TIMESTAMP)('2021-03-04 05:06:07.890') as Date).getTime()).toBe(1614834367890);
    expect((reg.decoder(OID.TIMESTAMP)('2021-03-04 05:06:07.890+00') as Date).getTime()).toBe(1614834367890);
    expect((reg.decoder(OID.TIMESTAMPTZ)('2024-01-02 03:04:05.123456+05:30') as Date).getTime()).toBe(1704144845123);
    expect(reg.decoder(OID.TIMESTAMPTZ)('infinity')).toBe(Infinity);
  });

  it('timestamptz[] → Date[]', () => {
    const value = reg.decoder(OID.TIMESTAMPTZ_ARRAY)('{"1970-01-01 00:00:00.001+00",NULL}') as [Date, null];
    expect(value[0].getTime()).toBe(1);
    expect(value[1]).toBeNull();
  });

  it('bytea hex and escape formats → Buffer', () => {
    expect(reg.decoder(OID.BYTEA)('\\x00ff41')).toEqual(Buffer.from([0, 255, 65]));
    expect(reg.decoder(OID.BYTEA)('\\x')).toEqual(Buffer.alloc(0));
    expect(reg.decoder(OID.BYTEA)('a\\\\b\\000\\377')).toEqual(Buffer.from([97, 92, 98, 0, 255]));
  });

  it('malformed json → DecodeError', () => {
    expect(() => reg.decoder(OID.JSON)('{nope')).toThrow(DecodeError);
  });

  it('resolves a decoder once per OID', () => {
    expect(reg.decoder(OID.INT4_ARRAY)).toBe(reg.decoder(OID.INT4_ARRAY));
  });
});

describe('values the servers print differently', () => {
  it('point: PostgreSQL { x, y }, CrateDB geo_point [lon, lat]', () => {
    expect(pg.decoder(OID.POINT)('(1.5,-2)')).toEqual({ x: 1.5, y: -2 });
    expect(crate.decoder(OID.POINT)('(9.7419,47.4048)')).toEqual([9.7419, 47.4048]);
    expect(crate.decoder(OID.POINT_ARRAY)('{"(1.0,2.0)",NULL}')).toEqual([[1, 2], null]);
    expect(pg.decoder(OID.POINT_ARRAY)('{"(1,2)"}')).toEqual([{ x: 1, y: 2 }]);
  });

  it('malformed point → DecodeError', () => {
    expect(() => crate.decoder(OID.POINT)('1,2')).toThrow(DecodeError);
  });

  it('regclass: PostgreSQL prints the name, CrateDB the oid number', () => {
    expect(pg.decoder(OID.REGCLASS)('doc.t')).toBe('doc.t');
    expect(crate.decoder(OID.REGCLASS)('728874843')).toBe(728874843);
  });

  it('"char": PostgreSQL a character, CrateDB < 6.5 byte as a number', () => {
    expect(pg.decoder(OID.CHAR)('7')).toBe('7');
    expect(crate.decoder(OID.CHAR)('-128')).toBe(-128);
    expect(crate.decoder(OID.CHAR)('x')).toBe('x');
    expect(crate.decoder(OID.CHAR)('-')).toBe('-');
  });

  it('text arrays: CrateDB does not escape " and \\ (lenient), PostgreSQL does', () => {
    expect(crate.decoder(OID.VARCHAR_ARRAY)('{"a"b","c\\d"}')).toEqual(['a"b', 'c\\d']);
    expect(pg.decoder(OID.VARCHAR_ARRAY)('{"a\\"b","c\\\\d"}')).toEqual(['a"b', 'c\\d']);
    expect(() => pg.decoder(OID.VARCHAR_ARRAY)('{"a"b"}')).toThrow(DecodeError);
  });

  it('CrateDB json[] elements are escaped, so they are not read leniently', () => {
    expect(crate.decoder(OID.JSON_ARRAY)('{"{\\"q\\":\\"\\\\\\\\\\"}"}')).toEqual([{ q: '\\' }]);
  });

  it('multi-dimensional arrays on PostgreSQL', () => {
    expect(pg.decoder(OID.INT4_ARRAY)('{{1,2},{3,NULL}}')).toEqual([[1, 2], [3, null]]);
    expect(pg.decoder(OID.TEXT_ARRAY)('[0:1]={a,b}')).toEqual(['a', 'b']);
  });
});

describe('int8 modes', () => {
  it("'number' throws for unsafe values, naming the value and the options", () => {
    for (const text of ['9007199254740992', '-9007199254740992', '9223372036854775807']) {
      expect(() => pg.decoder(OID.INT8)(text)).toThrow(DecodeError);
      expect(() => pg.decoder(OID.INT8)(text)).toThrow(
        new RegExp(`${text}.*int8: 'bigint'.*int8: 'string'`),
      );
    }
    expect(() => crate.decoder(OID.INT8_ARRAY)('{"1","9223372036854775807"}')).toThrow(DecodeError);
  });

  it("'bigint' is exact", () => {
    const reg = registry({ int8: 'bigint' });
    expect(reg.decoder(OID.INT8)('9223372036854775807')).toBe(9223372036854775807n);
    expect(reg.decoder(OID.INT8)('-9223372036854775808')).toBe(-9223372036854775808n);
    expect(reg.decoder(OID.INT8_ARRAY)('{1,NULL}')).toEqual([1n, null]);
  });

  it("'string' returns the decimal text", () => {
    const reg = registry({ int8: 'string', isCrate: true });
    expect(reg.decoder(OID.INT8)('9223372036854775807')).toBe('9223372036854775807');
    expect(reg.decoder(OID.INT8_ARRAY)('{"1",NULL}')).toEqual(['1', null]);
  });

  it('int4 and int2 are unaffected', () => {
    expect(registry({ int8: 'bigint' }).decoder(OID.INT4)('5')).toBe(5);
  });
});

describe('numeric modes', () => {
  it("'number' reads scientific notation", () => {
    const reg = registry({ numeric: 'number', isCrate: true });
    expect(reg.decoder(OID.NUMERIC)('1E+3')).toBe(1000);
    expect(reg.decoder(OID.NUMERIC)('1E-7')).toBe(1e-7);
    expect(reg.decoder(OID.NUMERIC_ARRAY)('{"0.5"}')).toEqual([0.5]);
  });
});

describe('custom types', () => {
  it('a custom decoder wins over the built-in one and applies inside arrays', () => {
    const reg = registry({ isCrate: true, types: { [OID.TIMESTAMPTZ]: { decode: (t) => `ts:${t}` } } });
    expect(reg.decoder(OID.TIMESTAMPTZ)('2021-03-04 05:06:07.890+00')).toBe('ts:2021-03-04 05:06:07.890+00');
    expect(reg.decoder(OID.TIMESTAMPTZ_ARRAY)('{"x",NULL}')).toEqual(['ts:x', null]);
  });

  it('a custom decoder on the array OID itself wins over the element one', () => {
    const reg = registry({
      types: { [OID.INT4]: { decode: () => 'elem' }, [OID.INT4_ARRAY]: { decode: () => 'whole' } },
    });
    expect(reg.decoder(OID.INT4_ARRAY)('{1}')).toBe('whole');
  });

  it('a custom decoder for an OID the driver does not know', () => {
    const reg = registry({ types: { 16384: { decode: (t) => t.toUpperCase() } } });
    expect(reg.decoder(16384)('mood')).toBe('MOOD');
  });

  it('a type with only an encoder keeps the built-in decoder', () => {
    const reg = registry({ types: { [OID.INT4]: { encode: String } } });
    expect(reg.decoder(OID.INT4)('5')).toBe(5);
  });
});
