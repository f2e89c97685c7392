import { describe, expect, it } from 'vitest';
import { OID } from '../../../src/codecs/oids.js';
import { TypeRegistry, needsDescribe, type RegistryOptions } from '../../../src/codecs/registry.js';
import { ParameterError } from '../../../src/errors.js';

const registry = (options: Partial<RegistryOptions> = {}): TypeRegistry =>
  new TypeRegistry({ int8: 'number', numeric: 'string', isCrate: false, ...options });
const pg = registry();
const crate = registry({ isCrate: true });

/** The ParameterError thrown by `fn`, or a failed expectation. */
function parameterError(fn: () => unknown): ParameterError {
  try {
    fn();
  } catch (error) {
    expect(error).toBeInstanceOf(ParameterError);
    return error as ParameterError;
  }
  throw new Error('expected a ParameterError');
}

class Money {
  constructor(readonly cents: number) {}
  toJSON(): string {
    return (this.cents / 100).toFixed(2);
  }
}
class Box {
  constructor(readonly inner: unknown) {}
  toJSON(): unknown {
    return { boxed: this.inner };
  }
}
function circular(): Record<string, unknown> {
  const o: Record<string, unknown> = {};
  o.self = o;
  return o;
}

class Plain {
  a = 1;
}

describe.each([
  ['PostgreSQL', pg],
  ['CrateDB', crate],
])('%s: undescribed parameters (OID 0) by JS type', (_server, reg) => {
  it.each<[string, unknown, string | null, number]>([
    ['null', null, null, 0],
    ['undefined', undefined, null, 0],
    ['string as is', 'a"b\\c', 'a"b\\c', 0],
    ['empty string', '', '', 0],
    ['integer', 42, '42', 0],
    ['float', 1.5, '1.5', 0],
    ['NaN', NaN, 'NaN', 0],
    ['Infinity', Infinity, 'Infinity', 0],
    ['-Infinity', -Infinity, '-Infinity', 0],
    ['bigint', 12345678901234567890n, '12345678901234567890', 0],
    ['negative bigint', -5n, '-5', 0],
    ['true', true, 'true', 0],
    ['false', false, 'false', 0],
    ['Date → UTC ISO', new Date(1614834367890), '2021-03-04T05:06:07.890Z', 0],
    ['BC Date → PostgreSQL form', new Date(-63517780800000), '0044-03-15 12:00:00.000+00 BC', 0],
    ['plain object → json', { a: [1, 'x'], b: null }, '{"a":[1,"x"],"b":null}', OID.JSON],
    ['null-prototype object → json', Object.assign(Object.create(null) as object, { a: 1 }), '{"a":1}', OID.JSON],
    ['class instance → json', new Plain(), '{"a":1}', OID.JSON],
    ['toJSON giving a primitive → that primitive', new Money(1999), '19.99', 0],
    ['toJSON giving an object → json', new Box(1), '{"boxed":1}', OID.JSON],
    ['empty array', [], '{}', 0],
    ['array quotes every element', [1, 'a"b', 'c\\d', null, true], '{"1","a\\"b","c\\\\d",NULL,"true"}', 0],
    ['nested arrays → dimensions', [[1, 2], [3, null]], '{{"1","2"},{"3",NULL}}', 0],
    ['objects in arrays → JSON elements', [{ a: 1 }], '{"{\\"a\\":1}"}', 0],
    ['Dates in arrays → ISO', [new Date(0)], '{"1970-01-01T00:00:00.000Z"}', 0],
    ['bigint in arrays', [1n], '{"1"}', 0],
    ['Float32Array (float_vector)', new Float32Array([1.5, 2]), '{"1.5","2"}', 0],
  ])('%s', (_name, value, text, oid) => {
    expect(reg.encode(value, 0, 0)).toEqual({ text, oid });
  });

  it.each<[string, unknown, RegExp]>([
    ['symbol', Symbol('s'), /^Parameter \$3: a symbol cannot be sent as a query parameter; pass a string/],
    ['function', () => 1, /^Parameter \$3: a function cannot be sent/],
    ['invalid Date', new Date(NaN), /^Parameter \$3: an invalid Date/],
    ['Map', new Map([[1, 2]]), /^Parameter \$3: a Map cannot be sent; convert it with Object\.fromEntries/],
    ['Set', new Set([1]), /^Parameter \$3: a Set cannot be sent; convert it with \[\.\.\.set\]/],
    ['bigint inside an object', { n: 1n }, /^Parameter \$3: an object cannot be converted to JSON.*BigInt/],
    ['symbol inside an array', [1, [2, Symbol('s')]], /^Parameter \$3: element \[1\]\[1\]: a symbol cannot be sent/],
    ['toJSON giving undefined', { toJSON: () => undefined }, /^Parameter \$3: an object has no JSON form/],
  ])('refuses %s, naming position and remedy', (_name, value, message) => {
    const error = parameterError(() => reg.encode(value, 0, 2));
    expect(error.index).toBe(2);
    expect(error.code).toBe('PARAMETER');
    expect(error.message).toMatch(message);
  });

  it('refuses circular objects', () => {
    expect(parameterError(() => reg.encode(circular(), 0, 0)).message).toMatch(/circular/);
  });
});

describe('bytes', () => {
  it('PostgreSQL: Buffer and Uint8Array → bytea hex with OID 17', () => {
    expect(pg.encode(Buffer.from([0, 255, 65]), 0, 0)).toEqual({ text: '\\x00ff41', oid: OID.BYTEA });
    expect(pg.encode(new Uint8Array([1, 2]).subarray(1), 0, 0)).toEqual({ text: '\\x02', oid: OID.BYTEA });
    expect(pg.encode([Buffer.from('hi')], 0, 0)).toEqual({ text: '{"\\\\x6869"}', oid: 0 });
    expect(pg.encode(Buffer.from('hi'), OID.BYTEA, 0)).toEqual({ text: '\\x6869', oid: OID.BYTEA });
  });

  it('CrateDB: refused (no binary type, OID 17 is refused), at top level and inside arrays', () => {
    const top = parameterError(() => crate.encode(Buffer.from('hi'), 0, 1));
    expect(top.message).toMatch(/^Parameter \$2: CrateDB has no binary \(bytea\) type.*base64/);
    const nested = parameterError(() => crate.encode(['a', new Uint8Array([1])], 0, 0));
    expect(nested.message).toMatch(/^Parameter \$1: element \[1\]: CrateDB has no binary/);
  });

  it('a text column refuses bytes rather than guessing an encoding', () => {
    expect(parameterError(() => pg.encode(Buffer.from('x'), OID.TEXT, 0)).message).toMatch(/buffer\.toString/);
  });
});

describe.each([
  ['PostgreSQL', pg],
  ['CrateDB', crate],
])('%s: described parameters, encoded for the column type', (_server, reg) => {
  it.each<[string, unknown, number, string]>([
    ['date from Date: its UTC day', new Date(1704238200000), OID.DATE, '2024-01-02'],
    ['date from text', '2024-01-02', OID.DATE, '2024-01-02'],
    ['timestamptz from Date', new Date(1614834367890), OID.TIMESTAMPTZ, '2021-03-04T05:06:07.890Z'],
    ['timestamp from Date', new Date(1614834367890), OID.TIMESTAMP, '2021-03-04T05:06:07.890Z'],
    ['timestamptz text', 'now', OID.TIMESTAMPTZ, 'now'],
    ['point from [lon, lat]', [9.7419, 47.4048], OID.POINT, '(9.7419,47.4048)'],
    ['point from { x, y }', { x: 1, y: -2.5 }, OID.POINT, '(1,-2.5)'],
    ['point from text', '(1,2)', OID.POINT, '(1,2)'],
    ['json from object', { a: 1 }, OID.JSON, '{"a":1}'],
    ['json from array: JSON, not an array literal', [[1, 2], [3]], OID.JSON, '[[1,2],[3]]'],
    ['json from JSON text', '{"a":1}', OID.JSON, '{"a":1}'],
    ['bool true', true, OID.BOOL, 'true'],
    ['bool false', false, OID.BOOL, 'false'],
    ['int2 min', -32768, OID.INT2, '-32768'],
    ['int4 max', 2147483647, OID.INT4, '2147483647'],
    ['int4 from text, as is', '+12', OID.INT4, '+12'],
    ['int4 from bigint', 7n, OID.INT4, '7'],
    ['int8 from bigint max', 9223372036854775807n, OID.INT8, '9223372036854775807'],
    ['int8 from text min', '-9223372036854775808', OID.INT8, '-9223372036854775808'],
    ['int8 from safe number', 9007199254740991, OID.INT8, '9007199254740991'],
    ['int4 -0', -0, OID.INT4, '0'],
    ['float8', 1.5, OID.FLOAT8, '1.5'],
    ['float4 NaN', NaN, OID.FLOAT4, 'NaN'],
    ['numeric from bigint', 10n ** 30n, OID.NUMERIC, '1000000000000000000000000000000'],
    ['numeric from text', '1E+3', OID.NUMERIC, '1E+3'],
    ['text from string', 'x', OID.TEXT, 'x'],
    ['varchar from number', 1.5, OID.VARCHAR, '1.5'],
    ['varchar from boolean', true, OID.VARCHAR, 'true'],
    ['varchar from Date', new Date(0), OID.VARCHAR, '1970-01-01T00:00:00.000Z'],
    ['varchar from object → JSON', { a: 1 }, OID.VARCHAR, '{"a":1}'],
    ['unknown (705) as undescribed', true, OID.UNKNOWN, 'true'],
    ['interval as text', '1 day', OID.INTERVAL, '1 day'],
    ['unregistered OID as undescribed', [1, 2], 16384, '{"1","2"}'],
    ['int4[]', [1, null, 3], OID.INT4_ARRAY, '{"1",NULL,"3"}'],
    ['int4[] 2-dim', [[1, 2], [3, 4]], OID.INT4_ARRAY, '{{"1","2"},{"3","4"}}'],
    ['int4[] from literal text', '{1,2}', OID.INT4_ARRAY, '{1,2}'],
    ['text[] escapes " and \\', ['a"b', 'c\\d'], OID.TEXT_ARRAY, '{"a\\"b","c\\\\d"}'],
    ['date[] from Dates', [new Date(1704238200000)], OID.DATE_ARRAY, '{"2024-01-02"}'],
    ['bool[]', [true, false], OID.BOOL_ARRAY, '{"true","false"}'],
    ['float4[] from Float32Array (float_vector)', new Float32Array([0.5, 2]), OID.FLOAT4_ARRAY, '{"0.5","2"}'],
    ['json[] (array(object)): inner arrays are values', [{ a: 1 }, [1, 2]], OID.JSON_ARRAY, '{"{\\"a\\":1}","[1,2]"}'],
    ['point[] from [lon, lat] pairs', [[1, 2], [3, 4]], OID.POINT_ARRAY, '{"(1,2)","(3,4)"}'],
  ])('%s', (_name, value, typeOid, text) => {
    expect(reg.encode(value, typeOid, 0)).toEqual({ text, oid: typeOid });
  });

  it('null keeps the described OID', () => {
    expect(reg.encode(null, OID.INT4, 0)).toEqual({ text: null, oid: OID.INT4 });
  });

  it.each<[string, unknown, number, RegExp]>([
    ['a Date for int4[] (not an array)', new Date(0), OID.INT4_ARRAY, /a Date cannot be sent as int4\[\]; pass an array/],
    ['a plain object for date', { y: 2024 }, OID.DATE, /an object cannot be sent as date; pass a Date/],
    ['a symbol inside text[]', [Symbol('s')], OID.TEXT_ARRAY, /element \[0\]: a symbol cannot be sent as a query parameter/],
    ['invalid Date for date', new Date(NaN), OID.DATE, /an invalid Date/],
    ['one coordinate for point', [1], OID.POINT, /an array cannot be sent as point; pass \[lon, lat\] or \{ x, y \}/],
    ['NaN coordinate for point', { x: NaN, y: 1 }, OID.POINT, /cannot be sent as point/],
    ['circular object for json', circular(), OID.JSON, /circular/],
  ])('refuses %s', (_name, value, typeOid, message) => {
    const error = parameterError(() => reg.encode(value, typeOid, 4));
    expect(error.index).toBe(4);
    expect(error.message).toMatch(/^Parameter \$5: /);
    expect(error.message).toMatch(message);
  });
});

describe('primitives have one text form whatever the described type (issue #12, bug 2)', () => {
  it.each<[string, unknown, number, string]>([
    ['a fraction for int4', 1.5, OID.INT4, '1.5'],
    ['a bigint beyond int8', 2n ** 70n, OID.INT8, '1180591620717411303424'],
    ['NaN for int8', NaN, OID.INT8, 'NaN'],
    ['a word for bool', 'yes', OID.BOOL, 'yes'],
    ['a boolean for text', true, OID.TEXT, 'true'],
    ['a boolean for jsonb', false, OID.JSONB, 'false'],
    ['epoch ms for timestamptz', 1614834367890, OID.TIMESTAMPTZ, '1614834367890'],
    ['a number for json (CrateDB judges it)', 5, OID.JSON, '5'],
  ])('%s is sent as its one text form; the server judges it on every run', (_name, value, typeOid, text) => {
    for (const reg of [pg, crate]) {
      expect(reg.encode(value, typeOid, 0)).toEqual({ text, oid: typeOid });
      expect(reg.encode(value, 0, 0)).toEqual({ text, oid: 0 });
    }
  });
});

describe('json scalars', () => {
  it('PostgreSQL takes any JSON value', () => {
    expect(pg.encode(5, OID.JSON, 0)).toEqual({ text: '5', oid: OID.JSON });
    expect(pg.encode(true, OID.JSONB, 0)).toEqual({ text: 'true', oid: OID.JSONB });
    // A string is JSON text already, inside json[] too.
    expect(pg.encode([5, '"x"'], OID.JSON_ARRAY, 0)).toEqual({ text: '{"5","\\"x\\""}', oid: OID.JSON_ARRAY });
  });

  it('CrateDB takes only an object or array for json/object (docs/cratedb-wire.md "Parameter text parsing")', () => {
    expect(parameterError(() => crate.encode(new Date(0), OID.JSON, 1)).message).toMatch(/^Parameter \$2: a Date/);
    expect(parameterError(() => crate.encode(new Money(1), OID.JSON, 0)).message).toMatch(/a Money cannot be sent as a CrateDB object\/json value.*JSON object or array/);
    expect(crate.encode({ a: 1 }, OID.JSON, 0)).toEqual({ text: '{"a":1}', oid: OID.JSON });
  });
});

describe('custom encoders', () => {
  it('win over the built-in encoder for objects and keep the described OID; primitives keep their one text form', () => {
    const reg = registry({ isCrate: true, types: { [OID.DATE]: { encode: (v) => `d:${(v as Date).getTime()}` } } });
    expect(reg.encode(new Date(5), OID.DATE, 0)).toEqual({ text: 'd:5', oid: OID.DATE });
    expect(reg.encode('x', OID.DATE, 0)).toEqual({ text: 'x', oid: OID.DATE });
  });

  it('apply to the object elements of arrays of their type', () => {
    const reg = registry({ types: { [OID.INT4]: { encode: (v) => `<${JSON.stringify(v)}>` } } });
    expect(reg.encode([{ n: 1 }, null, 2], OID.INT4_ARRAY, 0)).toEqual({ text: '{"<{\\"n\\":1}>",NULL,"2"}', oid: OID.INT4_ARRAY });
  });

  it('a non-string result is a ParameterError', () => {
    const reg = registry({ types: { 16384: { encode: () => 5 as unknown as string } } });
    expect(parameterError(() => reg.encode({}, 16384, 0)).message).toBe(
      'Parameter $1: the custom encoder for oid 16384 returned the number 5 instead of a string',
    );
  });

  it('an exception becomes a ParameterError with the cause', () => {
    const boom = new Error('boom');
    const reg = registry({
      types: {
        [OID.UUID]: {
          encode: () => {
            throw boom;
          },
        },
      },
    });
    const error = parameterError(() => reg.encode({}, OID.UUID, 2));
    expect(error.message).toBe('Parameter $3: could not be encoded as uuid: boom');
    expect(error.cause).toBe(boom);
  });

  it('are not used for undescribed parameters', () => {
    const reg = registry({ types: { [OID.TEXT]: { encode: () => 'custom' } } });
    expect(reg.encode('x', 0, 0)).toEqual({ text: 'x', oid: 0 });
  });
});

describe('needsDescribe', () => {
  it.each<[string, unknown, boolean]>([
    ['Date', new Date(0), true],
    ['array', [1], true],
    ['plain object', { a: 1 }, true],
    ['Float32Array', new Float32Array(1), true],
    ['Buffer', Buffer.alloc(1), true],
    ['Uint8Array', new Uint8Array(1), true],
    ['string', '2024-01-02', false],
    ['number', 1, false],
    ['bigint', 1n, false],
    ['boolean', true, false],
    ['null', null, false],
    ['undefined', undefined, false],
  ])('%s → %s', (_name, value, expected) => {
    expect(needsDescribe(value)).toBe(expected);
  });
});

describe('Map and Set are refused on every path with one message (issue #12, bug 3)', () => {
  const targets: [string, TypeRegistry, number][] = [
    ['undescribed', pg, 0],
    ['json', pg, OID.JSON],
    ['jsonb', pg, OID.JSONB],
    ['text', pg, OID.TEXT],
    ['varchar', pg, OID.VARCHAR],
    ['json (CrateDB object)', crate, OID.JSON],
    ['unknown type', pg, 999_999],
  ];
  it.each(targets)('a Map for %s', (_, reg, oid) => {
    expect(parameterError(() => reg.encode(new Map([['a', 1]]), oid, 0)).message).toBe(
      'Parameter $1: a Map cannot be sent; convert it with Object.fromEntries(map) or [...map] first',
    );
  });
  it.each(targets)('a Set for %s', (_, reg, oid) => {
    expect(parameterError(() => reg.encode(new Set([1]), oid, 0)).message).toBe('Parameter $1: a Set cannot be sent; convert it with [...set] first');
  });
  it('a Map inside a json[] array names its element', () => {
    expect(parameterError(() => pg.encode([{ a: 1 }, new Map()], OID.JSON_ARRAY, 1)).message).toMatch(/^Parameter \$2: .*a Map cannot be sent; convert it/);
  });
});
