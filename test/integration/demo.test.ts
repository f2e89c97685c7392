/** `npm run demo` without CRATEDB_URL: starts its own embedded PostgreSQL and runs every step. */
import { describe, expect, it } from 'vitest';
import { runDemo } from '../support/run-demo.js';

describe('npm run demo without CRATEDB_URL', () => {
  it('starts an embedded PostgreSQL and runs every step', async () => {
    const env = { ...process.env };
    delete env['CRATEDB_URL'];
    const { code, out } = await runDemo(env);
    expect(out).toContain('server: PostgreSQL');
    expect(out).toContain('TLS: true');
    expect(out).toMatch(/\| Matterhorn\s+\| 4478/);
    expect(out).toContain('{"x":7.65861,"y":45.97639}');
    expect(code).toBe(0);
  });
});
