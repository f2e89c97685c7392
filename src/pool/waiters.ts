/**
 * The FIFO queue of callers waiting for a pool client. A waiter that gives up (timeout, abort, pool ended) leaves
 * the queue in O(1): it is marked settled and skipped when it reaches the head.
 */

/** One caller waiting for a value. Settles once; later calls are ignored. */
export class Waiter<T> {
  readonly promise: Promise<T>;
  /** `performance.now()` when the caller started waiting. */
  readonly since: number;
  #resolve!: (value: T) => void;
  #reject!: (reason: unknown) => void;
  #settled = false;
  #cleanup: (() => void) | undefined;

  constructor(since: number) {
    this.since = since;
    this.promise = new Promise<T>((resolve, reject) => {
      this.#resolve = resolve;
      this.#reject = reject;
    });
  }

  get settled(): boolean {
    return this.#settled;
  }

  /** Run `fn` when the waiter settles (clears its timer and abort listener). */
  onSettle(fn: () => void): void {
    this.#cleanup = fn;
  }

  resolve(value: T): void {
    if (this.#settle()) this.#resolve(value);
  }

  reject(reason: unknown): void {
    if (this.#settle()) this.#reject(reason);
  }

  #settle(): boolean {
    if (this.#settled) return false;
    this.#settled = true;
    this.#cleanup?.();
    return true;
  }
}

/** FIFO of waiters; `size` counts only those still waiting. */
export class WaiterQueue<T> {
  #items: (Waiter<T> | undefined)[] = [];
  #head = 0;
  #size = 0;

  get size(): number {
    return this.#size;
  }

  push(waiter: Waiter<T>): void {
    this.#items.push(waiter);
    this.#size++;
  }

  /** The oldest waiter still waiting, left in the queue. */
  peek(): Waiter<T> | undefined {
    for (let i = this.#head; i < this.#items.length; i++) {
      const waiter = this.#items[i];
      if (waiter !== undefined && !waiter.settled) return waiter;
    }
    return undefined;
  }

  /** Remove and return the oldest waiter still waiting. */
  shift(): Waiter<T> | undefined {
    while (this.#head < this.#items.length) {
      const waiter = this.#items[this.#head];
      this.#items[this.#head++] = undefined;
      if (waiter !== undefined && !waiter.settled) {
        this.#size--;
        this.#compact();
        return waiter;
      }
    }
    this.#compact();
    return undefined;
  }

  /** Settle a queued waiter with `reason` and take it out of the count. False if it had already settled. */
  cancel(waiter: Waiter<T>, reason: unknown): boolean {
    if (waiter.settled) return false;
    waiter.reject(reason);
    this.#size--;
    return true;
  }

  /** Reject every waiter (the pool is ending). */
  rejectAll(reason: unknown): void {
    for (let w = this.shift(); w !== undefined; w = this.shift()) w.reject(reason);
  }

  #compact(): void {
    if (this.#head === this.#items.length) {
      this.#items = [];
      this.#head = 0;
    } else if (this.#head > 1024 && this.#head * 2 > this.#items.length) {
      this.#items = this.#items.slice(this.#head);
      this.#head = 0;
    }
  }
}
