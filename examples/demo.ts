/**
 * `npm run demo`: connect, query a small summits table, run a prepared statement, show type decoding — with timings.
 * Runs against CRATEDB_URL when set, otherwise against an embedded PostgreSQL it starts itself.
 */
import { performance } from 'node:perf_hooks';
import { connect, type Client } from '../src/index.js';
import { startTestPostgres, type TestPostgres } from '../test/support/postgres.js';
import { printTable } from './print-table.js';

const SUMMITS: [string, number, string, string, [number, number], { range: string; prominence: number }][] = [
  ['Mont Blanc', 4808, 'FR/IT', '1786-08-08T00:00:00Z', [6.86444, 45.8325], { range: 'Mont Blanc massif', prominence: 4695 }],
  ['Monte Rosa', 4634, 'CH/IT', '1855-08-01T00:00:00Z', [7.86694, 45.93694], { range: 'Monte Rosa Alps', prominence: 2165 }],
  ['Dom', 4545, 'CH', '1858-09-11T00:00:00Z', [7.85861, 46.09389], { range: 'Mischabel', prominence: 1046 }],
  ['Matterhorn', 4478, 'CH/IT', '1865-07-14T00:00:00Z', [7.65861, 45.97639], { range: 'Weisshorn-Matterhorn', prominence: 1042 }],
  ['Finsteraarhorn', 4274, 'CH', '1812-08-10T00:00:00Z', [8.12611, 46.53722], { range: 'Bernese Alps', prominence: 2280 }],
  ['Zugspitze', 2962, 'DE/AT', '1820-08-27T00:00:00Z', [10.98528, 47.42111], { range: 'Wetterstein', prominence: 1746 }],
];

async function timed<T>(label: string, fn: () => Promise<T>): Promise<T> {
  const start = performance.now();
  const value = await fn();
  console.log(`  ${label}: ${(performance.now() - start).toFixed(2)} ms`);
  return value;
}

async function createDemoTable(client: Client): Promise<void> {
  const crate = client.serverInfo.isCrate;
  await client.simpleQuery('DROP TABLE IF EXISTS demo_summits');
  await client.simpleQuery(
    `CREATE TABLE demo_summits (name TEXT PRIMARY KEY, height INTEGER, country TEXT, first_ascent TIMESTAMP WITH TIME ZONE, coordinates ${crate ? 'GEO_POINT' : 'POINT'}, details ${crate ? 'OBJECT' : 'JSONB'})`,
  );
  for (const s of SUMMITS) {
    await client.query(
      'INSERT INTO demo_summits (name, height, country, first_ascent, coordinates, details) VALUES ($1, $2, $3, $4, $5, $6)',
      [s[0], s[1], s[2], new Date(s[3]), s[4], s[5]],
    );
  }
  if (crate) await client.simpleQuery('REFRESH TABLE demo_summits');
}

async function main(): Promise<void> {
  let embedded: TestPostgres | undefined;
  let url = process.env['CRATEDB_URL'];
  if (url === undefined || url === '') {
    console.log('CRATEDB_URL is not set: starting an embedded PostgreSQL for the demo ...');
    embedded = await startTestPostgres();
    url = embedded.url('trust', { sslmode: 'require' });
  }
  let opened: Client | undefined;
  try {
    console.log('\n1. Connect');
    const client = await timed('connect (TCP + TLS negotiation + startup)', () => connect(url));
    opened = client;
    const info = client.serverInfo;
    console.log(`  server: ${info.isCrate ? `CrateDB ${info.crateVersion}` : `PostgreSQL ${info.serverVersion}`}, TLS: ${client.tls}`);

    console.log('\n2. Create and fill a demo table');
    await timed('create + 6 parameterised inserts', () => createDemoTable(client));

    console.log('\n3. Query with a parameter');
    const sql = 'SELECT name, height, country, first_ascent, coordinates FROM demo_summits WHERE height > $1 ORDER BY height DESC';
    const res = await timed('first run (parse + describe + execute)', () => client.query(sql, [4000]));
    await timed('second run (cached statement: bind + execute only)', () => client.query(sql, [4000]));
    printTable(res.rows);
    console.log(`  rowCount=${res.rowCount} command=${res.command} fields=${res.fields.map((f) => `${f.name}:${f.typeOid}`).join(', ')}`);

    console.log('\n4. Prepared statement');
    const stmt = await client.prepare('SELECT name, height FROM demo_summits WHERE name = $1');
    const runs = 200;
    const start = performance.now();
    for (let i = 0; i < runs; i++) await stmt.execute([SUMMITS[i % SUMMITS.length]?.[0]]);
    const perQuery = (performance.now() - start) / runs;
    console.log(`  ${runs} point lookups: ${(perQuery * 1000).toFixed(0)} µs per query, ${(1000 / perQuery).toFixed(0)} queries/s`);
    printTable((await stmt.execute(['Matterhorn'])).rows);
    await stmt.close();

    console.log('\n5. Types');
    const types = await client.query(
      'SELECT height::bigint AS int8, height * 1.5 AS scaled, true AS bool, details AS "object", [1, 2, 3] AS int_array, coordinates AS point, first_ascent AS ts FROM demo_summits WHERE name = $1'.replace(
        '[1, 2, 3]',
        info.isCrate ? '[1, 2, 3]' : 'ARRAY[1, 2, 3]',
      ),
      ['Matterhorn'],
    );
    printTable(
      Object.entries(types.rows[0] ?? {}).map(([column, value]) => ({
        column,
        js: value instanceof Date ? 'Date' : Array.isArray(value) ? 'Array' : typeof value,
        value: value instanceof Date ? value.toISOString() : JSON.stringify(value),
      })),
    );

    await client.simpleQuery('DROP TABLE demo_summits');
    opened = undefined;
    await timed('close', () => client.close());
  } finally {
    // A failed step must not leave the process hanging on an open connection.
    opened?.destroy();
    await embedded?.destroy();
  }
}

main().catch((err: unknown) => {
  console.error(err);
  process.exitCode = 1;
});
