/**
 * node-postgres the way its users make it fast: a named query config for prepared statements, `pg.Pool` for
 * concurrency, `pg-cursor` for streaming, one multi-row VALUES statement per chunk for bulk inserts.
 */
import pg from 'pg';
import Cursor from 'pg-cursor';
import { plainRow } from '../data.js';
import type { WorkerConfig } from '../protocol.js';
import { FETCH_SIZE, INSERT_CHUNK, POOL_SIZE, SQL_DOCS, SQL_INT, SQL_POINT, SQL_RANGE } from '../workloads.js';
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

const POINT_NAME = 'bench_point';

/** `INSERT … VALUES ($1,$2,$3,$4),($5,…)` for `rows` rows. */
function multiRowInsert(rows: number): string {
  const tuples = Array.from({ length: rows }, (_, i) => `($${i * 4 + 1}, $${i * 4 + 2}, $${i * 4 + 3}, $${i * 4 + 4})`);
  return `INSERT INTO bench_ingest (id, name, value, ts) VALUES ${tuples.join(', ')}`;
}

interface InsertChunk {
  readonly text: string;
  readonly values: unknown[];
}

function buildChunks(n: number): InsertChunk[] {
  const chunks: InsertChunk[] = [];
  const texts = new Map<number, string>();
  for (let start = 1; start <= n; start += INSERT_CHUNK) {
    const count = Math.min(INSERT_CHUNK, n - start + 1);
    let text = texts.get(count);
    if (text === undefined) {
      text = multiRowInsert(count);
      texts.set(count, text);
    }
    const values: unknown[] = [];
    for (let id = start; id < start + count; id++) {
      const r = plainRow(id);
      values.push(r.id, r.name, r.value, new Date(r.ts));
    }
    chunks.push({ text, values });
  }
  return chunks;
}

/** Opens `config.workload` on node-postgres. */
export async function openJob(config: WorkerConfig): Promise<Job> {
  const { pgUrl } = config.target;
  const maxId = config.plainRows;
  if (config.workload === '3') {
    const pool = new pg.Pool({ connectionString: pgUrl, max: POOL_SIZE });
    return concurrentJob(
      async (id) => checkPointObject((await pool.query<PlainObject>({ name: POINT_NAME, text: SQL_POINT, values: [id] })).rows[0], id),
      maxId,
      () => pool.end(),
    );
  }

  const client = new pg.Client({ connectionString: pgUrl });
  await client.connect();
  const close = (): Promise<void> => client.end();
  switch (config.workload) {
    case '1':
      return sequentialJob(async (id) => checkPointObject((await client.query<PlainObject>(SQL_POINT, [id])).rows[0], id), maxId, close);
    case '1b':
      return sequentialJob(async (n) => checkInt((await client.query<{ v: unknown }>(SQL_INT, [n])).rows[0]?.v, n), maxId, close);
    case '2':
      return sequentialJob(
        async (id) => checkPointObject((await client.query<PlainObject>({ name: POINT_NAME, text: SQL_POINT, values: [id] })).rows[0], id),
        maxId,
        close,
      );
    case '4':
      return readWholeJob(async (n) => (await client.query<PlainObject>(SQL_RANGE, [n])).rows, plainObjectTuple, close);
    case '5':
      return streamJob(async (n, checker) => {
        const cursor = client.query(new Cursor<PlainObject>(SQL_RANGE, [n]));
        try {
          for (;;) {
            const rows = await cursor.read(FETCH_SIZE);
            if (rows.length === 0) break;
            for (const row of rows) checker.add(row.id, row.name, row.value, row.ts);
          }
        } finally {
          await cursor.close();
        }
      }, close);
    case '6':
      return insertJob(buildChunks, async (chunks) => {
        for (const chunk of chunks) await client.query(chunk.text, chunk.values);
      }, close);
    case '6b':
      throw new Unavailable('no column-batch insert API (workload 6 is its bulk insert)');
    case '7':
      return docsJob(async (n) => (await client.query<DocObject>(SQL_DOCS, [n])).rows, docObjectTuple, close);
  }
}
