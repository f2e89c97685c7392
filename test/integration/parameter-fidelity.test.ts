/**
 * One value, one outcome (issue #12, bug 2): for a spread of values and parameter types, the first run of a
 * statement, a cached run, `prepare: false` and a fresh pool connection send the same parameter bytes in Bind and
 * reach the same result or the same error. A recording TCP proxy reads the Bind messages off the wire.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { connect, createPool, type Client, type ConnectOptions, type Pool } from '../../src/index.js';
import { getTestPg } from '../support/pg-env.js';
import { startTapProxy, type TapProxy } from '../support/tap-proxy.js';

const pg = getTestPg();
let proxy: TapProxy;
/** Parameter texts of every Bind the proxy saw, in order (null = SQL NULL). */
const binds: (string | null)[][] = [];

/** Frames one connection's client→server bytes (untyped StartupMessage first) and records each Bind's parameters. */
function recorder(): (chunk: Buffer) => void {
  let pending = Buffer.alloc(0);
  let started = false;
  return (chunk) => {
    pending = Buffer.concat([pending, chunk]);
    for (;;) {
      const header = started ? 5 : 4;
      if (pending.length < header) return;
      const length = started ? pending.readInt32BE(1) + 1 : pending.readInt32BE(0);
      if (pending.length < length) return;
      if (started && pending[0] === 0x42) binds.push(bindParameters(pending.subarray(5, length)));
      pending = pending.subarray(length);
      started = true;
    }
  };
}

function bindParameters(body: Buffer): (string | null)[] {
  let p = body.indexOf(0) + 1; // portal
  p = body.indexOf(0, p) + 1; // statement
  p += 2 + 2 * body.readInt16BE(p); // format codes
  const count = body.readInt16BE(p);
  p += 2;
  const values: (string | null)[] = [];
  for (let i = 0; i < count; i++) {
    const length = body.readInt32BE(p);
    p += 4;
    values.push(length < 0 ? null : body.toString('utf8', p, p + length));
    p += Math.max(length, 0);
  }
  return values;
}

const options = (): ConnectOptions => ({
  host: '127.0.0.1',
  port: proxy.port,
  user: pg.users.trust.user,
  database: pg.database,
  sslmode: 'disable',
});

let client: Client;
let pool: Pool;

beforeAll(async () => {
  const target = new URL(pg.url('trust', { sslmode: 'disable' }));
  proxy = await startTapProxy(target.hostname, Number(target.port), recorder);
  client = await connect(options());
  pool = createPool({ ...options(), max: 1 });
});
afterAll(async () => {
  await client?.close();
  await pool?.end();
  await proxy?.close();
});

const TYPES = ['text', 'int4', 'int8', 'float8', 'numeric', 'bool', 'json', 'jsonb', 'date', 'timestamp', 'timestamptz', 'int4[]', 'text[]', 'point'];
const VALUES: [string, unknown][] = [
  ['a string', 'abc'],
  ['an empty string', ''],
  ['an integer', 42],
  ['a fraction', 1.5],
  ['NaN', Number.NaN],
  ['a big bigint', 2n ** 70n],
  ['a bigint', 12n],
  ['true', true],
  ['false', false],
  ['a Date', new Date(Date.UTC(2024, 0, 2, 3, 4, 5, 6))],
  ['a number array', [1, 2]],
  ['a string array', ['a', 'b"c']],
  ['an object', { a: 1, b: [true, null] }],
  ['a Map', new Map([['a', 1]])],
  ['a date text', '2024-01-02'],
  ['the word yes', 'yes'],
  ['null', null],
  ['undefined', undefined],
];

type Outcome = { rows: unknown[] } | { error: string; sqlstate: string | undefined; message: string };

async function outcome(run: () => Promise<{ rows: unknown[] }>): Promise<{ outcome: Outcome; sent: (string | null)[][] }> {
  const before = binds.length;
  let result: Outcome;
  try {
    result = { rows: (await run()).rows };
  } catch (err) {
    const e = err as Error & { sqlstate?: string };
    result = { error: e.constructor.name, sqlstate: e.sqlstate, message: e.message };
  }
  return { outcome: result, sent: binds.slice(before) };
}

describe('a parameter value has one encoding and one outcome on every path', () => {
  let n = 0;
  const cases = TYPES.flatMap((type) => VALUES.map(([name, value]) => [type, name, value] as const));
  it.each(cases)('%s ← %s', async (type, _name, value) => {
    // A text of its own per case: the cached client and the pool connection see it for the first time.
    const sql = `SELECT $1::${type}::text AS v /* case ${++n} */`;
    const first = await outcome(() => client.query(sql, [value]));
    const cached = await outcome(() => client.query(sql, [value]));
    const unnamed = await outcome(() => client.query(sql, [value], { prepare: false }));
    const fresh = await outcome(() => pool.query(sql, [value]));
    for (const other of [cached, unnamed, fresh]) {
      expect(other.outcome).toEqual(first.outcome);
      expect(other.sent).toEqual(first.sent);
    }
    // A client-side refusal (ParameterError: a Map, an array for a date) sends no Bind; everything else exactly one.
    const refused = 'error' in first.outcome && first.outcome.error === 'ParameterError';
    expect(first.sent.length).toBe(refused ? 0 : 1);
    if (value instanceof Map) expect(refused).toBe(true);
  });
});
