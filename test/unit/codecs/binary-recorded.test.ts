/**
 * The binary decoders against CrateDB 6.4.3's own bytes (fixture `cratedb-6.4.3/types_text.json`: the same row of
 * every type, once with text and once with binary result formats): each binary field decodes to what the text
 * decoder makes of the text field, and to the value the SQL literal stands for.
 */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { binaryDecoders } from '../../../src/codecs/binary.js';
import { intervalText, numericText } from '../../../src/codecs/binary-text.js';
import { readFloat32 } from '../../../src/codecs/binary-read.js';
import { OID } from '../../../src/codecs/oids.js';
import { TypeRegistry } from '../../../src/codecs/registry.js';

interface Frame {
  dir: string;
  t?: string;
  hex?: string;
  d?: { fields?: { name: string; oid: number; fmt: string }[] };
}

const recording = JSON.parse(
  readFileSync(new URL('../../fixtures/cratedb-6.4.3/types_text.json', import.meta.url), 'utf8'),
) as { exchanges: Frame[] };

const descriptions = recording.exchanges.filter((e) => e.t === 'T');
const dataRows = recording.exchanges.filter((e) => e.t === 'D');

/** The fields of a DataRow frame as [start, end) offsets into its bytes (null for NULL). */
function fieldsOf(frame: Frame): { bytes: Buffer; fields: ([number, number] | null)[] } {
  const bytes = Buffer.from(frame.hex as string, 'hex');
  const count = bytes.readInt16BE(5);
  const fields: ([number, number] | null)[] = [];
  let p = 7;
  for (let i = 0; i < count; i++) {
    const len = bytes.readInt32BE(p);
    p += 4;
    fields.push(len < 0 ? null : [p, p + len]);
    if (len > 0) p += len;
  }
  return { bytes, fields };
}

const columns = descriptions[0]?.d?.fields ?? [];
const text = fieldsOf(dataRows[0] as Frame);
const binary = fieldsOf(dataRows[1] as Frame);
const registry = new TypeRegistry({ int8: 'number', numeric: 'string', isCrate: true });

function decodeText(i: number): unknown {
  const field = text.fields[i];
  return field === null || field === undefined ? null : registry.rawDecoder(columns[i]!.oid)(text.bytes, field[0], field[1]);
}

function decodeBinary(i: number): unknown {
  const field = binary.fields[i];
  if (field === null || field === undefined) return null;
  const decoder = registry.binaryDecoder(columns[i]!.oid);
  if (decoder === undefined) throw new Error(`no binary decoder for ${columns[i]!.name}`);
  return decoder(binary.bytes, field[0], field[1]);
}

/** What each column's SQL literal stands for (the Parse text in the fixture). */
const EXPECTED: Record<string, unknown> = {
  b: true,
  s: 1,
  i: 2,
  r: 1.5,
  d: 1.5e10,
  t: 'é"x\\\\y',
  ip: '192.168.0.1',
  tz: new Date('2024-01-02T03:04:05.678Z'),
  ts: new Date('2024-01-02T03:04:05.678Z'),
  obj: { a: 1, b: [1, 2] },
  arr: [1, 2, null],
  tarr: ['a"b', 'c\\\\d', null],
  nested: [[1, 2], [3]],
  objarr: [{ x: 1 }],
  gp: [9.74, 47.4],
  gs: { coordinates: [9.74, 47.4], type: 'Point' },
  fv: [1, 2.5],
  bit: '0101',
  nul: null,
};

/** Columns CrateDB reads as text in every mode: binary would not give the text path's value (binary.ts). */
const TEXT_ONLY = new Set(['n', 'dt', 'iv']);

describe('binary decoders on recorded CrateDB 6.4.3 bytes', () => {
  it('the recording has both formats of the same 23 columns', () => {
    expect(columns).toHaveLength(23);
    expect(descriptions[1]?.d?.fields?.every((f) => f.fmt === 'binary')).toBe(true);
    expect(binary.fields).toHaveLength(23);
  });

  const shared = columns.map((c, i) => [c.name, i] as const).filter(([name]) => !TEXT_ONLY.has(name) && name !== 'big');
  it.each(shared)('%s: binary value equals the text value and the literal', (name, i) => {
    const value = decodeBinary(i);
    expect(value).toEqual(decodeText(i));
    expect(value).toEqual(EXPECTED[name]);
  });

  it('big: beyond 2^53, both formats refuse it in int8 number mode with the same error', () => {
    const i = columns.findIndex((c) => c.name === 'big');
    const message = (fn: () => unknown): string => {
      try {
        fn();
        return 'no error';
      } catch (err) {
        return (err as Error).message;
      }
    };
    expect(message(() => decodeBinary(i))).toMatch(/9007199254740993 cannot be represented/);
    expect(message(() => decodeBinary(i))).toBe(message(() => decodeText(i)));
  });

  it('big: bigint and string modes read the exact value in both formats', () => {
    const i = columns.findIndex((c) => c.name === 'big');
    for (const int8 of ['bigint', 'string'] as const) {
      const r = new TypeRegistry({ int8, numeric: 'string', isCrate: true });
      const [bs, be] = binary.fields[i] as [number, number];
      const [ts, te] = text.fields[i] as [number, number];
      const value = r.binaryDecoder(OID.INT8)?.(binary.bytes, bs, be);
      expect(value).toEqual(r.rawDecoder(OID.INT8)(text.bytes, ts, te));
      expect(String(value)).toBe('9007199254740993');
    }
  });

  it('types that stay text on CrateDB have no binary decoder there, but their raw layouts read right', () => {
    for (const name of TEXT_ONLY) {
      const i = columns.findIndex((c) => c.name === name);
      expect(registry.binaryDecoder(columns[i]!.oid), name).toBeUndefined();
    }
    const n = binary.fields[columns.findIndex((c) => c.name === 'n')] as [number, number];
    expect(numericText(binary.bytes, n[0])).toBe('1000');
    const iv = binary.fields[columns.findIndex((c) => c.name === 'iv')] as [number, number];
    expect(intervalText(binary.bytes, iv[0])).toBe('1 day 03:00:00');
    const fv = binary.fields[columns.findIndex((c) => c.name === 'fv')] as [number, number];
    // float_vector: header (ndim 1, flags 0, element float4) then two float4 elements.
    expect(readFloat32(binary.bytes, fv[0] + 20 + 4)).toBe(1);
    expect(readFloat32(binary.bytes, fv[0] + 20 + 12)).toBe(2.5);
  });

  it('only CrateDB gets geo_point as [lon, lat]', () => {
    expect(binaryDecoders({ int8: 'number', numeric: 'string', isCrate: false }).get(OID.POINT)).not.toBe(
      binaryDecoders({ int8: 'number', numeric: 'string', isCrate: true }).get(OID.POINT),
    );
  });
});
