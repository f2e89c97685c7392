import { buildServerInfo } from '../../src/protocol/server-info.js';
import { subscribe, unsubscribe } from 'node:diagnostics_channel';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import {
  CHANNELS,
  ClientClosedError,
  ConfigError,
  ConnectionError,
  DatabaseError,
  NodeUnavailableError,
  PoolClosedError,
  PoolQueueFullError,
  PoolTimeoutError,
  UsageError,
  createPool,
  type BulkInsertResult,
  type BulkResult,
  type ClientFactory,
  type Pool,
  type PoolClient,
  type PoolDestroyEvent,
  type PoolOptions,
  type Result,
} from '../../src/index.js';
import { parseStartupSettings, SessionTracker } from '../../src/pool/session-reset.js';
import type { TransactionStatus } from '../../src/protocol/session.js';
import type { StreamChannel } from '../../src/query/stream.js';
import type { PreparedStatement, ServerInfo } from '../../src/types.js';

/** A stand-in for Client: records SQL, answers on the next microtask, and follows BEGIN/COMMIT/ROLLBACK. */
class FakeClient implements PoolClient {
  closed = false;
  destroyed = false;
  gracefullyClosed = false;
  transactionStatus: TransactionStatus = 'I';
  failPing = false;
  /** Set by a test: the running HOLD queries are "being cancelled"; settles when they end. */
  cancelling: Promise<void> | undefined;
  readonly sent: string[] = [];
  readonly serverInfo: ServerInfo;
  #running = 0;
  readonly #held: { resolve: () => void; reject: (err: Error) => void }[] = [];

  constructor(
    readonly host: string,
    readonly id: number,
    isCrate: boolean,
  ) {
    const parameters: Record<string, string> = { server_version: isCrate ? '14.0' : '18.0' };
    if (isCrate) parameters['crate_version'] = '6.1.0';
    this.serverInfo = buildServerInfo(parameters, id);
  }

  get busy(): boolean {
    return this.#running > 0;
  }

  query<R = Record<string, unknown>>(text: string): Promise<Result<R>> {
    return this.#exec(text) as Promise<Result<R>>;
  }

  async simpleQuery<R = Record<string, unknown>>(text: string): Promise<Result<R>[]> {
    const result = await this.#exec(text);
    return text === '' ? [] : [result as Result<R>];
  }

  async prepare(text: string): Promise<PreparedStatement> {
    await this.#exec(`PREPARE ${text}`);
    return {
      text,
      paramTypes: [],
      fields: [],
      execute: <R>() => this.#exec(text) as Promise<Result<R>>,
      close: async () => {
        await this.#exec(`CLOSE ${text}`);
      },
    };
  }

  /** `STREAM n` yields n rows `{ i }`, one per batch; the client is busy until the stream ends or is closed. */
  streamChannel(text: string): StreamChannel {
    const total = Number(text.split(' ')[1] ?? 0);
    let stop = (): void => undefined;
    return {
      open: (consumer) => {
        this.sent.push(text);
        this.#running++;
        let next = 0;
        let open = true;
        let finished!: () => void;
        const promise = new Promise<void>((resolve) => (finished = resolve));
        const finish = (): void => {
          if (open) this.#running--;
          open = false;
          finished();
        };
        // Like PostgreSQL's portal at an exact multiple of the fetch size: the end is known only at the next fetch.
        const deliver = (): void => {
          if (!open) return;
          if (next >= total) return finish();
          consumer.batch([{ i: next++ }], true);
        };
        // Rows come in with the socket's next read, never inside the call that asked for them.
        const fetch = (): void => void setImmediate(deliver);
        fetch();
        stop = finish;
        return { promise, fields: [], fetch };
      },
      stop: () => stop(),
      decorate: (err) => err,
    };
  }

  async executeMany(text: string, rows: readonly (readonly unknown[])[]): Promise<BulkResult> {
    await this.#exec(text);
    return { rowCounts: rows.map(() => 1), failed: [], notApplied: [], errors: new Map() };
  }

  async bulkInsert(table: string, _columns: readonly string[], rows: readonly (readonly unknown[])[]): Promise<BulkInsertResult> {
    await this.#exec(table);
    return { inserted: rows.length, failed: 0, errors: [] };
  }

  close(): Promise<void> {
    this.closed = true;
    this.gracefullyClosed = true;
    return Promise.resolve();
  }

  destroy(): void {
    this.closed = true;
    this.destroyed = true;
    for (const h of this.#held.splice(0)) h.reject(new ClientClosedError('destroyed'));
  }

  whenCancelled(): Promise<void> | undefined {
    return this.busy ? this.cancelling : undefined;
  }

  /** Let every `HOLD` query finish. */
  finishHeld(): void {
    for (const h of this.#held.splice(0)) h.resolve();
  }

  #exec(text: string): Promise<Result<unknown>> {
    if (this.closed) return Promise.reject(new ClientClosedError());
    this.sent.push(text);
    this.#running++;
    const result: Result<unknown> = { rows: [], fields: [], rowCount: 0, command: text.split(' ')[0] ?? '' };
    const done = (): void => {
      this.#running--;
    };
    if (text === 'HOLD') {
      return new Promise<Result<unknown>>((resolve, reject) => {
        this.#held.push({
          resolve: () => (done(), resolve(result)),
          reject: (err) => (done(), reject(err)),
        });
      });
    }
    return Promise.resolve().then(() => {
      done();
      if (text === '' && this.failPing) {
        this.closed = true;
        throw new ConnectionError('ping failed');
      }
      if (text.includes('lost_node') && nodeLosses > 0) {
        nodeLosses--;
        throw new NodeUnavailableError({ sqlstate: 'XX000', message: '[c2][127.0.0.1:4311] Node not connected' });
      }
      if (text.startsWith('FAIL')) {
        if (this.transactionStatus === 'T') this.transactionStatus = 'E';
        throw new DatabaseError({ sqlstate: '42P01', message: `failed: ${text}` });
      }
      if (text.startsWith('BEGIN')) this.transactionStatus = 'T';
      if (text === 'COMMIT' || text === 'ROLLBACK') this.transactionStatus = 'I';
      return result;
    });
  }
}

/** How many more queries naming `lost_node` fail with a NodeUnavailableError (any connection). */
let nodeLosses = 0;

interface FakeEnv {
  clients: FakeClient[];
  attempts: string[];
  down: Set<string>;
  hang: boolean;
  isCrate: boolean;
  /** Finish the connection attempts held back by `hang`. */
  finishConnects(): void;
}

function fakePool(
  options: PoolOptions & { hosts?: string; database?: string; options?: string; down?: string[] } = {},
): { pool: Pool; env: FakeEnv } {
  const held: (() => void)[] = [];
  const env: FakeEnv = {
    clients: [],
    attempts: [],
    down: new Set(options.down),
    hang: false,
    isCrate: false,
    finishConnects: () => {
      for (const finish of held.splice(0)) finish();
    },
  };
  const open = (host: string): FakeClient => {
    const client = new FakeClient(host, env.clients.length + 1, env.isCrate);
    env.clients.push(client);
    return client;
  };
  const factory: ClientFactory = (host, signal) => {
    env.attempts.push(host.host);
    if (env.down.has(host.host)) {
      return Promise.reject(new ConnectionError(`connect ECONNREFUSED ${host.host}`, { host: host.host, port: host.port }));
    }
    if (env.hang) {
      return new Promise((resolve, reject) => {
        held.push(() => resolve(open(host.host)));
        signal.addEventListener('abort', () => reject(signal.reason as Error));
      });
    }
    return Promise.resolve(open(host.host));
  };
  const { hosts = 'h1', database = 'db', options: startupOptions, down: _down, ...poolOptions } = options;
  const url = `postgres://u@${hosts}/${database}${startupOptions === undefined ? '' : `?options=${encodeURIComponent(startupOptions)}`}`;
  const pool = createPool(url, { clientFactory: factory, checkAfterIdleMs: 60_000, ...poolOptions });
  pools.push(pool);
  return { pool, env };
}

const pools: Pool[] = [];
afterEach(async () => {
  vi.useRealTimers();
  await Promise.all(pools.splice(0).map((p) => p.end({ timeoutMs: 10 })));
});

function useFakeClock(): void {
  vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout', 'setInterval', 'clearInterval', 'Date', 'performance'] });
}

/** Settle pending microtasks (fake answers, pool bookkeeping). */
async function flush(): Promise<void> {
  for (let i = 0; i < 10; i++) await Promise.resolve();
}

describe('createPool options', () => {
  it('splits pool options from connection options and validates both', () => {
    expect(() => createPool('postgres://u@h/db', { max: 0 })).toThrow(ConfigError);
    expect(() => createPool('postgres://u@h/db', { max: 2, min: 3 })).toThrow(/min/);
    expect(() => createPool({ host: 'h', max: 5, hostSelection: 'random' as 'spread' })).toThrow(/hostSelection/);
    expect(() => createPool({ host: 'h', noSuchOption: 1 } as never)).toThrow(ConfigError);
    const pool = createPool({ host: 'h', max: 3, connectTimeoutMs: 1000 }, { idleTimeoutMs: 5 });
    pools.push(pool);
    expect(pool.stats).toMatchObject({ total: 0, idle: 0, busy: 0, waiting: 0 });
  });
});

describe('sizes and queueing', () => {
  it('never opens more than max connections; callers beyond max wait their turn', async () => {
    const { pool, env } = fakePool({ max: 3 });
    const results = await Promise.all(Array.from({ length: 20 }, (_, i) => pool.query(`SELECT ${i}`)));
    expect(results).toHaveLength(20);
    expect(env.clients.length).toBeLessThanOrEqual(3);
    expect(env.clients.flatMap((c) => c.sent).sort()).toEqual(Array.from({ length: 20 }, (_, i) => `SELECT ${i}`).sort());
    expect(pool.stats).toMatchObject({ busy: 0, waiting: 0, acquired: 20 });
    expect(pool.stats.total).toBe(env.clients.length);
  });

  it('serves waiters first-in, first-out', async () => {
    const { pool } = fakePool({ max: 1 });
    const first = await pool.acquire();
    const order: string[] = [];
    const waiting = ['a', 'b', 'c'].map((name) =>
      pool.acquire().then((c) => {
        order.push(name);
        c.release();
      }),
    );
    await flush();
    expect(pool.stats.waiting).toBe(3);
    first.release();
    await Promise.all(waiting);
    expect(order).toEqual(['a', 'b', 'c']);
  });

  it('times out a waiter with PoolTimeoutError that says the pool is busy', async () => {
    useFakeClock();
    const { pool } = fakePool({ max: 1, acquireTimeoutMs: 1_000 });
    const held = await pool.acquire();
    const waiting = pool.acquire().catch((e: unknown) => e);
    await vi.advanceTimersByTimeAsync(999);
    expect(pool.stats.waiting).toBe(1);
    await vi.advanceTimersByTimeAsync(1);
    const err = await waiting;
    expect(err).toBeInstanceOf(PoolTimeoutError);
    expect(err).toBeInstanceOf(UsageError);
    expect((err as Error).message).toMatch(/1 of max 1 connections busy/);
    expect(pool.stats).toMatchObject({ waiting: 0, timedOut: 1 });
    held.release();
    expect(pool.stats).toMatchObject({ idle: 1, busy: 0 });
  });

  it('a per-call timeoutMs overrides acquireTimeoutMs', async () => {
    useFakeClock();
    const { pool } = fakePool({ max: 1, acquireTimeoutMs: 60_000 });
    await pool.acquire();
    const waiting = pool.acquire({ timeoutMs: 50 }).catch((e: unknown) => e);
    await vi.advanceTimersByTimeAsync(50);
    expect(await waiting).toBeInstanceOf(PoolTimeoutError);
  });

  it('refuses at once when maxWaiting callers already wait', async () => {
    const { pool } = fakePool({ max: 1, maxWaiting: 1 });
    const held = await pool.acquire();
    const second = pool.acquire();
    await expect(pool.acquire()).rejects.toBeInstanceOf(PoolQueueFullError);
    held.release();
    (await second).release();
    expect(pool.stats).toMatchObject({ waiting: 0, busy: 0, total: 1 });
  });

  it('an aborted acquire rejects with signal.reason and leaks nothing', async () => {
    const { pool } = fakePool({ max: 1 });
    const held = await pool.acquire();
    const controller = new AbortController();
    const waiting = pool.acquire({ signal: controller.signal });
    const reason = new Error('client went away');
    controller.abort(reason);
    await expect(waiting).rejects.toBe(reason);
    expect(pool.stats.waiting).toBe(0);
    held.release();
    expect(pool.stats).toMatchObject({ total: 1, idle: 1, busy: 0 });
    const already = AbortSignal.abort(new Error('before'));
    await expect(pool.acquire({ signal: already })).rejects.toThrow('before');
  });

  it('a connection that arrives after its waiter timed out goes idle, not lost', async () => {
    useFakeClock();
    const { pool, env } = fakePool({ max: 1, acquireTimeoutMs: 100 });
    env.hang = true;
    const waiting = pool.acquire().catch((e: unknown) => e);
    await vi.advanceTimersByTimeAsync(100);
    expect(await waiting).toBeInstanceOf(PoolTimeoutError);
    expect(pool.stats).toMatchObject({ connecting: 1, total: 0 });
    env.finishConnects();
    await flush();
    expect(pool.stats).toMatchObject({ connecting: 0, total: 1, idle: 1, busy: 0 });
    (await pool.acquire()).release();
    expect(env.clients).toHaveLength(1);
  });

  it('min connections are opened at start and kept through idle timeouts', async () => {
    useFakeClock();
    const { pool, env } = fakePool({ min: 2, max: 5, idleTimeoutMs: 1_000 });
    await flush();
    expect(pool.stats).toMatchObject({ total: 2, idle: 2 });
    const conns = await Promise.all([1, 2, 3, 4].map(() => pool.acquire()));
    for (const c of conns) c.release();
    expect(pool.stats.total).toBe(4);
    await vi.advanceTimersByTimeAsync(1_000);
    expect(pool.stats).toMatchObject({ total: 2, idle: 2 });
    expect(env.clients.filter((c) => c.gracefullyClosed)).toHaveLength(2);
  });

  it('closes idle connections after idleTimeoutMs', async () => {
    useFakeClock();
    const { pool, env } = fakePool({ idleTimeoutMs: 500 });
    (await pool.acquire()).release();
    await vi.advanceTimersByTimeAsync(499);
    expect(pool.stats.idle).toBe(1);
    await vi.advanceTimersByTimeAsync(1);
    expect(pool.stats).toMatchObject({ total: 0, destroyed: 1 });
    expect(env.clients[0]?.gracefullyClosed).toBe(true);
  });

  it('retires connections at maxLifetimeMs minus at most 10 % jitter', async () => {
    useFakeClock();
    const { pool, env } = fakePool({ max: 4, maxLifetimeMs: 10_000, idleTimeoutMs: 0 });
    const conns = await Promise.all([1, 2, 3, 4].map(() => pool.acquire()));
    for (const c of conns) c.release();
    await vi.advanceTimersByTimeAsync(8_999);
    expect(pool.stats.total).toBe(4);
    await vi.advanceTimersByTimeAsync(1_001);
    expect(pool.stats.total).toBe(0);
    (await pool.acquire()).release();
    expect(env.clients).toHaveLength(5);
  });

  it('a connection that expires while borrowed is closed on release', async () => {
    useFakeClock();
    const { pool, env } = fakePool({ maxLifetimeMs: 1_000 });
    const c = await pool.acquire();
    await vi.advanceTimersByTimeAsync(1_000);
    c.release();
    expect(pool.stats.total).toBe(0);
    expect(env.clients[0]?.gracefullyClosed).toBe(true);
  });
});

describe('what is never handed out again', () => {
  it('a client whose connection closed while idle', async () => {
    const { pool, env } = fakePool();
    (await pool.acquire()).release();
    (env.clients[0] as FakeClient).closed = true;
    const c = await pool.acquire();
    await c.query('SELECT 1');
    expect(env.clients).toHaveLength(2);
    expect(env.clients[1]?.sent).toEqual(['SELECT 1']);
  });

  it('a client released with a query still running', async () => {
    const { pool, env } = fakePool();
    const c = await pool.acquire();
    const running = c.query('HOLD').catch((e: unknown) => e);
    c.release();
    expect(await running).toBeInstanceOf(ClientClosedError);
    expect(env.clients[0]?.destroyed).toBe(true);
    expect(pool.stats.total).toBe(0);
  });

  it('on PostgreSQL, a client left in a transaction (T) or failed transaction (E)', async () => {
    const { pool, env } = fakePool();
    const a = await pool.acquire();
    await a.query('BEGIN');
    a.release();
    expect(env.clients[0]?.closed).toBe(true);
    const b = await pool.acquire();
    await b.query('BEGIN');
    await b.query('FAIL').catch(() => undefined);
    expect(b.transactionStatus).toBe('E');
    b.release();
    expect(env.clients[1]?.closed).toBe(true);
    expect(pool.stats).toMatchObject({ total: 0, destroyed: 2 });
  });

  it('on CrateDB the status byte means nothing, so T does not stop reuse (docs/cratedb-wire.md "Transactions")', async () => {
    const { pool, env } = fakePool();
    env.isCrate = true;
    const a = await pool.acquire();
    await a.query('BEGIN');
    a.release();
    expect(pool.stats).toMatchObject({ total: 1, idle: 1 });
  });

  it('a client released with release(error)', async () => {
    const { pool, env } = fakePool();
    (await pool.acquire()).release(new Error('bad'));
    expect(env.clients[0]?.closed).toBe(true);
    (await pool.acquire()).release(true);
    expect(env.clients[1]?.closed).toBe(true);
  });

  it('checks a client idle longer than checkAfterIdleMs with an empty query, and replaces it if the check fails', async () => {
    useFakeClock();
    const { pool, env } = fakePool({ checkAfterIdleMs: 1_000, idleTimeoutMs: 0 });
    (await pool.acquire()).release();
    const first = env.clients[0] as FakeClient;
    (await pool.acquire()).release();
    expect(first.sent).toEqual([]);
    await vi.advanceTimersByTimeAsync(1_000);
    (await pool.acquire()).release();
    expect(first.sent).toEqual(['']);
    await vi.advanceTimersByTimeAsync(1_000);
    first.failPing = true;
    const c = await pool.acquire();
    await c.query('SELECT 1');
    expect(env.clients).toHaveLength(2);
    expect(env.clients[1]?.sent).toEqual(['SELECT 1']);
    expect(first.closed).toBe(true);
  });
});

describe('pool.query', () => {
  it('releases the connection when the query fails, and keeps it (a DatabaseError does not break it)', async () => {
    const { pool, env } = fakePool();
    await expect(pool.query('FAIL here')).rejects.toBeInstanceOf(DatabaseError);
    expect(pool.stats).toMatchObject({ busy: 0, idle: 1 });
    await pool.query('SELECT 1');
    expect(env.clients).toHaveLength(1);
  });
});

describe('pool.query after a CrateDB node left the cluster', () => {
  beforeEach(() => {
    nodeLosses = 0;
  });

  it('a plain read runs again (up to three runs in all) until the cluster has noticed the loss', async () => {
    const { pool, env } = fakePool({ max: 2 });
    nodeLosses = 2;
    await expect(pool.query('SELECT * FROM lost_node')).resolves.toMatchObject({ command: 'SELECT' });
    expect(env.clients.flatMap((c) => c.sent).filter((t) => t.includes('lost_node'))).toHaveLength(3);
  });

  it('a third loss reaches the caller', async () => {
    const { pool } = fakePool({ max: 2 });
    nodeLosses = 3;
    await expect(pool.query('SELECT * FROM lost_node')).rejects.toBeInstanceOf(NodeUnavailableError);
  });

  it('no run past the deadline: a read with 50 ms left is not retried after the 100 ms pause', async () => {
    const { pool, env } = fakePool({ max: 2 });
    nodeLosses = 1;
    await expect(pool.query('SELECT * FROM lost_node', [], { timeoutMs: 50 })).rejects.toBeInstanceOf(NodeUnavailableError);
    expect(env.clients.flatMap((c) => c.sent).filter((t) => t.includes('lost_node'))).toHaveLength(1);
  });

  it('a write is never run again (it may have been applied)', async () => {
    const { pool, env } = fakePool({ max: 2 });
    nodeLosses = 1;
    await expect(pool.query('INSERT INTO lost_node VALUES (1)')).rejects.toBeInstanceOf(NodeUnavailableError);
    expect(env.clients.flatMap((c) => c.sent).filter((t) => t.includes('lost_node'))).toHaveLength(1);
  });
});

describe('pool.stream and pool.executeMany', () => {
  it('streams on a borrowed connection and releases it at the end', async () => {
    const { pool, env } = fakePool();
    const stream = pool.stream('STREAM 3');
    expect(pool.stats.total).toBe(0);
    const rows: unknown[] = [];
    for await (const row of stream) {
      rows.push(row);
      expect(pool.stats.busy).toBe(1);
    }
    expect(rows).toEqual([{ i: 0 }, { i: 1 }, { i: 2 }]);
    expect(pool.stats).toMatchObject({ busy: 0, idle: 1 });
    expect(env.clients[0]?.closed).toBe(false);
  });

  it('releases the connection when the loop breaks early', async () => {
    const { pool, env } = fakePool();
    for await (const row of pool.stream('STREAM 100')) {
      expect(row).toEqual({ i: 0 });
      break;
    }
    expect(pool.stats).toMatchObject({ busy: 0, idle: 1 });
    expect(env.clients[0]?.closed).toBe(false);
  });

  it('releases the connection of a stream left unread for idleTimeoutMs', async () => {
    useFakeClock();
    const { pool } = fakePool();
    const iterator = pool.stream('STREAM 100', [], { idleTimeoutMs: 1_000 })[Symbol.asyncIterator]();
    await iterator.next();
    await vi.advanceTimersByTimeAsync(999);
    expect(pool.stats.busy).toBe(1);
    await vi.advanceTimersByTimeAsync(1);
    expect(pool.stats).toMatchObject({ busy: 0, idle: 1 });
    await expect(iterator.next()).rejects.toMatchObject({ code: 'STREAM_IDLE_TIMEOUT' });
  });

  it('a stream closed while it waits for a connection gives that connection back as soon as it arrives', async () => {
    const { pool, env } = fakePool({ max: 1 });
    const held = await pool.acquire();
    const iterator = pool.stream('STREAM 3')[Symbol.asyncIterator]();
    const pull = iterator.next();
    const closed = (iterator.return as () => Promise<IteratorResult<unknown>>)();
    held.release();
    await closed;
    expect(await pull).toEqual({ done: true, value: undefined });
    expect(pool.stats).toMatchObject({ busy: 0, idle: 1 });
    expect(env.clients[0]?.sent).not.toContain('STREAM 3');
  });

  it('close() of a stream waiting for a connection resolves at once, without waiting for the pool to free one', async () => {
    const { pool, env } = fakePool({ max: 1 });
    const held = await pool.acquire();
    const stream = pool.stream('STREAM 3');
    const pull = stream[Symbol.asyncIterator]().next();
    let closed = false;
    const closing = stream.close().then(() => (closed = true));
    await new Promise((resolve) => setImmediate(resolve));
    expect(closed).toBe(true);
    await stream.close();
    expect(await pull).toEqual({ done: true, value: undefined });
    held.release();
    await closing;
    await flush();
    expect(pool.stats).toMatchObject({ busy: 0, idle: 1 });
    expect(env.clients[0]?.sent).not.toContain('STREAM 3');
  });

  it('destroying the Readable of a stream waiting for a connection closes at once', async () => {
    const { pool } = fakePool({ max: 1 });
    const held = await pool.acquire();
    const readable = pool.stream('STREAM 3').toReadable();
    readable.resume();
    await new Promise((resolve) => setImmediate(resolve));
    expect(pool.stats.waiting).toBe(1);
    const closed = new Promise((resolve) => readable.once('close', resolve));
    readable.destroy();
    let done = false;
    void closed.then(() => (done = true));
    await new Promise((resolve) => setImmediate(resolve));
    expect(done).toBe(true);
    held.release();
    await flush();
    expect(pool.stats).toMatchObject({ busy: 0, idle: 1 });
  });

  it('an abort while the stream waits for a connection rejects the pull with signal.reason', async () => {
    const { pool } = fakePool({ max: 1 });
    const held = await pool.acquire();
    const controller = new AbortController();
    const pull = pool.stream('STREAM 3', [], { signal: controller.signal })[Symbol.asyncIterator]().next();
    const reason = new Error('stop');
    controller.abort(reason);
    await expect(pull).rejects.toBe(reason);
    held.release();
    await flush();
    expect(pool.stats).toMatchObject({ busy: 0, idle: 1 });
  });

  it('an abort in the same tick as the connection arrives still rejects the pull with signal.reason and sends nothing', async () => {
    const { pool, env } = fakePool({ max: 1 });
    const held = await pool.acquire();
    const controller = new AbortController();
    const pull = pool.stream('STREAM 3', [], { signal: controller.signal })[Symbol.asyncIterator]().next();
    await flush();
    const reason = new Error('stop');
    held.release();
    controller.abort(reason);
    await expect(pull).rejects.toBe(reason);
    await flush();
    expect(pool.stats).toMatchObject({ busy: 0, idle: 1 });
    expect(env.clients[0]?.sent).not.toContain('STREAM 3');
  });

  it('executeMany borrows and releases a connection', async () => {
    const { pool } = fakePool();
    const result = await pool.executeMany('INSERT INTO t VALUES ($1)', [[1], [2]]);
    expect(result.rowCounts).toEqual([1, 1]);
    expect(pool.stats).toMatchObject({ busy: 0, idle: 1 });
  });

  it('bulkInsert borrows and releases a connection', async () => {
    const { pool } = fakePool();
    const result = await pool.bulkInsert('t', ['a'], [[1], [2], [3]]);
    expect(result).toEqual({ inserted: 3, failed: 0, errors: [] });
    expect(pool.stats).toMatchObject({ busy: 0, idle: 1 });
  });
});

describe('connection failures', () => {
  it('callers get the ConnectionError at once, and the pool recovers when the database returns', async () => {
    const { pool, env } = fakePool({ max: 2 });
    env.down.add('h1');
    const errors = await Promise.all([1, 2, 3].map(() => pool.query('SELECT 1').catch((e: unknown) => e)));
    for (const err of errors) expect(err).toBeInstanceOf(ConnectionError);
    expect(pool.stats).toMatchObject({ total: 0, waiting: 0, connecting: 0 });
    env.down.delete('h1');
    await pool.query('SELECT 1');
    expect(pool.stats).toMatchObject({ total: 1, idle: 1 });
  });

  it('a server that refuses at startup (57P03 starting up) is reported as a ConnectionError', async () => {
    const refusal = new DatabaseError({ sqlstate: '57P03', message: 'the database system is starting up' });
    const pool = createPool('postgres://u@h1/db', { clientFactory: () => Promise.reject(refusal) });
    pools.push(pool);
    const err = (await pool.acquire().catch((e: unknown) => e)) as ConnectionError;
    expect(err).toBeInstanceOf(ConnectionError);
    expect(err.cause).toBe(refusal);
    expect(err.message).toMatch(/h1:5432.*starting up/);
  });

  it('a PoolTimeoutError names the last connection error while the database is unreachable', async () => {
    useFakeClock();
    const { pool, env } = fakePool({ max: 1, acquireTimeoutMs: 100 });
    env.down.add('h1');
    await expect(pool.acquire()).rejects.toBeInstanceOf(ConnectionError);
    env.down.delete('h1');
    env.hang = true;
    const waiting = pool.acquire().catch((e: unknown) => e);
    await vi.advanceTimersByTimeAsync(100);
    const err = (await waiting) as PoolTimeoutError;
    expect(err).toBeInstanceOf(PoolTimeoutError);
    expect(err.message).toMatch(/cannot be reached.*ECONNREFUSED/);
    expect(err.cause).toBeInstanceOf(ConnectionError);
  });

  it('keeps retrying to reach min while nobody waits', async () => {
    useFakeClock();
    const { pool, env } = fakePool({ min: 1, down: ['h1'] });
    await flush();
    expect(pool.stats).toMatchObject({ total: 0, connecting: 0 });
    expect(env.attempts).toEqual(['h1']);
    env.down.delete('h1');
    await vi.advanceTimersByTimeAsync(1_000);
    expect(pool.stats).toMatchObject({ total: 1, idle: 1 });
  });

  it('an onConnect that throws fails the acquire with its error and closes the connection', async () => {
    const hookError = new Error('setup failed');
    const { pool, env } = fakePool({
      onConnect: () => {
        throw hookError;
      },
    });
    await expect(pool.acquire()).rejects.toBe(hookError);
    expect(env.clients[0]?.closed).toBe(true);
    expect(pool.stats).toMatchObject({ total: 0, connecting: 0 });
  });
});

describe('several hosts', () => {
  it("'spread' opens connections across hosts", async () => {
    const { pool, env } = fakePool({ hosts: 'h1,h2,h3', max: 6 });
    const conns = await Promise.all(Array.from({ length: 6 }, () => pool.acquire()));
    const perHost = new Map<string, number>();
    for (const c of env.clients) perHost.set(c.host, (perHost.get(c.host) ?? 0) + 1);
    expect([...perHost.values()]).toEqual([2, 2, 2]);
    for (const c of conns) c.release();
  });

  it("'spread' skips a host that failed to connect, without failing the caller", async () => {
    const { pool, env } = fakePool({ hosts: 'h1,h2', max: 4, down: ['h1'] });
    const first = await pool.acquire();
    expect(env.attempts).toEqual(['h1', 'h2']);
    // h1 now backs off: the next connections try h2 first, even though h2 has more connections.
    const more = await Promise.all(Array.from({ length: 3 }, () => pool.acquire()));
    expect(env.attempts).toEqual(['h1', 'h2', 'h2', 'h2', 'h2']);
    expect(env.clients.map((c) => c.host)).toEqual(['h2', 'h2', 'h2', 'h2']);
    for (const c of [first, ...more]) c.release();
  });

  it("'spread' moves connections back onto a host that recovered, and pool.stats shows the per-host counts", async () => {
    useFakeClock();
    const { pool, env } = fakePool({ hosts: 'h1,h2,h3', max: 6, down: ['h3'] });
    const destroyed: PoolDestroyEvent[] = [];
    const onDestroy = (e: unknown): void => void destroyed.push(e as PoolDestroyEvent);
    subscribe(CHANNELS.poolDestroy, onDestroy);
    try {
      const first = [];
      for (let i = 0; i < 6; i++) first.push(await pool.acquire());
      const perHost = (): number[] => pool.stats.hosts.map((h) => h.connections);
      expect(perHost()).toEqual([3, 3, 0]);
      expect(pool.stats.hosts[2]).toMatchObject({ host: 'h3', failures: 1 });
      expect(pool.stats.hosts[2]?.parkedMs).toBeGreaterThan(0);
      // While h3 is parked, releasing changes nothing: there is nowhere better to go.
      for (const c of first) c.release();
      await flush();
      expect(perHost()).toEqual([3, 3, 0]);
      env.down.delete('h3');
      vi.advanceTimersByTime(1_000);
      // Steady load: each round borrows every connection and gives it back; surplus ones are retired as they come back.
      for (let round = 0; round < 4; round++) {
        const conns = await Promise.all(Array.from({ length: 6 }, () => pool.acquire()));
        for (const c of conns) c.release();
        await flush();
      }
      expect(perHost()).toEqual([2, 2, 2]);
      expect(destroyed.filter((e) => e.reason === 'rebalance')).toHaveLength(2);
      expect(pool.stats.hosts[2]).toMatchObject({ failures: 0, parkedMs: 0 });
    } finally {
      unsubscribe(CHANNELS.poolDestroy, onDestroy);
    }
  });

  it("'spread' does not churn balanced hosts (a gap of one connection is left alone)", async () => {
    const { pool } = fakePool({ hosts: 'h1,h2', max: 3 });
    const conns = await Promise.all(Array.from({ length: 3 }, () => pool.acquire()));
    for (const c of conns) c.release();
    await flush();
    expect(pool.stats.hosts.map((h) => h.connections).sort()).toEqual([1, 2]);
    expect(pool.stats.destroyed).toBe(0);
  });

  it("'ordered' tries hosts in the order given, like libpq", async () => {
    const { pool, env } = fakePool({ hosts: 'h1,h2', max: 3, hostSelection: 'ordered' });
    const a = await Promise.all([1, 2].map(() => pool.acquire()));
    expect(env.clients.map((c) => c.host)).toEqual(['h1', 'h1']);
    env.down.add('h1');
    const b = await pool.acquire();
    expect(env.clients.map((c) => c.host)).toEqual(['h1', 'h1', 'h2']);
    for (const c of [...a, b]) c.release();
  });
});

describe('release while a cancelled query is still ending (issue #12, bug 4)', () => {
  function cancelledHold(client: FakeClient, running: Promise<unknown>): void {
    client.cancelling = running.then(
      () => undefined,
      () => undefined,
    );
  }

  it('waits for the cancel and offers the connection again when the query ended cleanly', async () => {
    const { pool, env } = fakePool({ max: 1 });
    const c = await pool.acquire();
    const running = c.query('HOLD');
    const client = env.clients[0] as FakeClient;
    cancelledHold(client, running);
    c.release();
    expect(pool.stats).toMatchObject({ busy: 1, idle: 0 });
    const next = pool.acquire();
    client.finishHeld();
    await running;
    (await next).release();
    expect(client.closed).toBe(false);
    expect(pool.stats).toMatchObject({ total: 1, idle: 1, destroyed: 0 });
  });

  it('closes the connection when the cancel did not stop the query (the client destroyed itself)', async () => {
    const { pool, env } = fakePool({ max: 1 });
    const c = await pool.acquire();
    const running = c.query('HOLD').catch(() => undefined);
    const client = env.clients[0] as FakeClient;
    cancelledHold(client, running);
    c.release();
    client.destroy();
    await running;
    await flush();
    expect(pool.stats).toMatchObject({ total: 0, destroyed: 1 });
  });
});

describe('session reset on release', () => {
  it('restores settings a borrower changed with SET … TO DEFAULT before the next borrower', async () => {
    const { pool, env } = fakePool();
    const a = await pool.acquire();
    await a.query("SET statement_timeout = '5s'");
    await a.simpleQuery("SELECT 1; SET LOCAL work_mem TO '64MB'; SET TIME ZONE 'UTC'");
    a.release();
    const b = await pool.acquire();
    const sent = (env.clients[0] as FakeClient).sent;
    expect(sent.slice(2)).toEqual(['SET statement_timeout TO DEFAULT', 'SET work_mem TO DEFAULT', 'SET timezone TO DEFAULT']);
    b.release();
    (await pool.acquire()).release();
    expect(sent).toHaveLength(5);
  });

  it('replays the settings made in onConnect instead of resetting them to DEFAULT', async () => {
    const { pool, env } = fakePool({
      onConnect: async (c) => {
        await c.query("SET search_path TO app, public");
      },
    });
    const a = await pool.acquire();
    await a.query('SET search_path TO other');
    a.release();
    await flush();
    expect(env.clients[0]?.sent).toEqual(['SET search_path TO app, public', 'SET search_path TO other', 'SET search_path TO app, public']);
  });

  it('closes the connection after SET SESSION AUTHORIZATION, SET ROLE, temp tables and the like', async () => {
    const unsafe = [
      'SET SESSION AUTHORIZATION bob',
      'set role admin',
      'CREATE TEMP TABLE t (a int)',
      'LISTEN channel',
      "SELECT set_config('x.y', '1', false)",
      'SELECT pg_advisory_lock(1)',
      'DISCARD ALL',
      'DEALLOCATE ALL',
    ];
    const { pool, env } = fakePool();
    const destroyed: PoolDestroyEvent[] = [];
    const onDestroy = (m: unknown): void => void destroyed.push(m as PoolDestroyEvent);
    subscribe(CHANNELS.poolDestroy, onDestroy);
    try {
      for (const sql of unsafe) {
        const c = await pool.acquire();
        await c.query(sql);
        c.release();
      }
    } finally {
      unsubscribe(CHANNELS.poolDestroy, onDestroy);
    }
    expect(env.clients).toHaveLength(unsafe.length);
    expect(env.clients.every((c) => c.closed)).toBe(true);
    expect(destroyed.map((e) => e.reason)).toEqual(unsafe.map(() => 'session'));
    expect(destroyed[0]?.detail).toMatch(/SET SESSION AUTHORIZATION/);
  });

  it('sends CLOSE ALL after DECLARE and closes prepared statements left open', async () => {
    const { pool, env } = fakePool();
    const a = await pool.acquire();
    await a.query('DECLARE c CURSOR WITH HOLD FOR SELECT 1');
    await a.prepare('SELECT $1::int');
    a.release();
    await flush();
    expect(env.clients[0]?.sent.slice(2)).toEqual(['CLOSE SELECT $1::int', 'CLOSE ALL']);
    expect(pool.stats).toMatchObject({ idle: 1, total: 1 });
  });

  it('on CrateDB restores search_path to the startup database and refuses to guess startup options', async () => {
    const { pool, env } = fakePool({ database: 'tenant1', options: '-c statement_timeout=60000' });
    env.isCrate = true;
    const a = await pool.acquire();
    await a.query('SET search_path TO other');
    a.release();
    await flush();
    expect(env.clients[0]?.sent.at(-1)).toBe('SET search_path TO tenant1');
    const b = await pool.acquire();
    await b.query('SET statement_timeout = 1000');
    b.release();
    expect(env.clients[0]?.closed).toBe(true);
  });
});

describe('session-reset SQL scanning', () => {
  it('records dotted and quoted setting names, ignores transaction-scoped and cluster SETs', () => {
    const tracker = new SessionTracker();
    tracker.endSetup();
    tracker.note('SET memory.operation_limit = 0; SET "Application_Name" TO \'x\'; SET TRANSACTION READ ONLY; SET GLOBAL x = 1');
    const plan = tracker.plan({ isCrate: false, database: 'doc', startupSettings: new Map() });
    expect(plan).toEqual({ statements: ['SET memory.operation_limit TO DEFAULT', 'SET application_name TO DEFAULT'] });
    const quiet = new SessionTracker();
    quiet.endSetup();
    quiet.note("SELECT * FROM t WHERE name = 'SET x = 1' OFFSET 3");
    expect(quiet.dirty).toBe(false);
  });

  it('reads -c pairs and application_name from the startup options', () => {
    expect([...parseStartupSettings('-c a=1 -cb=2 --c-d=3 -c', 'app')]).toEqual([
      ['a', '1'],
      ['b', '2'],
      ['c_d', '3'],
      ['application_name', 'app'],
    ]);
  });
});

describe('misuse', () => {
  it('double release, use after release and use after end() are UsageErrors', async () => {
    const { pool } = fakePool();
    const c = await pool.acquire();
    c.release();
    expect(() => c.release()).toThrow(UsageError);
    expect(() => c.query('SELECT 1')).toThrow(UsageError);
    await pool.end();
    await expect(pool.acquire()).rejects.toBeInstanceOf(PoolClosedError);
    await expect(pool.query('SELECT 1')).rejects.toBeInstanceOf(UsageError);
  });

  it("a stream made before release() and first pulled after it fails with a UsageError and sends nothing on the pool's connection", async () => {
    const { pool, env } = fakePool({ max: 1 });
    const c = await pool.acquire();
    const stream = c.stream('STREAM 3');
    c.release();
    const other = await pool.acquire();
    await expect(stream[Symbol.asyncIterator]().next()).rejects.toBeInstanceOf(UsageError);
    expect(env.clients[0]?.sent).not.toContain('STREAM 3');
    other.release();
  });

  it('await using releases once, even after an explicit release()', async () => {
    const { pool } = fakePool();
    {
      await using c = await pool.acquire();
      await c.query('SELECT 1');
      expect(pool.stats.busy).toBe(1);
    }
    expect(pool.stats).toMatchObject({ busy: 0, idle: 1 });
    {
      await using c = await pool.acquire();
      c.release();
    }
    expect(pool.stats).toMatchObject({ busy: 0, idle: 1 });
  });
});

describe('transaction()', () => {
  it('wraps the callback in BEGIN … COMMIT', async () => {
    const { pool, env } = fakePool();
    const value = await pool.transaction(async (tx) => {
      await tx.query('INSERT 1');
      return 42;
    }, { isolationLevel: 'serializable' });
    expect(value).toBe(42);
    expect(env.clients[0]?.sent).toEqual(['BEGIN ISOLATION LEVEL SERIALIZABLE', 'INSERT 1', 'COMMIT']);
    expect(pool.stats).toMatchObject({ idle: 1, busy: 0 });
  });

  it('rolls back and rethrows when the callback throws', async () => {
    const { pool, env } = fakePool();
    const boom = new Error('boom');
    await expect(pool.transaction(async () => Promise.reject(boom))).rejects.toBe(boom);
    expect(env.clients[0]?.sent).toEqual(['BEGIN', 'ROLLBACK']);
    expect(pool.stats.idle).toBe(1);
  });

  it('rolls back when a failed statement was caught inside the callback (COMMIT would silently roll back)', async () => {
    const { pool, env } = fakePool();
    await expect(
      pool.transaction(async (tx) => {
        await tx.query('FAIL').catch(() => undefined);
      }),
    ).rejects.toThrow(/rolled back/);
    expect(env.clients[0]?.sent).toEqual(['BEGIN', 'FAIL', 'ROLLBACK']);
  });

  it('refuses to release inside the callback', async () => {
    const { pool } = fakePool();
    await expect(pool.transaction(async (tx) => (tx as unknown as { release(): void }).release())).rejects.toThrow(UsageError);
    expect(pool.stats).toMatchObject({ busy: 0 });
  });

  it('on CrateDB throws a UsageError without sending anything', async () => {
    const { pool, env } = fakePool();
    env.isCrate = true;
    await expect(pool.transaction(async () => 1)).rejects.toThrow(/CrateDB has no transactions/);
    expect(env.clients[0]?.sent).toEqual([]);
    expect(pool.stats).toMatchObject({ busy: 0, idle: 1 });
  });
});

describe('end()', () => {
  it('rejects waiters, closes idle clients, waits for borrowed ones', async () => {
    const { pool, env } = fakePool({ max: 2 });
    const idle = await pool.acquire();
    const busy = await pool.acquire();
    idle.release();
    const next = await pool.acquire();
    const waiter = pool.acquire().catch((e: unknown) => e);
    let ended = false;
    const ending = pool.end().then(() => {
      ended = true;
    });
    expect(await waiter).toBeInstanceOf(PoolClosedError);
    await flush();
    expect(ended).toBe(false);
    await busy.query('SELECT still works');
    busy.release();
    next.release();
    await ending;
    expect(env.clients.every((c) => c.gracefullyClosed)).toBe(true);
    expect(pool.stats).toMatchObject({ total: 0, busy: 0, waiting: 0 });
  });

  it('destroys connections not released by the deadline', async () => {
    useFakeClock();
    const { pool, env } = fakePool();
    const c = await pool.acquire();
    const running = c.query('HOLD').catch((e: unknown) => e);
    const ending = pool.end({ timeoutMs: 1_000 });
    await vi.advanceTimersByTimeAsync(1_000);
    await ending;
    expect(await running).toBeInstanceOf(ClientClosedError);
    expect(env.clients[0]?.destroyed).toBe(true);
    expect(() => c.release()).not.toThrow();
  });

  it('aborts connection attempts in flight', async () => {
    const { pool, env } = fakePool();
    env.hang = true;
    const waiting = pool.acquire().catch((e: unknown) => e);
    await pool.end();
    expect(await waiting).toBeInstanceOf(PoolClosedError);
    expect(pool.stats.connecting).toBe(0);
  });
});

describe('diagnostics_channel', () => {
  let events: [string, unknown][] = [];
  const handlers = Object.values(CHANNELS).map((name) => [name, (m: unknown): void => void events.push([name, m])] as const);
  beforeEach(() => {
    events = [];
    for (const [name, h] of handlers) subscribe(name, h);
  });
  afterEach(() => {
    for (const [name, h] of handlers) unsubscribe(name, h);
  });

  it('publishes connect, acquire, release and destroy with the pool name and host', async () => {
    const { pool } = fakePool({ name: 'web', hosts: 'h1:5433' });
    const c = await pool.acquire();
    c.release(true);
    expect(events.map(([name]) => name)).toEqual([CHANNELS.poolConnect, CHANNELS.poolAcquire, CHANNELS.poolRelease, CHANNELS.poolDestroy]);
    for (const [, payload] of events) expect(payload).toMatchObject({ pool: 'web', host: 'h1', port: 5433 });
    expect(events[3]?.[1]).toMatchObject({ reason: 'released-with-error' });
  });
});
