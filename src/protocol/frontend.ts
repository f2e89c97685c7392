/**
 * Exact-size encoders for the frontend messages sent once or more per query (Parse, Bind). pg-protocol's serializer
 * writes through a growable buffer and allocates a fresh one after every message, and its Bind repeats a format
 * code per parameter; here each message is measured first and written into one allocation. Parameters are always
 * text (format code count 0 = all text) and results are asked for in text (count 0), as everywhere in cratewire.
 */

const PARSE = 0x50;
const BIND = 0x42;

/** Byte lengths of the values of the Bind being encoded; reused (encoding is synchronous), grown on demand. */
let scratchLengths = new Int32Array(64);

/** Parse: statement `name` ('' = unnamed), SQL `text`, declared parameter type OIDs (0 = let the server infer). */
export function encodeParse(name: string, text: string, types: readonly number[]): Buffer {
  const nameBytes = Buffer.byteLength(name);
  const textBytes = Buffer.byteLength(text);
  const size = 1 + 4 + nameBytes + 1 + textBytes + 1 + 2 + 4 * types.length;
  const b = Buffer.allocUnsafe(size);
  b[0] = PARSE;
  b.writeInt32BE(size - 1, 1);
  let p = 5;
  p += b.write(name, p, nameBytes, 'utf8');
  b[p++] = 0;
  p += b.write(text, p, textBytes, 'utf8');
  b[p++] = 0;
  b.writeInt16BE(types.length, p);
  p += 2;
  for (const oid of types) p = b.writeUInt32BE(oid >>> 0, p);
  return b;
}

/** Bind of the unnamed portal to `statement` with text parameters (null = SQL NULL) and text results. */
export function encodeBind(statement: string, values: readonly (string | null)[]): Buffer {
  const statementBytes = Buffer.byteLength(statement);
  let size = 1 + 4 + 1 + statementBytes + 1 + 2 + 2 + 2;
  if (scratchLengths.length < values.length) scratchLengths = new Int32Array(values.length);
  const lengths = scratchLengths;
  for (let i = 0; i < values.length; i++) {
    const v = values[i];
    const length = v === null || v === undefined ? -1 : Buffer.byteLength(v);
    lengths[i] = length;
    size += 4 + Math.max(length, 0);
  }
  const b = Buffer.allocUnsafe(size);
  b[0] = BIND;
  b.writeInt32BE(size - 1, 1);
  b[5] = 0;
  let p = 6;
  p += b.write(statement, p, statementBytes, 'utf8');
  b[p++] = 0;
  b[p++] = 0;
  b[p++] = 0;
  p = b.writeInt16BE(values.length, p);
  for (let i = 0; i < values.length; i++) {
    const length = lengths[i] as number;
    p = b.writeInt32BE(length, p);
    if (length > 0) p += b.write(values[i] as string, p, length, 'utf8');
  }
  b[p++] = 0;
  b[p] = 0;
  return b;
}
