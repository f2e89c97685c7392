/**
 * postgres.js the way its README uses it: tagged templates (automatically prepared, except in the workloads that
 * are about the unnamed statement, where `prepare: false`), its own pool, `.cursor(n)` for streaming and the
 * `sql(rows, ...columns)` multi-row insert helper.
 */
import postgres from 'postgres';
import { plainRow } from '../data.js';
import type { WorkerConfig } from '../protocol.js';
import { FETCH_SIZE, INSERT_CHUNK, POOL_SIZE } from '../workloads.js';
import {
  checkInt,
  checkPointObject,
  concurrentJob,
  docObjectTuple,
  docsJob,
  insertJob,
  plainObjectTuple,
  readWholeJob,
  sequentialJob,
  streamJob,
  Unavailable,
  type DocObject,
  type Job,
  type PlainObject,
} from './job.js';

interface InsertRow {
  readonly id: number;
  readonly name: string;
  readonly value: number;
  readonly ts: Date;
}

function buildChunks(n: number): InsertRow[][] {
  const chunks: InsertRow[][] = [];
  for (let start = 1; start <= n; start += INSERT_CHUNK) {
    const chunk: InsertRow[] = [];
    for (let id = start; id < Math.min(n + 1, start + INSERT_CHUNK); id++) {
      const r = plainRow(id);
      chunk.push({ id: r.id, name: r.name, value: r.value, ts: new Date(r.ts) });
    }
    chunks.push(chunk);
  }
  return chunks;
}

/** Opens `config.workload` on postgres.js. */
export async function openJob(config: WorkerConfig): Promise<Job> {
  const unnamed = config.workload === '1' || config.workload === '1b';
  const sql = postgres(config.target.pgUrl, {
    max: config.workload === '3' ? POOL_SIZE : 1,
    prepare: !unnamed,
    onnotice: () => undefined,
  });
  // Connections are lazy; open one now so the first timed query does not pay for it.
  await sql`SELECT 1`;
  const close = (): Promise<void> => sql.end({ timeout: 5 });
  const maxId = config.plainRows;
  const point = async (id: number): Promise<string | undefined> =>
    checkPointObject((await sql<PlainObject[]>`SELECT id, name, value, ts FROM bench_rows WHERE id = ${id}`)[0], id);
  switch (config.workload) {
    case '1':
    case '2':
      return sequentialJob(point, maxId, close);
    case '1b':
      return sequentialJob(async (n) => checkInt((await sql<{ v: unknown }[]>`SELECT ${n}::int AS v`)[0]?.v, n), maxId, close);
    case '3':
      return concurrentJob(point, maxId, close);
    case '4':
      return readWholeJob(async (n) => await sql<PlainObject[]>`SELECT id, name, value, ts FROM bench_rows WHERE id <= ${n}`, plainObjectTuple, close);
    case '5':
      return streamJob(async (n, checker) => {
        for await (const rows of sql<PlainObject[]>`SELECT id, name, value, ts FROM bench_rows WHERE id <= ${n}`.cursor(FETCH_SIZE)) {
          for (const row of rows) checker.add(row.id, row.name, row.value, row.ts);
        }
      }, close);
    case '6':
      return insertJob(buildChunks, async (chunks) => {
        for (const chunk of chunks) await sql`INSERT INTO bench_ingest ${sql(chunk, 'id', 'name', 'value', 'ts')}`;
      }, close);
    case '6b':
      throw new Unavailable('no column-batch insert API (workload 6 is its bulk insert)');
    case '7':
      return docsJob(async (n) => await sql<DocObject[]>`SELECT id, doc, tags, nums FROM bench_docs WHERE id <= ${n}`, docObjectTuple, close);
  }
}
