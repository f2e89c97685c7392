/**
 * Drizzle on cratewire: typed CRUD on a table with an OBJECT column and a geo_point.
 * `CRATEDB_URL=postgres://crate@localhost:5432/doc npx tsx examples/drizzle.ts` (without CRATEDB_URL it starts an
 * embedded PostgreSQL, where the same schema reads jsonb and point columns).
 */
import { eq, sql } from 'drizzle-orm';
import { integer, pgTable, text } from 'drizzle-orm/pg-core';
import { drizzle, geoPoint, object } from '../src/drizzle/index.js';
import { startExampleServer } from './example-server.js';

const shops = pgTable('drizzle_shops', {
  id: integer('id').primaryKey(),
  name: text('name').notNull(),
  /** CrateDB OBJECT(DYNAMIC) (`object` itself is a reserved word, hence `details`). */
  details: object('details').$type<{ opening: string; tags: string[] }>(),
  location: geoPoint('location'),
});

const server = await startExampleServer();
const db = drizzle(server.pool, { schema: { shops } });
try {
  // Drizzle's migrator does not run on CrateDB (SERIAL journal, one transaction): create the table with plain SQL.
  await db.execute(
    sql.raw(
      server.isCrate
        ? 'create table if not exists drizzle_shops (id integer primary key, name text not null, details object(dynamic), location geo_point)'
        : 'create table if not exists drizzle_shops (id integer primary key, name text not null, details jsonb, location point)',
    ),
  );
  const inserted = await db
    .insert(shops)
    .values([
      { id: 1, name: 'Bakery', details: { opening: '07:00', tags: ['bread'] }, location: [9.7419, 47.4048] },
      { id: 2, name: 'Books', details: { opening: '10:00', tags: ['novels'] }, location: [9.75, 47.41] },
    ])
    .returning({ id: shops.id, name: shops.name });
  console.log('inserted:', inserted);

  await db.update(shops).set({ details: { opening: '06:30', tags: ['bread', 'cake'] } }).where(eq(shops.id, 1));
  const [bakery] = await db.select().from(shops).where(eq(shops.id, 1));
  console.log('bakery:', bakery); // details is an object, location is [lon, lat]

  if (server.isCrate) await db.execute(sql`refresh table drizzle_shops`); // CrateDB: make the writes visible to searches
  console.log('all:', await db.query.shops.findMany({ columns: { id: true, name: true }, orderBy: shops.id }));

  if (server.isCrate) {
    const refused = await db.transaction(async () => undefined).catch((e: Error) => e.message);
    console.log('db.transaction() on CrateDB:', refused);
  }
  const removed = await db.delete(shops);
  console.log('deleted rows:', removed.rowCount);
} finally {
  await db.execute(sql`drop table if exists drizzle_shops`);
  await server.stop();
}
