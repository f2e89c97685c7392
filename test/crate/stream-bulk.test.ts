/**
 * Streaming and bulk writes against CrateDB (scripted server, or a real one via CRATEDB_URL): docs/cratedb-wire.md "Portals and maxRows" (portal
 * endings), "Deferred writes" and "Bulk execution" (deferred writes, bulk counts).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DatabaseError, UsageError, connect, type Client } from '../../src/index.js';
import { FORCED_BULK_ENDINGS, REAL_CRATE, startCrateTarget, type CrateTarget } from './target.js';

let target: CrateTarget;
let client: Client;
const table = `cw_bulk_${process.pid}`;
const SUMMITS = 6;

beforeAll(async () => {
  target = await startCrateTarget();
  client = await connect(target.url());
  await client.simpleQuery(`DROP TABLE IF EXISTS ${table}`);
  await client.simpleQuery(`CREATE TABLE ${table} (id INTEGER PRIMARY KEY, name TEXT)`);
});
afterAll(async () => {
  await client?.simpleQuery(`DROP TABLE IF EXISTS ${table}`).catch(() => undefined);
  await client?.close();
  await target?.stop();
});

async function streamAll(sql: string, fetchSize: number): Promise<unknown[]> {
  const rows: unknown[] = [];
  for await (const row of client.stream(sql, [], { fetchSize })) rows.push(row);
  return rows;
}

describe.skipIf(REAL_CRATE)('streaming sys.summits (docs/cratedb-wire.md "Portals and maxRows")', () => {
  const sql = 'SELECT mountain, height FROM sys.summits ORDER BY height DESC LIMIT 6';

  it.each([1, 2, 3, 4, 5, 6, 7, 100])('fetchSize %i returns every row once, in order', async (fetchSize) => {
    const expected = (await client.query(sql)).rows;
    expect(expected).toHaveLength(SUMMITS);
    expect(await streamAll(sql, fetchSize)).toEqual(expected);
  });

  it('an exact multiple ends with CommandComplete, not PortalSuspended, and no Execute follows it', async () => {
    const before = target.fake?.received.length ?? 0;
    const c = await connect(target.url());
    expect(await (async () => {
      const rows: unknown[] = [];
      for await (const row of c.stream(sql, [], { fetchSize: 3 })) rows.push(row);
      return rows.length;
    })()).toBe(SUMMITS);
    await c.close();
    const types = (target.fake?.received.slice(before).flat() ?? []).map((m) => m.type);
    expect(types.filter((t) => t === 'Execute')).toHaveLength(2);
    expect(types.filter((t) => t === 'Sync')).toHaveLength(1);
  });

  it('leaving early closes the portal and the client stays usable', async () => {
    for await (const row of client.stream(sql, [], { fetchSize: 2 })) {
      expect(row).toBeDefined();
      break;
    }
    expect((await client.query('SELECT 1 AS one')).rows).toEqual([{ one: 1 }]);
  });
});

describe('executeMany on CrateDB (docs/cratedb-wire.md "Bulk execution")', () => {
  it('returns one count per row, with -3 for a failed item (duplicate key) and no message', async () => {
    await client.query(`INSERT INTO ${table} (id, name) VALUES ($1, $2)`, [3, 'existing']);
    const rows = [1, 2, 3, 4, 5].map((id) => [id, `row ${id}`]);
    const res = await client.executeMany(`INSERT INTO ${table} (id, name) VALUES ($1, $2)`, rows);
    expect(res.rowCounts).toEqual([1, 1, -3, 1, 1]);
    expect(res.failed).toEqual([2]);
    await client.simpleQuery(`REFRESH TABLE ${table}`);
    expect((await client.query<{ n: number }>(`SELECT count(*) AS n FROM ${table}`)).rows[0]?.n).toBe(5);
  });

  it('re-runs failed rows one at a time to obtain their errors', async () => {
    const res = await client.executeMany(`INSERT INTO ${table} (id, name) VALUES ($1, $2)`, [[10, 'new'], [1, 'dup']], { retryFailedRows: true });
    expect(res.rowCounts[0]).toBe(1);
    expect(res.failed).toEqual([1]);
    const err = res.errors.get(1);
    expect(err).toBeInstanceOf(DatabaseError);
    expect((err as DatabaseError).sqlstate).toBe('23505');
  });

  it('a row that did not apply (ON CONFLICT DO NOTHING) reports 0', async () => {
    const res = await client.executeMany(`INSERT INTO ${table} (id, name) VALUES ($1, $2) ON CONFLICT DO NOTHING`, [[1, 'again'], [20, 'fresh']]);
    expect(res.rowCounts).toEqual([0, 1]);
    expect(res.failed).toEqual([]);
    expect(res.notApplied).toEqual([]);
  });

  it('refuses a row-returning statement before any Bind is sent', async () => {
    const before = target.fake?.received.flat().length ?? 0;
    await expect(client.executeMany('SELECT $1::integer AS x', [[1], [2]])).rejects.toThrow(UsageError);
    if (target.fake !== undefined) {
      const sent = target.fake.received.flat().slice(before).map((m) => m.type);
      expect(sent).not.toContain('Bind');
    }
    expect((await client.query('SELECT 2 AS two')).rows).toEqual([{ two: 2 }]);
  });

  it.skipIf(REAL_CRATE)('sends one Parse, then Bind/Execute per row, and one Sync per chunk', async () => {
    const before = target.fake?.received.length ?? 0;
    const c = await connect(target.url());
    await c.executeMany(`UPDATE ${table} SET name = $1 WHERE id = $2`, [['a', 1], ['b', 2], ['c', 99]], { chunkRows: 1000 });
    await c.close();
    const types = (target.fake?.received.slice(before).flat() ?? []).map((m) => m.type);
    expect(types.filter((t) => t === 'Parse')).toHaveLength(1);
    expect(types.filter((t) => t === 'Bind')).toHaveLength(3);
    expect(types.filter((t) => t === 'Execute')).toHaveLength(3);
    expect(types.filter((t) => t === 'Sync')).toHaveLength(1);
    expect(types.indexOf('Sync')).toBe(types.length - 2);
  });

  it('an empty rows array returns an empty result without a round trip', async () => {
    const res = await client.executeMany(`INSERT INTO ${table} (id, name) VALUES ($1, $2)`, []);
    expect(res.rowCounts).toEqual([]);
  });
});

describe.skipIf(REAL_CRATE)('the other bulk endings of docs/cratedb-wire.md "Bulk execution" (forced in the scripted server)', () => {
  const rows = [[1], [2], [3]];
  const insertInto = async (name: keyof typeof FORCED_BULK_ENDINGS): Promise<string> => {
    await client.simpleQuery(`DROP TABLE IF EXISTS ${name}`);
    await client.simpleQuery(`CREATE TABLE ${name} (id INTEGER PRIMARY KEY)`);
    return `INSERT INTO ${name} (id) VALUES ($1)`;
  };

  it('one ErrorResponse for the whole batch (planning failed at Sync): every row failed, each with that error', async () => {
    const res = await client.executeMany(await insertInto('cw_bulk_plan_error'), rows);
    expect(res.failed).toEqual([0, 1, 2]);
    expect([0, 1, 2].map((i) => (res.errors.get(i) as DatabaseError | undefined)?.sqlstate)).toEqual(['XX000', 'XX000', 'XX000']);
    expect((await client.query('SELECT 1 AS ok')).rows).toEqual([{ ok: 1 }]);
  });

  it('one ErrorResponse per Execute (the bulk failed later): every row failed with its own error', async () => {
    const res = await client.executeMany(await insertInto('cw_bulk_runtime_error'), rows);
    expect(res.failed).toEqual([0, 1, 2]);
    const errors = [0, 1, 2].map((i) => res.errors.get(i));
    expect(errors.every((e) => e instanceof DatabaseError)).toBe(true);
    expect(new Set(errors).size).toBe(3);
    expect((await client.query('SELECT 2 AS ok')).rows).toEqual([{ ok: 2 }]);
  });

  it('unknown counts arrive as -2 and are neither failed nor not applied', async () => {
    const res = await client.executeMany(await insertInto('cw_bulk_unknown_count'), rows);
    expect(res.rowCounts).toEqual([-2, -2, -2]);
    expect(res.failed).toEqual([]);
    expect(res.notApplied).toEqual([]);
  });
});
