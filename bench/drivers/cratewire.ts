/**
 * cratewire, each workload through the API meant for it. `stream`, `executeMany` and `createPool` are being added
 * while this harness is written: they are looked up at run time through narrow structural types, so the harness
 * reports "not available yet" today and measures them as soon as they exist, without edits.
 */
import type { Client } from '../../src/index.js';
import { plainRow, type RowChecker } from '../data.js';
import type { WorkerConfig } from '../protocol.js';
import { FETCH_SIZE, INSERT_CHUNK, INSERT_COLUMNS, POOL_SIZE, SQL_DOCS, SQL_INSERT, SQL_INT, SQL_POINT, SQL_RANGE } from '../workloads.js';
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

/** `client.stream(sql, params, { fetchSize })`: an async iterable of rows. */
interface StreamingClient {
  stream(text: string, params: readonly unknown[], options: { fetchSize: number }): AsyncIterable<unknown>;
}

/** `client.executeMany(sql, rows, { chunkRows })`: one statement, many parameter rows. */
interface BulkClient {
  executeMany(text: string, rows: readonly (readonly unknown[])[], options: { chunkRows: number }): Promise<unknown>;
}

/** The part of a pool the benchmark uses; it is closed with whichever of `end`/`close` it has. */
interface BenchPool {
  query(text: string, params: readonly unknown[]): Promise<{ readonly rows: readonly unknown[] }>;
  end?: () => Promise<void>;
  close?: () => Promise<void>;
}

type CreatePool = (url: string, options: { max: number }) => BenchPool;

/** The module's exports, typed from the sources it was built from (WorkerConfig.cratewireEntry). */
type Cratewire = typeof import('../../src/index.js');

function canStream(client: object): client is StreamingClient {
  return typeof (client as Partial<StreamingClient>).stream === 'function';
}

function canExecuteMany(client: object): client is BulkClient {
  return typeof (client as Partial<BulkClient>).executeMany === 'function';
}

function findCreatePool(cratewire: Cratewire): CreatePool | undefined {
  const exported: Readonly<Record<string, unknown>> = cratewire;
  const create = exported['createPool'];
  return typeof create === 'function' ? (create as CreatePool) : undefined;
}

/**
 * A streamed item is a row; should `stream()` land yielding batches (arrays of rows) instead, object-mode rows are
 * never arrays, so batches are recognised and unpacked rather than miscounted.
 */
function addStreamed(checker: RowChecker, item: unknown): void {
  if (Array.isArray(item)) {
    for (const row of item as PlainObject[]) checker.add(row.id, row.name, row.value, row.ts);
    return;
  }
  const row = item as PlainObject;
  checker.add(row.id, row.name, row.value, row.ts);
}

/** Opens `config.workload` on cratewire. */
export async function openJob(config: WorkerConfig): Promise<Job> {
  const cratewire = (await import(config.cratewireEntry)) as Cratewire;
  const { pgUrl } = config.target;
  const maxId = config.plainRows;
  if (config.workload === '3') {
    const createPool = findCreatePool(cratewire);
    if (createPool === undefined) throw new Unavailable('createPool() is not exported yet');
    const pool = createPool(pgUrl, { max: POOL_SIZE });
    const close = async (): Promise<void> => {
      if (pool.end !== undefined) await pool.end();
      else if (pool.close !== undefined) await pool.close();
    };
    return concurrentJob(async (id) => checkPointObject((await pool.query(SQL_POINT, [id])).rows[0] as PlainObject | undefined, id), maxId, close);
  }

  const client: Client = await cratewire.connect(pgUrl);
  const close = (): Promise<void> => client.close();
  try {
    switch (config.workload) {
      case '1':
        return sequentialJob(async (id) => checkPointObject((await client.query<PlainObject>(SQL_POINT, [id], { prepare: false })).rows[0], id), maxId, close);
      case '1b':
        return sequentialJob(async (n) => checkInt((await client.query<{ v: unknown }>(SQL_INT, [n], { prepare: false })).rows[0]?.v, n), maxId, close);
      case '2': {
        const stmt = await client.prepare(SQL_POINT);
        return sequentialJob(async (id) => checkPointObject((await stmt.execute<PlainObject>([id])).rows[0], id), maxId, close);
      }
      case '4':
        return readWholeJob(async (n) => (await client.query<PlainObject>(SQL_RANGE, [n])).rows, plainObjectTuple, close);
      case '5': {
        if (!canStream(client)) throw new Unavailable('Client has no stream() yet');
        const streaming = client;
        return streamJob(async (n, checker) => {
          for await (const item of streaming.stream(SQL_RANGE, [n], { fetchSize: FETCH_SIZE })) addStreamed(checker, item);
        }, close);
      }
      case '6': {
        if (!canExecuteMany(client)) throw new Unavailable('Client has no executeMany() yet');
        const bulk = client;
        return insertJob(
          (n) => Array.from({ length: n }, (_, i) => {
            const r = plainRow(i + 1);
            return [r.id, r.name, r.value, new Date(r.ts)] as const;
          }),
          async (rows) => {
            await bulk.executeMany(SQL_INSERT, rows, { chunkRows: INSERT_CHUNK });
          },
          close,
        );
      }
      case '6b':
        return insertJob(
          (n) => Array.from({ length: n }, (_, i) => {
            const r = plainRow(i + 1);
            return [r.id, r.name, r.value, new Date(r.ts)];
          }),
          async (rows) => {
            const result = await client.bulkInsert('bench_ingest', INSERT_COLUMNS, rows, { batchSize: INSERT_CHUNK });
            if (result.failed > 0) throw new Error(`bulkInsert: ${result.failed} rows failed`);
          },
          close,
        );
      case '7':
        return docsJob(async (n) => (await client.query<DocObject>(SQL_DOCS, [n])).rows, docObjectTuple, close);
    }
  } catch (err) {
    await client.close();
    throw err;
  }
}
