/**
 * A scripted CrateDB-behaviour server for CI (docs/cratedb-wire.md "Running a local CrateDB": no real CrateDB can run here). It speaks pgwire the way
 * docs/cratedb-wire.md says CrateDB does — quirks included — and records what the client sent so tests can assert on it.
 */
import type { BulkEnding } from './session.js';
import { createServer, type Server, type Socket } from 'node:net';
import { Connection, type ServerContext } from './connection.js';
import type { FrontendMessage } from './frontend.js';
import type { CrateSession } from './session.js';
import { Catalog } from './sql/catalog.js';

export type { FrontendMessage } from './frontend.js';
export type { BulkEnding } from './session.js';

/** Options of {@link startFakeCrate}. */
export interface FakeCrateOptions {
  /** username → password; null = trust (docs/cratedb-wire.md "Authentication"). Default `{ crate: null }`. `crate` can never have a password. */
  users?: Record<string, string | null>;
  /** TLS key and certificate (PEM): answer `S` to SSLRequest; absent → `N` (ssl.psql.enabled=false, "First packet and TLS"). */
  tls?: { key: string; cert: string };
  /** Require TLS for password users (HBA `ssl: on`, "Host-based authentication"). */
  requireTlsForPasswords?: boolean;
  /** crate_version, default `6.4.1` (the newest released image when the fake was written; the recordings are 6.4.3). Some quirks depend on it ("First packet and TLS", "Types"). */
  version?: string;
  /** Parse text limit in characters, default 262144 ("Size limits"). */
  statementMaxLength?: number;
  /**
   * Bulk endings docs/cratedb-wire.md "Bulk execution" describes but the tiny SQL engine cannot provoke, by table name (a bulk — two or more
   * Executes of one write before Sync — whose SQL names the table ends this way):
   * `plan-error`: planning throws at Sync → one ErrorResponse, delayed replies discarded, RFQ E;
   * `runtime-error`: the bulk future fails later → every Execute gets its own ErrorResponse, then RFQ;
   * `unknown-count`: the count is unknown (−1) → `-2` on the wire for each item.
   */
  bulkEndings?: Readonly<Record<string, BulkEnding>>;
  /**
   * Answer Execute(maxRows) with the whole result and CommandComplete instead of maxRows DataRows and
   * PortalSuspended, as CrateDB 6.4.3 sometimes does (test/fixtures/cratedb-6.4.3/portal_maxrows_existing.json):
   * `true` for every statement, or table names (a statement whose SQL names one of them, as a word, is answered
   * whole). Default: maxRows is honoured.
   */
  ignoreMaxRows?: boolean | readonly string[];
}

/** A running fake server. */
export interface FakeCrate {
  readonly host: string;
  readonly port: number;
  /** `postgres://user[:password]@127.0.0.1:port/doc[?query]`; user defaults to `crate`. */
  url(user?: string, password?: string, query?: Record<string, string>): string;
  /** Every frontend message received, one array per accepted socket (cancel sockets included), in order. */
  readonly received: ReadonlyArray<ReadonlyArray<FrontendMessage>>;
  /** The raw parameters of every StartupMessage received, in order. */
  readonly startupParams: ReadonlyArray<Readonly<Record<string, string>>>;
  /**
   * Bytes handed to client sockets so far. Results are written in 1000-row chunks and the fake waits for 'drain'
   * when a socket's buffer is full, so for a client that stops reading this stops growing (bounded by the socket
   * buffers), which is how a test shows a paused driver really stops the server.
   */
  readonly bytesWritten: number;
  stop(): Promise<void>;
}

function maxRowsRule(ignore: boolean | readonly string[]): (sql: string) => boolean {
  if (typeof ignore === 'boolean') return () => ignore;
  const names = ignore.map((table) => new RegExp(`\\b${table}\\b`, 'i'));
  return (sql) => names.some((name) => name.test(sql));
}

/** Starts a fake CrateDB node on 127.0.0.1 with an ephemeral port. */
export async function startFakeCrate(options: FakeCrateOptions = {}): Promise<FakeCrate> {
  const users = options.users ?? { crate: null };
  // "Host-based authentication": the superuser `crate` has no password, and one cannot be set.
  if ('crate' in users && users.crate !== null) throw new Error('the crate superuser cannot have a password (docs/cratedb-wire.md "Host-based authentication")');
  const received: FrontendMessage[][] = [];
  const startupParams: Array<Readonly<Record<string, string>>> = [];
  const sessions = new Map<number, { secret: number; session: CrateSession }>();
  const connections = new Set<Connection>();
  let lastPid = 0;
  let bytesWritten = 0;

  const ctx: ServerContext = {
    users,
    tls: options.tls,
    requireTlsForPasswords: options.requireTlsForPasswords ?? false,
    version: options.version ?? '6.4.1',
    statementMaxLength: options.statementMaxLength ?? 262_144,
    bulkEndings: options.bulkEndings ?? {},
    ignoresMaxRows: maxRowsRule(options.ignoreMaxRows ?? false),
    catalog: new Catalog(),
    nextPid: () => ++lastPid,
    register: (pid, secret, session) => sessions.set(pid, { secret, session }),
    unregister: (pid) => sessions.delete(pid),
    cancel: (pid, secret) => {
      const entry = sessions.get(pid);
      if (entry && entry.secret === secret) entry.session.cancel();
    },
    recordStartup: (params) => startupParams.push({ ...params }),
    countWritten: (bytes) => {
      bytesWritten += bytes;
    },
  };

  const server: Server = createServer((socket: Socket) => {
    socket.setNoDelay(true);
    const log: FrontendMessage[] = [];
    received.push(log);
    const connection = new Connection(socket, ctx, log);
    connections.add(connection);
    socket.on('close', () => connections.delete(connection));
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve());
  });
  const address = server.address();
  if (address === null || typeof address === 'string') throw new Error('fake CrateDB: no TCP address');
  const port = address.port;

  return {
    host: '127.0.0.1',
    port,
    url(user = 'crate', password?: string, query?: Record<string, string>): string {
      const auth = password === undefined ? encodeURIComponent(user) : `${encodeURIComponent(user)}:${encodeURIComponent(password)}`;
      // Percent-encoding, not URLSearchParams: libpq-style URL parsing keeps '+' as a plus sign, not a space.
      const pairs = Object.entries(query ?? {}).map(([k, v]) => `${encodeURIComponent(k)}=${encodeURIComponent(v)}`);
      const search = pairs.length > 0 ? `?${pairs.join('&')}` : '';
      return `postgres://${auth}@127.0.0.1:${port}/doc${search}`;
    },
    received,
    startupParams,
    get bytesWritten(): number {
      return bytesWritten;
    },
    async stop(): Promise<void> {
      for (const connection of connections) connection.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
