/**
 * The node-crate HTTP client (`execute(sql, args)`, `executeBulk(sql, bulkArgs)`) over Node's keep-alive global
 * agent, which it configures itself; the pool workload caps that agent at the same 8 sockets as every other pool.
 */
import http from 'node:http';
import crate from 'node-crate';
import type { WorkerConfig } from '../protocol.js';
import { POOL_SIZE } from '../workloads.js';
import { httpJob } from './http.js';
import { Unavailable, type Job } from './job.js';

/** Opens `config.workload` on node-crate. */
export async function openJob(config: WorkerConfig): Promise<Job> {
  const base = config.target.httpUrl;
  if (base === undefined) throw new Unavailable('needs CrateDB');
  http.globalAgent.maxSockets = config.workload === '3' ? POOL_SIZE : 1;
  const client = crate.getNewInstance();
  client.connect(base.replace(/\/+$/, ''));
  await client.execute('SELECT 1');
  const close = async (): Promise<void> => {
    http.globalAgent.destroy();
  };
  return httpJob(config, {
    rowsOf: async (stmt, args) => (await client.execute(stmt, args)).rows,
    bulk: (stmt, bulkArgs) => client.executeBulk(stmt, bulkArgs),
    close,
  });
}
