/**
 * The public row stream: an AsyncIterable (or a Node Readable) over a portal (query/portal.ts). Pull-driven: the next
 * batch is requested only when the consumer has taken the last row of the current one, so at most one batch is
 * buffered (docs/cratedb-wire.md "Portals and maxRows"). Timers (the idle deadline) live here, not in the sans-IO operation.
 * Where the portal runs is injected (an acquire hook and an optional release): the same class serves a client and a pool.
 */
import { Readable } from 'node:stream';
import { UsageError } from '../errors.js';
import { IdleDeadline, idleTimeoutError } from './idle-deadline.js';
import type { PortalConsumer } from './portal.js';
import { closingIterator, ConsumeOnce, DONE } from './stream-iteration.js';
import { MAX_TIMER_MS } from '../timers.js';
import type { Field, StreamOptions } from '../types.js';

/** Validated stream settings. */
export interface StreamSettings {
  readonly fetchSize: number;
  readonly maxBatchBytes: number;
  readonly idleTimeoutMs: number;
}

const DEFAULT_FETCH_SIZE = 1000;
const DEFAULT_MAX_BATCH_BYTES = 8 * 1024 * 1024;
const DEFAULT_IDLE_TIMEOUT_MS = 30_000;
/** Execute's row limit is an int32. */
const MAX_FETCH_SIZE = 2_147_483_647;

/** Check the numeric stream options and fill in defaults; throws UsageError before anything is sent. */
export function resolveStreamSettings(options: StreamOptions): StreamSettings {
  return {
    fetchSize: checkInt('fetchSize', options.fetchSize, DEFAULT_FETCH_SIZE, 1, MAX_FETCH_SIZE),
    maxBatchBytes: checkInt('maxBatchBytes', options.maxBatchBytes, DEFAULT_MAX_BATCH_BYTES, 0, Number.MAX_SAFE_INTEGER),
    idleTimeoutMs: checkInt('idleTimeoutMs', options.idleTimeoutMs, DEFAULT_IDLE_TIMEOUT_MS, 0, MAX_TIMER_MS),
  };
}

function checkInt(name: string, value: number | undefined, fallback: number, min: number, max: number): number {
  if (value === undefined) return fallback;
  if (!Number.isInteger(value) || value < min || value > max) {
    throw new UsageError(`stream(): ${name} must be an integer from ${min} to ${max}, got ${String(value)}`);
  }
  return value;
}

/** A portal as a stream reads it (query/portal.ts's PortalOperation is one; see there for each member). */
export interface StreamPortal {
  /** Settles at the portal's final ReadyForQuery (or when the connection fails). */
  readonly promise: Promise<unknown>;
  readonly fields: readonly Field[] | undefined;
  fetch(): void;
}

/** The connection a stream runs its portal on, as the acquire hook hands it over (query/request.ts builds it). */
export interface StreamChannel {
  /** Create the portal for `consumer` and queue it on the connection. May throw (client closed, bad input). */
  open(consumer: PortalConsumer): StreamPortal;
  /**
   * Free the connection of the opened portal: drop it while queued, otherwise close it, cancelling a batch the server
   * is still running when `cancel` is set (an abort) or when the server ignored the row limit.
   */
  stop(cancel: boolean): void;
  /** Attach the query text and the caller's stack to an error. */
  decorate(err: unknown): unknown;
  /**
   * Give the connection back (pool.stream()): called once, when the portal has finished on the wire or could not be
   * opened, so the next borrower never queues behind this stream. Absent when the caller owns the connection.
   */
  release?(): void;
}

/**
 * The injected acquire hook, called at the first pull: the caller's own connection at once (client.stream(),
 * connection.stream()), or one borrowed from a pool once it is free (pool.stream(); rejects with `signal.reason` on
 * abort).
 */
export type StreamAcquire = (signal: AbortSignal | undefined) => StreamChannel | Promise<StreamChannel>;

/**
 * `new`: not pulled yet (nothing sent). `acquiring`: waiting for a connection. `running`: the portal is queued or
 * active. `ended`: every row has arrived (some may still be buffered). `failed`: pulls reject with the stored error once
 * the buffer is empty. `closed`: closed by the consumer.
 */
type StreamPhase = 'new' | 'acquiring' | 'running' | 'ended' | 'failed' | 'closed';

const NO_ROWS: unknown[] = [];

/**
 * Rows of one statement, pulled batch by batch: the one row stream of client.stream(), connection.stream() and
 * pool.stream(). Iterate it once with `for await`, or call {@link toReadable} once.
 *
 * The statement is sent at the first pull. From then until the stream ends, is closed, fails or times out idle, the
 * stream occupies its connection: other queries issued on the same client wait in order behind it. A pool's stream
 * borrows its connection at the first pull and gives it back once its portal has finished on the wire.
 */
export class RowStream<R = Record<string, unknown>> implements AsyncIterable<R> {
  readonly #acquire: StreamAcquire;
  readonly #idleTimeoutMs: number;
  readonly #signal: AbortSignal | undefined;
  readonly #onAbort = (): void => this.#abort(this.#signal?.reason);
  readonly #consumer: PortalConsumer = { batch: (rows, more) => this.#batch(rows, more) };
  #phase: StreamPhase = 'new';
  readonly #consumed = new ConsumeOnce();
  #channel: StreamChannel | undefined;
  #op: StreamPortal | undefined;
  /** Settles (never rejects) when the portal has finished on the wire and the connection was given back. */
  #finished: Promise<void> = Promise.resolve();
  #buffer: unknown[] = NO_ROWS;
  #pos = 0;
  /** Batches that arrived while the buffer still held rows, oldest first. */
  #queued: unknown[][] = [];
  /** The buffered batch ended with PortalSuspended: fetch the next one when it is drained. */
  #more = false;
  #error: unknown;
  #waiters: (() => boolean)[] = [];
  #wakeScheduled = false;
  readonly #idle: IdleDeadline;

  /**
   * @internal Created by client.stream(), connection.stream() and pool.stream(). Checks the stream options (UsageError);
   * `acquire` is called at the first pull.
   */
  constructor(acquire: StreamAcquire, options: StreamOptions) {
    this.#acquire = acquire;
    this.#idleTimeoutMs = resolveStreamSettings(options).idleTimeoutMs;
    this.#signal = options.signal;
    this.#idle = new IdleDeadline(this.#idleTimeoutMs, () => this.#waiters.length > 0, () => this.#idleExpired());
  }

  /** The result columns, once the server has described them (after the first pull); undefined before. */
  get fields(): readonly Field[] | undefined {
    return this.#op?.fields;
  }

  [Symbol.asyncIterator](): AsyncIterator<R, undefined> {
    this.#consumed.claim();
    return closingIterator(() => this.#next(), () => this.close());
  }

  /**
   * A Node `Readable` in object mode with real backpressure: a batch is requested only when the Readable wants more
   * rows. Destroying it closes the stream.
   */
  toReadable(): Readable {
    this.#consumed.claim();
    const readable: Readable = new Readable({
      objectMode: true,
      read: () => this.#feed(readable),
      destroy: (err, callback) => {
        this.close().then(
          () => callback(err),
          (closeErr: unknown) => callback(closeErr as Error),
        );
      },
    });
    return readable;
  }

  /**
   * Stop early: a suspended portal is closed (Close + Sync), a batch in flight is let finish and dropped. Resolves once
   * the connection is free of this stream (at once while it still waits for a pool connection). Buffered rows are
   * discarded; later pulls report the end.
   */
  async close(): Promise<void> {
    const phase = this.#phase;
    this.#phase = 'closed';
    this.#buffer = NO_ROWS;
    this.#queued = [];
    this.#pos = 0;
    if (phase === 'running') {
      this.#stopOperation(false);
      this.#scheduleWake();
    } else if (phase === 'acquiring') {
      // Nothing is borrowed yet: a connection that still arrives is given back at once (#begin), not waited for here.
      this.#finished = Promise.resolve();
      this.#scheduleWake();
    }
    await this.#finished;
  }

  #begin(): void {
    const signal = this.#signal;
    if (signal?.aborted === true) {
      this.#fail(signal.reason);
      return;
    }
    let channel: StreamChannel | Promise<StreamChannel>;
    try {
      channel = this.#acquire(signal);
    } catch (err) {
      this.#fail(err);
      return;
    }
    if (!(channel instanceof Promise)) {
      this.#finished = this.#open(channel);
      return;
    }
    this.#phase = 'acquiring';
    this.#finished = channel.then(
      (acquired) => {
        if (this.#phase === 'acquiring') return this.#open(acquired);
        acquired.release?.(); // closed while waiting for the connection
        return undefined;
      },
      (err: unknown) => {
        if (this.#phase === 'acquiring') this.#fail(err);
      },
    );
  }

  /** Queue the portal on the acquired connection; the promise settles once it has finished and the connection is given back. */
  #open(channel: StreamChannel): Promise<void> {
    // An abort that came after the pool had handed the connection over, but before it arrived here: no listener saw it.
    if (this.#signal?.aborted === true) {
      channel.release?.();
      this.#fail(this.#signal.reason);
      return Promise.resolve();
    }
    let op: StreamPortal;
    try {
      op = channel.open(this.#consumer);
    } catch (err) {
      channel.release?.();
      this.#fail(err);
      return Promise.resolve();
    }
    this.#channel = channel;
    this.#op = op;
    this.#phase = 'running';
    this.#signal?.addEventListener('abort', this.#onAbort, { once: true });
    this.#idle.arm();
    return op.promise.then(
      () => this.#settled(false, undefined),
      (err: unknown) => this.#settled(true, err),
    );
  }

  #next(): Promise<IteratorResult<R, undefined>> {
    if (this.#phase === 'new') this.#begin();
    this.#idle.pulled();
    try {
      const r = this.#poll();
      if (r !== undefined) return Promise.resolve(r);
    } catch (err) {
      return Promise.reject(err);
    }
    return new Promise<IteratorResult<R, undefined>>((resolve, reject) => {
      this.#waiters.push(() => {
        try {
          const r = this.#poll();
          if (r === undefined) return false;
          resolve(r);
        } catch (err) {
          reject(err);
        }
        return true;
      });
    });
  }

  #feed(readable: Readable): void {
    if (this.#phase === 'new') this.#begin();
    for (;;) {
      this.#idle.pulled();
      let r: IteratorResult<R, undefined> | undefined;
      try {
        r = this.#poll();
      } catch (err) {
        readable.destroy(err instanceof Error ? err : new UsageError(`The stream was aborted: ${String(err)}`, { cause: err }));
        return;
      }
      if (r === undefined) {
        this.#waiters.push(() => {
          this.#feed(readable);
          return true;
        });
        return;
      }
      if (r.done === true) {
        readable.push(null);
        return;
      }
      if (!readable.push(r.value)) return;
    }
  }

  /** The next row, the end, undefined (wait), or throws the stream's error. */
  #poll(): IteratorResult<R, undefined> | undefined {
    // The abort listener goes when the portal ends; an abort while its last rows are still being read stops them too.
    if (this.#phase === 'ended' && this.#pos < this.#buffer.length && this.#signal?.aborted === true) this.#fail(this.#signal.reason);
    if (this.#pos < this.#buffer.length) {
      const value = this.#buffer[this.#pos++] as R;
      if (this.#pos === this.#buffer.length) this.#drained();
      return { done: false, value };
    }
    switch (this.#phase) {
      case 'failed':
        throw this.#error;
      case 'ended':
      case 'closed':
        return DONE;
      default:
        return undefined;
    }
  }

  /** The consumer has taken the last buffered row: only now is the next batch requested. */
  #drained(): void {
    this.#pos = 0;
    const next = this.#queued.shift();
    if (next !== undefined) {
      this.#buffer = next;
      return;
    }
    this.#buffer = NO_ROWS;
    if (!this.#more) return;
    this.#more = false;
    this.#op?.fetch();
  }

  #batch(rows: unknown[], more: boolean): void {
    if (this.#phase !== 'running') return;
    this.#more = more;
    if (this.#pos < this.#buffer.length) {
      if (rows.length > 0) this.#queued.push(rows);
    } else {
      this.#buffer = rows;
      this.#pos = 0;
      if (rows.length === 0) this.#drained();
    }
    this.#scheduleWake();
  }

  /** The operation finished on the wire (ReadyForQuery, or the connection failed). */
  #settled(failed: boolean, err: unknown): void {
    this.#idle.clear();
    this.#signal?.removeEventListener('abort', this.#onAbort);
    if (this.#phase === 'running') {
      if (failed) {
        this.#phase = 'failed';
        this.#error = this.#channel?.decorate(err) ?? err;
      } else this.#phase = 'ended';
    }
    this.#channel?.release?.();
    this.#scheduleWake();
  }

  /** Fail now, dropping buffered rows (abort, idle deadline, start failure). */
  #fail(err: unknown): void {
    this.#phase = 'failed';
    this.#error = err;
    this.#buffer = NO_ROWS;
    this.#queued = [];
    this.#pos = 0;
    this.#scheduleWake();
  }

  #abort(reason: unknown): void {
    if (this.#phase !== 'running') return;
    this.#fail(reason);
    this.#stopOperation(true);
  }

  /** Free the connection: drop a queued portal, or close it (cancelling a batch in flight if asked). */
  #stopOperation(cancel: boolean): void {
    this.#channel?.stop(cancel);
  }

  /**
   * Waiters are woken from a microtask, not from inside the session's message dispatch, so consumer code (a Readable's
   * 'data' handler) never runs, or throws, inside the protocol parser.
   */
  #scheduleWake(): void {
    if (this.#wakeScheduled || this.#waiters.length === 0) return;
    this.#wakeScheduled = true;
    queueMicrotask(() => {
      this.#wakeScheduled = false;
      const waiters = this.#waiters;
      this.#waiters = [];
      for (const w of waiters) if (!w()) this.#waiters.push(w);
    });
  }

  /** The idle deadline passed: close the portal to free the connection (and give a borrowed one back). */
  #idleExpired(): void {
    if (this.#phase !== 'running') return;
    const freed = this.#channel?.release === undefined ? 'its portal was closed to free the connection' : 'it was closed and its connection returned to the pool';
    this.#fail(idleTimeoutError(this.#idleTimeoutMs, freed));
    this.#stopOperation(false);
  }
}
