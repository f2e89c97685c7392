import { afterAll, beforeAll, inject } from 'vitest';
import { connect, type Client } from '../../src/index.js';
import { buildTestPgUrl, runTestPsql, type TestPgInfo, type TestPgUserKind } from './postgres.js';

/** The shared test PostgreSQL as seen from a test file. */
export interface TestPg extends TestPgInfo {
  /** postgres:// URL for a user kind with extra query params, e.g. `url('scram', { sslmode: 'disable' })`. */
  url(kind: TestPgUserKind, query?: Record<string, string>): string;
  /** Runs SQL as superuser in the test database; resolves with what `psql -At` would print. */
  psql(sql: string): Promise<string>;
}

/** Whether global setup started PostgreSQL for this run (for `describe.skipIf(!hasTestPg())`). */
export function hasTestPg(): boolean {
  return inject('pg') != null;
}

/** The shared test PostgreSQL started by test/support/global-setup.ts; throws if this run did not start one. */
export function getTestPg(): TestPg {
  const info = inject('pg');
  if (info == null) {
    throw new Error(
      'No test PostgreSQL in this run: global setup starts it only when a selected file is under test/integration/ or test/crate/',
    );
  }
  return {
    ...info,
    url: (kind, query) => buildTestPgUrl(info, kind, query),
    psql: (sql) => runTestPsql(info, sql),
  };
}

/**
 * One client for a test file: connected to the test PostgreSQL (trust, no TLS) before the file's tests, closed after
 * them. `use` receives it first (keep it, create tables).
 */
export function connectForFile(pg: TestPg, use: (client: Client) => void | Promise<void>): void {
  let client: Client | undefined;
  beforeAll(async () => {
    client = await connect(pg.url('trust', { sslmode: 'disable' }));
    await use(client);
  });
  afterAll(async () => {
    await client?.close();
  });
}
