/**
 * pool.stream(): a row stream that borrows a connection at the first pull and gives it back when the stream ends,
 * fails, is closed (`break` closes it) or is aborted — and when it is not read for `idleTimeoutMs`, so an abandoned
 * stream cannot keep a pool connection forever. The connection is released only once the portal is finished on the
 * wire (RowStream.close() waits for that), so the next borrower never queues behind someone else's stream.
 */
import { Readable } from 'node:stream';
import { UsageError } from '../errors.js';
import { IdleDeadline, idleTimeoutError } from '../query/idle-deadline.js';
import type { Field } from '../query/result.js';
import type { StreamOptions } from '../query/stream.js';
import { closingIterator, ConsumeOnce, DONE } from '../query/stream-iteration.js';
import type { PoolConnection } from './connection.js';
import type { PoolableStream } from './options.js';
import { MAX_TIMER_MS } from '../timers.js';

/** Borrows a connection for one stream. */
export type StreamAcquire = (signal: AbortSignal | undefined) => Promise<PoolConnection>;

const DEFAULT_IDLE_TIMEOUT_MS = 30_000;

/** Rows of one statement run on a pooled connection. Iterate it once with `for await`, or call toReadable() once. */
export class PoolStream<R = Record<string, unknown>> implements AsyncIterable<R> {
  readonly #acquire: StreamAcquire;
  readonly #text: string;
  readonly #params: readonly unknown[];
  readonly #options: StreamOptions;
  readonly #idleTimeoutMs: number;
  readonly #consumed = new ConsumeOnce();
  #connection: PoolConnection | undefined;
  #inner: PoolableStream<R> | undefined;
  #iterator: AsyncIterator<R> | undefined;
  #released: Promise<void> | undefined;
  #error: unknown;
  #pulling = false;
  readonly #idle: IdleDeadline;
  readonly #onAbort = (): void => {
    this.#error ??= this.#options.signal?.reason;
    // After the inner stream's own abort listener (same signal), which cancels a running statement: closing first
    // would wait for the statement to finish before the connection goes back.
    queueMicrotask(() => void this.#finish());
  };

  /** @internal Created by Pool.stream(). */
  constructor(acquire: StreamAcquire, text: string, params: readonly unknown[], options: StreamOptions) {
    const idle = options.idleTimeoutMs ?? DEFAULT_IDLE_TIMEOUT_MS;
    if (!Number.isInteger(idle) || idle < 0 || idle > MAX_TIMER_MS) {
      throw new UsageError(`stream(): idleTimeoutMs must be an integer from 0 to ${MAX_TIMER_MS}, got ${String(idle)}`);
    }
    this.#acquire = acquire;
    this.#text = text;
    this.#params = params;
    this.#options = options;
    this.#idleTimeoutMs = idle;
    this.#idle = new IdleDeadline(idle, () => this.#pulling, () => this.#idleExpired());
  }

  /** The result columns once the server described them (after the first pull). */
  get fields(): readonly Field[] | undefined {
    return this.#inner?.fields;
  }

  [Symbol.asyncIterator](): AsyncIterator<R, undefined> {
    this.#consumed.claim();
    return closingIterator(() => this.#next(), () => this.close());
  }

  /** A Node Readable in object mode, pulling rows as it is read; destroying it closes the stream. */
  toReadable(): Readable {
    const iterable: AsyncIterable<R> = { [Symbol.asyncIterator]: () => this[Symbol.asyncIterator]() };
    return Readable.from(iterable, { objectMode: true });
  }

  /** Stop early; resolves once the connection is back in the pool. */
  async close(): Promise<void> {
    if (this.#released === undefined && this.#error === undefined) this.#error = DONE;
    await this.#finish();
  }

  async #next(): Promise<IteratorResult<R, undefined>> {
    if (this.#error !== undefined) {
      if (this.#error === DONE) return DONE;
      throw this.#error;
    }
    this.#pulling = true;
    this.#idle.pulled();
    try {
      const iterator = this.#iterator ?? (await this.#start());
      const result = await iterator.next();
      if (result.done === true) {
        // An abort closes the inner stream, which then ends: that end is the abort's error, not the result's end.
        this.#error ??= DONE;
        await this.#finish();
        if (this.#error === DONE) return DONE;
        throw this.#error;
      }
      return result;
    } catch (err) {
      this.#error ??= err;
      await this.#finish();
      if (this.#error === DONE) return DONE;
      throw this.#error;
    } finally {
      this.#pulling = false;
    }
  }

  async #start(): Promise<AsyncIterator<R>> {
    const signal = this.#options.signal;
    const connection = await this.#acquire(signal);
    if (this.#released !== undefined) {
      // close() ran while the connection was being acquired.
      connection.release();
      throw this.#error;
    }
    this.#connection = connection;
    // The pool's own idle deadline replaces the stream's, so that it can give the connection back.
    this.#inner = connection.stream<R>(this.#text, this.#params, { ...this.#options, idleTimeoutMs: 0 });
    signal?.addEventListener('abort', this.#onAbort, { once: true });
    this.#iterator = this.#inner[Symbol.asyncIterator]();
    this.#idle.arm();
    return this.#iterator;
  }

  /** Close the inner stream (waits until its portal is done on the wire), then release the connection. Once. */
  #finish(): Promise<void> {
    this.#released ??= (async () => {
      this.#idle.clear();
      this.#options.signal?.removeEventListener('abort', this.#onAbort);
      const connection = this.#connection;
      if (connection === undefined) return;
      try {
        await this.#inner?.close();
      } finally {
        connection.release();
      }
    })();
    return this.#released;
  }

  /** The idle deadline passed: close the stream and give its connection back. */
  #idleExpired(): void {
    if (this.#error !== undefined) return;
    this.#error = idleTimeoutError(this.#idleTimeoutMs, 'it was closed and its connection returned to the pool');
    void this.#finish();
  }
}
