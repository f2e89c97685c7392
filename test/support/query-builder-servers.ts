/**
 * The servers the query-builder suites (Kysely, Drizzle) run against: the embedded PostgreSQL, and CrateDB — a real
 * one when CRATEDB_URL is set, otherwise the scripted fake of test/crate/fake/, whose SQL engine lacks RETURNING,
 * information_schema, system columns, `DEFAULT` in VALUES and `table.column` references: tests needing those run on
 * PostgreSQL and a real CrateDB only (`full`).
 */
import { createPool, type Pool } from '../../src/index.js';
import { startCrateTarget, type CrateTarget } from '../crate/target.js';
import { getTestPg } from './pg-env.js';

/** One server of the suite. */
export interface QueryBuilderServer {
  readonly name: 'postgres' | 'cratedb';
  readonly isCrate: boolean;
  /** False on the scripted fake, whose SQL engine is a subset (see above). */
  readonly full: boolean;
  /** A long-running statement to cancel: pg_sleep, the fake's sleep(ms), or a big aggregation on a real CrateDB. */
  readonly slowQuery: string;
  pool(options?: { max?: number }): Pool;
  /** Make writes visible to searches (CrateDB refreshes tables only about every second). */
  refreshSql(table: string): string | undefined;
  stop(): Promise<void>;
}

/** Start (or describe) the named server; pools it hands out are ended by stop(). */
export async function startQueryBuilderServer(name: QueryBuilderServer['name']): Promise<QueryBuilderServer> {
  const pools: Pool[] = [];
  const track = (p: Pool): Pool => {
    pools.push(p);
    return p;
  };
  const endPools = (): Promise<void> => Promise.all(pools.map((p) => p.end({ timeoutMs: 2_000 }))).then(() => undefined);
  if (name === 'postgres') {
    const pg = getTestPg();
    const url = pg.url('trust', { sslmode: 'disable' });
    return {
      name,
      isCrate: false,
      full: true,
      slowQuery: 'select pg_sleep(5)',
      pool: (options) => track(createPool(url, { max: 4, ...options })),
      refreshSql: () => undefined,
      stop: endPools,
    };
  }
  const target: CrateTarget = await startCrateTarget();
  const real = target.fake === undefined;
  return {
    name,
    isCrate: true,
    full: real,
    slowQuery: real ? 'select sum(g) from generate_series(1, 300000000) g' : 'select sleep(5000)',
    pool: (options) => track(createPool(target.url(), { max: 4, ...options })),
    refreshSql: (table) => `refresh table ${table}`,
    stop: async () => {
      await endPools();
      await target.stop();
    },
  };
}
