/** bulkInsert()'s statements: what is sent per batch on each server, checked against CrateDB's own answer. */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { OID } from '../../src/codecs/oids.js';
import { checkBulkInsertInput, describeStatement, planBulkInsert } from '../../src/query/bulk-insert-plan.js';

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
});
