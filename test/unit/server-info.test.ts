/** The capability flags the rest of the driver reads instead of asking `isCrate` (one place for server rules). */
import { describe, expect, it } from 'vitest';
import { buildServerInfo, isStaleStatementError } from '../../src/protocol/server-info.js';

describe('buildServerInfo', () => {
  it('CrateDB: no transactions, no pipelining, ? placeholders, its parameter and statement limits', () => {
    const info = buildServerInfo({ crate_version: '6.4.3', server_version: '14.0' }, 7);
    expect(info).toMatchObject({
      isCrate: true,
      crateVersion: '6.4.3',
      transactions: false,
      canPipeline: false,
      questionMarkPlaceholders: true,
      maxParameters: 32_767,
      statementMaxLength: 262_144,
      processId: 7,
    });
  });

  it('PostgreSQL: transactions, pipelining, $n only, no statement length limit', () => {
    const info = buildServerInfo({ server_version: '18.4' }, 1);
    expect(info).toMatchObject({
      isCrate: false,
      transactions: true,
      canPipeline: true,
      questionMarkPlaceholders: false,
      maxParameters: 65_535,
      statementMaxLength: undefined,
    });
  });
});

describe('isStaleStatementError', () => {
  it.each([
    ['26000', 'prepared statement "cw_1" does not exist'],
    ['0A000', 'cached plan must not change result type'],
    ['42P01', "Relation 'Relation not found for oid=23' unknown"],
    ['XX000', 'No statement found with name: cw_3'],
  ])('%s %s: prepare again', (sqlstate, message) => {
    expect(isStaleStatementError(sqlstate, message)).toBe(true);
  });

  it.each([
    ['42P01', "Relation 'doc.missing' unknown"],
    ['0A000', 'Unknown function: pg_advisory_lock(1)'],
    ['XX000', 'Job killed. Cancellation request by: crate'],
    [undefined, undefined],
  ])('%s %s: a real error, not retried', (sqlstate, message) => {
    expect(isStaleStatementError(sqlstate, message)).toBe(false);
  });
});
