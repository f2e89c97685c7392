/**
 * The scripted CrateDB must match the recordings: every scenario in test/fixtures/cratedb-6.4.3/ (raw exchanges with
 * a real CrateDB 6.4.3, format in its README.md) is replayed byte for byte against the fake, and what comes back is
 * compared with what CrateDB sent — message by message, type and decoded content.
 *
 * Left out everywhere (see `shapeOf` in fake/recording.ts): BackendKeyData's process id and secret; the F, R, L and
 * W fields of ErrorResponse (Java file, routine, line and stack of the server's build); the number of a non-zero
 * RowDescription table OID (CrateDB counts the node's relations since it was created; 0 versus non-zero is compared).
 * A recorded hang (`timeout` event) is checked as "nothing within HANG_WINDOW_MS". Anything else a scenario leaves
 * out is listed at its test.
 *
 * Not reproduced — the fake differs, and the test says so instead of passing:
 * - `pipelined_read_write_syncs`: CrateDB interleaved the replies of three pipelined Syncs (the third SELECT's row
 *   first, the INSERT's CommandComplete after two ReadyForQuery); the fake answers each Sync in turn. Its test checks
 *   that every Sync gets the same replies as recorded and pins the fake's (in-order) sequence.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { loadRecording, type Exchange, type Recording, type Shape } from './fake/recording.js';
import { RawClient, errorField, startupPacket, type BackendFrame } from './fake/raw-client.js';
import { replay, type ReplayHooks, type StepResult } from './fake/replay.js';
import { startFakeCrate, type FakeCrate, type FakeCrateOptions } from './fake/server.js';
import { serialize } from 'pg-protocol';

const fakes: FakeCrate[] = [];

afterEach(async () => {
  await Promise.all(fakes.splice(0).map((f) => f.stop()));
});

/** A fake that presents itself as the recorded server. */
async function start(options: FakeCrateOptions = {}): Promise<FakeCrate> {
  const fake = await startFakeCrate({ version: '6.4.3', ...options });
  fakes.push(fake);
  return fake;
}

/** Runs simple queries on a connection of its own; every one must succeed. */
async function run(fake: FakeCrate, ...statements: string[]): Promise<void> {
  const client = await RawClient.connect(fake.port);
  try {
    client.send(startupPacket({ user: 'crate' }));
    await client.untilReady();
    for (const sql of statements) {
      client.send(serialize.query(sql));
      const error = (await client.untilReady()).find((f: BackendFrame) => f.type === 'E');
      if (error) throw new Error(`${sql}: ${errorField(error, 'M') ?? ''}`);
    }
  } finally {
    client.close();
  }
}

/** Replays recordings for the state a scenario starts from (rec_t with ids 1–4, …). */
async function replayAll(fake: FakeCrate, ...scenarios: string[]): Promise<void> {
  for (const scenario of scenarios) expectMatch(await replay(fake.port, loadRecording(scenario)));
}

/** Every step: the same frames, the same hang, the same summarised row count. */
function expectMatch(results: readonly StepResult[]): void {
  for (const result of results) {
    const label = result.labels.join(', ');
    expect(result.actual, label).toEqual(result.expected);
    if (result.hangs) expect(result.afterwards, `${label}: the recording hung here`).toEqual([]);
    if (result.summarizedRows) expect(result.summarizedRows.actual, `${label}: DataRows`).toBe(result.summarizedRows.expected);
  }
}

async function replayed(fake: FakeCrate, scenario: string, hooks?: ReplayHooks): Promise<StepResult[]> {
  return replay(fake.port, loadRecording(scenario), hooks);
}

/** `[ids], ['n<id>', …], [id / 2, …]`: array literals for an `(int, text, double)` UNNEST insert. */
function unnestArgs(ids: readonly number[]): string {
  return `[${ids.join(',')}], [${ids.map((i) => `'n${i}'`).join(',')}], [${ids.map((i) => i / 2).join(',')}]`;
}

/** Replaces the recorded shapes of CommandComplete tags by `tags` in order (for row counts the fake cannot hold). */
function withTags(shapes: Shape[], tag: (recorded: string) => string): Shape[] {
  return shapes.map((s) => ('tag' in s && typeof s.tag === 'string' ? { ...s, tag: tag(s.tag) } : s));
}

describe('the fake replays CrateDB 6.4.3 recordings (test/fixtures/cratedb-6.4.3)', () => {
  it('ssl_request: SSLRequest is answered with the single byte N', async () => {
    const fake = await start();
    const recording: Recording = loadRecording('ssl_request');
    const [request, answer] = recording.exchanges;
    const client = await RawClient.connect(fake.port);
    try {
      if (!request || request.dir !== 'F' || !answer || !('hex' in answer)) throw new Error('unexpected ssl_request layout');
      client.send(Buffer.from(request.hex, 'hex'));
      expect(Buffer.from(await client.readByte(), 'latin1').toString('hex')).toBe(answer.hex);
    } finally {
      client.close();
    }
  });

  it('startup: AuthenticationOk, the eight ParameterStatus of 6.4.3 in order, BackendKeyData, RFQ I', async () => {
    const fake = await start();
    expectMatch(await replayed(fake, 'startup'));
  });

  // Scenarios that need no table of an earlier one.
  const fresh = [
    'setup_table', 'simple_multi', 'simple_tags', 'errors', 'close_statement_and_deallocate', 'params_inference',
    'pipelined_syncs', 'failing_read_then_reads', 'unnest_insert', 'types_text',
  ];
  for (const scenario of fresh) {
    it(`${scenario}: matches message for message`, async () => {
      const fake = await start();
      expectMatch(await replayed(fake, scenario));
    });
  }

  // Scenarios that start from setup_table's rec_t (ids 1–4, refreshed).
  const afterSetup = [
    'portal_exact_multiple', 'portal_across_sync', 'mixed_read_then_write', 'mixed_write_then_read', 'bulk_insert',
    'bulk_plan_error', 'describe_kinds',
  ];
  for (const scenario of afterSetup) {
    it(`${scenario}: matches message for message after setup_table`, async () => {
      const fake = await start();
      await replayAll(fake, 'setup_table');
      expectMatch(await replayed(fake, scenario));
    });
  }

  it('odd_sql: matches after setup_table; version() is compared up to the build details', async () => {
    // Left out: what version() reports after `CrateDB 6.4.3 (` — build date, OS kernel and JVM of the recording host.
    const fake = await start();
    await replayAll(fake, 'setup_table');
    const results = await replayed(fake, 'odd_sql');
    const versionRow = (s: Shape): s is { type: 'D'; values: string[] } =>
      'values' in s && Array.isArray(s.values) && String(s.values[0]).startsWith('CrateDB ');
    const cut = (shapes: readonly Shape[]): Shape[] =>
      shapes.map((s) => (versionRow(s) ? { type: 'D', values: [s.values[0]?.split('(')[0] ?? ''] } : s));
    expectMatch(results.map((r) => ({ ...r, expected: cut(r.expected), actual: cut(r.actual) })));
    expect(results.flatMap((r) => r.actual).filter(versionRow)).toEqual([
      { type: 'D', values: ['CrateDB 6.4.3 (built NA/NA, fake CrateDB for tests)'] },
    ]);
  });

  it('stale_statement_after_ddl: 42P01 for the cached INSERT after DROP + CREATE, old columns after ADD COLUMN', async () => {
    // Left out: the OID in `Relation not found for oid=N` — 23 on the recorded node (its 23rd relation), 1 on a fresh
    // fake (rec_s is its first table).
    const fake = await start();
    const oid = (s: Shape): Shape =>
      'message' in s && typeof s.message === 'string' ? { ...s, message: s.message.replace('oid=23', 'oid=1') } : s;
    expectMatch(await replayed(fake, 'stale_statement_after_ddl', { expected: (shapes) => shapes.map(oid) }));
  });

  it('cancel: the killed job answers XX000 `Job killed. Cancellation request by: crate`, then RFQ I', async () => {
    // Left out: the `rfq after cancel` timing event. The fake's generate_series is a scan modelled as a killable job
    // (fake/sql/series.ts), so the CancelRequest finds it running.
    const fake = await start();
    expectMatch(await replayed(fake, 'cancel'));
  });

  it('big_bind_batch: 1,000 × (Bind, Execute) + Sync answer 1,000 `INSERT 0 1` and one RFQ', async () => {
    // The recording stored the Parse + Sync and a summary of the 1,000 pairs, not their bytes: they are rebuilt here
    // with ids 1000–1999 (the recorded values are unknown) for the unnamed statement the Parse left.
    const fake = await start();
    await replayAll(fake, 'setup_table');
    const recording = loadRecording('big_bind_batch');
    const summary = recording.exchanges.find((e): e is Extract<Exchange, { event: string }> => 'event' in e && e.event === 'summary');
    const completes = Number(summary?.['commandCompletes']);
    const client = await RawClient.connect(fake.port);
    try {
      const [startup, ...parseAndSync] = recording.exchanges.flatMap((e) => (e.dir === 'F' ? [Buffer.from(e.hex, 'hex')] : []));
      client.send(startup ?? Buffer.alloc(0));
      await client.untilReady();
      client.send(...parseAndSync);
      expect((await client.untilReady()).map((f) => f.type).join('')).toBe('1Z');
      const pairs = Array.from({ length: completes }, (_, i) => [
        serialize.bind({ values: [String(1000 + i), `b${i}`] }),
        serialize.execute(),
      ]).flat();
      client.send(...pairs, serialize.sync());
      const frames = await client.untilReady();
      const tags = frames.filter((f) => f.type === 'C').map((f) => f.body.toString('utf8', 0, f.body.length - 1));
      expect(tags).toHaveLength(completes);
      expect([...new Set(tags)]).toEqual(summary?.['distinctTags']);
      expect(frames.filter((f) => f.type === 'Z')).toHaveLength(1);
    } finally {
      client.close();
    }
  });

  it('portal_maxrows_existing: Execute(1000) + Flush answers the whole table and `SELECT n` (ignoreMaxRows)', async () => {
    // Left out: the table's size — the recorded `bt` held 500,000 rows, the fake's holds 5,000 (filled here by one
    // UNNEST insert, as the recorder filled bt), so the tags read `SELECT 5000` and 5,000 DataRows are counted.
    const fake = await start({ ignoreMaxRows: ['bt'] });
    const ids = Array.from({ length: 5000 }, (_, i) => i);
    await run(
      fake,
      'CREATE TABLE bt (id integer, name text, v double precision)',
      `INSERT INTO bt (id, name, v) SELECT * FROM UNNEST(${unnestArgs(ids)})`,
      'REFRESH TABLE bt',
    );
    const results = await replayed(fake, 'portal_maxrows_existing', {
      expected: (shapes) => withTags(shapes, (tag) => tag.replace('500000', '5000')),
      summarizedRows: () => 5000,
    });
    expectMatch(results);
    expect(results.filter((r) => r.summarizedRows?.actual === 5000)).toHaveLength(3);
  });

  it('portal_maxrows_ignored: Execute(1000) + Flush answers 1,000 rows and PortalSuspended', async () => {
    // The recording kept only the replies of the ten 100,000-row INSERTs that filled rec_big, not their bytes: the
    // step sends ten 250-row UNNEST inserts instead, so their tags read `INSERT 0 250` (2,500 rows in all).
    const fake = await start();
    let batch = 0;
    const insert = (): Buffer => {
      const ids = Array.from({ length: 250 }, (_, i) => batch * 250 + i + 1);
      batch++;
      return serialize.query(`INSERT INTO rec_big (id, name, v) SELECT * FROM UNNEST(${unnestArgs(ids)})`);
    };
    const fill = (recorded: Buffer): Buffer => Buffer.concat([recorded, ...Array.from({ length: 10 }, insert)]);
    const results = await replayed(fake, 'portal_maxrows_ignored', {
      bytesFor: (_, recorded) => (recorded.toString('utf8').includes('CREATE TABLE rec_big') ? fill(recorded) : null),
      expected: (shapes) => withTags(shapes, (tag) => tag.replace('100000', '250')),
    });
    // DROP TABLE IF EXISTS found the recorded node's rec_big from an earlier run (`DROP 1`); a fresh fake has none.
    const first = results[1];
    if (first) expect(first.actual).toEqual([{ type: 'C', tag: 'DROP 0' }, { type: 'Z', status: 'I' }]);
    expectMatch(results.filter((r) => r !== first));
  });

  it('pipelined_read_write_syncs: every Sync gets its recorded replies, but in turn (interleaving not reproduced)', async () => {
    // Not reproduced (see the module comment): CrateDB sent 1 2 | D(5) C | D(6) C | 1 2 | Z Z | C(INSERT) | 1 2 | Z.
    // The count reads 6 because bulk_insert's ids 10 and 11 were visible: replayed and refreshed here.
    const fake = await start();
    await replayAll(fake, 'setup_table', 'bulk_insert');
    await run(fake, 'REFRESH TABLE rec_t');
    const [login, pipelined] = await replayed(fake, 'pipelined_read_write_syncs');
    expect(login?.actual).toEqual(login?.expected);
    const sorted = (shapes: readonly Shape[]): string[] => shapes.map((s) => JSON.stringify(s)).sort();
    expect(sorted(pipelined?.actual ?? [])).toEqual(sorted(pipelined?.expected ?? []));
    expect(pipelined?.actual.map((s) => ('tag' in s ? `C:${String(s.tag)}` : 'values' in s ? `D:${String(s.values)}` : s.type))).toEqual(
      ['1', '2', 'D:6', 'C:SELECT 1', 'Z', '1', '2', 'C:INSERT 0 1', 'Z', '1', '2', 'D:5', 'C:SELECT 1', 'Z'],
    );
  });
});
