/**
 * A wrong number of parameters fails before anything is sent, saying "expected N, got M" — counted from the
 * placeholders before the statement is described, from ParameterDescription after (issue #12, bug 5).
 */
import { describe, expect, it } from 'vitest';
import { UsageError, type Client } from '../../src/index.js';
import { connectForFile, getTestPg } from '../support/pg-env.js';

const pg = getTestPg();
let client: Client;

connectForFile(pg, (c) => void (client = c));

/** Run `fn` inside a transaction: if anything reached the server and failed there, the transaction is aborted (E). */
async function nothingSent(fn: () => Promise<unknown>): Promise<unknown> {
  await client.query('BEGIN');
  try {
    const err = await fn().then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(client.transactionStatus).toBe('T');
    return err;
  } finally {
    await client.query('ROLLBACK');
  }
}

describe('parameter count', () => {
  it.each([
    ['too few, first run', 'SELECT $1::int + $2::int AS s', [1], {}, 'expected 2, got 1'],
    ['too many, first run', 'SELECT $1::int AS s', [1, 2], {}, 'expected 1, got 2'],
    ['too few, prepare: false', 'SELECT $2::int AS s, $1::text', [1], { prepare: false }, 'expected 2, got 1'],
    ['placeholders in strings and comments do not count', "SELECT '$3' AS a, $1::int /* $4 */", [], {}, 'expected 1, got 0'],
    ['a Date makes the statement described first, still checked before sending', 'SELECT $1::date, $2::int', [new Date(0)], {}, 'expected 2, got 1'],
  ])('%s', async (_, sql, params, options, expected) => {
    const err = await nothingSent(() => client.query(sql, params, options));
    expect(err).toBeInstanceOf(UsageError);
    expect((err as Error).message).toContain(`Wrong number of parameters: ${expected}`);
  });

  it('a cached statement is checked against its ParameterDescription', async () => {
    const sql = 'SELECT $1::int + $2::int AS s';
    expect((await client.query(sql, [1, 2])).rows).toEqual([{ s: 3 }]);
    const err = await nothingSent(() => client.query(sql, [1]));
    expect((err as Error).message).toBe(
      'Wrong number of parameters: expected 2, got 1 (as the server described the statement); pass one value per placeholder',
    );
  });

  it('stream() checks too', async () => {
    const run = async (): Promise<void> => {
      for await (const _ of client.stream('SELECT $1::int', [])) void _;
    };
    const err = await nothingSent(run);
    expect((err as Error).message).toContain('expected 1, got 0');
  });

  it('declared paramTypes count as parameters', async () => {
    const err = await nothingSent(() => client.query('SELECT 1', [], { paramTypes: [23] }));
    expect((err as Error).message).toContain('expected 1, got 0');
  });
});
