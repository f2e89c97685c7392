/** The pool against CrateDB (scripted server, or a real one via CRATEDB_URL): docs/cratedb-wire.md "Transactions", "Session commands and pool reset". */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { UsageError, createPool, type Pool } from '../../src/index.js';
import { REAL_CRATE, startCrateTarget, type CrateTarget } from './target.js';

let target: CrateTarget;
let pool: Pool;

beforeAll(async () => {
  target = await startCrateTarget();
  pool = createPool(target.url(), { max: 2 });
});
afterAll(async () => {
  await pool?.end();
  await target?.stop();
});

describe('pool on CrateDB', () => {
  it('refuses transaction() before sending anything: CrateDB has no transactions', async () => {
    await expect(pool.transaction(async () => undefined)).rejects.toThrow(UsageError);
    await expect(pool.transaction(async () => undefined)).rejects.toThrow(/transaction/i);
  });

  it('a session setting changed by one borrower is not seen by the next', async () => {
    const a = await pool.acquire();
    await a.query("SET search_path TO 'cw_other'");
    expect(JSON.stringify((await a.query('SHOW search_path')).rows)).toContain('cw_other');
    a.release();
    for (let i = 0; i < 2; i++) {
      const b = await pool.acquire();
      expect(JSON.stringify((await b.query('SHOW search_path')).rows)).not.toContain('cw_other');
      b.release();
    }
  });

  it.skipIf(REAL_CRATE)('never sends DISCARD ALL or RESET to CrateDB (docs/cratedb-wire.md "Session commands and pool reset")', async () => {
    const single = createPool(target.url(), { max: 1 });
    const c = await single.acquire();
    await c.query('SET statement_timeout = 1000');
    c.release();
    (await single.acquire()).release();
    await single.end();
    const texts = (target.fake?.received.flat() ?? []).map((m) => ('text' in m ? String((m as { text: unknown }).text) : ''));
    expect(texts.filter((t) => /DISCARD|^\s*RESET/i.test(t))).toEqual([]);
    expect(texts.filter((t) => /SET\s+statement_timeout\s+TO\s+DEFAULT/i.test(t)).length).toBeGreaterThan(0);
  });

  it('runs queries concurrently over its connections', async () => {
    const results = await Promise.all(Array.from({ length: 10 }, (_, i) => pool.query('SELECT $1::integer AS i', [i])));
    expect(results.map((r) => r.rows[0]?.['i'])).toEqual(Array.from({ length: 10 }, (_, i) => i));
    expect(pool.stats.busy).toBe(0);
  });
});
