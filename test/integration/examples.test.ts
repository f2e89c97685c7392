/**
 * The query-builder and Arrow examples run end to end: against the embedded PostgreSQL they start themselves, or against the
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

describe('examples/arrow-export.ts', () => {
  it('exports 10,000 rows to an Arrow IPC file and reads the same values back', async () => {
    const { code, out } = await runExample('examples/arrow-export.ts', exampleEnv());
    expect(out).toMatch(/wrote 10000 rows to .*readings\.arrows/);
    expect(out).toMatch(/read back: 10000 rows in 5 batches; schema id: Int32, sensor: Utf8, value: Float64, ts: Timestamp<MICROSECOND, UTC>, alarm: Bool/);
    expect(out).toContain('first row: id=1 sensor=sensor 1 value=0.125 ts=2024-01-01T00:01:00.000Z alarm=false');
    expect(out).toContain('sum(value) = 6250625');
    expect(out).toContain('queryArrow: 10000 rows, same values: true');
    expect(code).toBe(0);
  });
});
