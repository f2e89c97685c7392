import { once } from 'node:events';
import { Writable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { describe, expect, it } from 'vitest';
import { ConnectionClosedError, DatabaseError, StreamConsumedError, UsageError, connect, type Client } from '../../src/index.js';
import { connectForFile, getTestPg } from '../support/pg-env.js';

const pg = getTestPg();
let client: Client;

connectForFile(pg, (c) => void (client = c));

const SERIES = 'SELECT g AS n FROM generate_series(1, $1::int) g';

async function collect<R>(iterable: AsyncIterable<R>): Promise<R[]> {
  const out: R[] = [];
  for await (const row of iterable) out.push(row);
  return out;
}

/** The connection is idle, outside any transaction, and answers a normal query. */
async function expectUsable(c: Client): Promise<void> {
  expect((await c.query('SELECT 42 AS answer')).rows).toEqual([{ answer: 42 }]);
  expect(c.transactionStatus).toBe('I');
}

describe('stream()', () => {
  it.each([0, 1, 10, 20, 25])('streams %i rows with fetchSize 10 (0, 1, fetchSize, 2 × fetchSize, more)', async (count) => {
    const rows = await collect(client.stream<{ n: number }>(SERIES, [count], { fetchSize: 10 }));
    expect(rows).toEqual(Array.from({ length: count }, (_, i) => ({ n: i + 1 })));
    await expectUsable(client);
  });

  it('streams 100,000 rows with the default fetch size', async () => {
    let count = 0;
    let sum = 0;
    for await (const row of client.stream<{ n: number }>(SERIES, [100_000])) {
      count++;
      sum += row.n;
    }
    expect(count).toBe(100_000);
    expect(sum).toBe((100_000 * 100_001) / 2);
  });

  it('decodes like query(), in object and array row mode, and exposes fields', async () => {
    const sql = "SELECT $1::int AS i, 'x'::text AS t, 1.5::float8 AS f, '2024-01-02T03:04:05Z'::timestamptz AS ts, ARRAY[1,2] AS a, NULL::int AS z";
    const expected = await client.query(sql, [7]);
    const stream = client.stream(sql, [7]);
    expect(stream.fields).toBeUndefined();
    expect(await collect(stream)).toEqual(expected.rows);
    expect(stream.fields?.map((f) => f.name)).toEqual(['i', 't', 'f', 'ts', 'a', 'z']);
    const arrays = await collect(client.stream(sql, [7], { rowMode: 'array' }));
    expect(arrays).toEqual([[7, 'x', 1.5, new Date('2024-01-02T03:04:05Z'), [1, 2], null]]);
  });

  it('works with a describe-first parameter, the statement cache and prepare: false', async () => {
    const sql = 'SELECT $1::date + g AS d FROM generate_series(0, 2) g';
    const day = new Date(Date.UTC(2024, 1, 28));
    const expected = ['2024-02-28', '2024-02-29', '2024-03-01'].map((d) => ({ d }));
    expect(await collect(client.stream(sql, [day], { fetchSize: 2 }))).toEqual(expected);
    expect(await collect(client.stream(sql, [day], { fetchSize: 2 }))).toEqual(expected);
    expect(await collect(client.stream(sql, [day], { fetchSize: 2, prepare: false }))).toEqual(expected);
  });

  it('re-prepares a cached statement the server lost, like query()', async () => {
    const sql = 'SELECT g * 2 AS v FROM generate_series(1, 3) g';
    expect(await collect(client.stream(sql))).toEqual([{ v: 2 }, { v: 4 }, { v: 6 }]);
    await client.simpleQuery('DEALLOCATE ALL');
    expect(await collect(client.stream(sql, [], { fetchSize: 2 }))).toEqual([{ v: 2 }, { v: 4 }, { v: 6 }]);
  });

  it('break closes the portal and leaves the connection usable', async () => {
    const seen: number[] = [];
    for await (const row of client.stream<{ n: number }>(SERIES, [1000], { fetchSize: 10 })) {
      seen.push(row.n);
      if (row.n === 15) break;
    }
    expect(seen).toHaveLength(15);
    await expectUsable(client);
  });

  it('a thrown error in the loop body closes the stream; the error reaches the caller', async () => {
    const boom = new Error('consumer failed');
    const run = async (): Promise<void> => {
      for await (const row of client.stream<{ n: number }>(SERIES, [1000], { fetchSize: 10 })) {
        if (row.n === 3) throw boom;
      }
    };
    await expect(run()).rejects.toBe(boom);
    await expectUsable(client);
  });

  it('an aborted signal rejects the next pull with signal.reason and closes the portal', async () => {
    const controller = new AbortController();
    const reason = new Error('user gave up');
    const stream = client.stream<{ n: number }>(SERIES, [1000], { fetchSize: 10, signal: controller.signal });
    const run = async (): Promise<number> => {
      let n = 0;
      for await (const _ of stream) if (++n === 5) controller.abort(reason);
      return n;
    };
    await expect(run()).rejects.toBe(reason);
    await expectUsable(client);
  });

  it('an abort while the first batch is still running cancels it on the server', async () => {
    const controller = new AbortController();
    const reason = new Error('too slow');
    const stream = client.stream('SELECT pg_sleep(10), g FROM generate_series(1, 2) g', [], { signal: controller.signal });
    const pending = collect(stream);
    setTimeout(() => controller.abort(reason), 100);
    await expect(pending).rejects.toBe(reason);
    await expectUsable(client);
  });

  it('an error in the middle of the stream arrives after the rows before it, as a DatabaseError', async () => {
    const seen: number[] = [];
    const run = async (): Promise<void> => {
      for await (const row of client.stream<{ v: number }>('SELECT 100 / (50 - g) AS v FROM generate_series(1, 100) g', [], { fetchSize: 10 })) {
        seen.push(row.v);
      }
    };
    const err = await run().catch((e: unknown) => e);
    expect(err).toBeInstanceOf(DatabaseError);
    expect((err as DatabaseError).sqlstate).toBe('22012');
    expect((err as DatabaseError).query).toContain('generate_series');
    expect(seen.length).toBeGreaterThanOrEqual(40);
    expect(seen.length).toBeLessThan(50);
    await expectUsable(client);
  });

  it('iterating the same stream twice is a StreamConsumedError', async () => {
    const stream = client.stream(SERIES, [3]);
    await collect(stream);
    await expect(collect(stream)).rejects.toThrow(StreamConsumedError);
  });

  it('other queries on the client wait until the stream is finished', async () => {
    const order: string[] = [];
    const stream = client.stream<{ n: number }>(SERIES, [30], { fetchSize: 10 });
    const iterator = stream[Symbol.asyncIterator]();
    await iterator.next();
    const queued = client.query('SELECT 1 AS one').then(() => order.push('query'));
    for (let r = await iterator.next(); r.done !== true; r = await iterator.next()) order.push('row');
    order.push('stream end');
    await queued;
    expect(order.indexOf('query')).toBe(order.length - 1);
    expect(order.filter((o) => o === 'row')).toHaveLength(29);
  });

  it('an abandoned iterator is closed by the idle deadline; the next pull fails clearly', async () => {
    const c = await connect(pg.url('trust', { sslmode: 'disable' }));
    const iterator = c.stream<{ n: number }>(SERIES, [1000], { fetchSize: 10, idleTimeoutMs: 100 })[Symbol.asyncIterator]();
    expect(await iterator.next()).toEqual({ done: false, value: { n: 1 } });
    // This query can only run once the idle deadline has closed the stream's portal.
    await expectUsable(c);
    const err = await iterator.next().catch((e: unknown) => e);
    expect(err).toBeInstanceOf(UsageError);
    expect((err as UsageError).code).toBe('STREAM_IDLE_TIMEOUT');
    await c.close();
  });

  it('a lost connection rejects the pull with ConnectionClosedError', async () => {
    const c = await connect(pg.url('trust', { sslmode: 'disable' }));
    const iterator = c.stream(SERIES, [1000], { fetchSize: 10 })[Symbol.asyncIterator]();
    await iterator.next();
    await pg.psql(`SELECT pg_terminate_backend(${c.serverInfo.processId})`);
    const drain = async (): Promise<void> => {
      for (let r = await iterator.next(); r.done !== true; r = await iterator.next());
    };
    await expect(drain()).rejects.toThrow(ConnectionClosedError);
  });
});

describe('stream().toReadable()', () => {
  it('pipes every row through a slow Writable with backpressure', async () => {
    const seen: number[] = [];
    const sink = new Writable({
      objectMode: true,
      highWaterMark: 1,
      write(row: { n: number }, _enc, done) {
        seen.push(row.n);
        setImmediate(done);
      },
    });
    await pipeline(client.stream<{ n: number }>(SERIES, [250], { fetchSize: 20 }).toReadable(), sink);
    expect(seen).toEqual(Array.from({ length: 250 }, (_, i) => i + 1));
    await expectUsable(client);
  });

  it('destroying the Readable early closes the stream', async () => {
    const readable = client.stream<{ n: number }>(SERIES, [1000], { fetchSize: 10 }).toReadable();
    const [first] = (await once(readable, 'data')) as [{ n: number }];
    expect(first).toEqual({ n: 1 });
    readable.destroy();
    await once(readable, 'close');
    await expectUsable(client);
  });

  it('a database error destroys the Readable with the DatabaseError', async () => {
    const readable = client.stream('SELECT 1 / (g - 15) FROM generate_series(1, 30) g', [], { fetchSize: 10 }).toReadable();
    const sink = new Writable({ objectMode: true, write: (_row, _enc, done) => done() });
    await expect(pipeline(readable, sink)).rejects.toThrow(DatabaseError);
    await expectUsable(client);
  });
});
