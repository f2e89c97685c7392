/**
 * A small JSON web server on a cratewire pool, with graceful shutdown. Works against CrateDB and PostgreSQL.
 *
 *   DATABASE_URL=postgres://crate@localhost:5432/doc PORT=3000 npx tsx examples/web-server.ts
 *
 *   curl -X POST localhost:3000/items -d '{"name":"Matterhorn"}'   → 201 {"id":"…","name":"Matterhorn"}
 *   curl localhost:3000/items/<id>                                   → 200 {"id":"…","name":"…","createdAt":"…"}
 *   curl localhost:3000/stats                                        → the pool's counters
 *
 * Environment: DATABASE_URL (default postgres://crate@localhost:5432/doc), PORT (default 3000; 0 picks a free one),
 * POOL_MAX (default 10). SIGTERM or SIGINT: stop accepting connections, let requests in flight finish, end the pool.
 */
import { randomUUID } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { pathToFileURL } from 'node:url';
import {
  ConnectionError,
  DatabaseError,
  PoolClosedError,
  PoolQueueFullError,
  PoolTimeoutError,
  createPool,
  type Pool,
} from '../src/index.js';

interface Item {
  id: string;
  name: string;
  createdAt: Date;
}

const MAX_BODY_BYTES = 64 * 1024;
const SHUTDOWN_TIMEOUT_MS = 10_000;

/** An error with the HTTP status to answer. */
class HttpError extends Error {
  constructor(
    readonly status: number,
    message: string,
  ) {
    super(message);
  }
}

/** Create the table the example uses; the same DDL works on CrateDB and PostgreSQL. */
export async function prepareSchema(pool: Pool): Promise<void> {
  await pool.query('CREATE TABLE IF NOT EXISTS items (id TEXT PRIMARY KEY, name TEXT NOT NULL, created_at TIMESTAMP WITH TIME ZONE)');
}

/** The request handler: `GET /items/:id`, `POST /items`, `GET /stats`. */
export function createHandler(pool: Pool): (req: IncomingMessage, res: ServerResponse) => void {
  return (req, res) => {
    route(pool, req).then(
      ([status, body]) => send(res, status, body),
      (err: unknown) => sendError(res, err),
    );
  };
}

async function route(pool: Pool, req: IncomingMessage): Promise<[number, unknown]> {
  const url = new URL(req.url ?? '/', 'http://localhost');
  const item = /^\/items\/([^/]+)$/.exec(url.pathname);
  if (req.method === 'GET' && item !== null) {
    // A lookup by primary key is real-time on CrateDB too (no REFRESH needed).
    const res = await pool.query<Item>('SELECT id, name, created_at AS "createdAt" FROM items WHERE id = $1', [decodeURIComponent(item[1] as string)]);
    const row = res.rows[0];
    if (row === undefined) throw new HttpError(404, 'no such item');
    return [200, row];
  }
  if (req.method === 'POST' && url.pathname === '/items') {
    const body = (await readJson(req)) as { name?: unknown };
    if (typeof body.name !== 'string' || body.name === '') throw new HttpError(400, 'body must be {"name": "<non-empty string>"}');
    const id = randomUUID();
    await pool.query('INSERT INTO items (id, name, created_at) VALUES ($1, $2, $3)', [id, body.name, new Date()]);
    return [201, { id, name: body.name }];
  }
  if (req.method === 'GET' && url.pathname === '/stats') return [200, pool.stats];
  throw new HttpError(404, 'not found');
}

async function readJson(req: IncomingMessage): Promise<unknown> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req as AsyncIterable<Buffer>) {
    size += chunk.length;
    if (size > MAX_BODY_BYTES) throw new HttpError(413, 'body too large');
    chunks.push(chunk);
  }
  try {
    return JSON.parse(Buffer.concat(chunks).toString('utf8')) as unknown;
  } catch {
    throw new HttpError(400, 'body is not JSON');
  }
}

function send(res: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}): void {
  const text = JSON.stringify(body);
  res.writeHead(status, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(text), ...headers });
  res.end(text);
}

/**
 * The database being unreachable or the pool being saturated is a 503 with Retry-After, so load balancers and
 * clients back off; a statement the database refused is a 500 without the SQL (it stays in the server log).
 */
function sendError(res: ServerResponse, err: unknown): void {
  if (err instanceof HttpError) return send(res, err.status, { error: err.message });
  if (err instanceof PoolTimeoutError || err instanceof PoolQueueFullError || err instanceof ConnectionError || err instanceof PoolClosedError) {
    return send(res, 503, { error: 'database unavailable, retry later' }, { 'retry-after': '1' });
  }
  if (err instanceof DatabaseError) return send(res, 500, { error: 'database error', sqlstate: err.sqlstate });
  send(res, 500, { error: 'internal error' });
}

/** Stop accepting, wait for requests in flight (bounded), then end the pool. */
export async function shutdown(server: Server, pool: Pool): Promise<void> {
  const closed = new Promise<void>((resolve) => server.close(() => resolve()));
  server.closeIdleConnections();
  const timer = setTimeout(() => server.closeAllConnections(), SHUTDOWN_TIMEOUT_MS);
  await closed;
  clearTimeout(timer);
  await pool.end({ timeoutMs: SHUTDOWN_TIMEOUT_MS });
}

async function main(): Promise<void> {
  const pool = createPool(process.env['DATABASE_URL'] ?? 'postgres://crate@localhost:5432/doc', {
    max: Number(process.env['POOL_MAX'] ?? 10),
    acquireTimeoutMs: 5_000,
    connectTimeoutMs: 3_000,
  });
  await prepareSchema(pool);
  const server = createServer({ keepAliveTimeout: 30_000 }, createHandler(pool));
  server.listen(Number(process.env['PORT'] ?? 3000), '127.0.0.1', () => {
    const { port } = server.address() as AddressInfo;
    console.log(`listening on http://127.0.0.1:${port}`);
  });
  let stopping = false;
  const stop = (signal: string): void => {
    if (stopping) return;
    stopping = true;
    console.log(`${signal}: shutting down`);
    shutdown(server, pool).then(
      () => {
        console.log(`stopped; pool ${JSON.stringify(pool.stats)}`);
        process.exit(0);
      },
      (err: unknown) => {
        console.error('shutdown failed', err);
        process.exit(1);
      },
    );
  };
  process.on('SIGTERM', () => stop('SIGTERM'));
  process.on('SIGINT', () => stop('SIGINT'));
}

if (process.argv[1] !== undefined && import.meta.url === pathToFileURL(process.argv[1]).href) {
  main().catch((err: unknown) => {
    console.error(err);
    process.exit(1);
  });
}
