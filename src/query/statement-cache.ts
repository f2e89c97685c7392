/**
 * The automatic prepared-statement cache: a bounded LRU of named statements per connection, keyed by SQL text and
 * declared parameter types. Evicting a statement queues a Close for it; the next operation sends those Closes ahead of
 * its own messages, so the server never keeps more statements than the cache (postgres.js's cache is unbounded).
 */
import type { RowShape } from './result.js';

/** A statement the server has parsed and described. */
export interface StatementInfo {
  /** Server-side name; '' for the unnamed statement. */
  readonly name: string;
  readonly text: string;
  /** Parameter type OIDs from ParameterDescription. */
  readonly paramTypes: readonly number[];
  /** Result columns, or undefined when the statement returns no rows (NoData). */
  readonly shape: RowShape | undefined;
}

/** Cache key for a statement: the SQL text plus the declared parameter OIDs. */
export function statementKey(text: string, declaredTypes: readonly number[] | undefined): string {
  return declaredTypes === undefined || declaredTypes.length === 0 ? text : `${declaredTypes.join(',')}\u0000${text}`;
}

/**
 * A counter of schema changes shared by the statement caches of several connections (a pool's). DDL run through one
 * connection bumps it; every cache that sees a new value empties itself before its next lookup, because a cached
 * `SELECT *` keeps the columns it was described with on CrateDB (docs/cratedb-wire.md "Statements and DDL";
 * test/fixtures/cratedb-6.4.3/stale_statement_after_ddl.json).
 */
export class SchemaEpoch {
  #value = 0;

  /** The number of schema changes seen so far. */
  get value(): number {
    return this.#value;
  }

  /** A schema change happened: every cache sharing this epoch empties itself at its next lookup. */
  bump(): void {
    this.#value++;
  }
}

/** Bounded LRU of named statements. Capacity 0 disables caching. */
export class StatementCache {
  readonly capacity: number;
  readonly #entries = new Map<string, StatementInfo>();
  readonly #epoch: SchemaEpoch;
  #seenEpoch: number;
  #closes: string[] = [];
  #counter = 0;

  /** `epoch`: shared with other connections' caches (a pool's), so DDL on one empties them all. */
  constructor(capacity: number, epoch: SchemaEpoch = new SchemaEpoch()) {
    this.capacity = capacity;
    this.#epoch = epoch;
    this.#seenEpoch = epoch.value;
  }

  /** The schema changed (DDL ran here or on a connection sharing the epoch): forget every statement. */
  schemaChanged(): void {
    this.#epoch.bump();
    this.#clearIfStale();
  }

  /** Forget every statement; their Closes go out with the next operation. */
  clear(): void {
    for (const info of this.#entries.values()) this.#closes.push(info.name);
    this.#entries.clear();
  }

  #clearIfStale(): void {
    if (this.#seenEpoch === this.#epoch.value) return;
    this.#seenEpoch = this.#epoch.value;
    this.clear();
  }

  /** Number of cached statements. */
  get size(): number {
    return this.#entries.size;
  }

  /** A fresh statement name, unique on this connection. */
  nextName(): string {
    return `cw_${++this.#counter}`;
  }

  /** Whether `key` is cached, without touching the LRU order. */
  has(key: string): boolean {
    this.#clearIfStale();
    return this.#entries.has(key);
  }

  /** Look up and mark as most recently used. */
  get(key: string): StatementInfo | undefined {
    this.#clearIfStale();
    const info = this.#entries.get(key);
    if (info !== undefined) {
      this.#entries.delete(key);
      this.#entries.set(key, info);
    }
    return info;
  }

  /**
   * Add a described statement, evicting the least recently used one beyond capacity. With pipelining two runs of the
   * same SQL may both have prepared it; the replaced statement is closed.
   */
  set(key: string, info: StatementInfo): void {
    const previous = this.#entries.get(key);
    if (previous !== undefined && previous.name !== info.name) {
      this.#entries.delete(key);
      this.#closes.push(previous.name);
    }
    this.#entries.set(key, info);
    while (this.#entries.size > this.capacity) {
      const oldest = this.#entries.keys().next().value as string;
      this.#closes.push((this.#entries.get(oldest) as StatementInfo).name);
      this.#entries.delete(oldest);
    }
  }

  /**
   * Forget a statement that must be prepared again (lost server-side, or its result type changed). A Close is
   * queued anyway: closing a statement that does not exist is not an error on PostgreSQL or CrateDB (docs/cratedb-wire.md "Frontend messages").
   */
  delete(key: string): void {
    const info = this.#entries.get(key);
    if (info === undefined) return;
    this.#entries.delete(key);
    this.#closes.push(info.name);
  }

  /** Names of evicted statements whose Close has not been sent yet; clears the list. */
  takeCloses(): string[] {
    if (this.#closes.length === 0) return this.#closes;
    const closes = this.#closes;
    this.#closes = [];
    return closes;
  }
}
