/** The session starts a pipelinable operation early only when pipelining was enabled (PostgreSQL, never CrateDB). */
import { describe, expect, it } from 'vitest';
import { Session, type OperationIO, type SessionOperation } from '../../src/protocol/session.js';
import type { BackendMessage } from '../../src/protocol/wire.js';

const RFQ = Buffer.from([0x5a, 0, 0, 0, 5, 0x49]);

class FakeOp implements SessionOperation {
  started = false;
  pipelined = false;
  readonly log: string[];
  readonly name: string;
  readonly canShare: boolean;

  constructor(name: string, log: string[], canShare = true) {
    this.name = name;
    this.log = log;
    this.canShare = canShare;
  }

  start(io: OperationIO): void {
    this.started = true;
    this.log.push(`start ${this.name}`);
    io.send(Buffer.from(this.name));
  }

  handle(msg: BackendMessage): boolean {
    this.log.push(`${msg.name} → ${this.name}`);
    return msg.name === 'readyForQuery';
  }

  fail(): void {}

  pipelinable(): boolean {
    return this.canShare;
  }

  markPipelined(): void {
    this.pipelined = true;
  }
}

function session(): Session {
  return new Session({ send: () => undefined, onNotice: () => undefined, onParameterStatus: () => undefined, onFatal: () => undefined, onIdle: () => undefined }, 1 << 20);
}

describe('session pipelining', () => {
  it('without enablePipelining (CrateDB), the next operation starts only after ReadyForQuery', () => {
    const log: string[] = [];
    const s = session();
    const a = new FakeOp('a', log);
    const b = new FakeOp('b', log);
    s.enqueue(a);
    s.enqueue(b);
    expect(b.started).toBe(false);
    s.receive(RFQ);
    expect(log).toEqual(['start a', 'readyForQuery → a', 'start b']);
    expect(a.pipelined || b.pipelined).toBe(false);
  });

  it('with pipelining, pipelinable operations start at once and replies go to them in order', () => {
    const log: string[] = [];
    const s = session();
    s.enablePipelining(2);
    const ops = ['a', 'b', 'c'].map((n) => new FakeOp(n, log));
    for (const op of ops) s.enqueue(op);
    expect(ops.map((o) => o.started)).toEqual([true, true, false]);
    expect(ops[0]?.pipelined && ops[1]?.pipelined).toBe(true);
    s.receive(Buffer.concat([RFQ, RFQ, RFQ]));
    expect(log).toEqual(['start a', 'start b', 'readyForQuery → a', 'start c', 'readyForQuery → b', 'readyForQuery → c']);
  });

  it('an operation that cannot share waits, and nothing joins it while it runs', () => {
    const log: string[] = [];
    const s = session();
    s.enablePipelining(8);
    const a = new FakeOp('a', log);
    const lone = new FakeOp('lone', log, false);
    const c = new FakeOp('c', log);
    s.enqueue(a);
    s.enqueue(lone);
    s.enqueue(c);
    expect([a.started, lone.started, c.started]).toEqual([true, false, false]);
    s.receive(RFQ);
    expect([lone.started, c.started]).toEqual([true, false]);
    s.receive(RFQ);
    expect(c.started).toBe(true);
  });
});
