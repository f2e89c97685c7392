/**
 * cratewire/drizzle against both servers: the embedded PostgreSQL and CrateDB (the scripted fake, or a real CrateDB
 * when CRATEDB_URL is set). Drizzle qualifies every column (`"table"."column"`), which the fake's SQL engine does not
 * parse, so most tests run on PostgreSQL and a real CrateDB only.
 */
import { mkdtempSync, mkdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { eq, gte, relations, sql } from 'drizzle-orm';
import { integer, pgTable, text, timestamp } from 'drizzle-orm/pg-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { UsageError, createPool } from '../../src/index.js';
import { drizzle, floatVector, geoPoint, migrate, object, type CrateDrizzleDatabase } from '../../src/drizzle/index.js';
import { startQueryBuilderServer, type QueryBuilderServer } from '../support/query-builder-servers.js';

interface Details {
  color: string;
  tags: string[];
}

const placesTable = `drizzle_places_${process.pid}`;
const visitsTable = `drizzle_visits_${process.pid}`;

const places = pgTable(placesTable, {
  id: integer('id').primaryKey(),
  name: text('name').notNull(),
  details: object('details').$type<Details>(),
  location: geoPoint('location'),
  embedding: floatVector('embedding', { dimensions: 3 }),
  created: timestamp('created', { withTimezone: true, mode: 'date' }),
  visited: timestamp('visited', { mode: 'string' }),
});
const visits = pgTable(visitsTable, {
  id: integer('id').primaryKey(),
  placeId: integer('place_id').notNull(),
  note: text('note'),
});
const placesRelations = relations(places, ({ many }) => ({ visits: many(visits) }));
const visitsRelations = relations(visits, ({ one }) => ({ place: one(places, { fields: [visits.placeId], references: [places.id] }) }));
const schema = { places, visits, placesRelations, visitsRelations };

const blank = { details: null, location: null, embedding: null, created: null, visited: null };

describe.each(['postgres', 'cratedb'] as const)('Drizzle driver on %s', (serverName) => {
  let server: QueryBuilderServer;
  let db: CrateDrizzleDatabase<typeof schema>;

  const refresh = async (...tables: string[]): Promise<void> => {
    for (const t of tables) {
      const text = server.refreshSql(t);
      if (text !== undefined) await db.execute(sql.raw(text));
    }
  };

  beforeAll(async () => {
    server = await startQueryBuilderServer(serverName);
    db = drizzle(server.pool(), { schema });
    const placesDdl = server.isCrate
      ? `create table ${placesTable} (id integer primary key, name text not null, details object(dynamic), location geo_point, embedding float_vector(3), created timestamp with time zone, visited timestamp without time zone)`
      : `create table ${placesTable} (id integer primary key, name text not null, details jsonb, location point, embedding real[], created timestamptz, visited timestamp)`;
    for (const t of [placesTable, visitsTable]) await db.execute(sql.raw(`drop table if exists ${t}`));
    await db.execute(sql.raw(placesDdl));
    await db.execute(sql.raw(`create table ${visitsTable} (id integer primary key, place_id integer not null, note text)`));
  });
  afterAll(async () => {
    for (const t of [placesTable, visitsTable]) await db?.execute(sql.raw(`drop table if exists ${t}`)).catch(() => undefined);
    await server?.stop();
  });

  it.runIf(serverFull(serverName))('inserts, selects, updates and deletes; db.execute() returns cratewire\'s Result', async () => {
    const inserted = await db.insert(places).values({ id: 1, name: 'alpha', ...blank });
    expect(inserted.rowCount).toBe(1);
    expect(await db.select({ id: places.id, name: places.name }).from(places).where(eq(places.id, 1))).toEqual([{ id: 1, name: 'alpha' }]);
    const updated = await db.update(places).set({ name: 'beta' }).where(eq(places.id, 1));
    expect(updated.rowCount).toBe(1);
    const deleted = await db.delete(places).where(eq(places.id, 1));
    expect(deleted.rowCount).toBe(1);
    expect(await db.select().from(places).where(eq(places.id, 1))).toEqual([]);
    const raw = await db.execute<{ one: number }>(sql`select 1 as one`);
    expect(raw.rows).toEqual([{ one: 1 }]);
  });

  it.runIf(serverFull(serverName))('maps CrateDB types through the column helpers: object, geo_point, float_vector, timestamps', async () => {
    const row = {
      id: 2,
      name: 'typed',
      details: { color: 'red', tags: ['a', 'b'] },
      location: [9.7419, 47.4048] as [number, number],
      embedding: [1, 2.5, -3],
      created: new Date('2026-01-02T03:04:05.678Z'),
      visited: '2026-01-02 03:04:05.678',
    };
    await db.insert(places).values(row);
    const [read] = await db.select().from(places).where(eq(places.id, 2));
    expect(read).toEqual(row);
  });

  it.runIf(serverFull(serverName))('returns rows from INSERT and UPDATE … RETURNING', async () => {
    const inserted = await db.insert(places).values({ id: 3, name: 'gamma' }).returning({ id: places.id, name: places.name });
    expect(inserted).toEqual([{ id: 3, name: 'gamma' }]);
    const updated = await db.update(places).set({ name: 'delta' }).where(eq(places.id, 3)).returning({ name: places.name });
    expect(updated).toEqual([{ name: 'delta' }]);
  });

  it.runIf(serverFull(serverName))('DELETE … RETURNING: rows on PostgreSQL, a clear UsageError on CrateDB', async () => {
    await db.insert(places).values({ id: 4, name: 'doomed', ...blank });
    const query = db.delete(places).where(eq(places.id, 4)).returning({ id: places.id });
    if (server.isCrate) {
      await expect(query).rejects.toMatchObject({ name: 'UsageError', code: 'UNSUPPORTED_ON_CRATEDB' });
      await db.delete(places).where(eq(places.id, 4));
    } else {
      expect(await query).toEqual([{ id: 4 }]);
    }
  });

  it.runIf(serverFull(serverName))('runs joins and relational queries', async () => {
    await db.insert(places).values({ id: 10, name: 'hut', ...blank });
    await db.insert(visits).values([
      { id: 1, placeId: 10, note: 'first' },
      { id: 2, placeId: 10, note: 'second' },
    ]);
    await refresh(placesTable, visitsTable);
    const joined = await db
      .select({ note: visits.note, place: places.name })
      .from(visits)
      .innerJoin(places, eq(visits.placeId, places.id))
      .orderBy(visits.id);
    expect(joined).toEqual([
      { note: 'first', place: 'hut' },
      { note: 'second', place: 'hut' },
    ]);
    const found = await db.query.places.findFirst({ where: eq(places.id, 10), columns: { id: true, name: true } });
    expect(found).toEqual({ id: 10, name: 'hut' });
    const many = await db.query.visits.findMany({ where: gte(visits.id, 1), orderBy: visits.id, columns: { note: true } });
    expect(many).toEqual([{ note: 'first' }, { note: 'second' }]);
    const nested = db.query.places.findFirst({ where: eq(places.id, 10), with: { visits: { columns: { note: true } } }, columns: { name: true } });
    if (server.isCrate) {
      // Drizzle nests relations with LATERAL joins and json_agg, which CrateDB does not have.
      await expect(nested).rejects.toMatchObject({ name: 'UsageError', code: 'UNSUPPORTED_ON_CRATEDB', message: expect.stringMatching(/LATERAL/) });
    } else {
      expect(await nested).toEqual({ name: 'hut', visits: [{ note: 'first' }, { note: 'second' }] });
    }
  });

  if (serverName === 'cratedb') {
    it('db.transaction() fails with a clear UsageError and runs nothing', async () => {
      let ran = false;
      await expect(
        db.transaction(async () => {
          ran = true;
        }),
      ).rejects.toThrow(/CrateDB has no transactions/);
      expect(ran).toBe(false);
    });

    it('migrate() refuses with a message saying why and what to do instead', async () => {
      const error = await migrate(db, { migrationsFolder: migrationsFolder('none') }).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(UsageError);
      expect(String((error as Error).message)).toMatch(/SERIAL.*transaction.*cratewire\/kysely/s);
    });
  } else {
    it('commits, rolls back and nests savepoints on PostgreSQL', async () => {
      await db.transaction(async (tx) => {
        await tx.insert(places).values({ id: 20, name: 'kept', ...blank });
        await tx
          .transaction(async (inner) => {
            await inner.insert(places).values({ id: 21, name: 'inner', ...blank });
            inner.rollback();
          })
          .catch(() => undefined);
      });
      await expect(
        db.transaction(async (tx) => {
          await tx.insert(places).values({ id: 22, name: 'dropped', ...blank });
          throw new Error('undo');
        }),
      ).rejects.toThrow('undo');
      await db.transaction(async (tx) => {
        await tx.insert(places).values({ id: 23, name: 'serial', ...blank });
      }, { isolationLevel: 'serializable' });
      const names = await db.select({ name: places.name }).from(places).where(gte(places.id, 20)).orderBy(places.id);
      expect(names.map((r) => r.name)).toEqual(['kept', 'serial']);
    });

    it('migrate() runs drizzle-kit migrations on PostgreSQL', async () => {
      const table = `drizzle_migrated_${process.pid}`;
      await migrate(db, { migrationsFolder: migrationsFolder(table), migrationsSchema: `drizzle_${process.pid}` });
      const res = await db.execute<{ n: number }>(sql.raw(`select count(*)::int as n from ${table}`));
      expect(res.rows).toEqual([{ n: 0 }]);
      await db.execute(sql.raw(`drop table ${table}`));
      await db.execute(sql.raw(`drop schema drizzle_${process.pid} cascade`));
    });
  }
});

describe('drizzle() input checks', () => {
  it('refuses what is not a cratewire pool, and Drizzle\'s cache option', async () => {
    expect(() => drizzle('postgres://x' as never)).toThrow(/pool must be a cratewire Pool/);
    const pool = createPool('postgres://crate@127.0.0.1:1/doc');
    try {
      expect(() => drizzle(pool, { cache: {} } as never)).toThrow(/cache is not supported/);
    } finally {
      await pool.end();
    }
    await expect(migrate({}, { migrationsFolder: '.' })).rejects.toThrow(/db must come from drizzle\(\)/);
  });

  it('floatVector() needs positive integer dimensions', () => {
    expect(() => pgTable('bad_vectors', { v: floatVector('v', { dimensions: 0 }) })).toThrow(/dimensions must be a positive integer/);
  });
});

/** Is the server able to run SQL beyond the scripted fake's subset? Known before beforeAll runs. */
function serverFull(name: 'postgres' | 'cratedb'): boolean {
  return name === 'postgres' || (process.env['CRATEDB_URL'] ?? '') !== '';
}

/** A drizzle-kit migrations folder with one migration creating `table` (an empty journal when table is 'none'). */
function migrationsFolder(table: string): string {
  const dir = mkdtempSync(join(tmpdir(), 'cratewire-drizzle-'));
  mkdirSync(join(dir, 'meta'));
  const entries = table === 'none' ? [] : [{ idx: 0, version: '7', when: 1_700_000_000_000, tag: '0000_init', breakpoints: true }];
  writeFileSync(join(dir, 'meta', '_journal.json'), JSON.stringify({ version: '7', dialect: 'postgresql', entries }));
  if (table !== 'none') writeFileSync(join(dir, '0000_init.sql'), `CREATE TABLE ${table} (id integer PRIMARY KEY, name text);`);
  return dir;
}
