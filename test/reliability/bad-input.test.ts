/**
 * Bad input from the user: each gets a clear error that says what was wrong and what to do, before any byte is sent
 * when that is possible, and the client stays usable.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { connect, type Client } from '../../src/client.js';
import { ClientClosedError, ConfigError, DatabaseError, ParameterError, PoolClosedError, UsageError } from '../../src/errors.js';
import { createPool } from '../../src/pool.js';
import { startFaultProxy, type FaultProxy, type ProxiedConnection } from '../support/fault-proxy.js';
import { failOnStrayErrors, rejection, usePostgres } from './oracle.js';
import { normalStartup, simpleResult, startScriptedServer } from './scripted-server.js';
import type { ConnectOptions } from '../../src/types.js';

failOnStrayErrors();
const pg = usePostgres();

describe('connection strings and options: ConfigError before any I/O', () => {
  let listener: FaultProxy;
  beforeAll(async () => {
    listener = await startFaultProxy({ host: '127.0.0.1', port: 1 }, { kind: 'blackhole' });
  });
  afterAll(async () => {
    await listener.close();
  });

  const cases: [string, string | ConnectOptions, RegExp][] = [
    ['a port that is not a number', 'postgres://u@localhost:54x2/db', /port.*"54x2" is not an integer from 1 to 65535/],
    ['port 0', 'postgres://u@localhost:0/db', /port.*from 1 to 65535/],
    ['port 65536', 'postgres://u@localhost:65536/db', /port.*from 1 to 65535/],
    ['a negative port option', { port: -1 }, /port.*-1 is not an integer from 1 to 65535/],
    ['a fractional port option', { port: 5432.5 }, /port.*not an integer/],
    ['a port given as a string option', { port: '5432' as never }, /port.*must be a port number or a non-empty array of them, got "5432"/],
    ['an unknown URL scheme', 'http://localhost:5432/db', /unknown URL scheme "http:\/\/"/],
    ['an unclosed IPv6 bracket', 'postgres://[::1:5432/db', /"\[" without "\]"/],
    ['an unbracketed IPv6 address with a port', 'postgres://::1:5432/db', /IPv6 address must be written in brackets/],
    ['a malformed percent-escape', 'postgres://u%zz@localhost/db', /invalid percent-encoding/],
    ['neither URL nor key=value', 'localhost:5432', /neither a URL .* nor keyword\/value pairs/],
    ['an unknown URL parameter', 'postgres://localhost/db?sslmodee=require', /sslmodee/],
    ['an unknown sslmode', 'postgres://localhost/db?sslmode=bogus', /"bogus" is not one of disable, prefer, require, verify-ca, verify-full/],
    ["libpq's sslmode=allow", 'postgres://localhost/db?sslmode=allow', /allow is not supported; use prefer or disable/],
    ['an unknown option key', { sslMode: 'require' } as never, /sslMode/],
    ['a negative timeout', { connectTimeoutMs: -5 }, /connectTimeoutMs.*not an integer from 1/],
    ['NaN as a timeout', { queryTimeoutMs: Number.NaN }, /queryTimeoutMs.*NaN/],
    ['a missing CA file', { sslmode: 'verify-full', sslrootcert: '/nonexistent/ca.pem' }, /sslrootcert.*cannot read file "\/nonexistent\/ca.pem" \(ENOENT\)/],
    ['a missing client certificate file', { sslmode: 'require', sslcert: '/nonexistent/c.pem', sslkey: '/nonexistent/k.pem' }, /sslcert.*ENOENT/],
    ['a client certificate without its key', { sslmode: 'require', sslcert: '/nonexistent/c.pem' }, /sslcert is set but sslkey is not/],
    ['ssl: true (node-postgres style)', { ssl: true } as never, /choose TLS with sslmode/],
    ['a NUL in the user name', { user: 'a\0b' }, /NUL character/],
    ['a host that is a socket directory', { host: '/var/run/postgresql' }, /Unix-domain socket directory/],
  ];

  it.each(cases)('%s', async (_name, input, message) => {
    const target = { host: listener.host, port: listener.port };
    const attempt = typeof input === 'string' ? connect(input, target) : connect({ ...target, ...input });
    const err = await rejection(attempt, ConfigError);
    expect(err.message).toMatch(message);
    expect(listener.connections).toHaveLength(0);
  });

  it('createPool() validates the same way, synchronously, and checks pool options', () => {
    expect(() => createPool('postgres://localhost:99999/db')).toThrow(ConfigError);
    expect(() => createPool({ host: listener.host, port: listener.port, max: 0 })).toThrow(/max/);
    expect(() => createPool({ host: listener.host, port: listener.port, min: 5, max: 2 })).toThrow(/min/);
    expect(listener.connections).toHaveLength(0);
  });
});

describe('calls on a connected client', () => {
  let proxy: FaultProxy;
  let client: Client;
  let session: ProxiedConnection;

  beforeAll(async () => {
    proxy = await startFaultProxy({ host: pg().host, port: pg().port });
    client = await connect({ host: proxy.host, port: proxy.port, user: pg().users.trust.user, database: pg().database, sslmode: 'disable' });
    session = proxy.sessions()[0] as ProxiedConnection;
  });
  afterAll(async () => {
    client.destroy();
    await proxy.close();
  });

  /**
   * `call` must fail with `type` and `message` before any byte is sent (unless `sends` says the statement has to be
   * described first), and the client must stay usable.
   */
  async function refusedBeforeSending(call: () => Promise<unknown>, type: abstract new (...args: never[]) => Error, message: RegExp, sends = false): Promise<void> {
    const sent = session.clientMessages.length;
    const err = await rejection(call(), type);
    expect(err.message).toMatch(message);
    if (!sends) expect(session.clientMessages.length).toBe(sent);
    expect((await client.query('SELECT 1 AS ok')).rows).toEqual([{ ok: 1 }]);
  }

  const circular: Record<string, unknown> = {};
  circular['self'] = circular;

  // An object's text depends on the column type (json or array), so its statement is described first: the error
  // then comes after Parse/Describe, before any Bind.
  it.each([
    ['a symbol', Symbol('s'), /Parameter \$1: a symbol cannot be sent/, false],
    ['a function', () => 1, /Parameter \$1: a function cannot be sent/, false],
    ['a circular object', circular, /Parameter \$1: an object cannot be converted to JSON.*remove circular references/, true],
    ['an invalid Date', new Date(Number.NaN), /invalid Date/, false],
    ['a Map', new Map([[1, 2]]), /Parameter \$1: a Map cannot be sent/, false],
  ])('a parameter of an unsupported type (%s): ParameterError', async (_name, value, message, sends) => {
    await refusedBeforeSending(() => client.query('SELECT $1::text AS v', [value]), ParameterError, message, sends);
  });

  it('NaN for an int column and an out-of-range bigint for an int8 column: the server refuses them, described or not', async () => {
    const stmt = await client.prepare('SELECT $1::int AS i, $2::int8 AS b');
    expect((await rejection(stmt.execute([Number.NaN, 1]), DatabaseError)).sqlstate).toBe('22P02');
    expect((await rejection(stmt.execute([1, 2n ** 70n]), DatabaseError)).sqlstate).toBe('22003');
    expect((await rejection(client.query('SELECT $1::int AS i, $2::int8 AS b', [1, 2n ** 70n], { prepare: false }), DatabaseError)).sqlstate).toBe('22003');
    await stmt.close();
  });

  it('NaN for an int column in a statement not yet described: the server refuses it; the client stays usable', async () => {
    const err = await rejection(client.query('SELECT $1::int AS i', [Number.NaN], { prepare: false }), DatabaseError);
    expect(err.sqlstate).toBe('22P02');
    expect((await client.query('SELECT 1 AS ok')).rows).toEqual([{ ok: 1 }]);
  });

  it('more parameters than the protocol can count (> 65,535 on PostgreSQL): UsageError', async () => {
    const params = new Array<number>(70_000).fill(1);
    await refusedBeforeSending(() => client.query('SELECT 1', params), UsageError, /Too many parameters: 70000; PostgreSQL accepts at most 65535/);
    await refusedBeforeSending(() => client.executeMany('INSERT INTO t VALUES ($1)', [params]), UsageError, /Too many parameters/);
  });

  it.each([
    ['uneven rows', [[1], [1, 2]], /row 1 has 2 value\(s\) but row 0 has 1/],
    ['a row that is not an array', [[1], 'x'], /row 1 is not an array/],
    ['rows that are not an array', 'x', /rows must be an array/],
  ])('executeMany() with %s: UsageError', async (_name, rows, message) => {
    await refusedBeforeSending(() => client.executeMany('INSERT INTO t VALUES ($1)', rows as never), UsageError, message);
  });

  it.each([
    ['SQL text that is not a string', () => client.query(42 as never), /SQL text must be a string, got number/],
    ['params that are not an array', () => client.query('SELECT 1', 'x' as never), /params must be an array/],
    ['a negative timeoutMs', () => client.query('SELECT 1', [], { timeoutMs: -1 }), /timeoutMs must be an integer from 0/],
    ['a timeoutMs that is not a number', () => client.query('SELECT 1', [], { timeoutMs: '5' as never }), /timeoutMs must be an integer/],
    ['an unknown rowMode', () => client.query('SELECT 1', [], { rowMode: 'rows' as never }), /rowMode must be 'object' or 'array'/],
    ['a signal that is not an AbortSignal', () => client.query('SELECT 1', [], { signal: {} as never }), /signal must be an AbortSignal/],
    ['parameters given to simpleQuery()', () => client.simpleQuery('SELECT $1', ['x'] as never), /simpleQuery\(\) takes no parameters, use query/],
    ['a stream fetchSize of 0', () => client.stream('SELECT 1', [], { fetchSize: 0 })[Symbol.asyncIterator]().next(), /fetchSize must be an integer from 1/],
  ])('%s: UsageError', async (_name, call, message) => {
    await refusedBeforeSending(async () => call(), UsageError, message);
  });
});

describe("CrateDB's statement_max_length (known from serverInfo after startup)", () => {
  it('a longer statement is refused before sending; the client stays usable; PostgreSQL has no such limit', async () => {
    const server = await startScriptedServer({
      startup: (p) => normalStartup(p, { crate_version: '6.0.0', server_version: '14.0' }),
      request: () => simpleResult(['ok']),
    });
    const client = await connect({ host: server.host, port: server.port, user: 'crate', sslmode: 'disable' });
    try {
      expect(client.serverInfo.statementMaxLength).toBe(262_144);
      const long = `SELECT '${'x'.repeat(262_144)}'`;
      const err = await rejection(client.query(long), UsageError);
      expect(err.message).toMatch(/more than CrateDB's statement_max_length \(262144\); replace inline values with \$n parameters/);
      await rejection(client.executeMany(`INSERT INTO t VALUES ($1) -- ${'x'.repeat(262_144)}`, [[1]]), UsageError);
      await rejection(client.query('SELECT 1', new Array<number>(40_000).fill(1)), UsageError);
      expect(server.received[0]).toBe('');
      expect((await client.simpleQuery('SELECT 1'))[0]?.rows).toEqual([{ v: 'ok' }]);
    } finally {
      client.destroy();
      await server.close();
    }
  });
});

describe('a closed client or pool', () => {
  it('every call on a closed client: ClientClosedError saying to reconnect', async () => {
    const client = await connect(pg().url('trust', { sslmode: 'disable' }));
    await client.close();
    const calls: (() => Promise<unknown>)[] = [
      () => client.query('SELECT 1'),
      () => client.simpleQuery('SELECT 1'),
      () => client.prepare('SELECT 1'),
      () => client.executeMany('INSERT INTO t VALUES ($1)', [[1]]),
      async () => client.stream('SELECT 1'),
    ];
    for (const call of calls) {
      const err = await rejection(call(), ClientClosedError);
      expect(err.message).toMatch(/connect\(\)/);
    }
  });

  it('every call on an ended pool: PoolClosedError saying to create a new pool', async () => {
    const pool = createPool(pg().url('trust', { sslmode: 'disable' }));
    expect((await pool.query('SELECT 1 AS one')).rows).toEqual([{ one: 1 }]);
    await pool.end();
    const calls: (() => Promise<unknown>)[] = [
      () => pool.query('SELECT 1'),
      () => pool.acquire(),
      () => pool.executeMany('INSERT INTO t VALUES ($1)', [[1]]),
      () => pool.transaction(async () => undefined),
      async () => pool.stream('SELECT 1'),
    ];
    for (const call of calls) {
      const err = await rejection(call(), PoolClosedError);
      expect(err.message).toMatch(/createPool\(\)/);
    }
  });
});
