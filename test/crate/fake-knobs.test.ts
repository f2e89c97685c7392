/**
 * Self-test of the fake's knobs for the driver's CrateDB tests: `ignoreMaxRows`, writes that wait for a full socket
 * to drain (`bytesWritten`), and statements that outlive DDL (test/fixtures/cratedb-6.4.3/portal_maxrows_existing.json
 * and stale_statement_after_ddl.json are the recordings they reproduce).
 */
import { serialize } from 'pg-protocol';
import { afterEach, describe, expect, it } from 'vitest';
import {
  commandTagOf, errorField, RawClient, rowDescriptionOf, startupPacket, type BackendFrame,
} from './fake/raw-client.js';
import { startFakeCrate, type FakeCrate, type FakeCrateOptions } from './fake/server.js';

const fakes: FakeCrate[] = [];
const clients: RawClient[] = [];

afterEach(async () => {
  clients.splice(0).forEach((c) => c.close());
  await Promise.all(fakes.splice(0).map((f) => f.stop()));
});

async function login(options: FakeCrateOptions = {}): Promise<{ fake: FakeCrate; client: RawClient }> {
  const fake = await startFakeCrate(options);
  fakes.push(fake);
  const client = await RawClient.connect(fake.port);
  clients.push(client);
  client.send(startupPacket({ user: 'crate' }));
  await client.untilReady();
  return { fake, client };
}

async function query(client: RawClient, sql: string): Promise<BackendFrame[]> {
  client.send(serialize.query(sql));
  return client.untilReady();
}

const kinds = (frames: readonly BackendFrame[]): string => frames.map((f) => f.type).join('');

async function withTables(client: RawClient, ...names: string[]): Promise<void> {
  for (const name of names) {
    await query(client, `CREATE TABLE ${name} (id integer, name text)`);
    await query(client, `INSERT INTO ${name} (id, name) VALUES (1, 'a'), (2, 'b'), (3, 'c'), (4, 'd')`);
    await query(client, `REFRESH TABLE ${name}`);
  }
}

/** Parse, Bind to portal p, Execute(2), Flush: the first batch of a stream. */
async function firstBatch(client: RawClient, table: string): Promise<BackendFrame[]> {
  client.send(
    serialize.parse({ text: `SELECT id FROM ${table} ORDER BY id` }),
    serialize.bind({ portal: 'p' }),
    serialize.execute({ portal: 'p', rows: 2 }),
    serialize.flush(),
  );
  return client.until((f) => f.type === 's' || f.type === 'C');
}

describe('ignoreMaxRows', () => {
  it('true: Execute(maxRows) is answered with every row and CommandComplete', async () => {
    const { client } = await login({ ignoreMaxRows: true });
    await withTables(client, 't');
    const frames = await firstBatch(client, 't');
    expect(kinds(frames)).toBe('12DDDDC');
    expect(commandTagOf(frames[frames.length - 1] as BackendFrame)).toBe('SELECT 4');
  });

  it('a list of tables: only statements naming one of them ignore maxRows', async () => {
    const { client } = await login({ ignoreMaxRows: ['whole'] });
    await withTables(client, 'whole', 'wholesale');
    expect(kinds(await firstBatch(client, 'whole'))).toBe('12DDDDC');
    client.send(serialize.close({ type: 'P', name: 'p' }), serialize.sync());
    await client.untilReady();
    expect(kinds(await firstBatch(client, 'wholesale'))).toBe('12DDs');
  });

  it('default: maxRows is honoured', async () => {
    const { client } = await login();
    await withTables(client, 't');
    expect(kinds(await firstBatch(client, 't'))).toBe('12DDs');
  });
});

describe('writes wait for a full socket to drain', () => {
  it('stops writing rows while the client does not read, and finishes once it reads again', async () => {
    const { fake, client } = await login();
    // 200,000 rows of ~210 bytes: about 42 MB, far more than the socket buffers of both ends hold.
    const filler = 'x'.repeat(200);
    client.pause();
    client.send(serialize.query(`SELECT g, '${filler}' AS pad FROM generate_series(1, 200000) g`));
    let last = -1;
    while (fake.bytesWritten !== last) {
      last = fake.bytesWritten;
      await new Promise((resolve) => setTimeout(resolve, 300));
    }
    expect(fake.bytesWritten).toBeLessThan(20_000_000);
    client.resume();
    const frames = await client.untilReady();
    expect(frames.filter((f) => f.type === 'D')).toHaveLength(200_000);
    expect(commandTagOf(frames[frames.length - 2] as BackendFrame)).toBe('SELECT 200000');
    expect(fake.bytesWritten).toBeGreaterThan(40_000_000);
  }, 60_000);
});

describe('statements that outlive DDL', () => {
  it('a named SELECT prepared before DROP + CREATE fails at Execute with 42P01 `Relation not found for oid=N`', async () => {
    const { client } = await login();
    await withTables(client, 't');
    client.send(serialize.parse({ name: 'sel', text: 'SELECT id FROM t' }), serialize.sync());
    await client.untilReady();
    expect(kinds(await query(client, 'DROP TABLE t'))).toBe('CZ');
    await withTables(client, 't');
    client.send(serialize.bind({ statement: 'sel' }), serialize.execute(), serialize.sync());
    const frames = await client.untilReady();
    // A run-time failure: BindComplete, the error, RFQ I (no skip-until-Sync).
    expect(kinds(frames)).toBe('2EZ');
    expect(errorField(frames[1] as BackendFrame, 'C')).toBe('42P01');
    expect(errorField(frames[1] as BackendFrame, 'M')).toBe("Relation 'Relation not found for oid=1' unknown");
    expect(frames[2]?.body.toString('latin1')).toBe('I');
    client.send(serialize.parse({ name: 'sel', text: 'SELECT id FROM t' }), serialize.bind({ statement: 'sel' }), serialize.execute(), serialize.sync());
    expect(kinds(await client.untilReady())).toBe('12DDDDCZ');
  });

  it('a named SELECT * prepared before ADD COLUMN keeps describing and returning the old columns', async () => {
    const { client } = await login();
    await withTables(client, 't');
    client.send(serialize.parse({ name: 'star', text: 'SELECT * FROM t' }), serialize.sync());
    await client.untilReady();
    expect(kinds(await query(client, 'ALTER TABLE t ADD COLUMN extra text'))).toBe('CZ');
    client.send(serialize.bind({ statement: 'star' }), serialize.describe({ type: 'P' }), serialize.execute(), serialize.sync());
    const frames = await client.untilReady();
    expect(rowDescriptionOf(frames.find((f) => f.type === 'T') as BackendFrame).map((f) => f.name)).toEqual(['id', 'name']);
    expect(frames.filter((f) => f.type === 'D').map((f) => f.body.readInt16BE(0))).toEqual([2, 2, 2, 2]);
    const fresh = await query(client, 'SELECT * FROM t');
    expect(rowDescriptionOf(fresh[0] as BackendFrame).map((f) => f.name)).toEqual(['id', 'name', 'extra']);
  });

  it('a bulk of a statement whose table was dropped and re-created fails its planning at Sync: one 42P01, RFQ E', async () => {
    const { client } = await login();
    await withTables(client, 't');
    client.send(serialize.parse({ name: 'ins', text: 'INSERT INTO t (id, name) VALUES ($1, $2)' }), serialize.sync());
    await client.untilReady();
    await query(client, 'DROP TABLE t');
    await withTables(client, 't');
    client.send(
      serialize.bind({ statement: 'ins', values: ['5', 'e'] }),
      serialize.execute(),
      serialize.bind({ statement: 'ins', values: ['6', 'f'] }),
      serialize.execute(),
      serialize.sync(),
    );
    const frames = await client.untilReady();
    expect(kinds(frames)).toBe('2EZ');
    expect(errorField(frames[1] as BackendFrame, 'M')).toBe("Relation 'Relation not found for oid=1' unknown");
    expect(frames[2]?.body.toString('latin1')).toBe('E');
  });
});
