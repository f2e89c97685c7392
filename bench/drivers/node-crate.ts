/**
 * The node-crate HTTP client (`execute(sql, args)`, `executeBulk(sql, bulkArgs)`) over Node's keep-alive global
 * agent, which it configures itself; the pool workload caps that agent at the same 8 sockets as every other pool.
 */
import http from 'node:http';
import crate from 'node-crate';
import type { WorkerConfig } from '../protocol.js';
import { POOL_SIZE, SQL_DOCS, SQL_INSERT, SQL_INT, SQL_POINT, SQL_RANGE } from '../workloads.js';
import { buildBulkArgs, bulkError, checkPointArray } from './http.js';
import { checkInt, concurrentJob, docsJob, insertJob, readWholeJob, sequentialJob, streamJob, Unavailable, type DocTuple, type Job, type PlainTuple } from './job.js';

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
  const rowsOf = async (stmt: string, args: readonly unknown[]): Promise<readonly (readonly unknown[])[]> => (await client.execute(stmt, args)).rows;
  const maxId = config.plainRows;
  const point = async (id: number): Promise<string | undefined> => checkPointArray((await rowsOf(SQL_POINT, [id]))[0], id);
  switch (config.workload) {
    case '1':
    case '2':
      return sequentialJob(point, maxId, close);
    case '1b':
      return sequentialJob(async (n) => checkInt((await rowsOf(SQL_INT, [n]))[0]?.[0], n), maxId, close);
    case '3':
      return concurrentJob(point, maxId, close);
    case '4':
      return readWholeJob((n) => rowsOf(SQL_RANGE, [n]), (row) => row as PlainTuple, close);
    case '5':
      return streamJob(async (n, checker) => {
        for (const row of await rowsOf(SQL_RANGE, [n])) checker.add(row[0], row[1], row[2], row[3]);
      }, close);
    case '6':
      return insertJob(buildBulkArgs, async (chunks) => {
        for (const chunk of chunks) {
          const err = bulkError(await client.executeBulk(SQL_INSERT, chunk), chunk.length);
          if (err !== undefined) throw new Error(err);
        }
      }, close);
    case '7':
      return docsJob((n) => rowsOf(SQL_DOCS, [n]), (row) => row as DocTuple, close);
  }
}
