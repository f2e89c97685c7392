/**
 * streamArrow(): the RecordBatches of one statement, pulled batch by batch. It is client.stream() / pool.stream() —
 * the same portal, pull-driven batches, socket pausing when CrateDB ignores maxRows, idle deadline, abort, and pool
 * acquire/release — with the raw Arrow sink (sink.ts) in place of decoded rows: each item is one RecordBatch.
 */
import type { RecordBatch, Schema } from 'apache-arrow';
import { QueryTimeoutError, UsageError } from '../errors.js';
import type { Client, Pool, PoolConnection, StreamOptions } from '../index.js';
import { BATCH_SINK, type BatchSinkFactory } from '../query/row-sink.js';
import { DONE } from '../query/stream-iteration.js';
import { MAX_TIMER_MS } from '../timers.js';
import type { ArrowOptions } from './batch-builder.js';
import { ArrowSink } from './sink.js';

/** Where an Arrow query runs: a client, a pool (a connection is borrowed for it), or a pooled connection. */
export type ArrowSource = Client | Pool | PoolConnection;

/** Options of streamArrow(): the Arrow mapping plus those of client.stream() that apply. */
export interface ArrowStreamOptions extends ArrowOptions, Pick<StreamOptions, 'fetchSize' | 'maxBatchBytes' | 'idleTimeoutMs' | 'signal' | 'prepare' | 'paramTypes'> {
  /**
   * Deadline for the whole stream from the first pull, in ms: when it passes, the running batch is cancelled, the
   * portal closed and the next pull rejects with a QueryTimeoutError. Default 0 (none; `idleTimeoutMs` still applies).
   */
  readonly timeoutMs?: number;
}

/** The RecordBatches of one statement. Iterate it once with `for await`; `break` closes it. */
export interface ArrowBatchStream extends AsyncIterable<RecordBatch> {
  /** The Arrow schema once the statement is described (after the first pull); undefined before and for a statement without rows. */
  readonly schema: Schema | undefined;
  /** Stop early; resolves once the connection is free (for a pool: back in the pool). */
  close(): Promise<void>;
}

/** What every ArrowSource offers: a row stream whose options carry the sink factory. */
interface StreamingSource {
  stream<R>(text: string, params: readonly unknown[], options: StreamOptions): AsyncIterable<R> & { close(): Promise<void> };
}

/**
 * Stream the result of `text` as RecordBatches of at most `fetchSize` rows (default 1000; fewer when `maxBatchBytes`
 * lowers the next Execute, and the first batch of a server that ignores maxRows may hold one row more). At most one
 * batch is buffered while the consumer is busy, as with client.stream(). The statement is sent at the first pull; a
 * column type without an Arrow mapping rejects that pull with an ArrowTypeError naming the column, before anything is
 * executed; a server error mid-stream rejects the pull after the batches before it.
 */
export function streamArrow(source: ArrowSource, text: string, params: readonly unknown[] = [], options: ArrowStreamOptions = {}): ArrowBatchStream {
  checkArrowOptions('streamArrow', options);
  return new BatchStream(source as unknown as StreamingSource, text, params, options);
}

/** Validates the options this module reads itself (the stream's own are checked by client.stream()). */
export function checkArrowOptions(method: string, options: ArrowStreamOptions): void {
  if (typeof options !== 'object' || options === null || Array.isArray(options)) throw new UsageError(`${method}(): options must be an object`);
  const { timeoutMs, numeric, schema } = options;
  if (timeoutMs !== undefined && (!Number.isInteger(timeoutMs) || timeoutMs < 0 || timeoutMs > MAX_TIMER_MS)) {
    throw new UsageError(`${method}(): options.timeoutMs must be an integer from 0 (no timeout) to ${MAX_TIMER_MS}, got ${String(timeoutMs)}`);
  }
  if (numeric !== undefined && numeric !== 'decimal' && numeric !== 'text') {
    throw new UsageError(`${method}(): options.numeric must be 'decimal' or 'text', got ${String(numeric)}`);
  }
  if (schema !== undefined && (typeof schema !== 'object' || schema === null || Array.isArray(schema))) {
    throw new UsageError(`${method}(): options.schema must be an object mapping column names to Arrow types`);
  }
}

class BatchStream implements ArrowBatchStream {
  readonly #inner: AsyncIterable<RecordBatch> & { close(): Promise<void> };
  readonly #timeoutMs: number;
  readonly #deadline: AbortController | undefined;
  #sink: ArrowSink | undefined;
  #timer: NodeJS.Timeout | undefined;

  constructor(source: StreamingSource, text: string, params: readonly unknown[], options: ArrowStreamOptions) {
    const { schema, numeric, timeoutMs = 0, ...streamOptions } = options;
    const arrow: ArrowOptions = { schema, numeric };
    this.#timeoutMs = timeoutMs;
    this.#deadline = timeoutMs > 0 ? new AbortController() : undefined;
    const signal = this.#deadline === undefined ? options.signal : anySignal(options.signal, this.#deadline.signal);
    const factory: BatchSinkFactory = (consumer) => (this.#sink = new ArrowSink(consumer, arrow));
    const withSink: StreamOptions & { [BATCH_SINK]: BatchSinkFactory } = { ...streamOptions, signal, [BATCH_SINK]: factory };
    this.#inner = source.stream<RecordBatch>(text, params, withSink);
  }

  get schema(): Schema | undefined {
    return this.#sink?.schema;
  }

  [Symbol.asyncIterator](): AsyncIterator<RecordBatch, undefined> {
    const inner = this.#inner[Symbol.asyncIterator]();
    return {
      next: async () => {
        this.#armDeadline();
        try {
          const r = await inner.next();
          if (r.done === true) this.#clearDeadline();
          return r.done === true ? DONE : r;
        } catch (err) {
          this.#clearDeadline();
          throw err;
        }
      },
      return: async () => {
        await this.close();
        return DONE;
      },
    };
  }

  async close(): Promise<void> {
    this.#clearDeadline();
    await this.#inner.close();
  }

  #armDeadline(): void {
    const deadline = this.#deadline;
    if (deadline === undefined || this.#timer !== undefined || deadline.signal.aborted) return;
    this.#timer = setTimeout(() => deadline.abort(new QueryTimeoutError(this.#timeoutMs)), this.#timeoutMs);
    // The connection keeps the process alive while the statement runs; an abandoned stream's deadline should not.
    this.#timer.unref();
  }

  #clearDeadline(): void {
    clearTimeout(this.#timer);
  }
}

/** A signal aborted by whichever of `a` and `b` aborts first. */
function anySignal(a: AbortSignal | undefined, b: AbortSignal): AbortSignal {
  return a === undefined ? b : AbortSignal.any([a, b]);
}
