/**
 * The CrateDB the dialect suite talks to: a real server when CRATEDB_URL is set (e.g. the docker-compose.yml node),
 * otherwise the scripted CrateDB-behaviour server of test/crate/fake/. Tests that need the fake's recordings or its
 * test-only functions (`sleep(ms)`, `types_demo`) are skipped against a real server.
 */
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { generateTestCerts, type TestCerts } from '../support/certs.js';
import { startFakeCrate, type FakeCrate } from './fake/server.js';

/** Where the dialect tests connect. */
export interface CrateTarget {
  /** URL for `user` (default crate) with extra query parameters. */
  url(query?: Record<string, string>, user?: string, password?: string): string;
  /** The fake server, or undefined against a real CrateDB. */
  readonly fake: FakeCrate | undefined;
  /** Test certificates the fake's TLS uses (fake only). */
  readonly certs: TestCerts | undefined;
  stop(): Promise<void>;
}

/** A password user the fake knows (docs/cratedb-wire.md "Host-based authentication": `crate` itself can have no password). */
export const ALICE = { user: 'alice', password: 's3cret-alice' } as const;

/** Tables whose bulks the fake ends the ways docs/cratedb-wire.md "Bulk execution" describes but its SQL engine cannot provoke. */
export const FORCED_BULK_ENDINGS = {
  cw_bulk_plan_error: 'plan-error',
  cw_bulk_runtime_error: 'runtime-error',
  cw_bulk_unknown_count: 'unknown-count',
} as const;

/** True when the suite runs against a real CrateDB. */
export const REAL_CRATE = (process.env['CRATEDB_URL'] ?? '') !== '';

/** Start the fake (with TLS and a password user) or describe the real server. */
export async function startCrateTarget(): Promise<CrateTarget> {
  const real = process.env['CRATEDB_URL'];
  if (real !== undefined && real !== '') {
    return {
      url: (query = {}, user, password) => withParams(real, query, user, password),
      fake: undefined,
      certs: undefined,
      stop: async () => undefined,
    };
  }
  const certs = await generateTestCerts(mkdtempSync(join(tmpdir(), 'cratewire-fake-crate-')));
  const fake = await startFakeCrate({
    users: { crate: null, [ALICE.user]: ALICE.password },
    tls: { key: certs.serverKeyPem, cert: certs.serverCertPem },
    bulkEndings: FORCED_BULK_ENDINGS,
  });
  return {
    url: (query = {}, user, password) => fake.url(user, password, query),
    fake,
    certs,
    stop: () => fake.stop(),
  };
}

function withParams(base: string, query: Record<string, string>, user?: string, password?: string): string {
  const url = new URL(base);
  if (user !== undefined) url.username = encodeURIComponent(user);
  if (password !== undefined) url.password = encodeURIComponent(password);
  for (const [k, v] of Object.entries(query)) url.searchParams.set(k, v);
  return url.toString().replace(/\+/g, '%20');
}
