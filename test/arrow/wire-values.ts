/**
 * Binary field values and DataRows built by hand for the Arrow column tests, in PostgreSQL's binary layouts
 * (src/codecs/binary-read.ts lists them), and the row decoders' view of the same bytes for comparison.
 */
import { columnEncoder, encodeColumnBatch } from '../../src/codecs/binary-encode.js';
import { OID, typeNameOf } from '../../src/codecs/oids.js';
import { TypeRegistry } from '../../src/codecs/registry.js';
import { DataRow } from '../../src/protocol/wire.js';
import { RowShape } from '../../src/query/result.js';
import type { Field } from '../../src/types.js';

/** A result column of type `typeOid`. */
export function field(name: string, typeOid: number, typeModifier = -1): Field {
  return { name, tableOid: 0, columnId: 0, typeOid, typeName: typeNameOf(typeOid), typeSize: -1, typeModifier };
}

export const int2 = (v: number): Buffer => fixed(2, (b) => b.writeInt16BE(v));
export const int4 = (v: number): Buffer => fixed(4, (b) => b.writeInt32BE(v));
export const int8 = (v: bigint): Buffer => fixed(8, (b) => b.writeBigInt64BE(v));
export const float4 = (v: number): Buffer => fixed(4, (b) => b.writeFloatBE(v));
export const float8 = (v: number): Buffer => fixed(8, (b) => b.writeDoubleBE(v));
export const bool = (v: boolean): Buffer => Buffer.from([v ? 1 : 0]);
export const text = (v: string): Buffer => Buffer.from(v, 'utf8');
/** timestamp(tz): µs since 2000-01-01. */
export const micros2000 = (v: bigint): Buffer => int8(v);
/** date: days since 2000-01-01. */
export const days2000 = (v: number): Buffer => int4(v);
/** interval: µs, days, months. */
export const interval = (us: bigint, days: number, months: number): Buffer =>
  fixed(16, (b) => {
    b.writeBigInt64BE(us, 0);
    b.writeInt32BE(days, 8);
    b.writeInt32BE(months, 12);
  });
export const point = (x: number, y: number): Buffer => Buffer.concat([float8(x), float8(y)]);
export const uuid = (hex: string): Buffer => Buffer.from(hex.replace(/-/g, ''), 'hex');

function fixed(n: number, write: (b: Buffer) => void): Buffer {
  const b = Buffer.alloc(n);
  write(b);
  return b;
}

/** A one-dimensional array through the project's own binary array encoder (as bulkInsert sends it). */
export function encodedArray(typeOid: number, values: readonly unknown[], isCrate = false): Buffer {
  const encoder = columnEncoder(typeOid, isCrate);
  if (encoder === undefined) throw new Error(`no column encoder for type ${typeOid}`);
  return encodeColumnBatch(encoder, values.map((v) => [v]), 0, 0, values.length);
}

/**
 * A binary array of any shape: `dims` sizes outermost first, `elements` flattened in row-major order, NULL as null.
 * `lowerBound` is what CrateDB writes there (the size); PostgreSQL writes 1.
 */
export function array(elementOid: number, dims: readonly number[], elements: readonly (Buffer | null)[], lowerBound?: number): Buffer {
  const head = Buffer.alloc(12 + 8 * dims.length);
  head.writeInt32BE(dims.length, 0);
  head.writeInt32BE(elements.includes(null) ? 1 : 0, 4);
  head.writeUInt32BE(elementOid, 8);
  dims.forEach((d, i) => {
    head.writeInt32BE(d, 12 + 8 * i);
    head.writeInt32BE(lowerBound ?? 1, 16 + 8 * i);
  });
  return Buffer.concat([head, ...elements.map((e) => (e === null ? int4(-1) : Buffer.concat([int4(e.length), e])))]);
}

/** A DataRow body: column count, then per field its length (-1 for NULL) and bytes. */
export function rowBytes(values: readonly (Buffer | null)[]): Buffer {
  const parts: Buffer[] = [int2(values.length)];
  for (const v of values) parts.push(v === null ? int4(-1) : Buffer.concat([int4(v.length), v]));
  return Buffer.concat(parts);
}

/** The values client.query() gives for these rows: RowShape's decoders over the same bytes and formats. */
export function decodedRows(
  fields: readonly Field[],
  formats: readonly number[],
  rows: readonly Buffer[],
  options: { isCrate?: boolean } = {},
): unknown[][] {
  const registry = new TypeRegistry({ int8: 'bigint', numeric: 'string', isCrate: options.isCrate ?? false });
  const shape = new RowShape(fields, registry, formats);
  return rows.map((r) => shape.decodeRow(new DataRow(r.length + 4, r, 0, r.length), 'array') as unknown[]);
}

export { OID };
