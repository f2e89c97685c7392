/** CrateDB syntax errors from SQL Drizzle generates become errors that say what is unsupported (src/drizzle/crate-gaps.ts). */
import { describe, expect, it } from 'vitest';
import { DatabaseError, UsageError } from '../../../src/index.js';
import { explainCrateGap } from '../../../src/drizzle/crate-gaps.js';

const syntax = (message: string): DatabaseError => new DatabaseError({ sqlstate: '42601', message });

describe('explainCrateGap', () => {
  it('explains DELETE … RETURNING and relational `with` (LATERAL), keeping the server error as cause', () => {
    const deleteErr = syntax("line 1:64: mismatched input 'returning' expecting <EOF>");
    const explained = explainCrateGap(deleteErr, { text: 'delete from "t" where "t"."id" = $1 returning "id"', kind: 'delete', returnsRows: true });
    expect(explained).toBeInstanceOf(UsageError);
    expect(explained).toMatchObject({ code: 'UNSUPPORTED_ON_CRATEDB', cause: deleteErr, message: expect.stringMatching(/DELETE … RETURNING/) });
    const lateral = explainCrateGap(syntax("line 1:88: no viable alternative at input 'select'"), {
      text: 'select "a"."id" from "a" left join lateral (select 1) "b" on true',
      kind: undefined,
      returnsRows: true,
    });
    expect(lateral?.message).toMatch(/LATERAL/);
  });

  it('leaves other errors alone', () => {
    expect(explainCrateGap(syntax('mismatched input'), { text: 'select 1', kind: 'select', returnsRows: true })).toBeUndefined();
    expect(explainCrateGap(new DatabaseError({ sqlstate: '42P01', message: 'returning' }), { text: 'x', kind: 'delete', returnsRows: true })).toBeUndefined();
    expect(explainCrateGap(new Error('boom'), { text: 'x', kind: 'delete', returnsRows: true })).toBeUndefined();
  });
});
