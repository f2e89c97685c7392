/**
 * cratewire/kysely against both servers: the embedded PostgreSQL and CrateDB (the scripted fake, or a real CrateDB
 * when CRATEDB_URL is set). Tests that need SQL the fake lacks run where `server.full` (see query-builder-servers.ts).
 */
import { CompiledQuery, Kysely, Migrator, sql, type Migration, type MigrationProvider } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { UsageError } from '../../src/index.js';
import { CrateDialect, withSignal, type GeoPoint } from '../../src/kysely/index.js';
import { REAL_CRATE } from '../crate/target.js';
import { startQueryBuilderServer, type QueryBuilderServer } from '../support/query-builder-servers.js';

interface Details {
  color: string;
  tags: string[];
}

interface Db {
  [table: string]: {
    id: number;
    name: string;
    details: Details | null;
    location: GeoPoint | { x: number; y: number } | null;
    embedding: number[] | null;
    created: Date | null;
  };
}

const suffix = `${process.pid}`;

describe.each(['postgres', 'cratedb'] as const)('Kysely dialect on %s', (serverName) => {
  let server: QueryBuilderServer;
  let db: Kysely<Db>;
  const table = `kysely_items_${suffix}`;

  const refresh = async (): Promise<void> => {
    const text = server.refreshSql(table);
    if (text !== undefined) await sql.raw(text).execute(db);
  };

  beforeAll(async () => {
    server = await startQueryBuilderServer(serverName);
    db = new Kysely<Db>({ dialect: new CrateDialect({ pool: server.pool() }) });
    await sql.raw(`drop table if exists ${table}`).execute(db);
    const ddl = server.isCrate
      ? `create table ${table} (id integer primary key, name text, details object(dynamic), location geo_point, embedding float_vector(3), created timestamp with time zone)`
      : `create table ${table} (id integer primary key, name text, details jsonb, location point, embedding real[], created timestamptz)`;
    await sql.raw(ddl).execute(db);
  });
  afterAll(async () => {
    await sql.raw(`drop table if exists ${table}`).execute(db).catch(() => undefined);
    await db?.destroy();
    await server?.stop();
  });

  it('inserts, selects, updates and deletes with numAffectedRows', async () => {
    const inserted = await db.insertInto(table).values({ id: 1, name: 'alpha' }).executeTakeFirstOrThrow();
    expect(inserted.numInsertedOrUpdatedRows).toBe(1n);
    expect(await db.selectFrom(table).select(['id', 'name']).where('id', '=', 1).execute()).toEqual([{ id: 1, name: 'alpha' }]);
    const updated = await db.updateTable(table).set({ name: 'beta' }).where('id', '=', 1).executeTakeFirstOrThrow();
    expect(updated.numUpdatedRows).toBe(1n);
    const deleted = await db.deleteFrom(table).where('id', '=', 1).executeTakeFirstOrThrow();
    expect(deleted.numDeletedRows).toBe(1n);
    expect(await db.selectFrom(table).selectAll().where('id', '=', 1).execute()).toEqual([]);
  });

  it('decodes the server\'s types: objects, points, vectors, timestamps', async () => {
    const details = { color: 'red', tags: ['a', 'b'] };
    const location: GeoPoint = [9.7419, 47.4048];
    const created = new Date('2026-01-02T03:04:05.678Z');
    await db
      .insertInto(table)
      .values({ id: 2, name: 'typed', details, location, embedding: [1, 2.5, -3], created })
      .execute();
    const row = await db.selectFrom(table).selectAll().where('id', '=', 2).executeTakeFirstOrThrow();
    expect(row.details).toEqual(details);
    // CrateDB's geo_point is [lon, lat]; PostgreSQL's point is { x, y } (README "Types").
    expect(row.location).toEqual(server.isCrate ? location : { x: location[0], y: location[1] });
    expect(row.embedding).toEqual([1, 2.5, -3]);
    expect(row.created).toEqual(created);
  });

  it.runIf(serverName === 'postgres' || REAL_CRATE)('returns rows from INSERT and UPDATE … RETURNING', async () => {
    const inserted = await db.insertInto(table).values({ id: 3, name: 'gamma' }).returning(['id', 'name']).executeTakeFirstOrThrow();
    expect(inserted).toEqual({ id: 3, name: 'gamma' });
    const updated = await db.updateTable(table).set({ name: 'delta' }).where('id', '=', 3).returning('name').execute();
    expect(updated).toEqual([{ name: 'delta' }]);
  });

  it('DELETE … RETURNING: rows on PostgreSQL, a clear UsageError before sending on CrateDB', async () => {
    await db.insertInto(table).values({ id: 4, name: 'doomed' }).execute();
    const query = db.deleteFrom(table).where('id', '=', 4).returning('id');
    if (server.isCrate) {
      await expect(query.execute()).rejects.toMatchObject({ name: 'UsageError', code: 'UNSUPPORTED_ON_CRATEDB' });
      await db.deleteFrom(table).where('id', '=', 4).execute();
    } else {
      expect(await query.execute()).toEqual([{ id: 4 }]);
    }
  });

  it('streams in chunks of the size Kysely passes; an early break leaves the connection usable', async () => {
    const ids = Array.from({ length: 25 }, (_, i) => 100 + i);
    await db.insertInto(table).values(ids.map((id) => ({ id, name: `s${id}` }))).execute();
    await refresh();
    const streamed: number[] = [];
    for await (const row of db.selectFrom(table).select('id').where('id', '>=', 100).orderBy('id').stream(7)) streamed.push(row.id);
    expect(streamed).toEqual(ids);
    let taken = 0;
    for await (const row of db.selectFrom(table).select('id').where('id', '>=', 100).orderBy('id').stream(5)) {
      expect(row.id).toBe(100 + taken);
      if (++taken === 6) break;
    }
    expect(taken).toBe(6);
    const after = await db.selectFrom(table).select('name').where('id', '=', 100).executeTakeFirstOrThrow();
    expect(after.name).toBe('s100');
  });

  it('hands Kysely chunks of exactly chunkSize rows from one cratewire stream', async () => {
    const driver = new CrateDialect({ pool: server.pool({ max: 1 }) }).createDriver();
    await driver.init();
    const connection = await driver.acquireConnection();
    try {
      const sizes: number[] = [];
      const query = CompiledQuery.raw(`select id from ${table} where id >= $1 order by id`, [100]);
      for await (const chunk of connection.streamQuery(query, 7)) sizes.push(chunk.rows.length);
      expect(sizes).toEqual([7, 7, 7, 4]);
    } finally {
      await driver.releaseConnection(connection);
    }
  });

  it('rejects a bad chunk size with a UsageError', async () => {
    const stream = db.selectFrom(table).select('id').stream(0);
    await expect(stream[Symbol.asyncIterator]().next()).rejects.toThrow(/chunkSize must be a positive integer/);
  });

  it('cancels a running query through withSignal(); the pool stays usable', async () => {
    const controller = new AbortController();
    const started = Date.now();
    const running = sql.raw(server.slowQuery).execute(withSignal(db, controller.signal));
    setTimeout(() => controller.abort(new Error('stop now')), 300);
    await expect(running).rejects.toThrow('stop now');
    expect(Date.now() - started).toBeLessThan(4_500);
    expect((await sql<{ one: number }>`select 1 as one`.execute(db)).rows).toEqual([{ one: 1 }]);
  });

  it('withSignal() refuses something that is not an AbortSignal', () => {
    expect(() => withSignal(db, 'soon' as unknown as AbortSignal)).toThrow(UsageError);
  });

  if (serverName === 'cratedb') {
    it('db.transaction() fails with a clear UsageError and runs nothing', async () => {
      let ran = false;
      const tx = db.transaction().execute(async () => {
        ran = true;
      });
      await expect(tx).rejects.toMatchObject({ name: 'UsageError', code: 'NO_TRANSACTIONS' });
      await expect(db.transaction().execute(async () => undefined)).rejects.toThrow(/CrateDB has no transactions/);
      expect(ran).toBe(false);
      await expect(db.startTransaction().execute()).rejects.toMatchObject({ code: 'NO_TRANSACTIONS' });
    });
  } else {
    it('commits, rolls back and uses savepoints on PostgreSQL', async () => {
      await db.transaction().execute(async (trx) => {
        await trx.insertInto(table).values({ id: 200, name: 'kept' }).execute();
      });
      await expect(
        db.transaction().execute(async (trx) => {
          await trx.insertInto(table).values({ id: 201, name: 'dropped' }).execute();
          throw new Error('undo');
        }),
      ).rejects.toThrow('undo');
      const trx = await db.startTransaction().setIsolationLevel('serializable').execute();
      await trx.insertInto(table).values({ id: 202, name: 'outer' }).execute();
      const sp = await trx.savepoint('inner').execute();
      await sp.insertInto(table).values({ id: 203, name: 'inner' }).execute();
      await sp.rollbackToSavepoint('inner').execute();
      await trx.commit().execute();
      const names = await db.selectFrom(table).select('name').where('id', '>=', 200).where('id', '<', 210).orderBy('id').execute();
      expect(names.map((r) => r.name)).toEqual(['kept', 'outer']);
    });
  }

  describe.runIf(serverName === 'postgres' || REAL_CRATE)('introspection and migrations', () => {
    it('introspects schemas, tables, views and column types from information_schema', async () => {
      const view = `kysely_view_${suffix}`;
      await sql.raw(`create or replace view ${view} as select id, name from ${table}`).execute(db);
      try {
        const schemas = (await db.introspection.getSchemas()).map((s) => s.name);
        expect(schemas).toContain(server.isCrate ? 'doc' : 'public');
        const tables = await db.introspection.getTables();
        const t = tables.find((x) => x.name === table);
        expect(t).toMatchObject({ isView: false, schema: server.isCrate ? 'doc' : 'public' });
        const types = Object.fromEntries(t!.columns.map((c) => [c.name, c.dataType]));
        expect(types).toEqual(
          server.isCrate
            ? { id: 'integer', name: 'text', details: 'object', location: 'geo_point', embedding: 'float_vector', created: 'timestamp with time zone' }
            : { id: 'int4', name: 'text', details: 'jsonb', location: 'point', embedding: '_float4', created: 'timestamptz' },
        );
        expect(t!.columns.find((c) => c.name === 'id')).toMatchObject({ isNullable: false, hasDefaultValue: false, isAutoIncrementing: false });
        expect(tables.find((x) => x.name === view)).toMatchObject({ isView: true });
      } finally {
        await sql.raw(`drop view if exists ${view}`).execute(db);
      }
    });

    it('runs Kysely\'s Migrator up and down, once even when two run at the same time', async () => {
      const prefix = `kysely_mig_${suffix}`;
      const migrationTableName = `${prefix}_log`;
      const migrationLockTableName = `${prefix}_lock`;
      const created = `${prefix}_places`;
      const migrations: Record<string, Migration> = {
        '001_places': {
          up: async (m) => {
            await m.schema
              .createTable(created)
              .addColumn('id', 'integer', (c) => c.primaryKey())
              .addColumn('details', server.isCrate ? sql`object(dynamic)` : 'jsonb')
              .execute();
          },
          down: async (m) => {
            await m.schema.dropTable(created).execute();
          },
        },
        '002_name': {
          up: async (m) => {
            await m.schema.alterTable(created).addColumn('name', 'text').execute();
          },
        },
      };
      const provider: MigrationProvider = { getMigrations: async () => migrations };
      const migDb = new Kysely<Db>({ dialect: new CrateDialect({ pool: server.pool({ max: 4 }), migrationTableName }) });
      const migrator = (): Migrator => new Migrator({ db: migDb, provider, migrationTableName, migrationLockTableName });
      try {
        const [a, b] = await Promise.all([migrator().migrateToLatest(), migrator().migrateToLatest()]);
        expect(a.error).toBeUndefined();
        expect(b.error).toBeUndefined();
        const ran = [...(a.results ?? []), ...(b.results ?? [])].map((r) => `${r.migrationName}:${r.status}`).sort();
        expect(ran).toEqual(['001_places:Success', '002_name:Success']);
        const again = await migrator().migrateToLatest();
        expect(again).toEqual({ results: [] });
        expect((await migrator().getMigrations()).every((m) => m.executedAt instanceof Date)).toBe(true);
        const down = await migrator().migrateDown();
        expect(down.results?.map((r) => r.status)).toEqual(['NotExecuted']);
      } finally {
        for (const t of [created, migrationTableName, migrationLockTableName]) await sql.raw(`drop table if exists ${t}`).execute(migDb);
        await migDb.destroy();
      }
    });

    it('a held migration lock makes the Migrator fail after migrationLockTimeoutMs, saying how to free it', async () => {
      const prefix = `kysely_lock_${suffix}`;
      const migrationTableName = `${prefix}_log`;
      const migrationLockTableName = `${prefix}_lock`;
      const provider: MigrationProvider = { getMigrations: async () => ({ '001': { up: async () => undefined } }) };
      const lockDb = new Kysely<Db>({ dialect: new CrateDialect({ pool: server.pool(), migrationTableName, migrationLockTimeoutMs: 300 }) });
      const holder = server.pool({ max: 1 });
      const held = await holder.acquire();
      try {
        const first = await new Migrator({ db: lockDb, provider, migrationTableName, migrationLockTableName }).migrateToLatest();
        expect(first.error).toBeUndefined();
        if (server.isCrate) await held.query(`update ${migrationLockTableName} set is_locked = 1 where id = 'migration_lock'`);
        else await held.query('select pg_advisory_lock(3853314791062309107)');
        const started = Date.now();
        const blocked = await new Migrator({ db: lockDb, provider, migrationTableName, migrationLockTableName }).migrateToLatest();
        expect(Date.now() - started).toBeGreaterThanOrEqual(250);
        expect(blocked.error).toMatchObject({ name: 'UsageError', code: 'MIGRATION_LOCK_TIMEOUT' });
        expect(String((blocked.error as Error).message)).toMatch(server.isCrate ? /SET is_locked = 0/ : /advisory lock/);
      } finally {
        held.release(true);
        for (const t of [migrationTableName, migrationLockTableName]) await sql.raw(`drop table if exists ${t}`).execute(lockDb);
        await lockDb.destroy();
      }
    });
  });
});

describe('CrateDialect config', () => {
  it('refuses a missing or wrong pool, and bad lock options, before any I/O', () => {
    expect(() => new CrateDialect({ pool: 'postgres://x' as never })).toThrow(/pool must be a cratewire Pool/);
    expect(() => new CrateDialect(undefined as never)).toThrow(UsageError);
    expect(() => new CrateDialect({ pool: () => undefined as never, migrationLockTimeoutMs: -1 })).toThrow(/migrationLockTimeoutMs/);
    expect(() => new CrateDialect({ pool: () => undefined as never, migrationTableName: '' })).toThrow(/migrationTableName/);
  });

  it('a pool function that returns something else fails the first query clearly', async () => {
    const db = new Kysely({ dialect: new CrateDialect({ pool: async () => ({}) as never }) });
    await expect(sql`select 1`.execute(db)).rejects.toThrow(/must return a cratewire Pool/);
  });
});
