/**
 * Streams keep memory bounded when CrateDB ignores maxRows (test/fixtures/cratedb-6.4.3/portal_maxrows_existing.json:
 * one Execute(1000) answered with the whole result). The scripted server's `ignoreMaxRows` knob reproduces that, and it
 * writes rows only as fast as the client reads them, so a driver that stops reading its socket stops the server too:
 * `bytesWritten` is what the server could push, and it must stall while the consumer does.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { connect, createPool, type Client } from '../../src/index.js';
import { startFakeCrate, type FakeCrate } from './fake/server.js';

const ROWS = 200_000;
const PAD = 'x'.repeat(200);
const TABLE = 'bt';
/** About 45 MB of DataRows: far more than the socket buffers and one stream batch hold. */
const SQL = `SELECT g, pad FROM ${TABLE} ORDER BY g`;
const TOTAL_BYTES = ROWS * 220;

let fake: FakeCrate;
let client: Client;

beforeAll(async () => {
  fake = await startFakeCrate({ ignoreMaxRows: [TABLE] });
  client = await connect(fake.url());
  await client.query(`CREATE TABLE ${TABLE} (g integer, pad text)`);
  const batch = 20_000;
  for (let from = 1; from <= ROWS; from += batch) {
    const ids = Array.from({ length: batch }, (_, i) => from + i);
    await client.query(`INSERT INTO ${TABLE} (g, pad) SELECT * FROM UNNEST($1::int[], $2::text[])`, [ids, ids.map(() => PAD)]);
  }
  await client.query(`REFRESH TABLE ${TABLE}`);
});
afterAll(async () => {
  await client?.close();
  await fake?.stop();
});

/** Waits until the server's written byte count has not moved for `quietMs`, and returns it. */
async function stalledBytes(quietMs = 150): Promise<number> {
  let last = -1;
  for (let i = 0; i < 100; i++) {
    const now = fake.bytesWritten;
    if (now === last) return now;
    last = now;
    await sleep(quietMs);
  }
  throw new Error(`the server never stopped writing (${fake.bytesWritten} bytes)`);
}

describe('a consumer slower than the server (maxRows ignored)', () => {
  it('the server stalls after a bounded number of bytes, then every row arrives once, in order', async () => {
    const start = fake.bytesWritten;
    const stream = client.stream<{ g: number; pad: string }>(SQL, [], { fetchSize: 1000 });
    const it = stream[Symbol.asyncIterator]();
    const first = await it.next();
    expect(first.value?.g).toBe(1);
    const stalled = (await stalledBytes()) - start;
    // Reading stopped: what the server pushed is one batch plus the socket buffers, not the whole result.
    expect(stalled).toBeLessThan(TOTAL_BYTES / 3);
    let expected = 2;
    let pads = 0;
    for (;;) {
      const r = await it.next();
      if (r.done === true) break;
      expect(r.value.g).toBe(expected);
      expected++;
      if (r.value.pad === PAD) pads++;
    }
    expect(expected - 1).toBe(ROWS);
    expect(pads).toBe(ROWS - 1);
    expect((await client.query('SELECT 1 AS one')).rows).toEqual([{ one: 1 }]);
  });

  it('a paused stream stays paused while nobody pulls, and resumes batch by batch', async () => {
    const start = fake.bytesWritten;
    const it = client.stream<{ g: number }>(SQL, [], { fetchSize: 1000 })[Symbol.asyncIterator]();
    try {
      await it.next();
      const firstStall = (await stalledBytes()) - start;
      // More rows than one batch plus the socket buffers can hold, so the server must have written more meanwhile.
      for (let i = 0; i < 60_000; i++) await it.next();
      const secondStall = (await stalledBytes()) - start;
      expect(secondStall).toBeGreaterThan(firstStall);
      expect(secondStall).toBeLessThan(TOTAL_BYTES / 2);
    } finally {
      await it.return?.();
    }
    expect((await client.query('SELECT 2 AS two')).rows).toEqual([{ two: 2 }]);
  });

  it('break while the server still has rows to send: the client drains them and stays usable', async () => {
    let seen = 0;
    for await (const row of client.stream<{ g: number }>(SQL, [], { fetchSize: 1000 })) {
      seen = row.g;
      if (seen === 1500) break;
    }
    expect(seen).toBe(1500);
    expect((await client.query('SELECT 3 AS three')).rows).toEqual([{ three: 3 }]);
  });

  it('the idle deadline fires on a paused stream, frees the connection and fails the next pull', async () => {
    const it = client.stream(SQL, [], { fetchSize: 1000, idleTimeoutMs: 200 })[Symbol.asyncIterator]();
    await it.next();
    await sleep(600);
    await expect(it.next()).rejects.toMatchObject({ code: 'STREAM_IDLE_TIMEOUT' });
    expect((await client.query('SELECT 4 AS four')).rows).toEqual([{ four: 4 }]);
  });

  it('an abort on a paused stream rejects with its reason and leaves the client usable', async () => {
    const controller = new AbortController();
    const it = client.stream(SQL, [], { fetchSize: 1000, signal: controller.signal })[Symbol.asyncIterator]();
    await it.next();
    await stalledBytes();
    const reason = new Error('stop');
    controller.abort(reason);
    await expect(it.next()).rejects.toBe(reason);
    expect((await client.query('SELECT 5 AS five')).rows).toEqual([{ five: 5 }]);
  });

  it('pool.stream: bounded too, and every row arrives once', async () => {
    const pool = createPool(fake.url(), { max: 2 });
    try {
      const start = fake.bytesWritten;
      const it = pool.stream<{ g: number }>(SQL, [], { fetchSize: 500 })[Symbol.asyncIterator]();
      expect((await it.next()).value?.g).toBe(1);
      expect((await stalledBytes()) - start).toBeLessThan(TOTAL_BYTES / 3);
      let count = 1;
      for (;;) {
        const r = await it.next();
        if (r.done === true) break;
        count++;
        if (r.value.g !== count) throw new Error(`row ${count} arrived as ${r.value.g}`);
      }
      expect(count).toBe(ROWS);
    } finally {
      await pool.end();
    }
  });
});
