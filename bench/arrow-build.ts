/**
 * `npx tsx bench/arrow-build.ts [--rows=N] [--rounds=R] [--batch=B]`: the client's cost of turning DataRows of
 * `(int4, text, float8, timestamptz, bool)` into Arrow, on constructed binary DataRows laid end to end as the parser
 * leaves them. No server. Three ways, alternated round by round in one process so machine noise hits all alike:
 *   arrow    RecordBatchBuilder.appendRow (src/arrow/batch-builder.ts), a RecordBatch every B rows;
 *   objects  RowShape.decodeRow to row objects (what client.query() / client.stream() do), B rows kept at a time;
 *   objects→arrow  the same row objects, then apache-arrow's tableFromJSON per B rows (the row-object path to Arrow).
 * Reports wall and CPU (user + system) ns per row, median of the rounds after one warm-up, and each ratio to arrow.
 */
import { tableFromJSON } from 'apache-arrow';
import { arrowResultFormats, RecordBatchBuilder } from '../src/arrow/batch-builder.js';
import { OID } from '../src/codecs/oids.js';
import { TypeRegistry } from '../src/codecs/registry.js';
import { DataRow } from '../src/protocol/wire.js';
import { RowShape } from '../src/query/result.js';
import type { Field } from '../src/types.js';
import { summarize } from './stats.js';

function arg(name: string, fallback: number): number {
  const hit = process.argv.find((a) => a.startsWith(`--${name}=`));
  return hit === undefined ? fallback : Number(hit.slice(name.length + 3));
}

const ROWS = arg('rows', 1_000_000);
const ROUNDS = arg('rounds', 5);
const BATCH = arg('batch', 65_536);

function field(name: string, typeOid: number): Field {
  return { name, tableOid: 0, columnId: 0, typeOid, typeName: undefined, typeSize: -1, typeModifier: -1 };
}
const FIELDS = [field('id', OID.INT4), field('name', OID.VARCHAR), field('v', OID.FLOAT8), field('ts', OID.TIMESTAMPTZ), field('ok', OID.BOOL)];
const FORMATS = arrowResultFormats(FIELDS, {});
if (FORMATS.some((f) => f !== 1)) throw new Error(`expected all-binary formats, got ${FORMATS.join(',')}`);

const TS_US = BigInt(Date.UTC(2024, 0, 2, 3, 4, 5, 678) - 946_684_800_000) * 1000n;

/** All rows in one buffer; each row's [start, end). */
function buildRows(): { bytes: Buffer; starts: Int32Array; ends: Int32Array } {
  const names = Array.from({ length: ROWS }, (_, i) => Buffer.from(`name number ${String(i).padStart(8, '0')}`));
  const total = names.reduce((n, t) => n + 2 + 4 * 5 + 4 + t.length + 8 + 8 + 1, 0);
  const b = Buffer.alloc(total);
  const starts = new Int32Array(ROWS);
  const ends = new Int32Array(ROWS);
  let p = 0;
  for (let i = 0; i < ROWS; i++) {
    starts[i] = p;
    p = b.writeInt16BE(5, p);
    p = b.writeInt32BE(4, p);
    p = b.writeInt32BE((i * 7919) % 2_000_000_000, p);
    const name = names[i] as Buffer;
    p = b.writeInt32BE(name.length, p);
    p += name.copy(b, p);
    p = b.writeInt32BE(8, p);
    p = b.writeDoubleBE(i * 1.37, p);
    p = b.writeInt32BE(8, p);
    p = b.writeBigInt64BE(TS_US + BigInt(i) * 1000n, p);
    p = b.writeInt32BE(1, p);
    p = b.writeUInt8(i % 2, p);
    ends[i] = p;
  }
  return { bytes: b, starts, ends };
}

const { bytes, starts, ends } = buildRows();
const dataRows = Array.from({ length: ROWS }, (_, i) => new DataRow(ends[i]! - starts[i]! + 4, bytes, starts[i]!, ends[i]!));
const shape = new RowShape(FIELDS, new TypeRegistry({ int8: 'bigint', numeric: 'string', isCrate: true }), FORMATS);

let sink = 0;

function arrow(): void {
  const builder = new RecordBatchBuilder(FIELDS, FORMATS, {});
  for (let i = 0; i < ROWS; i++) {
    builder.appendRow(bytes, starts[i]!, ends[i]!);
    if (builder.length === BATCH) sink += builder.flush().numRows;
  }
  sink += builder.flush().numRows;
}

function objects(): void {
  let kept: unknown[] = [];
  for (let i = 0; i < ROWS; i++) {
    kept.push(shape.decodeRow(dataRows[i]!, 'object'));
    if (kept.length === BATCH) {
      sink += kept.length;
      kept = [];
    }
  }
  sink += kept.length;
}

function objectsToArrow(): void {
  let kept: Record<string, unknown>[] = [];
  for (let i = 0; i < ROWS; i++) {
    kept.push(shape.decodeRow(dataRows[i]!, 'object') as Record<string, unknown>);
    if (kept.length === BATCH) {
      sink += tableFromJSON(kept).numRows;
      kept = [];
    }
  }
  if (kept.length > 0) sink += tableFromJSON(kept).numRows;
}

const WAYS: [string, () => void][] = [
  ['arrow', arrow],
  ['objects', objects],
  ['objects→arrow', objectsToArrow],
];

const wall = new Map<string, number[]>(WAYS.map(([n]) => [n, []]));
const cpu = new Map<string, number[]>(WAYS.map(([n]) => [n, []]));
for (let r = 0; r <= ROUNDS; r++) {
  for (const [name, run] of WAYS) {
    const c0 = process.cpuUsage();
    const t0 = process.hrtime.bigint();
    run();
    const ns = Number(process.hrtime.bigint() - t0);
    const c = process.cpuUsage(c0);
    if (r === 0) continue;
    wall.get(name)!.push(ns / ROWS);
    cpu.get(name)!.push(((c.user + c.system) * 1000) / ROWS);
  }
}
if (sink === 0) throw new Error('nothing built');

console.log(`${ROWS} rows of (int4, text, float8, timestamptz, bool), binary; batches of ${BATCH}; median of ${ROUNDS} rounds after 1 warm-up`);
console.log('way'.padEnd(15), 'wall ns/row'.padStart(12), 'cpu ns/row'.padStart(12), 'wall min–max'.padStart(14), 'cpu / arrow'.padStart(12));
const arrowCpu = summarize(cpu.get('arrow')!).median;
for (const [name] of WAYS) {
  const w = summarize(wall.get(name)!);
  const c = summarize(cpu.get(name)!);
  console.log(
    name.padEnd(15),
    w.median.toFixed(0).padStart(12),
    c.median.toFixed(0).padStart(12),
    `${w.min.toFixed(0)}–${w.max.toFixed(0)}`.padStart(14),
    (c.median / arrowCpu).toFixed(2).padStart(12),
  );
}
