/**
 * Replays bytes recorded from a real PostgreSQL (test/fixtures/pg-transcript.json) into the sans-IO session, whole
 * and split at every byte offset: the results must not depend on how TCP chunks the stream.
 */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { TypeRegistry } from '../../src/codecs/registry.js';
import { Session } from '../../src/protocol/session.js';
import { StartupOperation } from '../../src/protocol/startup.js';
import { ExtendedQuery } from '../../src/query/extended.js';
import { SimpleQuery } from '../../src/query/simple.js';
import { StatementCache } from '../../src/query/statement-cache.js';
import { TRANSCRIPT_SCRIPT } from '../fixtures/transcript-script.js';

const transcript = JSON.parse(readFileSync(new URL('../fixtures/pg-transcript.json', import.meta.url), 'utf8')) as { hex: string };
const bytes = Buffer.from(transcript.hex, 'hex');

interface Outcome {
  settled: PromiseSettledResult<unknown>[];
  notices: string[];
  sent: number;
  fatal: string | undefined;
}

async function replay(chunks: readonly Buffer[]): Promise<Outcome> {
  const notices: string[] = [];
  let sent = 0;
  let fatal: string | undefined;
  const session = new Session(
    {
      send: (buffers) => {
        sent += buffers.length;
      },
      onNotice: (n) => notices.push(String(n.message)),
      onParameterStatus: () => undefined,
      onFatal: (err) => {
        fatal = err.message;
      },
      onIdle: () => undefined,
    },
    1 << 30,
  );
  const registry = new TypeRegistry({ int8: 'number', numeric: 'string', isCrate: false });
  const cache = new StatementCache(100);
  const startup = new StartupOperation({
    user: 'trust_user', database: 'cratewire_test', applicationName: undefined, options: undefined, password: undefined,
    tls: false, allowCleartextPasswordWithoutTls: false, host: 'h', port: 1,
  });
  const ops = TRANSCRIPT_SCRIPT.map((step) =>
    step.kind === 'simple'
      ? new SimpleQuery({ text: step.sql, rowMode: 'object', registry, maxResultBytes: 0 })
      : new ExtendedQuery({ text: step.sql, values: step.params, rowMode: 'object', registry, maxResultBytes: 0, paramTypes: undefined, cache }),
  );
  session.enqueue(startup);
  for (const op of ops) session.enqueue(op);
  // Copies: pg-protocol's Parser may reuse a chunk's memory for leftover bytes, as a socket's chunks may be.
  for (const chunk of chunks) session.receive(Buffer.from(chunk));
  const settled = await Promise.allSettled([startup.promise, ...ops.map((op) => op.promise)]);
  return { settled: settled.map(snapshot), notices, sent, fatal };
}

/** Errors compared by class, SQLSTATE and message (stacks differ). */
function snapshot(s: PromiseSettledResult<unknown>): PromiseSettledResult<unknown> {
  if (s.status === 'fulfilled') return s;
  const e = s.reason as Error & { sqlstate?: string };
  return { status: 'rejected', reason: `${e.name} ${e.sqlstate ?? ''} ${e.message}` };
}

describe('session replay of a recorded PostgreSQL transcript', () => {
  it('decodes the whole transcript as one chunk', async () => {
    const out = await replay([bytes]);
    expect(out.fatal).toBeUndefined();
    expect(out.settled.map((s) => s.status)).toEqual(['fulfilled', 'fulfilled', 'fulfilled', 'rejected', 'fulfilled', 'fulfilled', 'fulfilled']);
    const [, simple, series, boom, empty, arrays, notice] = out.settled as PromiseFulfilledResult<unknown>[];
    expect((simple?.value as { rows: unknown[] }[]).map((r) => r.rows)).toEqual([[{ one: 1, two: 'two' }], [{ n: null }]]);
    const rows = (series?.value as { rows: { id: number; label: string; f: number; ts: Date }[] }).rows;
    expect(rows).toHaveLength(50);
    expect(rows[49]).toEqual({ id: 50, label: '50', f: 75, ts: new Date(Date.UTC(2024, 0, 1, 0, 0, 50)) });
    expect((boom as unknown as PromiseRejectedResult).reason).toMatch(/DatabaseError 22012 division by zero/);
    expect(empty?.value).toEqual([]);
    expect((arrays?.value as { rows: unknown[] }).rows).toEqual([{ arr: ['a"b', null], doc: { k: [1, 2] } }]);
    expect((notice?.value as { command: string }[])[0]?.command).toBe('DO');
    expect(out.notices).toEqual(['note']);
  });

  it('gives the same outcome when split at every byte offset', async () => {
    const baseline = await replay([bytes]);
    for (let i = 1; i < bytes.length; i++) {
      const out = await replay([bytes.subarray(0, i), bytes.subarray(i)]);
      expect(out, `split at byte ${i}`).toEqual(baseline);
    }
  });

  it('gives the same outcome one byte at a time', async () => {
    const baseline = await replay([bytes]);
    const single = Array.from({ length: bytes.length }, (_, i) => bytes.subarray(i, i + 1));
    expect(await replay(single)).toEqual(baseline);
  });
});
