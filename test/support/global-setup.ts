import { relative, sep } from 'node:path';
import type { TestProject } from 'vitest/node';
import { startTestPostgres, type TestPgInfo } from './postgres.js';

declare module 'vitest' {
  export interface ProvidedContext {
    /** The shared test PostgreSQL, or `null` when no selected test file needs it (see `getTestPg()`). */
    pg: TestPgInfo | null;
  }
}

/** Test files under these directories talk to the shared PostgreSQL. */
const SERVER_TEST_DIRS = [`test${sep}integration${sep}`, `test${sep}crate${sep}`, `test${sep}reliability${sep}`, `test${sep}arrow${sep}`];

/**
 * Whether any selected test file needs the server. Vitest keeps the CLI file filters in an internal
 * `filenamePattern` field; when it is missing, unreadable, or filters can change later (watch mode), start anyway.
 */
async function needsPostgres(project: TestProject): Promise<boolean> {
  const filters: unknown = (project.vitest as { filenamePattern?: unknown }).filenamePattern;
  if (project.config.watch || !Array.isArray(filters) || !filters.every((f) => typeof f === 'string')) return true;
  // A filter may carry a `:line` suffix, which file matching does not understand.
  const { testFiles } = await project.globTestFiles(filters.map((f: string) => f.replace(/:\d+$/, '')));
  return testFiles.some((file) => {
    const path = relative(project.config.root, file);
    return SERVER_TEST_DIRS.some((dir) => path.startsWith(dir));
  });
}

/** Vitest global setup: one PostgreSQL for the whole run, described to tests through `provide('pg', ...)`. */
export default async function setup(project: TestProject): Promise<(() => Promise<void>) | undefined> {
  if (!(await needsPostgres(project))) {
    project.provide('pg', null);
    return undefined;
  }
  const pg = await startTestPostgres();
  const info: TestPgInfo = {
    host: pg.host,
    port: pg.port,
    caCertPath: pg.caCertPath,
    caCertPem: pg.caCertPem,
    otherCaCertPath: pg.otherCaCertPath,
    users: pg.users,
    database: pg.database,
    socketDir: pg.socketDir,
  };
  project.provide('pg', info);
  return () => pg.destroy();
}
