/**
 * A node of a CrateDB cluster dies under load and comes back: what do the pool's callers see?
 *
 *   CLUSTER_URL='postgres://crate@127.0.0.1:5432,127.0.0.1:5433,127.0.0.1:5434/doc' \
 *   CLUSTER_KILL='kill -9 $(cat /path/to/node2.pid)' CLUSTER_START='…command that starts node 2 again…' \
 *   npx tsx bench/cluster-failover.ts
 *
 * How the nodes are run is yours: the script only runs CLUSTER_KILL at KILL_AT_S and CLUSTER_START at REVIVE_AT_S
 * (shell commands), and drives CALLERS concurrent callers through a pool of POOL_MAX connections with
 * `hostSelection: 'spread'` for DURATION_S seconds. Each caller loops: INSERT a new row (primary key) and read it back
 * by key, each under a QUERY_TIMEOUT_MS deadline. The table has `number_of_replicas = 1`, so a single lost node loses
 * no acknowledged write. The run reports:
 * - every failed request, with its time relative to the kill and its error;
 * - the slowest request against its deadline;
 * - acknowledged writes missing afterwards (must be none);
 * - per-host connection counts every second (pool.stats.hosts), and how long after the revive the pool had
 *   connections on the revived node again.
 */
import { execSync } from 'node:child_process';
import { setTimeout as sleep } from 'node:timers/promises';
import { createPool } from '../src/index.js';

const URL_ = process.env.CLUSTER_URL ?? '';
const KILL = process.env.CLUSTER_KILL ?? '';
const START = process.env.CLUSTER_START ?? '';
const CALLERS = Number(process.env.CALLERS ?? 24);
const POOL_MAX = Number(process.env.POOL_MAX ?? 12);
const DURATION_S = Number(process.env.DURATION_S ?? 90);
const KILL_AT_S = Number(process.env.KILL_AT_S ?? 15);
const REVIVE_AT_S = Number(process.env.REVIVE_AT_S ?? 35);
const QUERY_TIMEOUT_MS = Number(process.env.QUERY_TIMEOUT_MS ?? 5_000);
const TABLE = 'cw_failover';

interface Failure {
  readonly atS: number;
  readonly what: string;
  readonly error: string;
}

async function main(): Promise<void> {
  if (URL_ === '' || KILL === '' || START === '') {
    throw new Error('set CLUSTER_URL (a multi-host URL of the three nodes), CLUSTER_KILL and CLUSTER_START (shell commands)');
  }
  const pool = createPool(URL_, { max: POOL_MAX, hostSelection: 'spread', acquireTimeoutMs: QUERY_TIMEOUT_MS });
  await pool.query(`DROP TABLE IF EXISTS ${TABLE}`);
  await pool.query(`CREATE TABLE ${TABLE} (id TEXT PRIMARY KEY, caller INTEGER, n INTEGER) CLUSTERED INTO 6 SHARDS WITH (number_of_replicas = 1)`);
  await pool.query(`SELECT count(*) FROM ${TABLE}`);

  const started = performance.now();
  const elapsedS = (): number => (performance.now() - started) / 1000;
  const acknowledged = new Set<string>();
  const failures: Failure[] = [];
  let requests = 0;
  let slowestMs = 0;
  let killedAt = Number.NaN;
  let revivedAt = Number.NaN;
  let backOnRevivedAt = Number.NaN;
  const timeline: string[] = [];

  const timed = async <T>(what: string, run: () => Promise<T>): Promise<T | undefined> => {
    const t0 = performance.now();
    requests++;
    try {
      return await run();
    } catch (err) {
      failures.push({ atS: elapsedS(), what, error: err instanceof Error ? `${err.name}: ${err.message}` : String(err) });
      return undefined;
    } finally {
      slowestMs = Math.max(slowestMs, performance.now() - t0);
    }
  };

  const caller = async (id: number): Promise<void> => {
    for (let n = 0; elapsedS() < DURATION_S; n++) {
      const key = `${id}-${n}`;
      const inserted = await timed('insert', () =>
        pool.query(`INSERT INTO ${TABLE} (id, caller, n) VALUES ($1, $2, $3)`, [key, id, n], { timeoutMs: QUERY_TIMEOUT_MS }),
      );
      if (inserted?.rowCount === 1) acknowledged.add(key);
      await timed('select', () => pool.query(`SELECT n FROM ${TABLE} WHERE id = $1`, [key], { timeoutMs: QUERY_TIMEOUT_MS }));
    }
  };

  const chaos = async (): Promise<void> => {
    await sleep(KILL_AT_S * 1000);
    execSync(KILL, { stdio: 'inherit', shell: '/bin/bash' });
    killedAt = elapsedS();
    await sleep(Math.max(0, REVIVE_AT_S * 1000 - performance.now() + started));
    execSync(START, { stdio: 'inherit', shell: '/bin/bash' });
    revivedAt = elapsedS();
  };

  const monitor = async (): Promise<void> => {
    while (elapsedS() < DURATION_S) {
      await sleep(1000);
      const hosts = pool.stats.hosts;
      timeline.push(`${elapsedS().toFixed(0).padStart(3)} s  ${hosts.map((h) => `${h.port}:${h.connections}${h.parkedMs > 0 ? '(parked)' : ''}`).join('  ')}`);
      if (!Number.isNaN(revivedAt) && Number.isNaN(backOnRevivedAt) && hosts.every((h) => h.connections > 0)) backOnRevivedAt = elapsedS();
    }
  };

  await Promise.all([...Array.from({ length: CALLERS }, (_, i) => caller(i)), chaos(), monitor()]);

  await pool.query(`REFRESH TABLE ${TABLE}`);
  const stored = new Set((await pool.query<{ id: string }>(`SELECT id FROM ${TABLE} LIMIT 10000000`)).rows.map((r) => r.id));
  const lost = [...acknowledged].filter((key) => !stored.has(key));
  await pool.end();

  console.log(timeline.join('\n'));
  console.log(`\n${requests} requests by ${CALLERS} callers through a pool of ${POOL_MAX} over ${DURATION_S} s`);
  console.log(`node killed at ${killedAt.toFixed(1)} s, started again at ${revivedAt.toFixed(1)} s`);
  console.log(`failed requests: ${failures.length}`);
  for (const f of failures) console.log(`  ${(f.atS - killedAt).toFixed(3)} s after the kill: ${f.what}: ${f.error}`);
  console.log(`slowest request: ${slowestMs.toFixed(0)} ms (deadline ${QUERY_TIMEOUT_MS} ms)`);
  console.log(`acknowledged writes: ${acknowledged.size}, missing afterwards: ${lost.length}`);
  console.log(
    Number.isNaN(backOnRevivedAt)
      ? 'the pool never had connections on every node again'
      : `connections on every node again ${(backOnRevivedAt - revivedAt).toFixed(0)} s after the restart command returned`,
  );
}

main().catch((err: unknown) => {
  console.error(`cluster-failover: ${err instanceof Error ? err.message : String(err)}`);
  process.exitCode = 1;
});
