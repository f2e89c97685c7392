/**
 * Writes a result's DataRows in chunks and waits for the socket between chunks when it is full, the way CrateDB
 * streams pgwire results (WIRE.md §4.1: a flush every 1000 rows, a pause until the channel is writable again).
 */
import type { Output } from './output.js';

/** CrateDB flushes every 1000 rows (§4.1). */
export const ROWS_PER_FLUSH = 1000;

/**
 * Encodes and writes `rows` (DataRows bypass delayed writes, §4.2). Each full chunk is flushed and, when the socket
 * is full, waited for; the last partial chunk goes out with the next flush (Flush, Sync, an error), as before.
 */
export async function writeRows(
  out: Output,
  rows: ReadonlyArray<readonly unknown[]>,
  encode: (row: readonly unknown[]) => Buffer,
): Promise<void> {
  for (let start = 0; start < rows.length; start += ROWS_PER_FLUSH) {
    const chunk = rows.slice(start, start + ROWS_PER_FLUSH);
    for (const row of chunk) out.bypass(encode(row));
    if (chunk.length < ROWS_PER_FLUSH) return;
    out.flush();
    await out.writable();
  }
}
