/** bulkInsert()'s statements: what is sent per batch on each server, checked against CrateDB's own answer. */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { OID } from '../../src/codecs/oids.js';
import { binaryArrayDecoder, binaryDecoders } from '../../src/codecs/binary.js';
import { UsageError } from '../../src/errors.js';
import { checkBulkInsertInput, describeStatement, encodeBatchBind, planBulkInsert } from '../../src/query/bulk-insert-plan.js';

interface Frame {
  dir: string;
  t?: string;
  d?: { dataTypeIDs?: number[] };
}

const unnest = JSON.parse(readFileSync(new URL('../fixtures/cratedb-6.4.3/unnest_insert.json', import.meta.url), 'utf8')) as { exchanges: Frame[] };

describe('bulkInsert plans', () => {
  const { target } = checkBulkInsertInput('rec_u', ['id', 'name', 'v'], [], {});

  it('on CrateDB declares the array OIDs CrateDB itself describes for the UNNEST insert', () => {
    const described = unnest.exchanges.find((e) => e.t === 't')?.d?.dataTypeIDs;
    expect(described).toEqual([1007, 1015, 1022]);
    const plan = planBulkInsert(target, [OID.INT4, OID.VARCHAR, OID.FLOAT8], true);
    expect(plan.paramTypes).toEqual(described);
    expect(plan.text).toBe('INSERT INTO rec_u (id, name, v) SELECT * FROM UNNEST($1::integer[], $2::text[], $3::double precision[])');
  });

  it('sends CrateDB timestamps as bigint epoch milliseconds, and uses binary COPY on PostgreSQL', () => {
    const ts = checkBulkInsertInput('doc.Events', ['at'], [], {}).target;
    expect(planBulkInsert(ts, [OID.TIMESTAMPTZ], true)).toMatchObject({ kind: 'unnest', paramTypes: [OID.INT8_ARRAY] });
    expect(planBulkInsert(ts, [OID.TIMESTAMPTZ], false)).toMatchObject({ kind: 'copy', text: 'COPY doc."Events" (at) FROM STDIN (FORMAT binary)', paramTypes: [] });
  });

  it('describes the plain INSERT to learn the column types', () => {
    expect(describeStatement(checkBulkInsertInput('s.t', ['a', 'Mixed Col', 'user'], [], {}).target)).toBe('INSERT INTO s.t (a, "Mixed Col", "user") VALUES ($1, $2, $3)');
  });

  it('writes a batch as one Bind: binary format code, one array per column, lengths matching the bytes, text results', () => {
    const plan = planBulkInsert(target, [OID.INT4, OID.VARCHAR, OID.FLOAT8], true);
    const rows = [
      [1, 'é✓', 0.5],
      [null, '', -0],
      [3, null, NaN],
    ];
    const b = encodeBatchBind(plan, target.columns, rows, 1, 3);
    expect(String.fromCharCode(b[0] as number)).toBe('B');
    expect(b.readInt32BE(1)).toBe(b.length - 1);
    // Unnamed portal and statement, one format code (binary), three parameters.
    expect([...b.subarray(5, 13)]).toEqual([0, 0, 0, 1, 0, 1, 0, 3]);
    const decoders = binaryDecoders({ int8: 'bigint', numeric: 'string', isCrate: true });
    const values: unknown[] = [];
    let p = 13;
    for (const oid of [OID.INT4, OID.VARCHAR, OID.FLOAT8]) {
      const length = b.readInt32BE(p);
      values.push(binaryArrayDecoder(decoders.get(oid) as NonNullable<ReturnType<typeof decoders.get>>)(b, p + 4, p + 4 + length));
      p += 4 + length;
    }
    expect(b.readInt16BE(p)).toBe(0);
    expect(p + 2).toBe(b.length);
    expect(values).toEqual([[null, 3], ['', null], [-0, NaN]]);
  });

  it('names the row and column of a value of the wrong type in a batch', () => {
    const plan = planBulkInsert(target, [OID.INT4, OID.VARCHAR, OID.FLOAT8], true);
    const rows = [
      [1, 'a', 1],
      [2, 'b', '2.5'],
    ];
    expect(() => encodeBatchBind(plan, target.columns, rows, 0, 2)).toThrow(UsageError);
    expect(() => encodeBatchBind(plan, target.columns, rows, 0, 2)).toThrow(/row 1, column v: .* is not a valid double precision value/);
    expect(() => encodeBatchBind(plan, target.columns, [[1, { x: 1 }, 1]], 0, 1)).toThrow(/row 0, column name: /);
  });
});
