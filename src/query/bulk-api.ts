/**
 * executeMany()'s constants (the -2 and -3 counts), the error for a lost connection and the input checks (its options and
 * result types are in types.ts). The operation that speaks the protocol is in bulk.ts; its deadline is the one of every call (request.ts).
 */
import { ConnectionClosedError, ConnectionError, UsageError } from '../errors.js';
import { usesCopyProtocol } from '../sql/classify.js';
import type { BulkResult, ExecuteManyOptions } from '../types.js';

/** Count of a row whose statement succeeded but whose count the server does not know (CrateDB, docs/cratedb-wire.md "Bulk execution"). */
export const BULK_UNKNOWN = -2;
/** Count of a row that failed (CrateDB reports it with no message, docs/cratedb-wire.md "Bulk execution"; also used for our own failures). */
export const BULK_FAILED = -3;

/**
 * The connection was lost during executeMany(). `result` covers every input row: rows of acknowledged chunks are
 * final, `unknownRows` were sent but not acknowledged (the server may or may not have applied them; their count is
 * -2), and rows never sent are in `result.notApplied`.
 */
export class BulkInterruptedError extends ConnectionClosedError {
  readonly result: BulkResult;
  /** Chunks whose ReadyForQuery arrived. */
  readonly acknowledgedChunks: number;
  /** Rows `[0, acknowledgedRows)` belong to acknowledged chunks. */
  readonly acknowledgedRows: number;
  readonly unknownRows: readonly number[];

  constructor(cause: Error, result: BulkResult, acknowledgedChunks: number, acknowledgedRows: number, unknownRows: readonly number[]) {
    const where = cause instanceof ConnectionError ? { host: cause.host, port: cause.port } : {};
    super(
      `${cause.message} during executeMany(): ${acknowledgedChunks} chunk(s) with ${acknowledgedRows} row(s) acknowledged, ` +
        `${unknownRows.length} row(s) in flight with unknown outcome; see error.result`,
      { ...where, cause },
    );
    this.result = result;
    this.acknowledgedChunks = acknowledgedChunks;
    this.acknowledgedRows = acknowledgedRows;
    this.unknownRows = unknownRows;
  }
}

/** @internal Validated executeMany() settings. */
export interface BulkSettings {
  readonly chunkRows: number;
  readonly chunkBytes: number;
  readonly retry: false | 'failed' | 'failed-and-zero';
}

const DEFAULT_CHUNK_ROWS = 1000;
const DEFAULT_CHUNK_BYTES = 4 * 1024 * 1024;

/** @internal Check the statement, the rows and the options before anything is sent; throws UsageError. */
export function checkBulkInput(text: string, rows: unknown, options: ExecuteManyOptions): BulkSettings {
  if (text.trim() === '') throw new UsageError('executeMany(): the SQL text is empty');
  if (usesCopyProtocol(text)) {
    throw new UsageError('executeMany() cannot run COPY … FROM STDIN / TO STDOUT; pass an INSERT statement and the rows to insert');
  }
  if (!Array.isArray(rows)) throw new UsageError('executeMany(text, rows): rows must be an array of parameter arrays');
  const width = Array.isArray(rows[0]) ? rows[0].length : -1;
  for (let i = 0; i < rows.length; i++) {
    const row: unknown = rows[i];
    if (!Array.isArray(row)) throw new UsageError(`executeMany(): row ${i} is not an array of parameter values`);
    if (row.length !== width) {
      throw new UsageError(`executeMany(): row ${i} has ${row.length} value(s) but row 0 has ${width}; every row needs one value per $n`);
    }
  }
  const retry = options.retryFailedRows;
  if (retry !== undefined && retry !== true && retry !== false && retry !== 'failed-and-zero') {
    throw new UsageError(`executeMany(): retryFailedRows must be true, false or 'failed-and-zero', got ${String(retry)}`);
  }
  return {
    chunkRows: positiveInt('chunkRows', options.chunkRows, DEFAULT_CHUNK_ROWS),
    chunkBytes: positiveInt('chunkBytes', options.chunkBytes, DEFAULT_CHUNK_BYTES),
    retry: retry === true ? 'failed' : (retry ?? false),
  };
}

function positiveInt(name: string, value: number | undefined, fallback: number): number {
  if (value === undefined) return fallback;
  if (!Number.isSafeInteger(value) || value < 1) throw new UsageError(`executeMany(): ${name} must be a positive integer, got ${String(value)}`);
  return value;
}

/** @internal The result for zero input rows (no round trip). */
export function emptyBulkResult(): BulkResult {
  return { rowCounts: [], failed: [], notApplied: [], errors: new Map() };
}
