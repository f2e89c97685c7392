import { describe, expect, it } from 'vitest';
import {
  ClientClosedError,
  ConnectionClosedError,
  DatabaseError,
  ParameterError,
  QueryCanceledError,
  QueryTimeoutError,
  UsageError,
  connect,
  type Client,
} from '../../src/index.js';
import { connectForFile, getTestPg } from '../support/pg-env.js';

const pg = getTestPg();
let client: Client;

connectForFile(pg, async (c) => {
  client = c;
  await client.simpleQuery('DROP TABLE IF EXISTS summits; CREATE TABLE summits (name text PRIMARY KEY, height int, country text)');
  await client.query("INSERT INTO summits VALUES ('Mont Blanc', 4808, 'FR'), ('Monte Rosa', 4634, 'CH'), ('Zugspitze', 2962, 'DE')");
});

describe('query()', () => {
  it('returns typed rows, fields, rowCount and command', async () => {
    const res = await client.query<{ name: string; height: number }>(
      'SELECT name, height FROM summits WHERE height > $1 ORDER BY height DESC', [4000]);
    expect(res.rows).toEqual([{ name: 'Mont Blanc', height: 4808 }, { name: 'Monte Rosa', height: 4634 }]);
    expect(res.fields.map((f) => [f.name, f.typeOid])).toEqual([['name', 25], ['height', 23]]);
    expect(res.rowCount).toBe(2);
    expect(res.command).toBe('SELECT');
  });

  it('fields carry the type name of their OID (undefined for types that are not built in)', async () => {
    await client.simpleQuery("DROP TYPE IF EXISTS mood; CREATE TYPE mood AS ENUM ('ok')");
    const res = await client.query("SELECT 1::int4 AS a, 'x'::text AS b, '{1}'::int8[] AS c, now() AS d, 'ok'::mood AS e");
    expect(res.fields.map((f) => f.typeName)).toEqual(['int4', 'text', 'int8[]', 'timestamptz', undefined]);
  });

  it('rowMode array', async () => {
    const res = await client.query('SELECT name, height FROM summits ORDER BY height LIMIT 1', [], { rowMode: 'array' });
    expect(res.rows).toEqual([['Zugspitze', 2962]]);
  });

  it('same results with prepare: false (unnamed statement) and with the cache', async () => {
    for (let i = 0; i < 3; i++) {
      const a = await client.query('SELECT count(*)::int AS n FROM summits WHERE height > $1', [3000]);
      const b = await client.query('SELECT count(*)::int AS n FROM summits WHERE height > $1', [3000], { prepare: false });
      expect(a.rows).toEqual([{ n: 2 }]);
      expect(b.rows).toEqual(a.rows);
    }
  });

  it('an unnamed statement follows the table when its columns change between runs (row shapes are not reused blindly)', async () => {
    await client.simpleQuery('DROP TABLE IF EXISTS reshaped; CREATE TABLE reshaped (id int, v int); INSERT INTO reshaped VALUES (1, 42)');
    const sql = 'SELECT * FROM reshaped WHERE id = $1';
    expect((await client.query(sql, [1], { prepare: false })).rows).toEqual([{ id: 1, v: 42 }]);
    expect((await client.query(sql, [1], { prepare: false })).rows).toEqual([{ id: 1, v: 42 }]);
    await client.simpleQuery('ALTER TABLE reshaped ALTER COLUMN v TYPE text');
    expect((await client.query(sql, [1], { prepare: false })).rows).toEqual([{ id: 1, v: '42' }]);
    await client.simpleQuery("ALTER TABLE reshaped ADD COLUMN note text DEFAULT 'n'");
    const widened = await client.query(sql, [1], { prepare: false, rowMode: 'array' });
    expect(widened.rows).toEqual([[1, '42', 'n']]);
    expect(widened.fields.map((f) => f.name)).toEqual(['id', 'v', 'note']);
    await client.simpleQuery('ALTER TABLE reshaped RENAME COLUMN note TO remark');
    expect((await client.query(sql, [1], { prepare: false })).rows).toEqual([{ id: 1, v: '42', remark: 'n' }]);
  });

  it('an unnamed statement re-sent with parameters of another type is parsed for those types', async () => {
    const sql = 'SELECT pg_typeof($1)::text AS t';
    const typeOf = async (paramType: number): Promise<unknown> =>
      (await client.query<{ t: string }>(sql, ['7'], { prepare: false, paramTypes: [paramType] })).rows[0]?.t;
    expect(await typeOf(23)).toBe('integer');
    expect(await typeOf(25)).toBe('text');
    expect(await typeOf(23)).toBe('integer');
  });

  it('write statements report their row count', async () => {
    const res = await client.query('UPDATE summits SET country = country WHERE height > $1', [0]);
    expect(res.rowCount).toBe(3);
    expect(res.rows).toEqual([]);
    expect(res.command).toBe('UPDATE');
  });

  it('a database error carries SQLSTATE, fields, the query (non-enumerable) and leaves the client usable', async () => {
    const err = await client.query('SELECT * FROM no_such_table WHERE x = $1', [1]).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(DatabaseError);
    const dbErr = err as DatabaseError;
    expect(dbErr.sqlstate).toBe('42P01');
    expect(dbErr.severity).toBe('ERROR');
    expect(dbErr.query).toBe('SELECT * FROM no_such_table WHERE x = $1');
    expect(Object.keys(dbErr)).not.toContain('query');
    expect(dbErr.stack).toContain('query.test.ts');
    expect((await client.query('SELECT 1 AS ok')).rows).toEqual([{ ok: 1 }]);
  });

  it('duplicate key is 23505 with the constraint name', async () => {
    const err = (await client.query("INSERT INTO summits VALUES ('Zugspitze', 1, 'DE')").catch((e: unknown) => e)) as DatabaseError;
    expect(err.sqlstate).toBe('23505');
    expect(err.constraint).toBe('summits_pkey');
  });

  it('a parameter that cannot be encoded fails before sending and the client stays usable', async () => {
    const err = await client.query('SELECT $1::text AS v', [Symbol('x')]).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ParameterError);
    expect((err as ParameterError).index).toBe(0);
    expect((await client.query('SELECT $1::text AS v', ['ok'])).rows).toEqual([{ v: 'ok' }]);
  });

  it('a wrong parameter count is the same UsageError before and after the statement is cached; the client stays usable', async () => {
    await expect(client.query('SELECT $1::int + $2::int AS s', [1])).rejects.toThrow(/expected 2, got 1/);
    expect((await client.query('SELECT $1::int + $2::int AS s', [1, 2])).rows).toEqual([{ s: 3 }]);
    await expect(client.query('SELECT $1::int + $2::int AS s', [1])).rejects.toThrow(UsageError);
  });

  it('concurrent queries on one client run in order', async () => {
    const results = await Promise.all(Array.from({ length: 20 }, (_, i) => client.query('SELECT $1::int AS i', [i])));
    expect(results.map((r) => r.rows[0]?.i)).toEqual(Array.from({ length: 20 }, (_, i) => i));
  });

  it('an error in one of several queued queries does not affect the others', async () => {
    const [a, b, c] = await Promise.allSettled([
      client.query('SELECT 1 AS a'),
      client.query('SELECT 1/0 AS b'),
      client.query('SELECT 3 AS c'),
    ]);
    expect(a).toEqual({ status: 'fulfilled', value: expect.objectContaining({ rows: [{ a: 1 }] }) });
    expect(b.status).toBe('rejected');
    expect(((b as PromiseRejectedResult).reason as DatabaseError).sqlstate).toBe('22012');
    expect(c).toEqual({ status: 'fulfilled', value: expect.objectContaining({ rows: [{ c: 3 }] }) });
  });

  it('int8 beyond 2^53 fails with a clear error naming the column; the connection stays usable', async () => {
    const err = await client.query("SELECT '9007199254740993'::int8 AS big").catch((e: unknown) => e);
    expect(String(err)).toMatch(/big/);
    expect(String(err)).toMatch(/int8/);
    expect((await client.query("SELECT '9007199254740991'::int8 AS ok")).rows).toEqual([{ ok: 9007199254740991 }]);
  });

  it('maxResultBytes bounds a buffered result and drains the rest', async () => {
    const small = await connect(pg.url('trust', { sslmode: 'disable' }), { maxResultBytes: 10_000 });
    await expect(small.query('SELECT g, repeat($1, 100) AS pad FROM generate_series(1, 1000) g', ['x'])).rejects.toThrow(/maxResultBytes/);
    expect((await small.query('SELECT 1 AS ok')).rows).toEqual([{ ok: 1 }]);
    await small.close();
  });

  it('re-prepares a cached statement when the result type changed (0A000)', async () => {
    await client.simpleQuery('DROP TABLE IF EXISTS morph; CREATE TABLE morph (v int); INSERT INTO morph VALUES (1)');
    expect((await client.query('SELECT * FROM morph')).rows).toEqual([{ v: 1 }]);
    await client.simpleQuery('ALTER TABLE morph ALTER COLUMN v TYPE text');
    expect((await client.query('SELECT * FROM morph')).rows).toEqual([{ v: '1' }]);
  });

  it('re-prepares when the server lost the statement (26000)', async () => {
    expect((await client.query('SELECT 42 AS answer')).rows).toEqual([{ answer: 42 }]);
    await client.simpleQuery('DEALLOCATE ALL');
    expect((await client.query('SELECT 42 AS answer')).rows).toEqual([{ answer: 42 }]);
  });

  it('a bounded statement cache evicts and closes old statements', async () => {
    const c = await connect(pg.url('trust', { sslmode: 'disable' }), { statementCacheSize: 2 });
    for (let i = 0; i < 6; i++) await c.query(`SELECT ${i} AS v, $1::int AS p`, [i]);
    const res = await c.query<{ n: string }>('SELECT count(*)::text AS n FROM pg_prepared_statements');
    expect(Number(res.rows[0]?.n)).toBeLessThanOrEqual(3);
    await c.close();
  });
});

describe('simpleQuery()', () => {
  it('returns one result per statement, counts and an empty query', async () => {
    const results = await client.simpleQuery('SELECT 1 AS a; SELECT 2 AS b, 3 AS c; UPDATE summits SET height = height');
    expect(results.map((r) => r.rows)).toEqual([[{ a: 1 }], [{ b: 2, c: 3 }], []]);
    expect(results[2]?.rowCount).toBe(3);
    expect(await client.simpleQuery('')).toEqual([]);
  });

  it('delivers notices to onNotice', async () => {
    const notices: unknown[] = [];
    const c = await connect(pg.url('trust', { sslmode: 'disable' }), { onNotice: (n) => notices.push(n) });
    await c.simpleQuery("DO $$ BEGIN RAISE NOTICE 'hello %', 42; END $$");
    expect(notices).toEqual([expect.objectContaining({ message: 'hello 42', severity: 'NOTICE' })]);
    await c.close();
  });

  it('stops at the first failing statement', async () => {
    await expect(client.simpleQuery('SELECT 1; SELECT 1/0; SELECT 3')).rejects.toThrow(/division by zero/);
    expect((await client.simpleQuery('SELECT 5 AS five'))[0]?.rows).toEqual([{ five: 5 }]);
  });
});

describe('prepare()', () => {
  it('prepares, describes, executes and closes', async () => {
    const stmt = await client.prepare('SELECT name FROM summits WHERE height > $1 ORDER BY height');
    expect(stmt.paramTypes).toEqual([23]);
    expect(stmt.fields.map((f) => f.name)).toEqual(['name']);
    expect((await stmt.execute([4700])).rows).toEqual([{ name: 'Mont Blanc' }]);
    expect((await stmt.execute([0])).rowCount).toBe(3);
    await stmt.close();
    await expect(stmt.execute([1])).rejects.toThrow(UsageError);
  });

  it('a failing execution rejects with the SQLSTATE, the query and the caller in its stack; bad input rejects too', async () => {
    const stmt = await client.prepare('SELECT 10 / $1::int AS q');
    const err = (await stmt.execute([0]).catch((e: unknown) => e)) as DatabaseError;
    expect(err).toBeInstanceOf(DatabaseError);
    expect(err.sqlstate).toBe('22012');
    expect(err.query).toBe('SELECT 10 / $1::int AS q');
    expect(err.stack).toContain('query.test.ts');
    const bad = stmt.execute('not an array' as unknown as unknown[]);
    await expect(bad).rejects.toThrow(UsageError);
    expect((await stmt.execute([5])).rows).toEqual([{ q: 2 }]);
    await stmt.close();
  });

  it('a Date for a date column is encoded for the described type', async () => {
    await client.simpleQuery('DROP TABLE IF EXISTS days; CREATE TABLE days (d date, ts timestamptz)');
    const when = new Date(Date.UTC(2024, 1, 29, 23, 30));
    await client.query('INSERT INTO days VALUES ($1, $2)', [when, when]);
    const res = await client.query<{ d: string; ts: Date }>('SELECT d, ts FROM days');
    expect(res.rows).toEqual([{ d: '2024-02-29', ts: when }]);
  });
});

describe('cancel and deadlines', () => {
  it('timeoutMs cancels a running query and the client stays usable', async () => {
    const err = await client.query('SELECT pg_sleep(10)', [], { timeoutMs: 200 }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(QueryTimeoutError);
    expect((await client.query('SELECT 7 AS seven')).rows).toEqual([{ seven: 7 }]);
  });

  it('an AbortSignal cancels a running query with signal.reason', async () => {
    const controller = new AbortController();
    const reason = new Error('user gave up');
    setTimeout(() => controller.abort(reason), 100);
    await expect(client.query('SELECT pg_sleep(10)', [], { signal: controller.signal })).rejects.toBe(reason);
    expect((await client.query('SELECT 8 AS eight')).rows).toEqual([{ eight: 8 }]);
  });

  it('an aborted queued query is dropped without being sent', async () => {
    const controller = new AbortController();
    const running = client.query('SELECT pg_sleep(0.3) AS s');
    const queued = client.query('SELECT 1 AS never', [], { signal: controller.signal });
    controller.abort(new Error('not needed'));
    await expect(queued).rejects.toThrow('not needed');
    await running;
  });

  it('a server-side statement_timeout is a QueryCanceledError', async () => {
    const c = await connect(pg.url('trust', { sslmode: 'disable', options: '-c statement_timeout=100' }));
    await expect(c.query('SELECT pg_sleep(5)')).rejects.toThrow(QueryCanceledError);
    await c.close();
  });
});

describe('lifecycle', () => {
  it('close() waits for queued queries, then refuses new ones', async () => {
    const c = await connect(pg.url('trust', { sslmode: 'disable' }));
    const pending = c.query('SELECT pg_sleep(0.1), 1 AS done');
    await c.close();
    expect((await pending).rows[0]).toMatchObject({ done: 1 });
    await expect(c.query('SELECT 1')).rejects.toThrow(ClientClosedError);
  });

  it('destroy() rejects running and queued queries', async () => {
    const c = await connect(pg.url('trust', { sslmode: 'disable' }));
    const a = c.query('SELECT pg_sleep(5)');
    const b = c.query('SELECT 1');
    c.destroy();
    await expect(a).rejects.toThrow(ClientClosedError);
    await expect(b).rejects.toThrow(ClientClosedError);
  });

  it('the server killing the backend mid-query fails running and queued queries with ConnectionClosedError', async () => {
    const c = await connect(pg.url('trust', { sslmode: 'disable' }));
    const pid = c.serverInfo.processId;
    // Handlers attached at once: the FATAL may arrive before psql has exited.
    const a = c.query('SELECT pg_sleep(10)').catch((e: unknown) => e);
    const b = c.query('SELECT 1').catch((e: unknown) => e);
    await new Promise((r) => setTimeout(r, 100));
    await pg.psql(`SELECT pg_terminate_backend(${pid})`);
    expect(await a).toBeInstanceOf(ConnectionClosedError);
    expect(await b).toBeInstanceOf(ConnectionClosedError);
    expect(c.closed).toBe(true);
    await expect(c.query('SELECT 1')).rejects.toThrow(ClientClosedError);
  });

  it('await using closes the client', async () => {
    let outer: Client | undefined;
    {
      await using c = await connect(pg.url('trust', { sslmode: 'disable' }));
      outer = c;
      expect(c.closed).toBe(false);
    }
    expect(outer.closed).toBe(true);
  });
});

describe('diagnostics', () => {
  it('traces queries on the cratewire:query tracing channel without parameter values', async () => {
    const { tracingChannel } = await import('node:diagnostics_channel');
    const events: { kind: string; text: string; paramCount: number; error?: unknown; json: string }[] = [];
    const record = (kind: string) => (ctx: unknown): void => {
      const c = ctx as { text: string; paramCount: number; error?: unknown };
      events.push({ kind, text: c.text, paramCount: c.paramCount, error: c.error, json: JSON.stringify(ctx) });
    };
    const handlers = { start: record('start'), end: () => undefined, asyncStart: () => undefined, asyncEnd: record('asyncEnd'), error: record('error') };
    const tracing = tracingChannel('cratewire:query');
    tracing.subscribe(handlers);
    try {
      await client.query('SELECT length($1::text) AS n', ['canary-param-value']);
      await client.query('SELECT 1/0').catch(() => undefined);
    } finally {
      tracing.unsubscribe(handlers);
    }
    expect(events.map((e) => [e.kind, e.text, e.paramCount])).toEqual([
      ['start', 'SELECT length($1::text) AS n', 1],
      ['asyncEnd', 'SELECT length($1::text) AS n', 1],
      ['start', 'SELECT 1/0', 0],
      ['error', 'SELECT 1/0', 0],
      ['asyncEnd', 'SELECT 1/0', 0],
    ]);
    expect(events.some((e) => e.json.includes('canary-param-value'))).toBe(false);
  });
});
