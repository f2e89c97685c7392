/** Column batches (bulkInsert's binary array parameters) read back by the binary result decoders. */
import { describe, expect, it } from 'vitest';
import { columnEncoder, encodeColumnBatch, encodeCopyData, RowEncodeFailure } from '../../../src/codecs/binary-encode.js';
import { binaryArrayDecoder, binaryDecoders } from '../../../src/codecs/binary.js';
import { readArrayHeader } from '../../../src/codecs/binary-read.js';
import { OID } from '../../../src/codecs/oids.js';

const PG = binaryDecoders({ int8: 'bigint', numeric: 'string', isCrate: false });

/** Encode one column of `values` as the server would receive it, and decode it as if the server had sent it back. */
function roundTrip(typeOid: number, values: unknown[], isCrate = false): { decoded: unknown; elementOid: number; flags: number } {
  const encoder = columnEncoder(typeOid, isCrate);
  if (encoder === undefined) throw new Error(`no encoder for ${typeOid}`);
  const rows = values.map((v) => ['pad', v]);
  const b = encodeColumnBatch(encoder, rows, 1, 0, rows.length);
  const header = readArrayHeader(b, 0);
  const element = PG.get(header.elementOid);
  if (element === undefined) throw new Error(`no decoder for ${header.elementOid}`);
  return { decoded: binaryArrayDecoder(element)(b, 0, b.length), elementOid: header.elementOid, flags: b.readInt32BE(4) };
}

describe('column batches', () => {
  it.each<[string, number, unknown[], unknown[]]>([
    ['int2', OID.INT2, [-32768, 0, 32767, null], [-32768, 0, 32767, null]],
    ['int4', OID.INT4, [-2147483648, 7, 2147483647n], [-2147483648, 7, 2147483647]],
    ['int8', OID.INT8, [-5, -(2 ** 53) + 1, 2 ** 53 - 1, -(2n ** 63n), 2n ** 63n - 1n, undefined], [-5n, -(2n ** 53n) + 1n, 2n ** 53n - 1n, -(2n ** 63n), 2n ** 63n - 1n, null]],
    ['float4', OID.FLOAT4, [1.5, -0.25, Infinity], [1.5, -0.25, Infinity]],
    ['float8', OID.FLOAT8, [0.1, -1e308, NaN, 5e-324], [0.1, -1e308, NaN, 5e-324]],
    ['bool', OID.BOOL, [true, false, null], [true, false, null]],
    ['text', OID.TEXT, ['', 'héllo ✓ "q" \\ {,}', 42, 7n, false, 'NULL'], ['', 'héllo ✓ "q" \\ {,}', '42', '7', 'false', 'NULL']],
    ['uuid', OID.UUID, ['A0EEBC99-9C0B-4EF8-BB6D-6BB9BD380A11', 'a0eebc999c0b4ef8bb6d6bb9bd380a12'], ['a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11', 'a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a12']],
    ['json', OID.JSON, [{ a: [1, null] }, '[1,"x"]', 3], [{ a: [1, null] }, [1, 'x'], 3]],
  ])('%s values read back as sent', (_, oid, values, expected) => {
    expect(roundTrip(oid, values).decoded).toEqual(expected);
  });

  it('text round-trips through the ASCII fast path and the UTF-8 writer alike, at and beyond the short-text limit', () => {
    const texts = [
      'a'.repeat(64),
      'a'.repeat(65),
      `${'a'.repeat(63)}é`,
      `${'b'.repeat(70)}é`,
      'ascii then ✓',
      '😀 surrogate pair',
      '\u0000\u007f',
      'x'.repeat(100_000),
    ];
    expect(roundTrip(OID.TEXT, texts).decoded).toEqual(texts);
    // A lone surrogate becomes U+FFFD, as Buffer's own UTF-8 writer makes it.
    expect(roundTrip(OID.TEXT, ['a\ud800b']).decoded).toEqual(['a\ufffdb']);
  });

  it('-0, NaN and the int8 halves survive the byte writers', () => {
    const f8 = roundTrip(OID.FLOAT8, [-0, NaN, -Infinity, 1.7976931348623157e308]).decoded as number[];
    expect(Object.is(f8[0], -0)).toBe(true);
    expect(f8.slice(1)).toEqual([NaN, -Infinity, 1.7976931348623157e308]);
    const f4 = roundTrip(OID.FLOAT4, [-0, NaN, 3.4028234663852886e38]).decoded as number[];
    expect(Object.is(f4[0], -0)).toBe(true);
    expect(f4.slice(1)).toEqual([NaN, 3.4028235e38]); // float4 reads back as its shortest decimal, as in text
    expect(roundTrip(OID.INT8, [-1, -(2 ** 32), 2 ** 32, -(2 ** 32) - 1, 2 ** 32 - 1]).decoded).toEqual([-1n, -(2n ** 32n), 2n ** 32n, -(2n ** 32n) - 1n, 2n ** 32n - 1n]);
    expect(roundTrip(OID.INT2, [-1, -256, 255]).decoded).toEqual([-1, -256, 255]);
    expect(roundTrip(OID.INT4, [-1, -65_536, 65_535]).decoded).toEqual([-1, -65_536, 65_535]);
  });

  it('an empty batch is an empty one-dimensional array', () => {
    expect(roundTrip(OID.INT4, []).decoded).toEqual([]);
    expect(roundTrip(OID.TEXT, []).decoded).toEqual([]);
  });

  it('PostgreSQL timestamps are µs since 2000, exact for every Date, from Dates, epoch ms and ISO text', () => {
    const dates = [new Date('2024-02-29T23:59:58.123Z'), new Date(-8.64e15), new Date(8.64e15), new Date('1969-12-31T23:59:59.999Z')];
    expect(roundTrip(OID.TIMESTAMPTZ, [...dates, 0, '2000-01-01T00:00:00.5Z']).decoded).toEqual([...dates, new Date(0), new Date('2000-01-01T00:00:00.500Z')]);
  });

  it('CrateDB timestamps are epoch milliseconds in a bigint array', () => {
    const { decoded, elementOid } = roundTrip(OID.TIMESTAMPTZ, [new Date(1_700_000_000_123), -1, '1970-01-01T00:00:01Z'], true);
    expect(elementOid).toBe(OID.INT8);
    expect(decoded).toEqual([1_700_000_000_123n, -1n, 1000n]);
    expect(columnEncoder(OID.TIMESTAMPTZ, true)?.sqlType).toBe('bigint[]');
  });

  it('flags say whether the array holds NULLs', () => {
    expect(roundTrip(OID.INT4, [1, 2]).flags).toBe(0);
    expect(roundTrip(OID.INT4, [1, null]).flags).toBe(1);
    expect(roundTrip(OID.TEXT, ['a']).flags).toBe(0);
    expect(roundTrip(OID.TEXT, [undefined]).flags).toBe(1);
  });

  it.each<[string, number, unknown]>([
    ['int2', OID.INT2, 40000],
    ['int4 1.5', OID.INT4, 1.5],
    ['int4 text', OID.INT4, '1'],
    ['int8 2^53', OID.INT8, 2 ** 53],
    ['int8 2n^63n', OID.INT8, 2n ** 63n],
    ['float8 text', OID.FLOAT8, '1.5'],
    ['bool 1', OID.BOOL, 1],
    ['text object', OID.TEXT, { a: 1 }],
    ['uuid', OID.UUID, 'not-a-uuid'],
    ['invalid Date', OID.TIMESTAMPTZ, new Date(NaN)],
    ['timestamp text', OID.TIMESTAMPTZ, 'yesterday'],
    ['json bigint', OID.JSON, 1n],
  ])('%s is refused, naming the row', (_, oid, bad) => {
    const encoder = columnEncoder(oid, false);
    if (encoder === undefined) throw new Error('no encoder');
    const rows = [[null], [null], [bad]];
    let error: unknown;
    try {
      encodeColumnBatch(encoder, rows, 0, 0, 3);
    } catch (err) {
      error = err;
    }
    expect(error).toBeInstanceOf(RowEncodeFailure);
    expect((error as RowEncodeFailure).row).toBe(2);
  });

  it('has no encoder for types that cannot travel as column batches', () => {
    expect(columnEncoder(OID.NUMERIC, false)).toBeUndefined();
    expect(columnEncoder(OID.POINT, true)).toBeUndefined();
    expect(columnEncoder(OID.INT4_ARRAY, true)).toBeUndefined();
  });
});

describe('binary COPY data', () => {
  it('is one CopyData message: signature, flags, rows of length-prefixed fields, trailer', () => {
    const encoders = [OID.INT4, OID.TEXT].map((oid) => columnEncoder(oid, false));
    if (encoders.some((e) => e === undefined)) throw new Error('no encoder');
    const b = encodeCopyData(encoders as NonNullable<(typeof encoders)[number]>[], [[1, 'é'], [null, 'x'], [3, null]], 1, 3);
    expect(b[0]).toBe(0x64);
    expect(b.readInt32BE(1)).toBe(b.length - 1);
    expect(b.subarray(5, 16).toString('latin1')).toBe('PGCOPY\n\xff\r\n\0');
    expect(b.readInt32BE(16)).toBe(0);
    expect(b.readInt32BE(20)).toBe(0);
    // Row 1: 2 fields, NULL, 'x'; row 2: 2 fields, 3, NULL; trailer -1.
    const rows = b.subarray(24);
    expect([...rows]).toEqual([0, 2, 255, 255, 255, 255, 0, 0, 0, 1, 120, 0, 2, 0, 0, 0, 4, 0, 0, 0, 3, 255, 255, 255, 255, 255, 255]);
  });

  it('names the row of a value of the wrong type', () => {
    const encoder = columnEncoder(OID.INT4, false);
    if (encoder === undefined) throw new Error('no encoder');
    expect(() => encodeCopyData([encoder], [[1], [2], ['3']], 0, 3)).toThrow(expect.objectContaining({ row: 2 }) as Error);
  });
});
