/**
 * A raw row sink (query/row-sink.ts) on the streaming portal, driven through the sans-IO session: it chooses the result
 * formats before Bind (also for the unnamed statement), gets each DataRow's bytes, hands over at the portal's batch
 * ends, and a sink that refuses the columns stops the statement before anything is executed.
 */
import { describe, expect, it } from 'vitest';
import { TypeRegistry } from '../../src/codecs/registry.js';
import { UsageError } from '../../src/errors.js';
import type { DataRow } from '../../src/protocol/wire.js';
import { PortalOperation } from '../../src/query/portal.js';
import { RowShape } from '../../src/query/result.js';
import type { BatchSink } from '../../src/query/row-sink.js';
import * as be from '../crate/fake/backend.js';
import { recordingSession } from '../support/recording-session.js';

const registry = new TypeRegistry({ int8: 'number', numeric: 'string', isCrate: true });
const FIELDS = [
  { name: 'n', tableOid: 0, attnum: 0, typeOid: 23, typlen: 4, typmod: -1, format: 0 },
  { name: 's', tableOid: 0, attnum: 0, typeOid: 25, typlen: -1, typmod: -1, format: 0 },
];

/** A sink that binds `formats`, records the raw column bytes of each row and the hand-overs. */
function rawSink(formats: readonly number[], refuse?: Error): BatchSink & { rows: string[][]; handOvers: [number, boolean][] } {
  let pending = 0;
  const sink = {
    rows: [] as string[][],
    handOvers: [] as [number, boolean][],
    describeFirst: () => true,
    bindShape: (described: RowShape): RowShape => {
      if (refuse !== undefined) throw refuse;
      return new RowShape(described.fields, described.registry, formats);
    },
    begin: () => {
      pending = 0;
    },
    add: (row: DataRow): void => {
      const values: string[] = [];
      let p = row.start + 2;
      for (let i = 0; i < row.columnCount; i++) {
        const len = row.bytes.readInt32BE(p);
        p += 4;
        if (len < 0) {
          values.push('NULL');
          continue;
        }
        values.push(row.bytes.subarray(p, p + len).toString('hex'));
        p += len;
      }
      sink.rows.push(values);
      pending++;
    },
    handOver: (more: boolean): void => {
      sink.handOvers.push([pending, more]);
      pending = 0;
    },
  };
  return sink;
}

function portal(sink: BatchSink): PortalOperation {
  return new PortalOperation(
    { text: 'SELECT n, s FROM t', values: [], rowMode: 'object', registry, maxResultBytes: 0, paramTypes: undefined, cache: undefined, fetchSize: 2, maxBatchBytes: 0 },
    sink,
  );
}

const int4 = (n: number): Buffer => {
  const b = Buffer.alloc(4);
  b.writeInt32BE(n);
  return b;
};

describe('a raw BatchSink on the portal', () => {
  it('describes the unnamed statement first, binds with the formats the sink chose, and gets the DataRow bytes', async () => {
    const h = recordingSession((m) => (m.type === 'Bind' ? `Bind[${m.resultFormats.join(',')}]` : m.type === 'Execute' ? `Execute(${m.maxRows})` : m.type));
    const sink = rawSink([1, 0]);
    const op = portal(sink);
    h.session.enqueue(op);
    expect(h.newlySent()).toEqual(['Parse', 'Describe', 'Flush']);
    h.receive(be.parseComplete(), be.parameterDescription([]), be.rowDescription(FIELDS));
    expect(h.newlySent()).toEqual(['Bind[1,0]', 'Execute(2)', 'Flush']);
    h.receive(be.bindComplete(), be.dataRow([int4(7), Buffer.from('a')]), be.dataRow([int4(8), null]), be.portalSuspended());
    expect(sink.handOvers).toEqual([[2, true]]);
    op.fetch();
    h.receive(be.dataRow([int4(9), Buffer.from('c')]), be.commandComplete('SELECT 3'));
    h.receive(be.readyForQuery('I'));
    await expect(op.promise).resolves.toEqual({ command: 'SELECT', count: 3 });
    expect(sink.rows).toEqual([
      ['00000007', '61'],
      ['00000008', 'NULL'],
      ['00000009', '63'],
    ]);
    expect(sink.handOvers).toEqual([
      [2, true],
      [1, false],
    ]);
    expect(op.fields?.map((f) => f.name)).toEqual(['n', 's']);
  });

  it('a sink that refuses the described columns: Sync instead of Bind, nothing executed, the promise rejects with its error', async () => {
    const h = recordingSession((m) => m.type);
    const refusal = new UsageError('column "s" cannot be read');
    const op = portal(rawSink([], refusal));
    h.session.enqueue(op);
    h.newlySent();
    h.receive(be.parseComplete(), be.parameterDescription([]), be.rowDescription(FIELDS));
    expect(h.newlySent()).toEqual(['Sync']);
    h.receive(be.readyForQuery('I'));
    await expect(op.promise).rejects.toBe(refusal);
    expect(h.session.idle).toBe(true);
  });
});
