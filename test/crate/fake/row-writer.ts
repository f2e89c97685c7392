/**
 * Writes a result's DataRows in chunks and waits for the socket between chunks when it is full, the way CrateDB
 * streams pgwire results: a flush every 1000 rows, and a pause until the channel is writable again (a driver's memory
 * is bounded by the socket: test/fixtures/cratedb-6.4.3/portal_maxrows_existing.json streams 500,000 rows for one
 * Execute(1000)).
 */
import type { Output } from './output.js';

/** CrateDB flushes every 1000 rows. */
export const ROWS_PER_FLUSH = 1000;

/**
 * Encodes and writes `rows` (DataRows bypass delayed writes). Each full chunk is flushed and, when the socket
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
