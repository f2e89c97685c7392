/**
 * CrateDB's `POST /_sql` (docs/cratedb-wire.md "HTTP") through an undici Pool: keep-alive connections (one for the sequential
 * workloads, eight for the pool workload), `args` for parameters, `bulk_args` for the bulk insert. HTTP cannot
 * stream: the "streamed" workload reads the whole JSON body, which is the point of measuring its memory.
 */
import { Pool } from 'undici';
import { plainRow, plainRowError } from '../data.js';
import type { WorkerConfig } from '../protocol.js';
import { INSERT_CHUNK, POOL_SIZE, SQL_DOCS, SQL_INSERT, SQL_INT, SQL_POINT, SQL_RANGE } from '../workloads.js';
import { checkInt, concurrentJob, docsJob, insertJob, readWholeJob, sequentialJob, streamJob, Unavailable, type DocTuple, type Job, type PlainTuple } from './job.js';

/** The fields of a `/_sql` response body the benchmark reads (docs/cratedb-wire.md "HTTP results"). */
export interface SqlResponse {
  readonly rows?: readonly (readonly unknown[])[];
  readonly rowcount?: number;
  readonly results?: readonly { readonly rowcount: number; readonly error?: { readonly message: string } }[];
  readonly error?: { readonly message: string; readonly code: number };
}

/** Why a bulk_args response does not report every row inserted, or undefined. */
export function bulkError(res: SqlResponse, expected: number): string | undefined {
  const results = res.results ?? [];
  if (results.length !== expected) return `bulk_args: expected ${expected} results, got ${results.length}`;
  const failed = results.find((r) => r.rowcount !== 1);
  return failed === undefined ? undefined : `bulk_args: a row reported rowcount ${failed.rowcount} ${failed.error?.message ?? ''}`;
}

/** Checks a point-select response row given as an array. */
export function checkPointArray(row: readonly unknown[] | undefined, id: number): string | undefined {
  if (row === undefined) return `no row for id ${id}`;
  return plainRowError(row[0], row[1], row[2], row[3], id);
}

/** Opens `config.workload` on HTTP `/_sql`. */
export async function openJob(config: WorkerConfig): Promise<Job> {
  const base = config.target.httpUrl;
  if (base === undefined) throw new Unavailable('needs CrateDB');
  const pool = new Pool(base, { connections: config.workload === '3' ? POOL_SIZE : 1, pipelining: 1 });
  const close = (): Promise<void> => pool.close();
  const sqlRequest = async (body: object): Promise<SqlResponse> => {
    const res = await pool.request({ path: '/_sql', method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
    const json = (await res.body.json()) as SqlResponse;
    if (res.statusCode !== 200) throw new Error(`HTTP ${res.statusCode}: ${json.error?.message ?? 'no message'}`);
    return json;
  };
  const rowsOf = async (stmt: string, args: readonly unknown[]): Promise<readonly (readonly unknown[])[]> => (await sqlRequest({ stmt, args })).rows ?? [];
  await rowsOf('SELECT 1', []);
  return httpJob(config, { rowsOf, bulk: (stmt, bulkArgs) => sqlRequest({ stmt, bulk_args: bulkArgs }), close });
}

/** What the workloads need from an HTTP `/_sql` client; undici and node-crate differ only in how they send. */
export interface SqlOverHttp {
  /** The rows of one statement with `args`. */
  rowsOf(stmt: string, args: readonly unknown[]): Promise<readonly (readonly unknown[])[]>;
  /** One `bulk_args` request. */
  bulk(stmt: string, bulkArgs: readonly (readonly unknown[])[]): Promise<SqlResponse>;
  close(): Promise<void>;
}

/** `config.workload` on an HTTP client: every workload, results checked like the pgwire drivers'. */
export function httpJob(config: WorkerConfig, client: SqlOverHttp): Job {
  const { rowsOf, close } = client;
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
    case '6b':
      return insertJob(buildBulkArgs, async (chunks) => {
        for (const chunk of chunks) {
          const err = bulkError(await client.bulk(SQL_INSERT, chunk), chunk.length);
          if (err !== undefined) throw new Error(err);
        }
      }, close);
    case '7':
      return docsJob((n) => rowsOf(SQL_DOCS, [n]), (row) => row as DocTuple, close);
  }
}

/** bulk_args chunks of {@link INSERT_CHUNK} rows; timestamps as epoch ms, HTTP's own encoding. */
export function buildBulkArgs(n: number): (readonly unknown[])[][] {
  const chunks: (readonly unknown[])[][] = [];
  for (let start = 1; start <= n; start += INSERT_CHUNK) {
    const chunk: (readonly unknown[])[] = [];
    for (let id = start; id < Math.min(n + 1, start + INSERT_CHUNK); id++) {
      const r = plainRow(id);
      chunk.push([r.id, r.name, r.value, r.ts]);
    }
    chunks.push(chunk);
  }
  return chunks;
}
