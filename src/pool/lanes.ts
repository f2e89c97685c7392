/**
 * Query lanes: on PostgreSQL, pool.query() callers may share a connection when every connection is busy, their
 * queries pipelined on it (each with its own Sync, so one caller's error never reaches another's result). Only
 * statements that cannot change the session are shared — plain reads without session-scoped functions — so a lane
 * never carries a transaction, a SET or a lock from one caller to the next (the failure of porsager/postgres #1204).
 * Never on CrateDB: its pipelining is unverified (docs/cratedb-wire.md "Pipelining").
 */
import { isShareableRead } from '../sql/classify.js';
import type { PoolConnection } from './connection.js';
import type { QueryOptions, Result } from '../types.js';

/** Whether pool.query may run `text` on a shared connection: a session-neutral read without a cancel to aim. */
export function isShareable(text: string, options: QueryOptions | undefined): boolean {
  if (options?.signal !== undefined || options?.timeoutMs !== undefined) return false;
  return isShareableRead(text);
}

/** One borrowed connection (possibly still being acquired) carrying several pool.query() calls. */
class Lane {
  readonly connection: Promise<PoolConnection>;
  active = 0;
  /** Calls this lane has taken; past a limit it takes no more, drains and goes back to the pool's FIFO queue. */
  served = 0;

  constructor(connection: Promise<PoolConnection>) {
    this.connection = connection;
  }
}

/** The connections currently shared by pool.query() callers. */
export class QueryLanes {
  readonly #lanes = new Set<Lane>();
  readonly #depth: number;
  readonly #maxServed: number;

  /**
   * `depth`: most pool.query() calls in flight on one shared connection. A lane serves at most 8 × depth calls, so
   * under steady load it still drains and callers of acquire() queued behind it get their turn.
   */
  constructor(depth: number) {
    this.#depth = depth;
    this.#maxServed = depth * 8;
  }

  /** Run on an existing lane if one has room; undefined when the caller must open a lane or acquire itself. */
  tryJoin<R>(text: string, params: readonly unknown[] | undefined, options: QueryOptions | undefined): Promise<Result<R>> | undefined {
    let best: Lane | undefined;
    for (const lane of this.#lanes) {
      const open = lane.active < this.#depth && lane.served < this.#maxServed;
      if (open && (best === undefined || lane.active < best.active)) best = lane;
    }
    return best === undefined ? undefined : this.#run<R>(best, text, params, options);
  }

  /** Run on a connection being acquired; the lane is open to joiners at once, before the connection arrives. */
  open<R>(connection: Promise<PoolConnection>, text: string, params: readonly unknown[] | undefined, options: QueryOptions | undefined): Promise<Result<R>> {
    const lane = new Lane(connection);
    this.#lanes.add(lane);
    connection.catch(() => this.#lanes.delete(lane));
    return this.#run<R>(lane, text, params, options);
  }

  async #run<R>(lane: Lane, text: string, params: readonly unknown[] | undefined, options: QueryOptions | undefined): Promise<Result<R>> {
    lane.active++;
    lane.served++;
    let connection: PoolConnection | undefined;
    try {
      connection = await lane.connection;
      return await connection.query<R>(text, params, options);
    } finally {
      if (--lane.active === 0) {
        this.#lanes.delete(lane);
        connection?.release();
      }
    }
  }
}
