/** Where the query-builder examples run: CRATEDB_URL when set, otherwise an embedded PostgreSQL started here. */
import { createPool, type Pool } from '../src/index.js';
import { startTestPostgres } from '../test/support/postgres.js';

/** A pool on the example's server, whether it is CrateDB, and how to clean up. */
export interface ExampleServer {
  readonly pool: Pool;
  readonly isCrate: boolean;
  stop(): Promise<void>;
}

/** Connect to CRATEDB_URL, or start an embedded PostgreSQL. */
export async function startExampleServer(): Promise<ExampleServer> {
  const crateUrl = process.env['CRATEDB_URL'];
  const embedded = crateUrl === undefined || crateUrl === '' ? await startTestPostgres() : undefined;
  if (embedded !== undefined) console.log('CRATEDB_URL is not set: running against an embedded PostgreSQL');
  const pool = createPool(embedded?.url('trust', { sslmode: 'disable' }) ?? crateUrl, { max: 4 });
  const probe = await pool.acquire();
  const { isCrate, crateVersion } = probe.serverInfo;
  probe.release();
  console.log(isCrate ? `CrateDB ${crateVersion ?? ''}` : 'PostgreSQL');
  return {
    pool,
    isCrate,
    stop: async () => {
      await pool.end();
      await embedded?.destroy();
    },
  };
}
