/**
 * A canary password must never show up in error messages, stack traces, `util.inspect` of client, pool or config, or
 * diagnostics_channel payloads — on success and on every failure path that sees the password.
 */
import { subscribe, tracingChannel, unsubscribe } from 'node:diagnostics_channel';
import { inspect } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { connect } from '../../src/client.js';
import { resolveConfig } from '../../src/config.js';
import { CHANNELS } from '../../src/diagnostics.js';
import { AuthenticationError, ConfigError, ConnectionError, ConnectTimeoutError, DatabaseError } from '../../src/errors.js';
import { createPool } from '../../src/pool.js';
import { closedPort, startFaultProxy } from '../support/fault-proxy.js';
import { failOnStrayErrors, rejection, usePostgres } from './oracle.js';
import { authentication, errorResponse, normalStartup, readyForQuery, simpleResult, startScriptedServer, type ScriptedServer } from './scripted-server.js';
import type { ConnectOptions } from '../../src/types.js';

failOnStrayErrors();
const pg = usePostgres();

const CANARY = 'Cn4ry-Pw-7f3a9c0e';
/** A canary with characters that need percent-encoding in a URL, and its halves. */
const SPLIT_CANARY = 'Cn4ry/Pw 7f3a?9c0e';
const FRAGMENTS = [CANARY, 'Cn4ry', '7f3a9c0e', '9c0e', encodeURIComponent(SPLIT_CANARY)];

/** Everything an application might print about `value`: message, stack, inspect (all of it), JSON, the causes. */
function expose(value: unknown, seen = new Set<unknown>()): string {
  if (seen.has(value)) return '';
  seen.add(value);
  const parts = [inspect(value, { showHidden: true, depth: 12, getters: true })];
  try {
    parts.push(JSON.stringify(value, (_k, v: unknown) => (typeof v === 'bigint' ? String(v) : v)) ?? '');
  } catch {
    // Circular structures: inspect above already covers them.
  }
  if (value instanceof Error) {
    parts.push(String(value), value.message, value.stack ?? '', expose(value.cause, seen));
    if (value instanceof AggregateError) for (const e of value.errors) parts.push(expose(e, seen));
  }
  return parts.join('\n');
}

function expectNoCanary(value: unknown): void {
  const text = expose(value);
  for (const fragment of FRAGMENTS) expect(text).not.toContain(fragment);
}

/** Diagnostics events of every channel, recorded while `fn` runs. */
async function recordDiagnostics(fn: () => Promise<void>): Promise<unknown[]> {
  const events: unknown[] = [];
  const onEvent = (message: unknown, name: string | symbol): void => {
    events.push({ name, message });
  };
  const names = [CHANNELS.poolAcquire, CHANNELS.poolRelease, CHANNELS.poolConnect, CHANNELS.poolDestroy];
  const tracing = tracingChannel(CHANNELS.query);
  const handlers = {
    start: (m: unknown) => onEvent(m, 'query:start'),
    end: (m: unknown) => onEvent(m, 'query:end'),
    asyncStart: (m: unknown) => onEvent(m, 'query:asyncStart'),
    asyncEnd: (m: unknown) => onEvent(m, 'query:asyncEnd'),
    error: (m: unknown) => onEvent(m, 'query:error'),
  };
  for (const name of names) subscribe(name, onEvent);
  tracing.subscribe(handlers);
  try {
    await fn();
  } finally {
    for (const name of names) unsubscribe(name, onEvent);
    tracing.unsubscribe(handlers);
  }
  return events;
}

describe('configuration errors', () => {
  it.each([
    ['a URL with an out-of-range port', `postgres://u:${CANARY}@localhost:99999/db`],
    ['a URL with an unknown parameter', `postgres://u:${CANARY}@localhost/db?sslmode=nope`],
    ['a URL whose password has an unencoded "/", "?" and " "', `postgres://u:${SPLIT_CANARY}@localhost/db`],
    ['key/value with a bad port', `password=${CANARY} port=abc`],
    ['key/value with an unquoted password containing a space', `host=localhost password=${SPLIT_CANARY} port=5432`],
  ])('%s: the ConfigError does not contain the password', async (_name, input) => {
    expectNoCanary(await rejection(connect(input), ConfigError));
  });

  it('a resolved config hides the password from inspect, JSON, keys and spreading', () => {
    const config = resolveConfig(`postgres://u:${CANARY}@localhost/db`);
    expect(config.hasPassword).toBe(true);
    expectNoCanary(config);
    expectNoCanary({ ...config });
    expect(Object.keys(config)).not.toContain('password');
  });
});

describe('connection failures', () => {
  it('a wrong password (SCRAM and MD5): AuthenticationError without the password', async () => {
    for (const kind of ['scram', 'md5'] as const) {
      const url = pg().url(kind, { sslmode: 'disable' }).replace(/:[^:@/]*@/, `:${encodeURIComponent(CANARY)}@`);
      expectNoCanary(await rejection(connect(url), AuthenticationError));
    }
  });

  it('a server that never answers and a refused port: no password in the errors', async () => {
    const blackhole = await startFaultProxy({ host: '127.0.0.1', port: 1 }, { kind: 'blackhole' });
    try {
      const options: ConnectOptions = { user: 'u', password: CANARY, sslmode: 'disable', connectTimeoutMs: 200 };
      expectNoCanary(await rejection(connect({ ...options, host: blackhole.host, port: blackhole.port }), ConnectTimeoutError));
      expectNoCanary(await rejection(connect({ ...options, host: '127.0.0.1', port: await closedPort() }), ConnectionError));
    } finally {
      await blackhole.close();
    }
  });
});

describe('a connected client and a pool (a scripted server accepting the canary as a cleartext password)', () => {
  let server: ScriptedServer;
  const passwords: string[] = [];

  beforeAll(async () => {
    server = await startScriptedServer({
      startup: () => authentication(3),
      request: (_i, req) => {
        if (req.types === 'p') {
          passwords.push((req.messages[0] as Buffer).subarray(5, -1).toString('utf8'));
          return normalStartup();
        }
        const sql = (req.messages[0] as Buffer).toString('utf8');
        return sql.includes('fail') ? [errorResponse({ S: 'ERROR', C: '42601', M: 'syntax error' }), readyForQuery()] : simpleResult(['ok']);
      },
    });
  });
  afterAll(async () => {
    await server.close();
  });

  const options = (): ConnectOptions => ({
    host: server.host,
    port: server.port,
    user: 'crate',
    password: CANARY,
    sslmode: 'disable',
    allowCleartextPasswordWithoutTls: true,
  });

  it('inspect and JSON of the client, its results and its errors, before and after close', async () => {
    const client = await connect(options());
    expect(passwords.at(-1)).toBe(CANARY);
    expectNoCanary(client);
    expectNoCanary(client.serverInfo);
    expectNoCanary(await client.simpleQuery('SELECT 1'));
    expectNoCanary(await rejection(client.simpleQuery('fail'), DatabaseError));
    await client.close();
    expectNoCanary(client);
    expectNoCanary(await rejection(client.query('SELECT 1'), Error));
  });

  it('a pool, its connections, its stats and every diagnostics event', async () => {
    let pool: ReturnType<typeof createPool> | undefined;
    const events = await recordDiagnostics(async () => {
      pool = createPool({ ...options(), max: 1, name: 'canary-pool' });
      expectNoCanary(pool);
      expectNoCanary(await pool.query('SELECT 1'));
      const connection = await pool.acquire();
      expectNoCanary(connection);
      connection.release();
      expectNoCanary(pool.stats);
      await pool.end();
      const failing = createPool({ ...options(), host: '127.0.0.1', port: await closedPort(), name: 'canary-pool-2' });
      expectNoCanary(await rejection(failing.query('SELECT 1'), ConnectionError));
      await failing.end();
    });
    expect(events.length).toBeGreaterThan(4);
    expect(inspect(events, { depth: 6 })).toContain('canary-pool');
    expectNoCanary(events);
    expectNoCanary(pool);
  });
});
