/**
 * Load test of the pool behind a web server: many concurrent HTTP clients (node:http keep-alive agent) against
 * examples/web-server.ts running in its own process, on a private embedded PostgreSQL that is stopped and started
 * again in the middle of the run. Reports requests/s, p50/p99 latency, errors, how many requests failed during the
 * restart and how fast the pool recovered, and the server's final pool.stats.
 *
 *   npx tsx bench/pool-load.ts [--connections 200] [--max 10] [--seconds 20] [--restart-at 8] [--down 2] [--writes 0.2]
 *
 * Not a test: it prints numbers; it asserts nothing (docs/design.md "Benchmarks").
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { Agent, request } from 'node:http';
import { parseArgs } from 'node:util';
import { startTestPostgres } from '../test/support/postgres.js';

interface Sample {
  /** ms since the load started. */
  readonly at: number;
  readonly latencyMs: number;
  /** HTTP status, or 0 for a transport error. */
  readonly status: number;
  /** For failures: the status and the body's error/sqlstate, e.g. `503 database unavailable, retry later`. */
  readonly failure?: string;
}

interface Reply {
  readonly status: number;
  readonly body: string;
}

const { values: args } = parseArgs({
  options: {
    connections: { type: 'string', default: '200' },
    max: { type: 'string', default: '10' },
    seconds: { type: 'string', default: '20' },
    'restart-at': { type: 'string', default: '8' },
    down: { type: 'string', default: '2' },
    writes: { type: 'string', default: '0.2' },
  },
});
const CONNECTIONS = Number(args.connections);
const POOL_MAX = Number(args.max);
const DURATION_MS = Number(args.seconds) * 1000;
const RESTART_AT_MS = Number(args['restart-at']) * 1000;
const DOWN_MS = Number(args.down) * 1000;
const WRITE_SHARE = Number(args.writes);
const SEED_ITEMS = 500;

const agent = new Agent({ keepAlive: true, maxSockets: CONNECTIONS });

function call(port: number, method: string, path: string, body?: unknown): Promise<Reply> {
  return new Promise((resolve, reject) => {
    const payload = body === undefined ? undefined : JSON.stringify(body);
    const req = request(
      { host: '127.0.0.1', port, method, path, agent, headers: payload === undefined ? {} : { 'content-type': 'application/json', 'content-length': Buffer.byteLength(payload) } },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, body: Buffer.concat(chunks).toString('utf8') }));
        res.on('error', reject);
      },
    );
    req.on('error', reject);
    req.end(payload);
  });
}

async function startServer(databaseUrl: string): Promise<{ child: ChildProcess; port: number }> {
  const child = spawn(process.execPath, ['--import', 'tsx', 'examples/web-server.ts'], {
    env: { ...process.env, DATABASE_URL: databaseUrl, PORT: '0', POOL_MAX: String(POOL_MAX) },
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  const port = await new Promise<number>((resolve, reject) => {
    let out = '';
    child.stdout?.on('data', (chunk: Buffer) => {
      out += chunk.toString('utf8');
      const match = /listening on http:\/\/127\.0\.0\.1:(\d+)/.exec(out);
      if (match !== null) resolve(Number(match[1]));
    });
    child.once('exit', (code) => reject(new Error(`web server exited early (code ${code}): ${out}`)));
  });
  child.stdout?.on('data', (chunk: Buffer) => process.stdout.write(`  [server] ${chunk.toString('utf8')}`));
  return { child, port };
}

function percentile(sorted: readonly number[], p: number): number {
  if (sorted.length === 0) return NaN;
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] as number;
}

async function main(): Promise<void> {
  console.log(`pool load test: ${CONNECTIONS} HTTP connections, pool max ${POOL_MAX}, ${DURATION_MS / 1000} s, ` +
    `database restart at ${RESTART_AT_MS / 1000} s for ${DOWN_MS / 1000} s, ${WRITE_SHARE * 100}% writes`);
  const db = await startTestPostgres();
  const server = await startServer(db.url('trust', { sslmode: 'disable' }));
  try {
    const ids: string[] = [];
    for (let i = 0; i < SEED_ITEMS; i++) ids.push((JSON.parse((await call(server.port, 'POST', '/items', { name: `seed ${i}` })).body) as { id: string }).id);

    const samples: Sample[] = [];
    const started = performance.now();
    const now = (): number => performance.now() - started;
    let running = true;
    const client = async (n: number): Promise<void> => {
      let i = n;
      while (running) {
        const write = Math.random() < WRITE_SHARE;
        const t0 = now();
        let status = 0;
        let failure: string | undefined;
        try {
          const reply = write
            ? await call(server.port, 'POST', '/items', { name: `load ${n} ${i++}` })
            : await call(server.port, 'GET', `/items/${ids[Math.floor(Math.random() * ids.length)]}`);
          status = reply.status;
          if (status >= 500) failure = `${status} ${reply.body}`;
        } catch (err) {
          failure = `transport ${(err as Error).message}`;
        }
        samples.push({ at: t0, latencyMs: now() - t0, status, failure });
        // A failed request is retried after a short pause, like a polite client honouring Retry-After (scaled down).
        if (status >= 500 || status === 0) await new Promise((r) => setTimeout(r, 50));
      }
    };
    const clients = Array.from({ length: CONNECTIONS }, (_, n) => client(n));

    await new Promise((r) => setTimeout(r, RESTART_AT_MS));
    const stopAt = now();
    await db.stop();
    const stoppedAt = now();
    await new Promise((r) => setTimeout(r, DOWN_MS));
    await db.start();
    const backAt = now();
    await new Promise((r) => setTimeout(r, Math.max(0, DURATION_MS - now())));
    running = false;
    await Promise.all(clients);
    const elapsed = now();

    const ok = samples.filter((s) => s.status >= 200 && s.status < 300);
    const failed = samples.filter((s) => !(s.status >= 200 && s.status < 300));
    const steady = samples.filter((s) => s.at < stopAt);
    const steadyOk = steady.filter((s) => s.status >= 200 && s.status < 300);
    const latencies = steadyOk.map((s) => s.latencyMs).sort((a, b) => a - b);
    const allLatencies = ok.map((s) => s.latencyMs).sort((a, b) => a - b);
    const firstFailure = failed[0]?.at;
    const lastFailure = failed.reduce((m, s) => Math.max(m, s.at + s.latencyMs), 0);
    const firstOkAfterBack = ok.filter((s) => s.at + s.latencyMs >= backAt).reduce((m, s) => Math.min(m, s.at + s.latencyMs), Infinity);
    const byKind = new Map<string, number>();
    for (const s of failed) byKind.set(s.failure ?? String(s.status), (byKind.get(s.failure ?? String(s.status)) ?? 0) + 1);
    const stats = JSON.parse((await call(server.port, 'GET', '/stats')).body) as Record<string, number>;

    const fmt = (ms: number): string => `${ms.toFixed(1)} ms`;
    console.log('\nresults');
    console.log(`  requests            ${samples.length} in ${(elapsed / 1000).toFixed(1)} s (${ok.length} ok, ${failed.length} failed)`);
    console.log(`  throughput          ${(samples.length / (elapsed / 1000)).toFixed(0)} req/s overall, ${(steady.length / (stopAt / 1000)).toFixed(0)} req/s before the restart`);
    console.log(`  latency (steady)    p50 ${fmt(percentile(latencies, 50))}, p99 ${fmt(percentile(latencies, 99))}, max ${fmt(latencies.at(-1) ?? NaN)}`);
    console.log(`  latency (all ok)    p50 ${fmt(percentile(allLatencies, 50))}, p99 ${fmt(percentile(allLatencies, 99))}`);
    const failedBefore = failed.filter((s) => s.at + s.latencyMs < stopAt).length;
    console.log(`  errors              ${failed.length}, ${failedBefore} of them before the restart began`);
    for (const [kind, n] of byKind) console.log(`                      ${n} × ${kind}`);
    console.log(`  restart             stop requested at ${fmt(stopAt)}, server down at ${fmt(stoppedAt)}, up again at ${fmt(backAt)}`);
    if (firstFailure !== undefined) {
      console.log(`  failure window      first failed request started at ${fmt(firstFailure)}, last failure ended at ${fmt(lastFailure)}`);
    }
    console.log(`  recovery            first success ${fmt(firstOkAfterBack - backAt)} after the database was ready again`);
    console.log(`  final pool.stats    ${JSON.stringify(stats)}`);
  } finally {
    server.child.kill('SIGTERM');
    await once(server.child, 'exit');
    agent.destroy();
    await db.destroy();
  }
}

main().catch((err: unknown) => {
  console.error(err);
  process.exit(1);
});
