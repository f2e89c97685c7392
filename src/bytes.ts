/**
 * Byte writers shared by the frontend encoder (protocol/frontend.ts) and the binary column encoders
 * (codecs/binary-encode.ts): plain stores for values already checked, instead of Buffer's write methods, which check
 * value and offset again on every call, and a UTF-8 writer that copies short ASCII text in JavaScript instead of a
 * call into Buffer's native writer per value (bench/bulk-path.ts and bench/read-path.ts measure the hot paths).
 */

/** An int32 (or, as its `>>> 0` bits, a uint32) big-endian at `b[p…]`. */
export function putInt32(v: number, b: Uint8Array, p: number): void {
  b[p] = v >>> 24;
  b[p + 1] = v >>> 16;
  b[p + 2] = v >>> 8;
  b[p + 3] = v;
}

/** Strings this short are copied in JavaScript when ASCII: cheaper than a call into Buffer's native UTF-8 writer. */
const SHORT_TEXT = 64;

/**
 * The UTF-8 bytes of `t` at `b[p…]`, which must have room for 3 bytes per UTF-16 unit (the UTF-8 bound; a lone
 * surrogate becomes U+FFFD as in `Buffer.write`). Returns how many bytes were written.
 */
export function writeUtf8(t: string, b: Buffer, p: number): number {
  const n = t.length;
  if (n <= SHORT_TEXT) {
    let i = 0;
    for (; i < n; i++) {
      const c = t.charCodeAt(i);
      if (c >= 0x80) break;
      b[p + i] = c;
    }
    if (i === n) return n;
  }
  return b.write(t, p, 'utf8');
}

/**
 * One length-prefixed text value at `b[p…]`, as Bind and binary arrays carry it: its Int32 byte count, then its UTF-8
 * (room for 4 + 3 bytes per UTF-16 unit), or -1 alone for null. Returns the position after it.
 */
export function putText(t: string | null, b: Buffer, p: number): number {
  if (t === null) {
    putInt32(-1, b, p);
    return p + 4;
  }
  const n = writeUtf8(t, b, p + 4);
  putInt32(n, b, p);
  return p + 4 + n;
}
