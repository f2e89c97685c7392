/** queryArrow(): the whole result of one statement as an Arrow Table, built batch by batch from the wire. */
import { Schema, Table, type RecordBatch } from 'apache-arrow';
import { checkArrowOptions, streamArrow, type ArrowSource, type ArrowStreamOptions } from './stream.js';

/** Options of queryArrow(). */
export interface ArrowQueryOptions extends Omit<ArrowStreamOptions, 'idleTimeoutMs'> {
  /** Rows per Execute and per RecordBatch of the Table. Default 65 536. */
  readonly fetchSize?: number;
  /** Cancel the statement when it has not finished within this many ms: rejects with a QueryTimeoutError. Default 0 (none). */
  readonly timeoutMs?: number;
}

const DEFAULT_FETCH_SIZE = 65_536;

/**
 * Run `text` and resolve with its result as an Arrow Table (one RecordBatch per fetched batch; a Table of the
 * statement's schema and no rows for an empty result, of no columns for a statement without rows). Rejects with an
 * ArrowTypeError naming the column for a type without an Arrow mapping, before the statement is executed.
 */
export async function queryArrow(source: ArrowSource, text: string, params: readonly unknown[] = [], options: ArrowQueryOptions = {}): Promise<Table> {
  checkArrowOptions('queryArrow', options);
  const stream = streamArrow(source, text, params, { fetchSize: DEFAULT_FETCH_SIZE, ...options });
  const batches: RecordBatch[] = [];
  for await (const batch of stream) batches.push(batch);
  return new Table(stream.schema ?? new Schema([]), batches);
}
