/** Arrow values and row-decoder values in one comparable form: plain arrays, numbers, bigints, strings, hex for bytes. */
import { Vector } from 'apache-arrow';

export function plain(v: unknown): unknown {
  if (v === null || v === undefined) return null;
  if (v instanceof Vector) return [...v].map(plain);
  if (v instanceof Uint8Array) return Buffer.from(v.buffer, v.byteOffset, v.byteLength).toString('hex');
  if (ArrayBuffer.isView(v)) return Array.from(v as unknown as ArrayLike<unknown>, plain);
  if (Array.isArray(v)) return v.map(plain);
  return v;
}
