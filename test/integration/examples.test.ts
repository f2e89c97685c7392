/**
 * The query-builder examples run end to end: against the embedded PostgreSQL they start themselves, or against the
 * real CrateDB that CRATEDB_URL names (the scripted CrateDB lacks the SQL Drizzle and Kysely's migrator need).
 */
import { describe, expect, it } from 'vitest';
import { REAL_CRATE } from '../crate/target.js';
import { runExample } from '../support/run-demo.js';

function exampleEnv(): NodeJS.ProcessEnv {
  const env = { ...process.env };
  if (!REAL_CRATE) delete env['CRATEDB_URL'];
  return env;
}

describe('examples/kysely.ts and examples/drizzle.ts', () => {
  it('kysely: migrates, inserts, reads, streams, cancels and deletes', async () => {
    const { code, out } = await runExample('examples/kysely.ts', exampleEnv());
    expect(out).toMatch(/migrations: /);
    expect(out).toContain('inserted:');
    expect(out).toMatch(/streamed: \{ id: 1/);
    expect(out).toMatch(/deleted rows: \d+/);
    expect(code).toBe(0);
  });

  it('drizzle: inserts, reads typed rows and deletes', async () => {
    const { code, out } = await runExample('examples/drizzle.ts', exampleEnv());
    expect(out).toContain('inserted:');
    expect(out).toContain('bakery:');
    expect(out).toMatch(/deleted rows: \d+/);
    expect(code).toBe(0);
  });
});
