/**
 * Type-level checks of the public API (checked by `npm run typecheck`; the runtime assertions only keep vitest
 * from reporting empty tests): rowMode overloads, the typed onNotice hook, field type names.
 */
import { describe, expectTypeOf, it } from 'vitest';
import type { Client, ConnectOptions, Field, Notice, Pool, PoolConnection, PreparedStatement, Result, RowStream } from '../../src/index.js';

describe('public types', () => {
  it("rowMode: 'array' types rows as arrays; otherwise rows are objects", () => {
    expectTypeOf<Client['query']>().toBeCallableWith('SELECT 1', [], { rowMode: 'array' });
    const arrays = (c: Client) => c.query('SELECT 1', [], { rowMode: 'array' });
    expectTypeOf<Awaited<ReturnType<typeof arrays>>>().toEqualTypeOf<Result<unknown[]>>();
    const typedArrays = (c: Client) => c.query<[number, string]>('SELECT 1, $1', ['x'], { rowMode: 'array' });
    expectTypeOf<Awaited<ReturnType<typeof typedArrays>>['rows']>().toEqualTypeOf<[number, string][]>();
    const objects = (c: Client) => c.query('SELECT 1', [], { rowMode: 'object' });
    expectTypeOf<Awaited<ReturnType<typeof objects>>>().toEqualTypeOf<Result<Record<string, unknown>>>();
    const plain = (c: Client) => c.query('SELECT 1');
    expectTypeOf<Awaited<ReturnType<typeof plain>>>().toEqualTypeOf<Result<Record<string, unknown>>>();
  });

  it('the overloads exist on every entry point', () => {
    const pool = (p: Pool) => p.query('SELECT 1', undefined, { rowMode: 'array' });
    expectTypeOf<Awaited<ReturnType<typeof pool>>['rows']>().toEqualTypeOf<unknown[][]>();
    const connection = (c: PoolConnection) => c.simpleQuery('SELECT 1', { rowMode: 'array' });
    expectTypeOf<Awaited<ReturnType<typeof connection>>[number]['rows']>().toEqualTypeOf<unknown[][]>();
    const stream = (c: Client) => c.stream('SELECT 1', [], { rowMode: 'array' });
    expectTypeOf<ReturnType<typeof stream>>().toEqualTypeOf<RowStream<unknown[]>>();
    const prepared = (s: PreparedStatement) => s.execute([], { rowMode: 'array' });
    expectTypeOf<Awaited<ReturnType<typeof prepared>>['rows']>().toEqualTypeOf<unknown[][]>();
  });

  it('onNotice receives a Notice; fields carry a type name', () => {
    expectTypeOf<NonNullable<ConnectOptions['onNotice']>>().parameter(0).toEqualTypeOf<Notice>();
    expectTypeOf<Field['typeName']>().toEqualTypeOf<string | undefined>();
  });
});
