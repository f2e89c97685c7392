/**
 * writeArrowIpc(): RecordBatches in the Arrow IPC stream format (the format pandas, Polars, DuckDB and pyarrow read)
 * to a Node Writable or a file, written as they arrive: a batch is written only once the destination has taken the
 * previous one (its 'drain'), so a slow destination holds back the query instead of filling memory.
 */
import { createWriteStream } from 'node:fs';
import { once } from 'node:events';
import { finished } from 'node:stream/promises';
import type { Writable } from 'node:stream';
import { AsyncByteQueue, RecordBatchStreamWriter, Schema, Table, type RecordBatch } from 'apache-arrow';

/** What writeArrowIpc() writes: a Table, or batches (e.g. a streamArrow() stream) with their schema when known. */
export type ArrowIpcInput = Table | AsyncIterable<RecordBatch> | Iterable<RecordBatch>;

/**
 * Write `input` to `destination` (a Node Writable, or the path of a file to create or truncate) in the Arrow IPC
 * stream format and end it; resolves with the number of rows written once everything is flushed. A result without
 * batches is written as its schema alone (`input.schema`, or no columns). When `input` fails (a server error
 * mid-stream), the promise rejects with that error and a Writable passed in is destroyed with it (listen for its
 * 'error'); a file is closed, left partial. When the destination fails, the query is stopped and the promise rejects.
 */
export async function writeArrowIpc(input: ArrowIpcInput, destination: Writable | string): Promise<number> {
  const owned = typeof destination === 'string';
  const out = owned ? createWriteStream(destination) : destination;
  // Failures of `out` are read from out.errored and finished(out); its 'error' event must not go uncaught meanwhile.
  const ignore = (): void => undefined;
  out.on('error', ignore);
  const queue = new WritableQueue(out);
  const writer = new RecordBatchStreamWriter();
  writer.reset(queue);
  let rows = 0;
  let started = false;
  try {
    for await (const batch of input instanceof Table ? input.batches : input) {
      writer.write(batch);
      started = true;
      rows += batch.numRows;
      // A destination that failed (a file that cannot be opened, a closed socket) stops the query at once.
      if (out.errored !== null) throw out.errored;
      if (out.writableNeedDrain) await once(out, 'drain');
    }
    if (!started) writer.reset(queue, schemaOf(input));
    writer.close();
    out.end();
    await finished(out);
  } catch (err) {
    // A file opened here is only closed; a caller's Writable gets the error, as pipeline() would give it.
    out.destroy(owned || out.errored !== null ? undefined : (err as Error));
    throw err;
  } finally {
    if (!owned) out.off('error', ignore);
  }
  return rows;
}

function schemaOf(input: ArrowIpcInput): Schema {
  const schema = (input as { schema?: unknown }).schema;
  return schema instanceof Schema ? schema : new Schema([]);
}

/** The writer's byte sink, passing each chunk straight to a Node Writable instead of queueing it. */
class WritableQueue extends AsyncByteQueue {
  readonly #out: Writable;

  constructor(out: Writable) {
    super();
    this.#out = out;
  }

  override write(value: unknown): void {
    if (value instanceof Uint8Array && value.byteLength > 0) this.#out.write(value);
  }
}
