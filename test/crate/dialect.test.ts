/**
 * CrateDB dialect: the behaviours of docs/cratedb-wire.md "Driver rules" as the driver must handle them. Runs against the scripted fake
 * (test/crate/fake/) in CI and against a real CrateDB when CRATEDB_URL is set.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  AuthenticationError,
  DatabaseError,
  ParameterError,
  QueryCanceledError,
  QueryTimeoutError,
  UsageError,
  connect,
  type Client,
} from '../../src/index.js';
import { ALICE, REAL_CRATE, startCrateTarget, type CrateTarget } from './target.js';

let target: CrateTarget;
let client: Client;
const table = `cw_dialect_${process.pid}`;

beforeAll(async () => {
  target = await startCrateTarget();
  client = await connect(target.url());
  await client.simpleQuery(`DROP TABLE IF EXISTS ${table}`);
  await client.simpleQuery(`CREATE TABLE ${table} (id INTEGER PRIMARY KEY, name TEXT, ts TIMESTAMP WITH TIME ZONE, pos GEO_POINT)`);
});
afterAll(async () => {
  await client?.simpleQuery(`DROP TABLE IF EXISTS ${table}`).catch(() => undefined);
  await client?.close();
  await target?.stop();
});

describe('startup (docs/cratedb-wire.md "Startup parameters", "Server parameters")', () => {
  it('detects CrateDB from crate_version and exposes every ParameterStatus', () => {
    const info = client.serverInfo;
    expect(info.isCrate).toBe(true);
    expect(info.crateVersion).toMatch(/^\d+\.\d+\.\d+$/);
    expect(info.serverVersion).toBe('14.0');
    expect(info.parameters['TimeZone']).toBe('UTC');
    expect(info.parameters['datestyle']).toBe('ISO');
    expect(info.canPipeline).toBe(false);
    expect(info.statementMaxLength).toBe(262_144);
  });

  it('defaults the database (schema) to doc: an unqualified table lands in doc', async () => {
    const res = await client.query(`SELECT id FROM doc.${table} WHERE id = $1`, [-1]);
    expect(res.rows).toEqual([]);
    const schema = await client.query<{ s: string }>('SHOW search_path');
    expect(JSON.stringify(schema.rows)).toContain('doc');
  });

  it.skipIf(REAL_CRATE)('sends application_name inside options (CrateDB ignores the bare parameter)', async () => {
    const c = await connect(target.url({ application_name: 'cratewire-test' }));
    await c.close();
    const params = target.fake?.startupParams.at(-1);
    expect(params?.['database']).toBe('doc');
    expect(params?.['user']).toBe('crate');
    expect(params?.['options']).toContain('-c application_name=cratewire-test');
  });

  it('a bad options value fails at startup with an error that names it', async () => {
    const err = await connect(target.url({ options: '--search_path=x' })).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(Error);
    expect(String(err)).toContain('options="--search_path=x"');
  });
});

describe.skipIf(REAL_CRATE)('cleartext password auth (docs/cratedb-wire.md "Authentication")', () => {
  it('logs in over TLS', async () => {
    const c = await connect(target.url({ sslmode: 'require' }, ALICE.user, ALICE.password));
    expect(c.tls).toBe(true);
    expect((await c.query('SELECT 1 AS one')).rows).toEqual([{ one: 1 }]);
    await c.close();
  });

  it('refuses to send the password over a plain socket unless allowed', async () => {
    await expect(connect(target.url({ sslmode: 'disable' }, ALICE.user, ALICE.password))).rejects.toThrow(/allowCleartextPasswordWithoutTls/);
    const c = await connect(target.url({ sslmode: 'disable', allowCleartextPasswordWithoutTls: 'true' }, ALICE.user, ALICE.password));
    await c.close();
  });

  it('a wrong password is an AuthenticationError with SQLSTATE 28000, and the socket is closed by the client', async () => {
    const err = await connect(target.url({ sslmode: 'require' }, ALICE.user, 'wrong-canary-pw')).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(AuthenticationError);
    expect((err as AuthenticationError).sqlstate).toBe('28000');
    expect(String(err)).not.toContain('wrong-canary-pw');
  });

  it('sslmode=require against a server that answers N is a TlsError', async () => {
    const { startFakeCrate } = await import('./fake/server.js');
    const plain = await startFakeCrate();
    await expect(connect(plain.url(undefined, undefined, { sslmode: 'require' }))).rejects.toThrow(/TLS/);
    const ok = await connect(plain.url(undefined, undefined, { sslmode: 'prefer' }));
    expect(ok.tls).toBe(false);
    await ok.close();
    await plain.stop();
  });
});

describe('queries, tags and errors (docs/cratedb-wire.md "Command tags", "Errors")', () => {
  it('inserts with parameters and reads after REFRESH', async () => {
    const when = new Date(Date.UTC(2024, 4, 6, 7, 8, 9, 10));
    const ins = await client.query(`INSERT INTO ${table} (id, name, ts, pos) VALUES ($1, $2, $3, $4)`, [1, 'Mont Blanc', when, [6.86444, 45.8325]]);
    expect(ins.rowCount).toBe(1);
    await client.simpleQuery(`REFRESH TABLE ${table}`);
    const res = await client.query(`SELECT id, name, ts, pos FROM ${table} WHERE id = $1`, [1]);
    expect(res.rows).toEqual([{ id: 1, name: 'Mont Blanc', ts: when, pos: [6.86444, 45.8325] }]);
    expect(res.fields.map((f) => f.typeOid)).toEqual([23, 1043, 1184, 600]);
  });

  it('row counts come from the last tag token even when the verb is junk (multi-line SQL)', async () => {
    const res = await client.query(`UPDATE\n  ${table} SET name = $1 WHERE id = $2`, ['Monte Bianco', 1]);
    expect(res.rowCount).toBe(1);
    const sel = await client.query(`SELECT\n  id FROM ${table} WHERE id = $1`, [1]);
    expect(sel.rowCount).toBe(1);
  });

  it('XX000 errors keep the Java stack (W) out of the message', async () => {
    const err = (await client.query('SELECT 1/0 AS x').catch((e: unknown) => e)) as DatabaseError;
    expect(err).toBeInstanceOf(DatabaseError);
    expect(err.sqlstate).toBe('XX000');
    expect(err.message).not.toContain('\n');
    if (!REAL_CRATE) expect(err.where).toMatch(/\n/);
    expect((await client.query('SELECT 2 AS two')).rows).toEqual([{ two: 2 }]);
  });

  it('unknown table is 42P01, duplicate key 23505', async () => {
    await expect(client.query('SELECT * FROM no_such_table_xyz')).rejects.toMatchObject({ sqlstate: '42P01' });
    await expect(client.query(`INSERT INTO ${table} (id, name) VALUES ($1, $2)`, [1, 'dup'])).rejects.toMatchObject({ sqlstate: '23505' });
  });

  it('BEGIN and COMMIT are no-ops; ROLLBACK is a syntax error (docs/cratedb-wire.md "Transactions")', async () => {
    await client.simpleQuery('BEGIN');
    await client.simpleQuery('COMMIT');
    await client.query('BEGIN');
    await client.query('COMMIT');
    await expect(client.query('ROLLBACK')).rejects.toMatchObject({ sqlstate: '42601' });
    expect((await client.query('SELECT 3 AS three')).rows).toEqual([{ three: 3 }]);
  });

  it('several statements in one simple query give one result each', async () => {
    const results = await client.simpleQuery(`SELECT 1 AS a; SELECT 2 AS b`);
    expect(results.map((r) => r.rows)).toEqual([[{ a: 1 }], [{ b: 2 }]]);
  });

  it('a statement longer than statement_max_length is refused before sending', async () => {
    const long = `SELECT 1 AS x /* ${'y'.repeat(262_144)} */`;
    await expect(client.query(long)).rejects.toThrow(UsageError);
    await expect(client.query(long)).rejects.toThrow(/statement_max_length/);
    expect((await client.query('SELECT 4 AS four')).rows).toEqual([{ four: 4 }]);
  });
});

describe('transactions (docs/cratedb-wire.md "Transactions")', () => {
  it.skipIf(REAL_CRATE)('client.transaction() is refused before anything is sent: CrateDB has no transactions', async () => {
    const sent = (): number => target.fake?.received.flat().length ?? 0;
    const before = sent();
    let called = false;
    const err = await client.transaction(async () => {
      called = true;
    }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(UsageError);
    expect((err as Error).message).toMatch(/^client\.transaction\(\): CrateDB has no transactions/);
    expect(called).toBe(false);
    expect(sent()).toBe(before);
  });
});

describe('parameter encoding (docs/cratedb-wire.md "Parameter OIDs", "Parameter text parsing")', () => {
  it('fields name the PostgreSQL type CrateDB reports (point for GEO_POINT, varchar for TEXT)', async () => {
    const res = await client.query(`SELECT id, name, ts, pos FROM ${table} LIMIT 0`);
    expect(res.fields.map((f) => f.typeName)).toEqual(['int4', 'varchar', 'timestamptz', 'point']);
  });

  it('counts ? placeholders too: a wrong count says expected N, got M before sending', async () => {
    const err = await client.query('SELECT ? AS a, ? AS b', [1]).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(UsageError);
    expect((err as Error).message).toContain('Wrong number of parameters: expected 2, got 1 (counting its $n and ? placeholders)');
    expect((await client.query('SELECT ? AS a', ['x'])).rows).toEqual([{ a: 'x' }]);
  });

  it('refuses Buffers (CrateDB has no binary type) before sending, naming the position', async () => {
    const err = await client.query('SELECT $1 AS b', [Buffer.from('x')]).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ParameterError);
    expect((err as ParameterError).index).toBe(0);
  });

  it('booleans travel as true/false (CrateDB reads true, t and 1 as true, anything else as false)', async () => {
    const res = await client.query('SELECT $1::boolean AS t, $2::boolean AS f', [true, false]);
    expect(res.rows).toEqual([{ t: true, f: false }]);
  });

  it.skipIf(REAL_CRATE)('never declares OIDs CrateDB refuses (17, 3802, 1083) and uses one Sync per statement', async () => {
    const before = target.fake?.received.length ?? 0;
    const c = await connect(target.url());
    await Promise.all([c.query('SELECT $1 AS a', [{ k: 1 }]), c.query('SELECT $1 AS b', ['x']), c.query('SELECT $1 AS c', [[1, 2]])]);
    await c.close();
    const messages = target.fake?.received.slice(before).flat() ?? [];
    const parses = messages.filter((m) => m.type === 'Parse') as unknown as { paramTypes: number[] }[];
    expect(parses.length).toBeGreaterThan(0);
    for (const p of parses) for (const oid of p.paramTypes) expect([17, 3802, 1083]).not.toContain(oid);
    const kinds = messages.map((m) => m.type).filter((t) => t === 'Execute' || t === 'Sync');
    for (let i = 0; i < kinds.length; i += 2) expect(kinds.slice(i, i + 2)).toEqual(['Execute', 'Sync']);
  });
});

describe.skipIf(REAL_CRATE)('CrateDB type encodings (docs/cratedb-wire.md "Types", "Arrays")', () => {
  it('decodes every type of types_demo', async () => {
    const c = await connect(target.url(), { int8: 'string' });
    const res = await c.query('SELECT * FROM types_demo', [], { prepare: false });
    await c.close();
    const row = res.rows[0] as Record<string, unknown>;
    expect(row).toMatchObject({
      bool_col: true,
      byte_col: 42,
      bigint_col: '9007199254740993',
      smallint_col: 32767,
      int_col: 2147483647,
      real_col: 1e10,
      double_col: 0.0001,
      numeric_col: '1E+3',
      text_col: 'hello',
      char_col: 'abcde',
      ip_col: '192.168.0.1',
      timestamptz_col: new Date(Date.UTC(2024, 0, 2, 3, 4, 5, 678)),
      timestamp_col: new Date(Date.UTC(2024, 0, 2, 3, 4, 5, 678)),
      date_col: '2024-01-02',
      object_col: { a: 1, b: [1, 2], c: { d: 'x' } },
      geo_shape_col: { type: 'Point', coordinates: [9.7419, 47.4048] },
      geo_point_col: [9.7419, 47.4048],
      float_vector_col: [1, 2.5],
      uuid_col: '9b2d3f5e-2a4c-4f1e-9d3b-7c8a6e5f4d21',
      bit_col: '0101',
      null_col: null,
      int_array_col: [10, 20],
      text_array_col: ['a"b', 'c\\d', null],
      nested_array_col: [[1, 2], [3]],
      object_array_col: [{ a: 1 }],
      empty_array_col: [],
      bool_array_col: [true, false],
    });
    expect(typeof row['regclass_col']).toBe('number');
    expect(typeof row['interval_col']).toBe('string');
  });

  it('bigint beyond 2^53 fails with int8: number and reads exactly with int8: bigint', async () => {
    await expect(client.query('SELECT bigint_col FROM types_demo')).rejects.toThrow(/bigint_col/);
    const big = await connect(target.url(), { int8: 'bigint' });
    expect((await big.query('SELECT bigint_col FROM types_demo')).rows).toEqual([{ bigint_col: 9007199254740993n }]);
    await big.close();
  });
});

describe.skipIf(REAL_CRATE)('cancel (docs/cratedb-wire.md "Cancel and statement timeout")', () => {
  it('timeoutMs sends a CancelRequest; the job is killed and the client stays usable', async () => {
    const err = await client.query('SELECT sleep(5000) AS s', [], { timeoutMs: 150 }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(QueryTimeoutError);
    expect((await client.query('SELECT 5 AS five')).rows).toEqual([{ five: 5 }]);
  });

  it('statement_timeout comes back as a QueryCanceledError (XX000 Job killed)', async () => {
    const c = await connect(target.url({ options: '-c statement_timeout=50' }));
    const err = await c.query('SELECT sleep(2000) AS s').catch((e: unknown) => e);
    expect(err).toBeInstanceOf(QueryCanceledError);
    expect((err as QueryCanceledError).sqlstate).toBe('XX000');
    await c.close();
  });
});
