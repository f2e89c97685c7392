/**
 * The pool's state machine (docs/design.md "Principles"): live slots, the FIFO of waiting callers, hand-out with a cheap check of
 * long-idle connections, release with a session reset, connects across hosts, and shutdown. Pool (src/pool.ts) is
 * the public face over it.
 */
import { setMaxListeners } from 'node:events';
import { SchemaEpoch } from '../query/statement-cache.js';
import type { ResolvedConfig } from '../config.js';
import {
  publishPoolAcquire,
  publishPoolConnect,
  publishPoolDestroy,
  publishPoolRelease,
  type PoolDestroyReason,
} from '../diagnostics.js';
import { ConnectionError, PoolClosedError, PoolQueueFullError, PoolTimeoutError, UsageError } from '../errors.js';
import { PoolConnection, type ConnectionControl } from './connection.js';
import { Connector, defaultFactory, unfitReason } from './connector.js';
import { HostSelector, type PoolHostStats } from './hosts.js';
import { IdleSlots } from './idle-slots.js';
import type { ResolvedPoolOptions } from './options.js';
import { parseStartupSettings, type ResetContext } from './session-reset.js';
import type { Slot } from './slot.js';
import { Waiter, WaiterQueue } from './waiters.js';
import { MAX_TIMER_MS } from '../timers.js';

/** Counters and gauges of a pool. */
export interface PoolStats {
  /** Open connections (idle + busy). */
  readonly total: number;
  /** Open connections waiting in the pool. */
  readonly idle: number;
  /** Open connections handed out, or being checked or reset by the pool. */
  readonly busy: number;
  /** Callers waiting for a connection. */
  readonly waiting: number;
  /** Connections being opened. */
  readonly connecting: number;
  /** Successful acquires since the pool was created. */
  readonly acquired: number;
  /** Acquires that ended in PoolTimeoutError. */
  readonly timedOut: number;
  /** Connections opened since the pool was created. */
  readonly created: number;
  /** Connections closed since the pool was created. */
  readonly destroyed: number;
  /** Per host: open connections, failed attempts in a row, and how long it stays parked after failures. */
  readonly hosts: readonly PoolHostStats[];
}

/** Options of one acquire. */
export interface AcquireOptions {
  /** Stop waiting; rejects with `signal.reason`. */
  signal?: AbortSignal;
  /** Overrides the pool's `acquireTimeoutMs` for this call. */
  timeoutMs?: number;
}

/** Options of {@link Pool.end}. */
export interface EndOptions {
  /** How long to wait for borrowed connections to come back before closing them anyway. Default 10 000. */
  timeoutMs?: number;
}


/** A check round trip must answer within this long, or the connection is dropped and another one used. */
const CHECK_TIMEOUT_MS = 5_000;
/** The reset statements on release must finish within this long, or the connection is closed. */
const RESET_TIMEOUT_MS = 5_000;
const DEFAULT_END_TIMEOUT_MS = 10_000;
/** With nobody waiting, a pool below `min` retries failed connects at this pace (hosts keep their own backoff). */
const MIN_RETRY_MS = 1_000;

/** The pool's state machine: slots, waiters, hand-out, release, connect and destroy. */
export class PoolCore {
  readonly #options: ResolvedPoolOptions;
  readonly #hosts: HostSelector;
  readonly #connector: Connector;
  readonly #resetContext: Omit<ResetContext, 'isCrate'>;
  readonly #all = new Set<Slot>();
  readonly #idle = new IdleSlots((slot) => this.#onIdleDue(slot));
  readonly #waiters = new WaiterQueue<PoolConnection>();
  readonly #closing = new Set<Promise<void>>();
  readonly #endController = new AbortController();
  #connecting = 0;
  #checking = 0;
  #acquired = 0;
  #timedOut = 0;
  #created = 0;
  #destroyed = 0;
  #lastConnectError: Error | undefined;
  #retryTimer: NodeJS.Timeout | undefined;
  /** Set first thing in end(), before the shutdown's synchronous part runs. */
  #ending = false;
  #ended: Promise<void> | undefined;

  /** Shared by the statement caches of the connections this pool opens (with the default client factory). */
  readonly schemaEpoch = new SchemaEpoch();

  constructor(config: ResolvedConfig, options: ResolvedPoolOptions) {
    this.#options = options;
    const hosts = new HostSelector(config.hosts, options.hostSelection, () => performance.now());
    this.#hosts = hosts;
    const factory = options.clientFactory ?? defaultFactory(config, this.schemaEpoch);
    // Every pending connection attempt listens on this signal; a pool of more than ten connecting at once (a node
    // restarting under load) is normal, not a leak.
    setMaxListeners(0, this.#endController.signal);
    this.#connector = new Connector(factory, hosts, options, this.#endController.signal);
    this.#resetContext = {
      database: config.database,
      startupSettings: parseStartupSettings(config.options, config.applicationName),
    };
    this.#fillToMin();
  }

  /** Current counters; see {@link PoolStats}. */
  get stats(): PoolStats {
    const total = this.#all.size;
    return {
      total,
      idle: this.#idle.size,
      busy: total - this.#idle.size,
      waiting: this.#waiters.size,
      connecting: this.#connecting,
      acquired: this.#acquired,
      timedOut: this.#timedOut,
      created: this.#created,
      destroyed: this.#destroyed,
      hosts: this.#hosts.stats(),
    };
  }

  /** True once end() was called. */
  get ending(): boolean {
    return this.#ending;
  }

  /** See Pool.acquire. */
  acquire(options: AcquireOptions = {}): Promise<PoolConnection> {
    const since = performance.now();
    if (this.#ending) return Promise.reject(new PoolClosedError());
    const signal = options.signal;
    if (signal?.aborted === true) return Promise.reject(signal.reason);
    const timeoutMs = options.timeoutMs;
    if (timeoutMs !== undefined && !(Number.isInteger(timeoutMs) && timeoutMs > 0 && timeoutMs <= MAX_TIMER_MS)) {
      const given = typeof timeoutMs === 'string' ? JSON.stringify(timeoutMs) : String(timeoutMs);
      return Promise.reject(new UsageError(`acquire timeoutMs must be an integer from 1 to ${MAX_TIMER_MS}, got ${given}`));
    }
    const waiter = new Waiter<PoolConnection>(since);
    this.#waiters.push(waiter);
    this.#pump();
    if (!waiter.settled) this.#arm(waiter, options);
    return waiter.promise;
  }

  /** See Pool.end. */
  end(options: EndOptions = {}): Promise<void> {
    if (this.#ended === undefined) {
      this.#ending = true;
      this.#ended = this.#shutdown(options.timeoutMs ?? DEFAULT_END_TIMEOUT_MS);
    }
    return this.#ended;
  }

  // ---------------------------------------------------------------------------------------------------------------
  // Acquire and hand-out.

  /** Give the waiter a deadline and an abort listener, now that it really waits. */
  #arm(waiter: Waiter<PoolConnection>, options: AcquireOptions): void {
    if (this.#waiters.size > this.#options.maxWaiting) {
      this.#fail(waiter, new PoolQueueFullError(this.#options.maxWaiting));
      return;
    }
    const timeoutMs = options.timeoutMs ?? this.#options.acquireTimeoutMs;
    const signal = options.signal;
    const timer = setTimeout(() => {
      if (this.#fail(waiter, this.#timeoutError(timeoutMs))) this.#timedOut++;
    }, timeoutMs);
    const onAbort = (): void => void this.#fail(waiter, signal?.reason);
    signal?.addEventListener('abort', onAbort, { once: true });
    waiter.onSettle(() => {
      clearTimeout(timer);
      signal?.removeEventListener('abort', onAbort);
    });
  }

  #timeoutError(timeoutMs: number): PoolTimeoutError {
    const { total, busy, waiting, connecting } = this.stats;
    const failing = this.#lastConnectError;
    const state = `${busy} of max ${this.#options.max} connections busy, ${total} open, ${connecting} connecting, ${waiting} waiting`;
    const message = failing === undefined
      ? `No pool connection became free within ${timeoutMs} ms (${state}); raise max or acquireTimeoutMs, or release connections sooner`
      : `No pool connection within ${timeoutMs} ms: the database cannot be reached (${failing.message}) (${state})`;
    return new PoolTimeoutError(timeoutMs, message, failing === undefined ? undefined : { cause: failing });
  }

  /** Take a waiter out of the queue with `reason`; false if it had already settled. */
  #fail(waiter: Waiter<PoolConnection>, reason: unknown): boolean {
    if (!this.#waiters.cancel(waiter, reason)) return false;
    publishPoolAcquire(() => ({
      pool: this.#options.name,
      host: undefined,
      port: undefined,
      waitedMs: performance.now() - waiter.since,
      error: reason instanceof Error ? reason : undefined,
    }));
    return true;
  }

  /** Match waiters with idle connections, and open connections for the waiters nothing is on its way for. */
  #pump(): void {
    while (this.#waiters.size > this.#checking) {
      const slot = this.#takeIdle();
      if (slot === undefined) break;
      if (performance.now() - slot.idleSince >= this.#options.checkAfterIdleMs) this.#check(slot);
      else this.#handOut(slot, this.#waiters.shift() as Waiter<PoolConnection>);
    }
    const demand = this.#waiters.size - this.#connecting - this.#checking;
    const room = this.#options.max - this.#all.size - this.#connecting;
    for (let i = Math.min(demand, room); i > 0; i--) this.#connect();
  }

  /** Pop the most recently idle slot that is still usable; drop dead and expired ones on the way. */
  #takeIdle(): Slot | undefined {
    for (let slot = this.#idle.pop(); slot !== undefined; slot = this.#idle.pop()) {
      if (slot.client.closed) this.#destroy(slot, 'broken', 'the connection closed while idle');
      else if (performance.now() >= slot.expiresAt) this.#destroy(slot, 'lifetime');
      else return slot;
    }
    return undefined;
  }

  #handOut(slot: Slot, waiter: Waiter<PoolConnection>): void {
    const control: ConnectionControl = { released: false, locked: undefined };
    const connection = new PoolConnection(slot, control, (s, destroy) => this.#release(s, destroy));
        slot.state = 'leased';
    slot.leasedAt = performance.now();
    this.#acquired++;
    waiter.resolve(connection);
    publishPoolAcquire(() => ({
      pool: this.#options.name,
      host: slot.host.host,
      port: slot.host.port,
      waitedMs: slot.leasedAt - waiter.since,
      error: undefined,
    }));
  }

  /** A usable connection is free: the oldest waiter gets it, or it goes idle. */
  #offer(slot: Slot): void {
    if (this.#ending) {
      this.#destroy(slot, 'ended');
      return;
    }
    const waiter = this.#waiters.shift();
    if (waiter !== undefined) this.#handOut(slot, waiter);
    else this.#makeIdle(slot);
  }

  #makeIdle(slot: Slot): void {
    slot.idleSince = performance.now();
    this.#idle.add(slot, this.#idleDue(slot));
  }

  /** When an idle slot should be closed: after idleTimeoutMs while above `min`, and at the end of its life. */
  #idleDue(slot: Slot): number {
    const idleTimeoutMs = this.#options.idleTimeoutMs;
    const idleDue = idleTimeoutMs > 0 && this.#all.size > this.#options.min ? slot.idleSince + idleTimeoutMs : Infinity;
    return Math.min(idleDue, slot.expiresAt);
  }

  #onIdleDue(slot: Slot): void {
    const expired = performance.now() >= slot.expiresAt;
    if (!expired && this.#all.size <= this.#options.min) {
      this.#idle.arm(slot, this.#idleDue(slot));
      return;
    }
    this.#destroy(slot, expired ? 'lifetime' : 'idle');
    this.#fillToMin();
  }

  /** An empty query: the cheapest round trip that proves the connection still works (docs/cratedb-wire.md "Simple query"). */
  #check(slot: Slot): void {
    slot.state = 'checking';
    this.#checking++;
    slot.client.simpleQuery('', { timeoutMs: CHECK_TIMEOUT_MS }).then(
      () => {
        this.#checking--;
        slot.idleSince = performance.now();
        this.#offer(slot);
        this.#pump();
      },
      (err: unknown) => {
        this.#checking--;
        this.#destroy(slot, 'check-failed', String((err as Error)?.message ?? err));
        this.#pump();
        this.#fillToMin();
      },
    );
  }

  // ---------------------------------------------------------------------------------------------------------------
  // Release and reset.

  #release(slot: Slot, destroy: Error | undefined): void {
    publishPoolRelease(() => ({
      pool: this.#options.name,
      host: slot.host.host,
      port: slot.host.port,
      heldMs: performance.now() - slot.leasedAt,
    }));
    if (!this.#all.has(slot)) return;
    const cancelling = destroy === undefined && slot.client.busy ? slot.client.whenCancelled?.() : undefined;
    if (cancelling !== undefined) {
      // The borrower's query timed out or was aborted and its cancel is on the way: a clean cancel leaves a healthy
      // connection, so wait for it (the client closes itself when the query has not stopped after cancelTimeoutMs).
      slot.state = 'resetting';
      void cancelling.then(() => {
        if (this.#all.has(slot)) this.#reuse(slot, undefined);
      });
      return;
    }
    this.#reuse(slot, destroy);
  }

  /** Offer a released connection again, after a reset if its session changed; or close it when it is unfit. */
  #reuse(slot: Slot, destroy: Error | undefined): void {
    const unfit = destroy === undefined ? this.#unfit(slot) : (['released-with-error', destroy.message] as const);
    if (unfit !== undefined) {
      this.#destroy(slot, unfit[0], unfit[1]);
      this.#afterLoss();
      return;
    }
    if (this.#hosts.surplus(slot.host)) {
      // The replacement is opened at once, so it counts for its host before the next release is weighed: one
      // connection moves per surplus, not every connection that comes back meanwhile.
      this.#destroy(slot, 'rebalance', `${slot.host.host}:${slot.host.port} has more connections than another host`);
      if (this.#all.size + this.#connecting < this.#options.max) this.#connect();
      this.#afterLoss();
      return;
    }
    if (!slot.tracker.dirty && slot.prepared.size === 0) {
      this.#offer(slot);
      return;
    }
    const plan = slot.tracker.plan({ ...this.#resetContext, isCrate: slot.client.serverInfo.isCrate });
    if ('unsafe' in plan) {
      this.#destroy(slot, 'session', plan.unsafe);
      this.#afterLoss();
      return;
    }
    slot.state = 'resetting';
    this.#reset(slot, plan.statements).then(
      () => {
        slot.tracker.clear();
        if (this.#all.has(slot)) this.#offer(slot);
      },
      (err: unknown) => {
        this.#destroy(slot, 'reset-failed', String((err as Error)?.message ?? err));
        this.#afterLoss();
      },
    );
  }

  /** Why a released connection must not be reused, if it must not. */
  #unfit(slot: Slot): readonly [PoolDestroyReason, string | undefined] | undefined {
    const unfit = unfitReason(slot.client);
    if (unfit !== undefined) return unfit;
    if (performance.now() >= slot.expiresAt) return ['lifetime', undefined];
    if (this.#ending) return ['ended', undefined];
    return undefined;
  }

  async #reset(slot: Slot, statements: readonly string[]): Promise<void> {
    const client = slot.client;
    const work: Promise<unknown>[] = [...slot.prepared].map((statement) => statement.close());
    slot.prepared.clear();
    for (const statement of statements) work.push(client.simpleQuery(statement, { timeoutMs: RESET_TIMEOUT_MS }));
    await Promise.all(work);
    if (client.busy || client.closed) throw new UsageError('the connection was not idle after its reset');
  }

  #afterLoss(): void {
    this.#pump();
    this.#fillToMin();
  }

  // ---------------------------------------------------------------------------------------------------------------
  // Opening and closing connections.

  #connect(): void {
    this.#connecting++;
    const started = performance.now();
    this.#connector.open().then(
      (slot) => {
        this.#connecting--;
        this.#lastConnectError = undefined;
        this.#created++;
        publishPoolConnect(() => ({
          pool: this.#options.name,
          host: slot.host.host,
          port: slot.host.port,
          durationMs: performance.now() - started,
          error: undefined,
        }));
        this.#all.add(slot);
        this.#offer(slot);
        this.#pump();
      },
      (err: unknown) => {
        this.#connecting--;
        const error = err instanceof Error ? err : new ConnectionError(String(err));
        publishPoolConnect(() => ({
          pool: this.#options.name,
          host: error instanceof ConnectionError ? error.host : undefined,
          port: error instanceof ConnectionError ? error.port : undefined,
          durationMs: performance.now() - started,
          error,
        }));
        if (this.#ending) {
          this.#drained();
          return;
        }
        this.#lastConnectError = error;
        // The oldest waiter was counting on this connection: fail it fast instead of letting it sit until its deadline.
        const waiter = this.#waiters.peek();
        if (waiter !== undefined) this.#fail(waiter, error);
        this.#pump();
        this.#scheduleRetry();
      },
    );
  }

  /** After a failed connect with nobody waiting, keep trying to reach `min` at the hosts' backoff pace. */
  #scheduleRetry(): void {
    if (this.#retryTimer !== undefined || this.#options.min === 0 || this.#ending) return;
    this.#retryTimer = setTimeout(() => {
      this.#retryTimer = undefined;
      this.#fillToMin();
    }, MIN_RETRY_MS);
    this.#retryTimer.unref();
  }

  #fillToMin(): void {
    if (this.#ending) return;
    for (let need = this.#options.min - this.#all.size - this.#connecting; need > 0; need--) this.#connect();
  }

  /** Close a connection for good: gracefully (Terminate) when it is healthy and idle, at once otherwise. */
  #destroy(slot: Slot, reason: PoolDestroyReason, detail?: string): void {
    if (!this.#all.delete(slot)) return;
    this.#idle.remove(slot);
    this.#hosts.removed(slot.host);
    this.#destroyed++;
    publishPoolDestroy(() => ({ pool: this.#options.name, host: slot.host.host, port: slot.host.port, reason, detail }));
    const client = slot.client;
    if (client.closed || client.busy) {
      client.destroy();
    } else {
      const closing = client.close().catch(() => client.destroy());
      this.#closing.add(closing);
      void closing.finally(() => this.#closing.delete(closing));
    }
    this.#drained();
  }

  // ---------------------------------------------------------------------------------------------------------------
  // Ending.

  #drainWaiters: (() => void)[] = [];

  #drained(): void {
    if (!this.#ending || this.#all.size > 0 || this.#connecting > 0) return;
    const waiters = this.#drainWaiters;
    this.#drainWaiters = [];
    for (const w of waiters) w();
  }

  async #shutdown(timeoutMs: number): Promise<void> {
    clearTimeout(this.#retryTimer);
    this.#waiters.rejectAll(new PoolClosedError('The pool was ended while this caller was waiting for a connection'));
    this.#endController.abort(new PoolClosedError('The pool was ended while connecting'));
    for (const slot of this.#idle.list()) this.#destroy(slot, 'ended');
    const drained = new Promise<void>((resolve) => this.#drainWaiters.push(resolve));
    this.#drained();
    let timer: NodeJS.Timeout | undefined;
    const deadline = new Promise<void>((resolve) => {
      timer = setTimeout(resolve, timeoutMs);
    });
    await Promise.race([drained, deadline]);
    clearTimeout(timer);
    for (const slot of [...this.#all]) {
      slot.client.destroy(new PoolClosedError(`The pool was ended and this connection was not released within ${timeoutMs} ms`));
      this.#destroy(slot, 'ended', `not released within end() timeoutMs=${timeoutMs}`);
    }
    await Promise.all([...this.#closing]);
  }
}
