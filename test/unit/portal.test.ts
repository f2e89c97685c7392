/**
 * The streaming portal and RowStream driven through the sans-IO session with hand-built backend messages: both portal
 * endings CrateDB uses (docs/cratedb-wire.md "Portals and maxRows"), pull-driven batches, early close, errors mid-stream and the byte budget.
 */
import { describe, expect, it } from 'vitest';
import { TypeRegistry } from '../../src/codecs/registry.js';
import { DatabaseError, StreamConsumedError } from '../../src/errors.js';
import { PortalOperation, type PortalConsumer } from '../../src/query/portal.js';
import { RowStream, type StreamChannel } from '../../src/query/stream.js';
import * as be from '../crate/fake/backend.js';
import { recordingSession, type RecordingSession } from '../support/recording-session.js';

const registry = new TypeRegistry({ int8: 'number', numeric: 'string', isCrate: true });
const INT_FIELD = { name: 'n', tableOid: 0, attnum: 0, typeOid: 23, typlen: 4, typmod: -1, format: 0 };

/** A session whose outgoing bytes are decoded into frontend messages. */
function harness(): RecordingSession {
  return recordingSession((m) => (m.type === 'Execute' ? `Execute(${m.maxRows})` : m.type));
}

const rows = (...ns: number[]): Buffer[] => ns.map((n) => be.dataRow([Buffer.from(String(n))]));

function portal(fetchSize: number, consumer: PortalConsumer, maxBatchBytes = 0): PortalOperation {
  return new PortalOperation(
    { text: 'SELECT n FROM t', values: [], rowMode: 'object', registry, maxResultBytes: 0, paramTypes: undefined, cache: undefined, fetchSize, maxBatchBytes },
    consumer,
  );
}

function recorder(): PortalConsumer & { batches: [number[], boolean][] } {
  const batches: [number[], boolean][] = [];
  return { batches, batch: (r, more) => batches.push([(r as { n: number }[]).map((x) => x.n), more]) };
}

describe('PortalOperation', () => {
  it('CrateDB: CommandComplete at an exact multiple of fetchSize ends the portal; it is never executed again (docs/cratedb-wire.md "Portals and maxRows")', async () => {
    const h = harness();
    const c = recorder();
    const op = portal(2, c);
    h.session.enqueue(op);
    expect(h.newlySent()).toEqual(['Parse', 'Bind', 'Describe', 'Execute(2)', 'Flush']);
    h.receive(be.parseComplete(), be.bindComplete(), be.rowDescription([INT_FIELD]), ...rows(1, 2), be.portalSuspended());
    expect(c.batches).toEqual([[[1, 2], true]]);
    expect(h.newlySent()).toEqual([]);
    op.fetch();
    expect(h.newlySent()).toEqual(['Execute(2)', 'Flush']);
    h.receive(...rows(3, 4), be.commandComplete('SELECT 2'));
    expect(c.batches[1]).toEqual([[3, 4], false]);
    expect(h.newlySent()).toEqual(['Sync']);
    op.fetch();
    expect(h.newlySent()).toEqual([]);
    h.receive(be.readyForQuery('I'));
    await expect(op.promise).resolves.toBeDefined();
    expect(h.session.idle).toBe(true);
  });

  it('PostgreSQL: PortalSuspended at the multiple, then an empty last batch', async () => {
    const h = harness();
    const c = recorder();
    const op = portal(2, c);
    h.session.enqueue(op);
    h.newlySent();
    h.receive(be.parseComplete(), be.bindComplete(), be.rowDescription([INT_FIELD]), ...rows(1, 2), be.portalSuspended());
    op.fetch();
    h.receive(be.commandComplete('SELECT 0'));
    expect(c.batches).toEqual([[[1, 2], true]]);
    expect(h.newlySent()).toEqual(['Execute(2)', 'Flush', 'Sync']);
    h.receive(be.readyForQuery('I'));
    await op.promise;
  });

  it('close() while suspended sends Close portal + Sync', async () => {
    const h = harness();
    const c = recorder();
    const op = portal(2, c);
    h.session.enqueue(op);
    h.receive(be.parseComplete(), be.bindComplete(), be.rowDescription([INT_FIELD]), ...rows(1, 2), be.portalSuspended());
    h.newlySent();
    op.close();
    expect(h.sent.slice(-2)).toEqual([{ type: 'Close', kind: 'P', name: '' }, { type: 'Sync' }]);
    h.receive(be.closeComplete(), be.readyForQuery('I'));
    await op.promise;
    expect(h.session.idle).toBe(true);
  });

  it('close() during a batch waits for its end, drops its rows, then closes the portal', async () => {
    const h = harness();
    const c = recorder();
    const op = portal(2, c);
    h.session.enqueue(op);
    h.newlySent();
    h.receive(be.parseComplete(), be.bindComplete(), be.rowDescription([INT_FIELD]), ...rows(1));
    op.close();
    expect(h.newlySent()).toEqual([]);
    h.receive(...rows(2), be.portalSuspended());
    expect(c.batches).toEqual([]);
    expect(h.newlySent()).toEqual(['Close', 'Sync']);
    h.receive(be.closeComplete(), be.readyForQuery('I'));
    await op.promise;
  });

  it('an ErrorResponse mid-batch delivers the rows before it, syncs, and rejects at ReadyForQuery', async () => {
    const h = harness();
    const c = recorder();
    const op = portal(5, c);
    h.session.enqueue(op);
    h.newlySent();
    h.receive(be.parseComplete(), be.bindComplete(), be.rowDescription([INT_FIELD]), ...rows(1, 2));
    h.receive(be.errorResponse([['S', 'ERROR'], ['C', 'XX000'], ['M', 'Job killed. Cancellation request by: crate']]));
    expect(c.batches).toEqual([[[1, 2], false]]);
    expect(h.newlySent()).toEqual(['Sync']);
    h.receive(be.readyForQuery('I'));
    await expect(op.promise).rejects.toThrow(DatabaseError);
  });

  it('maxBatchBytes lowers the rows of the next Execute after a batch of large rows', () => {
    const h = harness();
    const op = portal(1000, recorder(), 10_000);
    h.session.enqueue(op);
    h.newlySent();
    const big = be.dataRow([Buffer.from('7'.repeat(995))]);
    h.receive(be.parseComplete(), be.bindComplete(), be.rowDescription([INT_FIELD]), big, big, be.portalSuspended());
    op.fetch();
    // DataRows of 1005 bytes (length word, column count, value length, 995 digits) under a 10,000-byte budget.
    expect(h.newlySent()).toEqual(['Execute(9)', 'Flush']);
  });
});

/** A RowStream over the harness session, as client.stream() wires it. */
function streamOn(h: ReturnType<typeof harness>, fetchSize: number): RowStream<{ n: number }> {
  let op: PortalOperation | undefined;
  const channel: StreamChannel = {
    open: (consumer) => {
      op = portal(fetchSize, consumer);
      h.session.enqueue(op);
      return op;
    },
    stop: () => {
      if (op !== undefined && !h.session.remove(op)) op.close();
    },
    decorate: (err) => err,
  };
  return new RowStream(() => channel, { fetchSize, maxBatchBytes: 0, idleTimeoutMs: 0 });
}

describe('RowStream over a portal', () => {
  it('requests the next batch only when the consumer has taken the last row of the current one', async () => {
    const h = harness();
    const it = streamOn(h, 2)[Symbol.asyncIterator]();
    const first = it.next();
    h.receive(be.parseComplete(), be.bindComplete(), be.rowDescription([INT_FIELD]), ...rows(1, 2), be.portalSuspended());
    expect(await first).toEqual({ done: false, value: { n: 1 } });
    expect(h.sent.filter((m) => m.type === 'Execute')).toHaveLength(1);
    expect(await it.next()).toEqual({ done: false, value: { n: 2 } });
    expect(h.sent.filter((m) => m.type === 'Execute')).toHaveLength(2);
    const third = it.next();
    h.receive(...rows(3), be.commandComplete('SELECT 1'), be.readyForQuery('I'));
    expect(await third).toEqual({ done: false, value: { n: 3 } });
    expect(await it.next()).toEqual({ done: true, value: undefined });
    expect(h.sent.filter((m) => m.type === 'Execute')).toHaveLength(2);
  });

  it('return() (a break) closes the suspended portal and resolves once ReadyForQuery arrived', async () => {
    const h = harness();
    const it = streamOn(h, 2)[Symbol.asyncIterator]();
    const first = it.next();
    h.receive(be.parseComplete(), be.bindComplete(), be.rowDescription([INT_FIELD]), ...rows(1, 2, 3), be.portalSuspended());
    await first;
    const closing = (it.return as () => Promise<IteratorResult<unknown>>)();
    await Promise.resolve();
    expect(h.sent.slice(-2).map((m) => m.type)).toEqual(['Close', 'Sync']);
    h.receive(be.closeComplete(), be.readyForQuery('I'));
    expect(await closing).toEqual({ done: true, value: undefined });
    expect(h.session.idle).toBe(true);
  });

  it('iterating a stream twice is a StreamConsumedError', () => {
    const stream = streamOn(harness(), 2);
    stream[Symbol.asyncIterator]();
    expect(() => stream[Symbol.asyncIterator]()).toThrow(StreamConsumedError);
    expect(() => stream.toReadable()).toThrow(StreamConsumedError);
  });
});
