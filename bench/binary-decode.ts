/**
 * `npx tsx bench/binary-decode.ts [--rows=N] [--rounds=R]`: the client's cost of decoding one column type in text
 * and in binary result format, on constructed DataRows (the bytes each server sends: the CrateDB 6.4.3 recording
 * `test/fixtures/cratedb-6.4.3/types_text.json` and PostgreSQL's send/out functions), through the real row path
 * (RowShape.decodeRow, array rows). No server: this is what src/query/result-formats.ts's `auto` choice rests on.
 * The server's side (text formatting vs binary sending) is measured by the wire floors of `npm run bench`.
 */
import { TypeRegistry } from '../src/codecs/registry.js';
import { OID } from '../src/codecs/oids.js';
import { RowShape } from '../src/query/result.js';
import { DataRow } from '../src/protocol/wire.js';
import { summarize } from './stats.js';
import type { Field } from '../src/types.js';

function arg(name: string, fallback: number): number {
  const hit = process.argv.find((a) => a.startsWith(`--${name}=`));
  return hit === undefined ? fallback : Number(hit.slice(name.length + 3));
}

const ROWS = arg('rows', 200_000);
const ROUNDS = arg('rounds', 7);

const int32 = (n: number): Buffer => {
  const b = Buffer.alloc(4);
  b.writeInt32BE(n);
  return b;
};
const int64 = (n: bigint): Buffer => {
  const b = Buffer.alloc(8);
  b.writeBigInt64BE(n);
  return b;
};
const float64 = (n: number): Buffer => {
  const b = Buffer.alloc(8);
  b.writeDoubleBE(n);
  return b;
};
const float32 = (n: number): Buffer => {
  const b = Buffer.alloc(4);
  b.writeFloatBE(n);
  return b;
};
/** A one-dimensional binary array of `oid` elements (null = NULL). */
const array = (oid: number, elements: (Buffer | null)[]): Buffer =>
  Buffer.concat([
    int32(1),
    int32(elements.includes(null) ? 1 : 0),
    int32(oid),
    int32(elements.length),
    int32(1),
    ...elements.flatMap((e) => (e === null ? [int32(-1)] : [int32(e.length), e])),
  ]);

const TS_MS = Date.UTC(2024, 0, 2, 3, 4, 5, 678);
const tsMicros = BigInt(TS_MS - 946_684_800_000) * 1000n;

/** [label, type OID, text bytes of value i, binary bytes of value i]; values vary with i like a real column. */
type Case = [string, number, (i: number) => string, (i: number) => Buffer];
const CASES: Case[] = [
  ['int4', OID.INT4, (i) => String(i * 7919), (i) => int32(i * 7919)],
  ['int8', OID.INT8, (i) => String(i * 7919 * 1_000_003), (i) => int64(BigInt(i * 7919) * 1_000_003n)],
  ['float8', OID.FLOAT8, (i) => String(i * 1.37), (i) => float64(i * 1.37)],
  ['float4', OID.FLOAT4, (i) => String(Math.fround(i * 1.37)).slice(0, 8), (i) => float32(Number(String(Math.fround(i * 1.37)).slice(0, 8)))],
  ['bool', OID.BOOL, (i) => (i % 2 === 0 ? 't' : 'f'), (i) => Buffer.from([i % 2 === 0 ? 1 : 0])],
  ['text (20 chars)', OID.VARCHAR, (i) => `name number ${String(i).padStart(8, '0')}`, (i) => Buffer.from(`name number ${String(i).padStart(8, '0')}`)],
  [
    'timestamptz',
    OID.TIMESTAMPTZ,
    (i) => new Date(TS_MS + i * 1000).toISOString().replace('T', ' ').replace('Z', '+00'),
    (i) => int64(tsMicros + BigInt(i) * 1_000_000n),
  ],
  ['date', OID.DATE, (i) => new Date(TS_MS + i * 86_400_000).toISOString().slice(0, 10), (i) => int32(8767 + i)],
  [
    'numeric 12345.67',
    OID.NUMERIC,
    () => '12345.67',
    () => Buffer.from([0, 3, 0, 1, 0, 0, 0, 2, 0, 1, 0x09, 0x29, 0x1a, 0x2c]),
  ],
  [
    'uuid',
    OID.UUID,
    (i) => `a0eebc99-9c0b-4ef8-bb6d-${String(i).padStart(12, '0')}`,
    (i) => Buffer.from(`a0eebc999c0b4ef8bb6d${String(i).padStart(12, '0')}`, 'hex'),
  ],
  ['json object', OID.JSON, (i) => `{"a":${i},"b":[1,2]}`, (i) => Buffer.from(`{"a":${i},"b":[1,2]}`)],
  ['interval', OID.INTERVAL, () => '1 day 03:00:00', () => Buffer.concat([int64(10_800_000_000n), int32(1), int32(0)])],
  ['int4[5]', OID.INT4_ARRAY, (i) => `{${i},${i + 1},${i + 2},${i + 3},${i + 4}}`, (i) => array(OID.INT4, [0, 1, 2, 3, 4].map((k) => int32(i + k)))],
  [
    'float8[5]',
    OID.FLOAT8_ARRAY,
    (i) => `{${[0, 1, 2, 3, 4].map((k) => (i + k) * 0.5).join(',')}}`,
    (i) => array(OID.FLOAT8, [0, 1, 2, 3, 4].map((k) => float64((i + k) * 0.5))),
  ],
  ['text[3]', OID.VARCHAR_ARRAY, (i) => `{"a${i}","b","c"}`, (i) => array(OID.VARCHAR, [Buffer.from(`a${i}`), Buffer.from('b'), Buffer.from('c')])],
  [
    'timestamptz[3]',
    OID.TIMESTAMPTZ_ARRAY,
    (i) => `{"${new Date(TS_MS + i).toISOString().replace('T', ' ').replace('Z', '+00')}","2024-01-02 03:04:05.678+00","2024-01-02 03:04:05.678+00"}`,
    (i) => array(OID.TIMESTAMPTZ, [int64(tsMicros + BigInt(i) * 1000n), int64(tsMicros), int64(tsMicros)]),
  ],
  ['point', OID.POINT, (i) => `(${i * 0.01},47.4)`, (i) => Buffer.concat([float64(i * 0.01), float64(47.4)])],
  ['bytea 16', OID.BYTEA, (i) => `\\x${String(i).padStart(32, '0')}`, (i) => Buffer.from(String(i).padStart(32, '0'), 'hex')],
];

/** DataRows of one column, laid end to end in one buffer as the parser would leave them. */
function dataRows(values: Buffer[]): DataRow[] {
  const rows: DataRow[] = [];
  const total = values.reduce((n, v) => n + 6 + v.length, 0);
  const b = Buffer.alloc(total);
  let p = 0;
  for (const v of values) {
    const start = p;
    b.writeInt16BE(1, p);
    b.writeInt32BE(v.length, p + 2);
    v.copy(b, p + 6);
    p += 6 + v.length;
    rows.push(new DataRow(p - start + 4, b, start, p));
  }
  return rows;
}

/** A column named per case and format: each gets its own compiled row builder, so no call site turns megamorphic. */
function field(name: string, typeOid: number): Field {
  return { name, tableOid: 0, columnId: 0, typeOid, typeName: undefined, typeSize: -1, typeModifier: -1 };
}

function nsPerRow(shape: RowShape, rows: DataRow[]): number {
  const times: number[] = [];
  let sink = 0;
  for (let r = 0; r < ROUNDS; r++) {
    const t0 = process.hrtime.bigint();
    for (const row of rows) if (shape.decodeRow(row, 'array') !== undefined) sink++;
    times.push(Number(process.hrtime.bigint() - t0) / rows.length);
  }
  if (sink === 0) throw new Error('nothing decoded');
  return summarize(times.slice(2)).median;
}

const registry = new TypeRegistry({ int8: 'number', numeric: 'string', isCrate: false });
console.log(`decoding ${ROWS} one-column rows, median of ${ROUNDS - 2} rounds (2 warm-up), ns per row`);
console.log('type'.padEnd(18), 'text'.padStart(8), 'binary'.padStart(8), 'binary/text'.padStart(12));
for (const [label, oid, text, binary] of CASES) {
  const textRows = dataRows(Array.from({ length: ROWS }, (_, i) => Buffer.from(text(i))));
  const binaryRows = dataRows(Array.from({ length: ROWS }, (_, i) => binary(i)));
  const textShape = new RowShape([field(`${label} text`, oid)], registry);
  const binaryShape = new RowShape([field(`${label} binary`, oid)], registry, [1]);
  // Same values both ways, or the comparison means nothing.
  for (let i = 0; i < 50; i++) {
    const a = JSON.stringify(textShape.decodeRow(textRows[i] as DataRow, 'array'), (_, v: unknown) => (typeof v === 'bigint' ? String(v) : v));
    const b = JSON.stringify(binaryShape.decodeRow(binaryRows[i] as DataRow, 'array'), (_, v: unknown) => (typeof v === 'bigint' ? String(v) : v));
    if (a !== b) throw new Error(`${label}: row ${i} differs: text ${a}, binary ${b}`);
  }
  const t = nsPerRow(textShape, textRows);
  const bn = nsPerRow(binaryShape, binaryRows);
  console.log(label.padEnd(18), t.toFixed(0).padStart(8), bn.toFixed(0).padStart(8), (bn / t).toFixed(2).padStart(12));
}
