/**
 * `npm run demo` against CrateDB: the demo's CrateDB path (OBJECT, GEO_POINT, REFRESH) runs end to end — on the
 * scripted server, or on the real CrateDB that CRATEDB_URL names.
 */
import { describe, expect, it } from 'vitest';
import { runDemo } from '../support/run-demo.js';
import { startCrateTarget } from './target.js';

describe('npm run demo with CRATEDB_URL', () => {
  it('runs every step against CrateDB and shows CrateDB-shaped values', async () => {
    const target = await startCrateTarget();
    try {
      const { code, out } = await runDemo({ ...process.env, CRATEDB_URL: target.url({ sslmode: 'prefer' }) });
      expect(out).toContain('server: CrateDB');
      expect(out).toMatch(/\| Matterhorn\s+\| 4478/);
      expect(out).toContain('[7.65861,45.97639]');
      expect(out).toContain('{"range":"Weisshorn-Matterhorn","prominence":1042}');
      expect(code).toBe(0);
    } finally {
      await target.stop();
    }
  });
});
