/**
 * Network faults between the driver and a real PostgreSQL, injected by test/support/fault-proxy.ts. For each: the
 * caller gets the right error class, every queued operation settles, nothing hangs, no unhandled rejection or uncaught
 * exception, and the connection is closed afterwards (a pool replaces it).
 */
import { subscribe, unsubscribe } from 'node:diagnostics_channel';
import { afterEach, describe, expect, it } from 'vitest';
import { CHANNELS } from '../../src/diagnostics.js';
import { connect, type Client } from '../../src/client.js';
import {
  ClientClosedError,
  ConnectionClosedError,
  ConnectionError,
  ConnectTimeoutError,
  QueryTimeoutError,
} from '../../src/errors.js';
import { createPool, type Pool } from '../../src/pool.js';
import { BulkInterruptedError } from '../../src/query/bulk-api.js';
import { closedPort, startFaultProxy, type Fault, type FaultProxy, type ProxiedConnection } from '../support/fault-proxy.js';
import { failOnStrayErrors, rejection, settle, usePostgres } from './oracle.js';
import type { ConnectOptions } from '../../src/types.js';

failOnStrayErrors();
const pg = usePostgres();

const proxies: FaultProxy[] = [];
const clients: Client[] = [];
const pools: Pool[] = [];

afterEach(async () => {
  for (const c of clients.splice(0)) c.destroy();
  await Promise.all(pools.splice(0).map((p) => p.end({ timeoutMs: 100 })));
  await Promise.all(proxies.splice(0).map((p) => p.close()));
});

async function proxy(fault: Fault): Promise<FaultProxy> {
  const p = await startFaultProxy({ host: pg().host, port: pg().port }, fault);
  proxies.push(p);
  return p;
}

/** Options for the trust user through `p`, with short deadlines. */
function via(p: { host: string; port: number }, extra: ConnectOptions = {}): ConnectOptions {
  return { host: p.host, port: p.port, user: pg().users.trust.user, database: pg().database, sslmode: 'disable', connectTimeoutMs: 1_000, ...extra };
}

async function open(p: FaultProxy, extra: ConnectOptions = {}): Promise<Client> {
  const c = await connect(via(p, extra));
  clients.push(c);
  return c;
}

/** Run `fn` with a fresh table `(id int primary key)` the trust user may write to. */
async function withTable(fn: (table: string) => Promise<void>): Promise<void> {
  const table = `reliability_bulk_${process.pid}`;
  await pg().psql(`DROP TABLE IF EXISTS ${table}; CREATE TABLE ${table} (id int PRIMARY KEY); GRANT ALL ON ${table} TO ${pg().users.trust.user}`);
  try {
    await fn(table);
  } finally {
    await pg().psql(`DROP TABLE IF EXISTS ${table}`);
  }
}

const ids = (n: number): number[][] => Array.from({ length: n }, (_, i) => [i]);
const range = (from: number, to: number): number[] => Array.from({ length: to - from }, (_, i) => from + i);

/** The last session connection the proxy accepted must get closed by the driver (or was closed by the fault). */
async function expectClosed(c: Client | undefined, conn: ProxiedConnection | undefined): Promise<void> {
  if (c !== undefined) expect(c.closed).toBe(true);
  expect(conn).toBeDefined();
  expect((await settle((conn as ProxiedConnection).clientClosed, 'socket close')).status).toBe('fulfilled');
}

describe('connecting', () => {
  it('connection refused: ConnectionError naming host and port, not a timeout', async () => {
    const port = await closedPort();
    const err = await rejection(connect(via({ host: '127.0.0.1', port })), ConnectionError);
    expect(err).not.toBeInstanceOf(ConnectTimeoutError);
    expect(err.message).toContain(`127.0.0.1:${port}`);
    expect(err.message).toMatch(/refused/);
  });

  it('DNS failure: ConnectionError naming the host', async () => {
    const err = await rejection(connect(via({ host: 'cratewire-no-such-host.invalid', port: 5432 })), ConnectionError);
    expect(err.message).toContain('cratewire-no-such-host.invalid');
  });

  it('a server that accepts and never answers: ConnectTimeoutError at connectTimeoutMs, socket closed', async () => {
    const p = await proxy({ kind: 'blackhole' });
    const err = await rejection(connect(via(p, { connectTimeoutMs: 300 })), ConnectTimeoutError);
    expect(err.message).toMatch(/connectTimeoutMs=300/);
    await expectClosed(undefined, p.connections[0]);
  });

  it('a TLS handshake that stalls after the server accepted TLS: ConnectTimeoutError, socket closed', async () => {
    const p = await proxy({ kind: 'stall-tls' });
    await rejection(connect(via(p, { connectTimeoutMs: 300, sslmode: 'require' })), ConnectTimeoutError);
    // The proxy answered an SSLRequest with 'S': the driver was stuck in the handshake, not before it.
    expect(p.connections[0]?.kind).toBe('session');
    await expectClosed(undefined, p.connections[0]);
  });

  it.each([
    ['before the authentication request', { from: 'server', type: 'R' }, 'trust'],
    ['after the SCRAM client-first message', { from: 'client', type: 'p' }, 'scram'],
    ['in the middle of a ParameterStatus', { from: 'server', type: 'S', nth: 3 }, 'trust'],
    ['before the first ReadyForQuery', { from: 'server', type: 'Z' }, 'trust'],
  ] as const)('a server that closes during startup (%s): ConnectionClosedError', async (_name, at, kind) => {
    const p = await proxy({ kind: 'close', at, keepBytes: at.type === 'S' ? 4 : 0 });
    const user = kind === 'trust' ? { user: pg().users.trust.user } : { user: pg().users.scram.user, password: pg().users.scram.password };
    await rejection(connect(via(p, user)), ConnectionClosedError);
    await expectClosed(undefined, p.connections[0]);
  });
});

describe('a running connection', () => {
  it('closed during a query: the query and everything queued behind it fail with ConnectionClosedError', async () => {
    const p = await proxy({ kind: 'close', at: { from: 'client', type: 'E' } });
    const c = await open(p);
    const ops = [c.query('SELECT 1'), c.query('SELECT 2'), c.simpleQuery('SELECT 3'), c.prepare('SELECT 4'), c.executeMany('SELECT $1', [[1]])];
    const errors = await Promise.all(ops.map((op) => rejection(op, ConnectionClosedError)));
    expect(new Set(errors).size).toBe(1);
    await expectClosed(c, p.sessions()[0]);
    const after = await rejection(c.query('SELECT 1'), ClientClosedError);
    expect(after.message).toMatch(/connection was lost/);
  });

  it('closed in the middle of a DataRow: ConnectionClosedError, no partial result', async () => {
    const p = await proxy({ kind: 'close', at: { from: 'server', type: 'D', nth: 700 }, keepBytes: 12 });
    const c = await open(p);
    const big = rejection(c.query("SELECT g, repeat('x', 100) AS pad FROM generate_series(1, 2000) g"), ConnectionClosedError);
    const queued = rejection(c.query('SELECT 1'), ConnectionClosedError);
    expect(await queued).toBe(await big);
    await expectClosed(c, p.sessions()[0]);
  });

  it('closed in the middle of a stream: the rows of complete batches arrive, then ConnectionClosedError', async () => {
    const p = await proxy({ kind: 'close', at: { from: 'server', type: 'D', nth: 250 }, keepBytes: 3 });
    const c = await open(p);
    let received = 0;
    const consume = (async () => {
      for await (const row of c.stream<{ g: number }>('SELECT g FROM generate_series(1, 5000) g', [], { fetchSize: 100 })) {
        expect(row.g).toBe(++received);
      }
    })();
    const queued = c.query('SELECT 1');
    await rejection(consume, ConnectionClosedError);
    await rejection(queued, ConnectionClosedError);
    expect(received).toBe(200);
    await expectClosed(c, p.sessions()[0]);
  });

  it('closed in the middle of executeMany: BulkInterruptedError says which rows were acknowledged; none is lost', async () => {
    await withTable(async (table) => {
      // ReadyForQuery #1 ends startup, #2 and #3 acknowledge chunks 1 and 2; #4 (chunk 3) never arrives.
      const p = await proxy({ kind: 'close', at: { from: 'server', type: 'Z', nth: 4 } });
      const c = await open(p);
      const err = await rejection(c.executeMany(`INSERT INTO ${table} (id) VALUES ($1)`, ids(50), { chunkRows: 10 }), BulkInterruptedError);
      expect(err.acknowledgedChunks).toBe(2);
      expect(err.acknowledgedRows).toBe(20);
      expect(err.unknownRows).toEqual(range(20, 30));
      expect(err.result.rowCounts.slice(0, 20)).toEqual(new Array(20).fill(1));
      expect(err.result.rowCounts.slice(20, 30)).toEqual(new Array(10).fill(-2));
      expect(err.result.notApplied).toEqual(range(30, 50));
      // Every acknowledged row is stored; no row that was never sent is.
      const stored = (await pg().psql(`SELECT id FROM ${table} ORDER BY id`)).split('\n').filter((l) => l !== '').map(Number);
      expect(stored.slice(0, 20)).toEqual(range(0, 20));
      expect(stored.every((id) => id < 30)).toBe(true);
      await expectClosed(c, p.sessions()[0]);
    });
  });

  it('bytes delivered one at a time: the same results as over a healthy connection', async () => {
    const p = await proxy({ kind: 'trickle' });
    const c = await open(p, { connectTimeoutMs: 5_000 });
    const q = await c.query<{ n: number; t: string }>('SELECT $1::int AS n, $2::text AS t', [42, 'héllo']);
    expect(q.rows).toEqual([{ n: 42, t: 'héllo' }]);
    const multi = await c.simpleQuery('SELECT 1 AS a; SELECT NULL AS b');
    expect(multi.map((r) => r.rows)).toEqual([[{ a: 1 }], [{ b: null }]]);
    const streamed: unknown[] = [];
    for await (const row of c.stream('SELECT g FROM generate_series(1, 30) g', [], { fetchSize: 7 })) streamed.push(row);
    expect(streamed).toHaveLength(30);
    await c.close();
  });

  it('long pauses between messages: a pause within the deadline is fine; one past it is a QueryTimeoutError and the connection recovers', async () => {
    const p = await proxy({ kind: 'delay', ms: 250, type: 'C' });
    const c = await open(p);
    expect((await c.query('SELECT 1 AS one', [], { timeoutMs: 2_000 })).rows).toEqual([{ one: 1 }]);
    const err = await rejection(c.query('SELECT 2 AS two', [], { timeoutMs: 100 }), QueryTimeoutError);
    expect(err.timeoutMs).toBe(100);
    // The late reply still arrives and is consumed; the next query runs on the same connection.
    expect((await c.query('SELECT 3 AS three')).rows).toEqual([{ three: 3 }]);
    expect(c.closed).toBe(false);
  });

  it('half-open (the network stops delivering, nothing is closed): the query deadline fires, then the connection is destroyed', async () => {
    // Keepalive cannot help here within a test's time (Node has no TCP_USER_TIMEOUT; the OS gives up after minutes).
    // Two cases run side by side: the cancel reaches the server but the query never did, and a partition that also
    // swallows the cancel connection.
    const run = async (partition: boolean): Promise<void> => {
      const p = await proxy({ kind: 'half-open', at: { from: 'client', type: 'P' } });
      const c = await open(p);
      if (partition) p.setFault({ kind: 'blackhole' });
      const running = rejection(c.query('SELECT 1', [], { timeoutMs: 300 }), QueryTimeoutError);
      const queued = rejection(c.query('SELECT 2'), ConnectionClosedError);
      await running;
      const lost = await queued;
      // Whichever comes first: the cancel grace period, or (partition) the cancel connection's own deadline.
      expect(lost.message).toMatch(partition ? /did not stop a cancelled query|Could not send a CancelRequest/ : /did not stop a cancelled query/);
      expect(c.closed).toBe(true);
    };
    await Promise.all([run(false), run(true)]);
  });
});

describe('a pool', () => {
  it('replaces a connection lost during a query (a statement with effects: not run again)', async () => {
    const p = await proxy({ kind: 'close', at: { from: 'client', type: 'E' } });
    const pool = createPool({ ...via(p), max: 1, acquireTimeoutMs: 2_000 });
    pools.push(pool);
    const failing = pool.query("SELECT set_config('cratewire.test', '1', false)");
    await rejection(failing, ConnectionClosedError);
    p.setFault({ kind: 'none' });
    expect((await pool.query('SELECT 2 AS two')).rows).toEqual([{ two: 2 }]);
    expect(pool.stats).toMatchObject({ created: 2, destroyed: 1, total: 1 });
  });

  it('runs a plain read again on a new connection when its connection was lost', async () => {
    const p = await proxy({ kind: 'close', at: { from: 'client', type: 'E' } });
    const pool = createPool({ ...via(p), max: 1, acquireTimeoutMs: 2_000 });
    pools.push(pool);
    const healed = (): void => p.setFault({ kind: 'none' });
    subscribe(CHANNELS.poolDestroy, healed);
    try {
      expect((await pool.query('SELECT 1 AS one')).rows).toEqual([{ one: 1 }]);
    } finally {
      unsubscribe(CHANNELS.poolDestroy, healed);
    }
    expect(pool.stats).toMatchObject({ created: 2, destroyed: 1, total: 1 });
  });

  it('replaces a connection lost during executeMany, after reporting the partial result', async () => {
    await withTable(async (table) => {
      const p = await proxy({ kind: 'close', at: { from: 'server', type: 'Z', nth: 3 } });
      const pool = createPool({ ...via(p), max: 1 });
      pools.push(pool);
      const err = await rejection(pool.executeMany(`INSERT INTO ${table} (id) VALUES ($1)`, ids(30), { chunkRows: 10 }), BulkInterruptedError);
      expect(err.acknowledgedRows).toBe(10);
      expect(err.unknownRows).toEqual(range(10, 20));
      p.setFault({ kind: 'none' });
      expect((await pool.query('SELECT 1 AS one')).rows).toEqual([{ one: 1 }]);
      expect(pool.stats).toMatchObject({ created: 2, destroyed: 1 });
    });
  });

  it('cannot connect to a server that never answers: the caller gets the ConnectTimeoutError, then a new connection works', async () => {
    const p = await proxy({ kind: 'blackhole' });
    const pool = createPool({ ...via(p, { connectTimeoutMs: 200 }), max: 1, acquireTimeoutMs: 2_000 });
    pools.push(pool);
    await rejection(pool.query('SELECT 1'), ConnectTimeoutError);
    await expectClosed(undefined, p.connections[0]);
    p.setFault({ kind: 'none' });
    expect((await pool.query('SELECT 1 AS one')).rows).toEqual([{ one: 1 }]);
  });
});
