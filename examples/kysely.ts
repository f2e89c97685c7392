/**
 * Kysely on cratewire: typed CRUD on a table with an OBJECT column and a geo_point, a migration run by Kysely's
 * Migrator, streaming and cancellation. `CRATEDB_URL=postgres://crate@localhost:5432/doc npx tsx examples/kysely.ts`
 * (without CRATEDB_URL it starts an embedded PostgreSQL, where the same code runs on jsonb and point columns).
 */
import { Kysely, Migrator, sql } from 'kysely';
import { CrateDialect, withSignal, type GeoPoint } from '../src/kysely/index.js';
import { startExampleServer } from './example-server.js';

interface Database {
  shops: {
    id: number;
    name: string;
    /** CrateDB OBJECT(DYNAMIC) (`object` itself is a reserved word, hence `details`). */
    details: { opening: string; tags: string[] };
    /** CrateDB geo_point, [lon, lat]; PostgreSQL point, read back as { x, y }. */
    location: GeoPoint | { x: number; y: number };
  };
}

const server = await startExampleServer();
const db = new Kysely<Database>({ dialect: new CrateDialect({ pool: server.pool }) });
try {
  const migrator = new Migrator({
    db,
    provider: {
      getMigrations: async () => ({
        '001_shops': {
          up: async (m) => {
            await m.schema
              .createTable('shops')
              .addColumn('id', 'integer', (c) => c.primaryKey())
              .addColumn('name', 'text', (c) => c.notNull())
              .addColumn('details', server.isCrate ? sql`object(dynamic)` : 'jsonb')
              .addColumn('location', server.isCrate ? sql`geo_point` : sql`point`)
              .execute();
          },
          down: async (m) => {
            await m.schema.dropTable('shops').execute();
          },
        },
      }),
    },
  });
  const { results, error } = await migrator.migrateToLatest();
  if (error !== undefined) throw error;
  console.log('migrations:', results?.map((r) => `${r.migrationName} ${r.status}`).join(', ') || 'none pending');

  const created = await db
    .insertInto('shops')
    .values([
      { id: 1, name: 'Bakery', details: { opening: '07:00', tags: ['bread'] }, location: [9.7419, 47.4048] },
      { id: 2, name: 'Books', details: { opening: '10:00', tags: ['novels', 'maps'] }, location: [9.75, 47.41] },
    ])
    .returning(['id', 'name'])
    .execute();
  console.log('inserted:', created);

  await db.updateTable('shops').set({ details: { opening: '06:30', tags: ['bread', 'cake'] } }).where('id', '=', 1).execute();
  const bakery = await db.selectFrom('shops').selectAll().where('id', '=', 1).executeTakeFirstOrThrow();
  console.log('bakery:', bakery);

  if (server.isCrate) await sql`refresh table shops`.execute(db); // CrateDB: make the writes visible to searches
  for await (const shop of db.selectFrom('shops').select(['id', 'name']).orderBy('id').stream(100)) console.log('streamed:', shop);

  const slow = server.isCrate ? sql`select sum(g) from generate_series(1, 300000000) g` : sql`select pg_sleep(5)`;
  const cancelled = await slow.execute(withSignal(db, AbortSignal.timeout(200))).catch((e: Error) => e.name);
  console.log('slow query after 200 ms:', cancelled);

  if (server.isCrate) {
    const refused = await db.transaction().execute(async () => undefined).catch((e: Error) => e.message);
    console.log('db.transaction() on CrateDB:', refused);
  }

  const removed = await db.deleteFrom('shops').where('id', 'in', [1, 2]).executeTakeFirst();
  console.log('deleted rows:', removed.numDeletedRows);
  const down = await migrator.migrateDown();
  if (down.error !== undefined) throw down.error;
} finally {
  await db.destroy();
  await server.stop();
}
