/**
 * Arrow columns from CrateDB 6.4.3's own bytes (fixture `cratedb-6.4.3/types_text.json`: one row of every CrateDB
 * type, once with text and once with binary result formats). The row cratewire/arrow would receive is put together
 * from the recording — each field from the binary row where arrowResultFormats asks for binary, from the text row
 * where it asks for text — and every column is compared with what client.query() (the text decoders) gives.
 */
import { readFileSync } from 'node:fs';
import { Field as ArrowField, FixedSizeList, Float32, Int32, Int64, List, Struct, Utf8, type RecordBatch } from 'apache-arrow';
import { describe, expect, it } from 'vitest';
import { arrowResultFormats, RecordBatchBuilder, type ArrowOptions } from '../../src/arrow/batch-builder.js';
import { typeNameOf } from '../../src/codecs/oids.js';
import type { Field } from '../../src/types.js';
import { plain } from './normalize.js';
import { decodedRows, rowBytes } from './wire-values.js';

interface Frame {
  t?: string;
  hex?: string;
  d?: { fields?: { name: string; oid: number; mod: number }[] };
}

const recording = JSON.parse(
  readFileSync(new URL('../fixtures/cratedb-6.4.3/types_text.json', import.meta.url), 'utf8'),
) as { exchanges: Frame[] };

const described = recording.exchanges.find((e) => e.t === 'T')?.d?.fields ?? [];
const fields: Field[] = described.map((f) => ({
  name: f.name,
  tableOid: 0,
  columnId: 0,
  typeOid: f.oid,
  typeName: typeNameOf(f.oid),
  typeSize: -1,
  typeModifier: f.mod,
}));
const [textRow, binaryRow] = recording.exchanges.filter((e) => e.t === 'D').map((frame) => valuesOf(frame));

/** The field values of a DataRow frame (null for NULL). */
function valuesOf(frame: Frame): (Buffer | null)[] {
  const bytes = Buffer.from(frame.hex as string, 'hex');
  const values: (Buffer | null)[] = [];
  let p = 7;
  for (let i = bytes.readInt16BE(5); i > 0; i--) {
    const len = bytes.readInt32BE(p);
    p += 4;
    values.push(len < 0 ? null : bytes.subarray(p, p + len));
    if (len > 0) p += len;
  }
  return values;
}

function batchOf(options: ArrowOptions): RecordBatch {
  const formats = arrowResultFormats(fields, options);
  const row = rowBytes(formats.map((f, i) => ((f === 1 ? binaryRow : textRow) as (Buffer | null)[])[i] ?? null));
  const builder = new RecordBatchBuilder(fields, formats, options);
  builder.appendRow(row, 0, row.length);
  return builder.flush();
}

const queried = decodedRows(fields, [], [rowBytes(textRow as (Buffer | null)[])], { isCrate: true })[0] as unknown[];

/** client.query()'s value of column `name`. */
function expected(name: string): unknown {
  return queried[fields.findIndex((f) => f.name === name)];
}

/** The Arrow value of column `name` as a plain value. */
function arrow(batch: RecordBatch, name: string): unknown {
  return plain(batch.getChild(name)?.get(0));
}

describe('Arrow columns from a real CrateDB 6.4.3 row of every type', () => {
  const batch = batchOf({});

  it('recorded 23 columns in both formats', () => {
    expect(fields).toHaveLength(23);
    expect(textRow).toHaveLength(23);
    expect(binaryRow).toHaveLength(23);
  });

  it('maps every CrateDB type by default as docs/arrow.md says', () => {
    expect(Object.fromEntries(batch.schema.fields.map((f) => [f.name, String(f.type)]))).toEqual({
      b: 'Bool', s: 'Int16', i: 'Int32', big: 'Int64', r: 'Float32', d: 'Float64', n: 'Utf8', t: 'Utf8', ip: 'Utf8',
      tz: 'Timestamp<MICROSECOND, UTC>', ts: 'Timestamp<MICROSECOND>', dt: 'Date32<DAY>', iv: 'Interval<MONTH_DAY_NANO>',
      obj: 'Utf8', arr: 'List<Int32>', tarr: 'List<Utf8>', nested: 'Utf8', objarr: 'List<Utf8>',
      gp: 'FixedSizeList[2]<Float64>', gs: 'Utf8', fv: 'List<Float32>', bit: 'Utf8', nul: 'Utf8',
    });
  });

  it('gives the values client.query() gives', () => {
    for (const name of ['b', 's', 'i', 'r', 'd', 'n', 't', 'ip', 'gp', 'fv', 'bit', 'nul']) {
      expect({ name, value: arrow(batch, name) }).toEqual({ name, value: plain(expected(name)) });
    }
    expect(arrow(batch, 'big')).toBe(BigInt(expected('big') as string | number | bigint));
    for (const name of ['tz', 'ts']) expect(arrow(batch, name)).toBe((expected(name) as Date).getTime());
    expect(new Date(arrow(batch, 'dt') as number).toISOString().slice(0, 10)).toBe(expected('dt'));
    for (const name of ['obj', 'nested', 'gs']) expect(JSON.parse(arrow(batch, name) as string)).toEqual(expected(name));
    expect((arrow(batch, 'objarr') as string[]).map((s) => JSON.parse(s))).toEqual(expected('objarr'));
    expect(arrow(batch, 'arr')).toEqual([1, 2, null]);
    // The SQL literal 'c\\d' is two backslashes, as the binary array carries them; the text decoder reads CrateDB's
    // unescaped text array `{"a"b","c\\d",NULL}` as one (docs/cratedb-wire.md "Arrays"), so it is checked here.
    expect(arrow(batch, 'tarr')).toEqual(['a"b', 'c\\\\d', null]);
  });

  it("reads the interval '1 day 3 hours' exactly", () => {
    expect(expected('iv')).toBe('1 day 03:00:00');
    expect([...(batch.getChild('iv')?.data[0]?.values as Int32Array)]).toEqual([0, 1, (10_800_000_000_000 % 2 ** 32) | 0, Math.floor(10_800_000_000_000 / 2 ** 32)]);
  });

  it("builds CrateDB's OBJECT with Int64 children (its dynamic integers are bigint)", () => {
    const ints = new List(new ArrowField('item', new Int64()));
    const typed = batchOf({ schema: { obj: new Struct([new ArrowField('a', new Int64()), new ArrowField('b', ints)]), nested: new List(new ArrowField('item', ints)) } });
    const obj = (typed.getChild('obj')?.get(0) as { toJSON(): Record<string, unknown> }).toJSON();
    expect([obj['a'], plain(obj['b'])]).toEqual([1n, [1n, 2n]]);
    expect(plain(typed.getChild('nested')?.get(0))).toEqual([[1n, 2n], [3n]]);
  });

  it('tells OBJECT, nested arrays, array(object) and float_vector apart by the schema', () => {
    const schema = {
      obj: new Struct([new ArrowField('a', new Int32()), new ArrowField('b', new List(new ArrowField('item', new Int32())))]),
      nested: new List(new ArrowField('item', new List(new ArrowField('item', new Int32())))),
      objarr: new List(new ArrowField('item', new Struct([new ArrowField('x', new Int32())]))),
      fv: new FixedSizeList(2, new ArrowField('item', new Float32())),
      gs: new Utf8(),
    };
    const typed = batchOf({ schema });
    expect(typed.getChild('obj')?.get(0)?.toJSON()).toEqual({ a: 1, b: expect.anything() });
    expect(plain(typed.getChild('obj')?.get(0)?.toJSON().b)).toEqual([1, 2]);
    expect(arrow(typed, 'nested')).toEqual([[1, 2], [3]]);
    expect(typed.getChild('objarr')?.get(0)?.get(0)?.toJSON()).toEqual({ x: 1 });
    expect(arrow(typed, 'fv')).toEqual([1, 2.5]);
    expect(String(typed.schema.fields.find((f) => f.name === 'fv')?.type)).toBe('FixedSizeList[2]<Float32>');
  });
});
