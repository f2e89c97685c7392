/**
 * executeMany's operation driven through the sans-IO session with hand-built backend messages: the CrateDB bulk
 * endings of docs/cratedb-wire.md "Bulk execution" (counts -3 / 0 / -2, one ErrorResponse for the whole batch, one per Execute), chunking,
 * re-runs, PostgreSQL's chunk rollback, and a connection lost mid-batch.
 */
import { describe, expect, it } from 'vitest';
import { TypeRegistry } from '../../src/codecs/registry.js';
import { ConnectionClosedError, DatabaseError, ParameterError, UsageError } from '../../src/errors.js';
import { BulkInterruptedError, checkBulkInput } from '../../src/query/bulk-api.js';
import { BulkOperation, type BulkInit } from '../../src/query/bulk.js';
import * as be from '../crate/fake/backend.js';
import { recordingSession, type RecordingSession } from '../support/recording-session.js';

const INSERT = 'INSERT INTO t (id) VALUES ($1)';

function harness(): RecordingSession {
  return recordingSession();
}

function bulk(rows: unknown[][], options: Partial<BulkInit> = {}): BulkOperation {
  const isCrate = options.transactional !== true;
  return new BulkOperation({
    text: INSERT,
    rows,
    registry: new TypeRegistry({ int8: 'number', numeric: 'string', isCrate }),
    chunkRows: 1000,
    chunkBytes: 1 << 20,
    retry: false,
    transactional: false,
    ...options,
  });
}

/** Parse/Describe answered for one int parameter and no result rows. */
const described = (): Buffer[] => [be.parseComplete(), be.parameterDescription([23]), be.noData()];
const error = (message: string, code = 'XX000'): Buffer => be.errorResponse([['S', 'ERROR'], ['C', code], ['M', message]]);
const binds = (n: number): Buffer[] => Array.from({ length: n }, () => be.bindComplete());

describe('BulkOperation against CrateDB replies (docs/cratedb-wire.md "Bulk execution")', () => {
  it('describes first, then one chunk of N × (Bind, Execute) + Sync; counts -3 / 0 / -2 are kept per row', async () => {
    const h = harness();
    const op = bulk([[1], [2], [3], [4]]);
    h.session.enqueue(op);
    expect(h.newlySent()).toEqual(['Parse', 'Describe', 'Flush']);
    h.receive(...described());
    expect(h.newlySent()).toEqual(['Bind', 'Execute', 'Bind', 'Execute', 'Bind', 'Execute', 'Bind', 'Execute', 'Sync']);
    h.receive(...binds(4), be.commandComplete('INSERT 0 1'), be.commandComplete('INSERT 0 -3'), be.commandComplete('INSERT 0 0'));
    h.receive(be.commandComplete('INSERT 0 -2'), be.readyForQuery('I'));
    const r = await op.promise;
    expect(r.rowCounts).toEqual([1, -3, 0, -2]);
    expect(r.failed).toEqual([1]);
    expect(r.notApplied).toEqual([]);
    expect(r.errors.size).toBe(0);
  });

  it('one ErrorResponse for the whole batch fails every row with that error', async () => {
    const h = harness();
    const op = bulk([[1], [2], [3]]);
    h.session.enqueue(op);
    h.receive(...described(), error('Cannot plan the bulk'), be.readyForQuery('E'));
    const r = await op.promise;
    expect(r.rowCounts).toEqual([-3, -3, -3]);
    expect(r.failed).toEqual([0, 1, 2]);
    expect(new Set(r.errors.values()).size).toBe(1);
    expect(r.errors.get(2)?.message).toBe('Cannot plan the bulk');
  });

  it('one ErrorResponse per Execute gives each row its own error', async () => {
    const h = harness();
    const op = bulk([[1], [2]]);
    h.session.enqueue(op);
    h.receive(...described(), ...binds(2), error('first failed'), error('second failed'), be.readyForQuery('I'));
    const r = await op.promise;
    expect(r.failed).toEqual([0, 1]);
    expect(r.errors.get(0)?.message).toBe('first failed');
    expect(r.errors.get(1)?.message).toBe('second failed');
    expect((r.errors.get(1) as DatabaseError).parameters).toEqual([2]);
  });

  it('refuses a statement that returns rows before any Bind', async () => {
    const h = harness();
    const op = bulk([[1]]);
    h.session.enqueue(op);
    h.receive(be.parseComplete(), be.parameterDescription([23]));
    h.receive(be.rowDescription([{ name: 'id', tableOid: 0, attnum: 0, typeOid: 23, typlen: 4, typmod: -1, format: 0 }]));
    h.receive(be.readyForQuery('I'));
    await expect(op.promise).rejects.toThrow(UsageError);
    expect(h.sent.map((m) => m.type)).toEqual(['Parse', 'Describe', 'Flush', 'Sync']);
  });

  it('refuses rows whose width does not match the described parameters, before any Bind', async () => {
    const h = harness();
    const op = bulk([[1, 2]]);
    h.session.enqueue(op);
    h.receive(...described(), be.readyForQuery('I'));
    await expect(op.promise).rejects.toThrow(/expected 1, got/);
    expect(h.sent.some((m) => m.type === 'Bind')).toBe(false);
  });

  it('sends the next chunk only after the previous one was acknowledged', async () => {
    const h = harness();
    const op = bulk([[1], [2], [3], [4], [5]], { chunkRows: 2 });
    h.session.enqueue(op);
    h.newlySent();
    h.receive(...described());
    expect(h.newlySent()).toEqual(['Bind', 'Execute', 'Bind', 'Execute', 'Sync']);
    h.receive(...binds(2), be.commandComplete('INSERT 0 1'), be.commandComplete('INSERT 0 1'));
    expect(h.newlySent()).toEqual([]);
    h.receive(be.readyForQuery('I'));
    expect(h.newlySent()).toEqual(['Bind', 'Execute', 'Bind', 'Execute', 'Sync']);
    h.receive(...binds(2), be.commandComplete('INSERT 0 1'), be.commandComplete('INSERT 0 1'), be.readyForQuery('I'));
    expect(h.newlySent()).toEqual(['Bind', 'Execute', 'Sync']);
    h.receive(be.bindComplete(), be.commandComplete('INSERT 0 1'), be.readyForQuery('I'));
    expect((await op.promise).rowCounts).toEqual([1, 1, 1, 1, 1]);
  });

  it('retryFailedRows re-runs -3 rows alone to obtain their errors', async () => {
    const h = harness();
    const op = bulk([[1], [2], [3]], { retry: 'failed' });
    h.session.enqueue(op);
    h.receive(...described(), ...binds(3), be.commandComplete('INSERT 0 1'), be.commandComplete('INSERT 0 -3'));
    h.receive(be.commandComplete('INSERT 0 0'));
    h.newlySent();
    h.receive(be.readyForQuery('I'));
    expect(h.newlySent()).toEqual(['Bind', 'Execute', 'Sync']);
    expect((h.sent.at(-3) as { params: Buffer[] }).params.map(String)).toEqual(['2']);
    h.receive(error('A document with the same primary key exists already', '23505'), be.readyForQuery('I'));
    const r = await op.promise;
    expect(r.rowCounts).toEqual([1, -3, 0]);
    expect(r.failed).toEqual([1]);
    expect(r.errors.get(1)).toBeInstanceOf(DatabaseError);
    expect((r.errors.get(1) as DatabaseError).sqlstate).toBe('23505');
  });

  it("'failed-and-zero' also re-runs rows that reported 0 (a hidden UPDATE failure)", async () => {
    const h = harness();
    const op = bulk([[1], [2]], { retry: 'failed-and-zero' });
    h.session.enqueue(op);
    h.receive(...described(), ...binds(2), be.commandComplete('UPDATE 0'), be.commandComplete('UPDATE 1'), be.readyForQuery('I'));
    h.receive(error('Cannot cast value'), be.readyForQuery('I'));
    const r = await op.promise;
    expect(r.rowCounts).toEqual([-3, 1]);
    expect(r.failed).toEqual([0]);
    expect(r.errors.get(0)?.message).toBe('Cannot cast value');
  });

  it('on PostgreSQL a row that cannot be encoded fails its chunk like a refused row: the chunk is never sent', async () => {
    const h = harness();
    const op = bulk([[1], [Symbol('x')], [3], [4], [5]], { chunkRows: 2, transactional: true });
    h.session.enqueue(op);
    h.newlySent();
    h.receive(...described());
    // Chunks are rows 0-1 (dropped: row 1 cannot be encoded), 2-3 and 4.
    expect(h.newlySent()).toEqual(['Bind', 'Execute', 'Bind', 'Execute', 'Sync']);
    h.receive(...binds(2), be.commandComplete('INSERT 0 1'), be.commandComplete('INSERT 0 1'), be.readyForQuery('I'));
    h.receive(be.bindComplete(), be.commandComplete('INSERT 0 1'), be.readyForQuery('I'));
    expect(h.sent.filter((m) => m.type === 'Bind').map((m) => String((m as unknown as { params: Buffer[] }).params[0]))).toEqual(['3', '4', '5']);
    const r = await op.promise;
    expect(r.rowCounts).toEqual([0, -3, 1, 1, 1]);
    expect(r.failed).toEqual([1]);
    expect(r.notApplied).toEqual([0]);
    expect(r.errors.get(1)).toBeInstanceOf(ParameterError);
  });

  it('on CrateDB a row that cannot be encoded fails alone and is never sent', async () => {
    const h = harness();
    const op = bulk([[1], [Symbol('x')], [3]]);
    h.session.enqueue(op);
    h.receive(...described());
    expect(h.sent.filter((m) => m.type === 'Bind')).toHaveLength(2);
    h.receive(...binds(2), be.commandComplete('INSERT 0 1'), be.commandComplete('INSERT 0 1'), be.readyForQuery('I'));
    const r = await op.promise;
    expect(r.rowCounts).toEqual([1, -3, 1]);
    expect(r.errors.get(1)).toBeInstanceOf(ParameterError);
  });

  it('a connection lost mid-batch rejects with the acknowledged chunks and the rows in flight', async () => {
    const h = harness();
    const op = bulk([[1], [2], [3], [4], [5]], { chunkRows: 2 });
    h.session.enqueue(op);
    h.receive(...described(), ...binds(2), be.commandComplete('INSERT 0 1'), be.commandComplete('INSERT 0 1'), be.readyForQuery('I'));
    h.receive(be.bindComplete(), be.commandComplete('INSERT 0 1'));
    h.session.fail(new ConnectionClosedError('The server closed the connection'));
    const err = (await op.promise.catch((e: unknown) => e)) as BulkInterruptedError;
    expect(err).toBeInstanceOf(BulkInterruptedError);
    expect(err).toBeInstanceOf(ConnectionClosedError);
    expect(err.acknowledgedChunks).toBe(1);
    expect(err.acknowledgedRows).toBe(2);
    expect(err.unknownRows).toEqual([3]);
    expect(err.result.rowCounts.slice(0, 3)).toEqual([1, 1, 1]);
    expect(err.result.notApplied).toEqual([4]);
  });
});

describe('BulkOperation with PostgreSQL semantics (transactional)', () => {
  it('an error rolls back its chunk: earlier rows are not applied, the failing row failed, the rest not applied', async () => {
    const h = harness();
    const op = bulk([[1], [2], [3], [4]], { transactional: true, chunkRows: 3 });
    h.session.enqueue(op);
    h.receive(...described(), be.bindComplete(), be.commandComplete('INSERT 0 1'), error('duplicate key', '23505'), be.readyForQuery('I'));
    h.receive(be.bindComplete(), be.commandComplete('INSERT 0 1'), be.readyForQuery('I'));
    const r = await op.promise;
    expect(r.rowCounts).toEqual([0, -3, 0, 1]);
    expect(r.failed).toEqual([1]);
    expect(r.notApplied).toEqual([0, 2]);
  });

  it("inside the caller's transaction (ReadyForQuery E) earlier chunks are not applied either and nothing more is sent", async () => {
    const h = harness();
    const op = bulk([[1], [2], [3], [4], [5]], { transactional: true, chunkRows: 2 });
    h.session.enqueue(op);
    h.receive(...described(), ...binds(2), be.commandComplete('INSERT 0 1'), be.commandComplete('INSERT 0 1'), be.readyForQuery('T'));
    h.receive(error('duplicate key', '23505'), be.readyForQuery('E'));
    const r = await op.promise;
    expect(h.sent.filter((m) => m.type === 'Sync')).toHaveLength(2);
    expect(r.failed).toEqual([2]);
    expect(r.notApplied).toEqual([0, 1, 3, 4]);
  });
});

describe('checkBulkInput', () => {
  it('refuses an empty statement and uneven rows', () => {
    expect(() => checkBulkInput('  ', [[1]], {})).toThrow(UsageError);
    expect(() => checkBulkInput(INSERT, [[1], [1, 2]], {})).toThrow(/row 1 has 2/);
    expect(() => checkBulkInput(INSERT, [[1], 5] as unknown as unknown[][], {})).toThrow(/row 1 is not an array/);
    expect(() => checkBulkInput(INSERT, [[1]], { chunkRows: 0 })).toThrow(/chunkRows/);
    expect(checkBulkInput(INSERT, [], { retryFailedRows: true })).toEqual({ chunkRows: 1000, chunkBytes: 4 * 1024 * 1024, retry: 'failed' });
  });
});
