/**
 * Arrow results compared value by value with client.query() on the same rows: each Arrow value is turned into the
 * form the row decoders give (client int8 'bigint', numeric 'string'), by its Arrow type.
 */
import { Type, type DataType, type Table } from 'apache-arrow';
import { expect } from 'vitest';
import type { Result } from '../../src/index.js';
import { plain } from './normalize.js';

/** `arrow` holds exactly `rows` (array rows of client.query(), same column order), value by value. */
export function expectSameValues(arrow: Table, rows: Result<unknown[]>): void {
  expect(arrow.numRows).toBe(rows.rows.length);
  expect(arrow.schema.fields.map((f) => f.name)).toEqual(rows.fields.map((f) => f.name));
  arrow.schema.fields.forEach((field, c) => {
    const column = arrow.getChildAt(c);
    for (let r = 0; r < arrow.numRows; r++) {
      const decoded = (rows.rows[r] as unknown[])[c];
      let actual = fromArrow(field.type, column?.get(r));
      // JSON and OBJECT columns arrive as the server's text: compared as the value it encodes.
      if (field.type.typeId === Type.Utf8 && typeof actual === 'string' && typeof decoded === 'object' && decoded !== null) actual = JSON.parse(actual);
      expect({ column: field.name, row: r, value: actual }).toEqual({ column: field.name, row: r, value: asArrow(field.type, decoded) });
    }
  });
}

/** An Arrow value in a comparable form. */
function fromArrow(type: DataType, v: unknown): unknown {
  if (v === null || v === undefined) return null;
  switch (type.typeId) {
    case Type.Timestamp:
      return Math.floor(v as number);
    case Type.Date:
      return new Date(v as number).toISOString().slice(0, 10);
    case Type.Decimal:
      return decimalText(v as Uint32Array, (type as unknown as { scale: number }).scale);
    case Type.Float:
    case Type.Utf8:
      return v;
    case Type.List:
    case Type.FixedSizeList: {
      const child = (type as unknown as { children: { type: DataType }[] }).children[0]?.type as DataType;
      return [...(v as Iterable<unknown>)].map((e) => fromArrow(child, e));
    }
    default:
      return plain(v);
  }
}

/** A client.query() value in the form fromArrow() gives for `type`. */
function asArrow(type: DataType, v: unknown): unknown {
  if (v === null || v === undefined) return null;
  switch (type.typeId) {
    case Type.Timestamp:
      return (v as Date).getTime();
    case Type.Date:
      return v instanceof Date ? v.toISOString().slice(0, 10) : v;
    case Type.Float:
      return (type as unknown as { precision: number }).precision === 1 ? Math.fround(v as number) : v;
    case Type.FixedSizeList:
    case Type.List: {
      const child = (type as unknown as { children: { type: DataType }[] }).children[0]?.type as DataType;
      const items = Array.isArray(v) ? v : [(v as { x: number }).x, (v as { y: number }).y];
      return items.map((e) => asArrow(child, e));
    }
    case Type.Binary:
      return Buffer.from(v as Uint8Array).toString('hex');
    default:
      return v;
  }
}

/** A Decimal128 value (four little-endian 32-bit words, two's complement) as text with `scale` digits after the point. */
function decimalText(words: Uint32Array, scale: number): string {
  let n = 0n;
  for (let i = 3; i >= 0; i--) n = (n << 32n) | BigInt(words[i] as number);
  if (n >= 1n << 127n) n -= 1n << 128n;
  const negative = n < 0n;
  const digits = (negative ? -n : n).toString().padStart(scale + 1, '0');
  const text = scale === 0 ? digits : `${digits.slice(0, -scale)}.${digits.slice(-scale)}`;
  return negative ? `-${text}` : text;
}
