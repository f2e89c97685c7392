import { subscribe, unsubscribe } from 'node:diagnostics_channel';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import {
  CHANNELS,
  ConnectionClosedError,
  ConnectionError,
  DatabaseError,
  PoolClosedError,
  PoolTimeoutError,
  QueryTimeoutError,
  createPool,
  type ConnectOptions,
  type Pool,
  type PoolDestroyEvent,
  type PoolOptions,
} from '../../src/index.js';
import { getTestPg } from '../support/pg-env.js';
import { startTestPostgres, type TestPostgres } from '../support/postgres.js';

const pg = getTestPg();
const pools: Pool[] = [];

function pool(options: PoolOptions & ConnectOptions = {}, url = pg.url('trust', { sslmode: 'disable' })): Pool {
  const p = createPool(url, { max: 4, ...options });
  pools.push(p);
  return p;
}

/** Poll until `predicate` holds (server-side effects like a backend exiting are asynchronous). */
async function until(predicate: () => Promise<boolean>, what: string, timeoutMs = 10_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await predicate())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

async function backendPid(p: Pool): Promise<number> {
  return (await p.query<{ pid: number }>('SELECT pg_backend_pid() AS pid')).rows[0]!.pid;
}

beforeAll(async () => {
  await pg.psql('DROP TABLE IF EXISTS pool_items; CREATE TABLE pool_items (id int PRIMARY KEY, name text); GRANT ALL ON pool_items TO PUBLIC');
});
afterEach(async () => {
  await Promise.all(pools.splice(0).map((p) => p.end({ timeoutMs: 1_000 })));
});

describe('pool against PostgreSQL', () => {
  it('runs many more concurrent queries than max on at most max connections', async () => {
    const p = pool({ max: 4 });
    const results = await Promise.all(
      Array.from({ length: 40 }, (_, i) => p.query<{ n: number; pid: number }>('SELECT $1::int AS n, pg_backend_pid() AS pid, pg_sleep(0.005)', [i])),
    );
    expect(results.map((r) => r.rows[0]?.n)).toEqual(Array.from({ length: 40 }, (_, i) => i));
    expect(new Set(results.map((r) => r.rows[0]?.pid)).size).toBeLessThanOrEqual(4);
    expect(p.stats).toMatchObject({ busy: 0, waiting: 0, acquired: 40 });
    expect(p.stats.created).toBeLessThanOrEqual(4);
  });

  it('replaces idle connections the server terminated (pg_terminate_backend)', async () => {
    const p = pool({ max: 2, checkAfterIdleMs: 0 });
    const [a, b] = await Promise.all([p.acquire(), p.acquire()]);
    const pids = await Promise.all([a!, b!].map(async (c) => (await c.query<{ pid: number }>('SELECT pg_backend_pid() AS pid')).rows[0]!.pid));
    a!.release();
    b!.release();
    await pg.psql(`SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE pid IN (${pids.join(',')})`);
    await until(async () => (await pg.psql(`SELECT count(*) FROM pg_stat_activity WHERE pid IN (${pids.join(',')})`)) === '0', 'backends to exit');
    const fresh = await Promise.all([backendPid(p), backendPid(p)]);
    for (const pid of fresh) expect(pids).not.toContain(pid);
    expect(p.stats.destroyed).toBeGreaterThanOrEqual(1);
    expect(p.stats).toMatchObject({ busy: 0, waiting: 0 });
  });

  it('a connection terminated while busy fails only its own query and is not reused', async () => {
    const p = pool({ max: 2 });
    const victim = await p.acquire();
    const pid = (await victim.query<{ pid: number }>('SELECT pg_backend_pid() AS pid')).rows[0]!.pid;
    const running = victim.query('SELECT pg_sleep(10)').catch((e: unknown) => e);
    const bystander = p.query<{ n: number }>('SELECT 7 AS n, pg_sleep(0.2)');
    await until(async () => (await pg.psql(`SELECT count(*) FROM pg_stat_activity WHERE pid = ${pid} AND wait_event = 'PgSleep'`)) === '1', 'the sleep to start');
    await pg.psql(`SELECT pg_terminate_backend(${pid})`);
    expect(await running).toBeInstanceOf(ConnectionClosedError);
    expect((await bystander).rows[0]).toMatchObject({ n: 7 });
    victim.release();
    expect(await backendPid(p)).not.toBe(pid);
    expect(p.stats.busy).toBe(0);
  });

  it('a session setting changed by one borrower is not seen by the next', async () => {
    const p = pool({ max: 1 });
    const a = await p.acquire();
    const pid = (await a.query<{ pid: number }>('SELECT pg_backend_pid() AS pid')).rows[0]!.pid;
    await a.query("SET statement_timeout = '1234ms'");
    await a.simpleQuery("SET search_path TO pg_catalog; SET application_name = 'borrower-a'");
    a.release();
    const b = await p.acquire();
    const [timeout, path, app, bPid] = await Promise.all([
      b.query<{ statement_timeout: string }>('SHOW statement_timeout'),
      b.query<{ search_path: string }>('SHOW search_path'),
      b.query<{ application_name: string }>('SHOW application_name'),
      b.query<{ pid: number }>('SELECT pg_backend_pid() AS pid'),
    ]);
    expect(bPid.rows[0]?.pid).toBe(pid);
    expect(timeout.rows[0]?.statement_timeout).toBe('0');
    expect(path.rows[0]?.search_path).toBe('"$user", public');
    expect(app.rows[0]?.application_name).toBe('');
    b.release();
  });

  it('settings made in onConnect survive the reset; startup options are restored by DEFAULT', async () => {
    const url = pg.url('trust', { sslmode: 'disable', options: '-c work_mem=8MB' });
    const p = pool({ max: 1, onConnect: async (c) => void (await c.query("SET application_name = 'from-hook'")) }, url);
    const a = await p.acquire();
    await a.simpleQuery("SET application_name = 'changed'; SET work_mem = '1MB'");
    a.release();
    const b = await p.acquire();
    expect((await b.query('SHOW application_name')).rows).toEqual([{ application_name: 'from-hook' }]);
    expect((await b.query('SHOW work_mem')).rows).toEqual([{ work_mem: '8MB' }]);
    b.release();
  });

  it('closes the connection after SET SESSION AUTHORIZATION instead of handing it out', async () => {
    const p = pool({ max: 1 }, pg.url('superuser', { sslmode: 'disable' }));
    const a = await p.acquire();
    const pid = (await a.query<{ pid: number }>('SELECT pg_backend_pid() AS pid')).rows[0]!.pid;
    await a.query(`SET SESSION AUTHORIZATION ${pg.users.trust.user}`);
    a.release();
    const who = await p.query<{ who: string; pid: number }>('SELECT current_user AS who, pg_backend_pid() AS pid');
    expect(who.rows[0]).toMatchObject({ who: pg.users.superuser.user });
    expect(who.rows[0]?.pid).not.toBe(pid);
  });

  it('a transaction left open is not reused, and its writes are not committed', async () => {
    const p = pool({ max: 1 });
    const a = await p.acquire();
    const pid = (await a.query<{ pid: number }>('SELECT pg_backend_pid() AS pid')).rows[0]!.pid;
    await a.query('BEGIN');
    await a.query("INSERT INTO pool_items VALUES (1, 'left open')");
    expect(a.transactionStatus).toBe('T');
    a.release();
    expect(await backendPid(p)).not.toBe(pid);
    expect((await p.query('SELECT count(*)::int AS n FROM pool_items WHERE id = 1')).rows).toEqual([{ n: 0 }]);
  });

  it('transaction() commits, and rolls back when the callback throws', async () => {
    const p = pool({ max: 2 });
    await p.transaction(async (tx) => {
      await tx.query("INSERT INTO pool_items VALUES (10, 'committed')");
    });
    const failure = new Error('undo');
    await expect(
      p.transaction(async (tx) => {
        await tx.query("INSERT INTO pool_items VALUES (11, 'rolled back')");
        throw failure;
      }),
    ).rejects.toBe(failure);
    await expect(
      p.transaction(async (tx) => {
        await tx.query("INSERT INTO pool_items VALUES (12, 'swallowed')");
        await tx.query('SELECT * FROM no_such_table').catch(() => undefined);
      }),
    ).rejects.toThrow(/rolled back/);
    const rows = await p.query('SELECT id FROM pool_items WHERE id >= 10 ORDER BY id');
    expect(rows.rows).toEqual([{ id: 10 }]);
    expect(p.stats).toMatchObject({ busy: 0 });
    expect(p.stats.destroyed).toBe(0);
  });

  it('pool.stream releases its connection at the end and on break', async () => {
    const p = pool({ max: 1 });
    let n = 0;
    for await (const row of p.stream<{ g: number }>('SELECT g FROM generate_series(1, 2500) g', [], { fetchSize: 100 })) n += row.g;
    expect(n).toBe((2500 * 2501) / 2);
    for await (const row of p.stream<{ g: number }>('SELECT g FROM generate_series(1, 2500) g', [], { fetchSize: 100 })) {
      expect(row.g).toBe(1);
      break;
    }
    expect(p.stats).toMatchObject({ busy: 0, idle: 1, destroyed: 0 });
    expect((await p.query('SELECT 1 AS one')).rows).toEqual([{ one: 1 }]);
  });

  it('a failing query releases its connection and leaves it usable', async () => {
    const p = pool({ max: 1 });
    await expect(p.query('SELECT * FROM no_such_table')).rejects.toBeInstanceOf(DatabaseError);
    expect((await p.query('SELECT 2 AS two')).rows).toEqual([{ two: 2 }]);
    expect(p.stats).toMatchObject({ total: 1, destroyed: 0 });
  });

  it('end() waits for busy connections, then refuses new work', async () => {
    const p = pool({ max: 2 });
    const slow = p.query<{ done: boolean }>('SELECT pg_sleep(0.3), true AS done');
    await new Promise((r) => setTimeout(r, 50));
    await p.end();
    expect((await slow).rows[0]?.done).toBe(true);
    expect(p.stats).toMatchObject({ total: 0, busy: 0 });
    await expect(p.query('SELECT 1')).rejects.toBeInstanceOf(PoolClosedError);
  });

  it('end() with a deadline closes connections still busy after it', async () => {
    const p = pool({ max: 1 });
    const stuck = p.query('SELECT pg_sleep(30)').catch((e: unknown) => e);
    await new Promise((r) => setTimeout(r, 50));
    await p.end({ timeoutMs: 200 });
    expect(await stuck).toBeInstanceOf(PoolClosedError);
    expect(p.stats.total).toBe(0);
  });
});

describe('pool through a database restart', () => {
  let own: TestPostgres;
  beforeAll(async () => {
    own = await startTestPostgres();
  }, 60_000);
  afterAll(async () => {
    await own?.destroy();
  });

  it('fails fast while the server is down and recovers by itself when it returns', async () => {
    const p = pool({ max: 3, acquireTimeoutMs: 2_000, connectTimeoutMs: 1_000 }, own.url('trust', { sslmode: 'disable' }));
    const held = await Promise.all([1, 2, 3].map(() => p.acquire()));
    for (const c of held) c.release();
    expect(p.stats).toMatchObject({ total: 3, idle: 3 });

    await own.stop();
    const during = await Promise.all(Array.from({ length: 6 }, () => p.query('SELECT 1').then(() => undefined, (e: unknown) => e)));
    for (const err of during) {
      expect(err instanceof ConnectionError || err instanceof PoolTimeoutError, String(err)).toBe(true);
    }
    expect(p.stats).toMatchObject({ busy: 0, waiting: 0 });

    await own.start();
    await until(async () => p.query('SELECT 1').then(() => true, () => false), 'the pool to recover');
    const after = await Promise.all(Array.from({ length: 10 }, (_, i) => p.query<{ n: number }>('SELECT $1::int AS n', [i])));
    expect(after.map((r) => r.rows[0]?.n)).toEqual(Array.from({ length: 10 }, (_, i) => i));
    expect(p.stats).toMatchObject({ busy: 0, waiting: 0 });
  });
});

describe('pool.query timeoutMs covers the wait and the query', () => {
  it('a saturated pool fails the caller at its own timeoutMs with PoolTimeoutError, well before acquireTimeoutMs', async () => {
    const pool = createPool(pg.url('trust', { sslmode: 'disable' }), { max: 1, acquireTimeoutMs: 20_000 });
    pools.push(pool);
    const held = await pool.acquire();
    await expect(pool.query('SELECT 1', [], { timeoutMs: 150 })).rejects.toThrow(PoolTimeoutError);
    held.release();
    expect((await pool.query('SELECT 2 AS two', [], { timeoutMs: 2_000 })).rows).toEqual([{ two: 2 }]);
  });

  it('the time left after the wait bounds the query (QueryTimeoutError, the connection is cancelled, not lost)', async () => {
    const pool = createPool(pg.url('trust', { sslmode: 'disable' }), { max: 1 });
    pools.push(pool);
    await expect(pool.query('SELECT pg_sleep(5)', [], { timeoutMs: 200 })).rejects.toThrow(QueryTimeoutError);
    expect((await pool.query('SELECT 3 AS three')).rows).toEqual([{ three: 3 }]);
  });
});

describe('timeout errors name the value the caller passed (issue #12, bug 6)', () => {
  it('QueryTimeoutError reports the whole timeoutMs, not the time left after acquiring', async () => {
    const p = pool({ max: 1 });
    const held = await p.acquire();
    setTimeout(() => held.release(), 60);
    const err = await p.query('SELECT pg_sleep(5)', [], { timeoutMs: 250 }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(QueryTimeoutError);
    expect((err as QueryTimeoutError).timeoutMs).toBe(250);
    expect((err as Error).message).toContain('timeoutMs=250');
  });

  it('a string timeoutMs is refused as written', async () => {
    const p = pool({ max: 1 });
    const bad = { timeoutMs: '100' as unknown as number };
    await expect(p.query('SELECT 1', [], bad)).rejects.toThrow('pool.query(): options.timeoutMs must be a whole number of milliseconds (0 = no timeout), got "100"');
    await expect(p.acquire(bad)).rejects.toThrow('got "100"');
    const c = await p.acquire();
    try {
      await expect(c.query('SELECT 1', [], bad)).rejects.toThrow('got "100"');
    } finally {
      c.release();
    }
  });
});

describe('a cancelled pool query keeps its connection when the cancel completes (issue #12, bug 4)', () => {
  it.each([
    ['timeoutMs', (): { timeoutMs: number } => ({ timeoutMs: 150 })],
    ['an aborted signal', (): { signal: AbortSignal } => ({ signal: AbortSignal.timeout(150) })],
  ])('after %s the same backend serves the next query and nothing is destroyed', async (_, options) => {
    const p = pool({ max: 1 });
    const destroyed: PoolDestroyEvent[] = [];
    const onDestroy = (m: unknown): void => void destroyed.push(m as PoolDestroyEvent);
    subscribe(CHANNELS.poolDestroy, onDestroy);
    try {
      const pid = await backendPid(p);
      for (let i = 0; i < 3; i++) await expect(p.query('SELECT pg_sleep(5)', [], options())).rejects.toThrow();
      expect(await backendPid(p)).toBe(pid);
      expect(p.stats).toMatchObject({ created: 1, destroyed: 0, idle: 1, busy: 0 });
    } finally {
      unsubscribe(CHANNELS.poolDestroy, onDestroy);
    }
    expect(destroyed).toEqual([]);
  });

  it('a borrower that releases while its own query is still running (not cancelled) still loses the connection', async () => {
    const p = pool({ max: 1 });
    const c = await p.acquire();
    const running = c.query('SELECT pg_sleep(0.2)').catch((e: unknown) => e);
    c.release();
    await running;
    expect(p.stats).toMatchObject({ destroyed: 1 });
  });
});
