/**
 * The oracle every reliability test applies: the caller gets the right error class, every queued operation settles,
 * nothing hangs, and no unhandled rejection or uncaught exception fires anywhere in the process.
 */
import { afterAll, afterEach, beforeAll, beforeEach, expect } from 'vitest';
import { getTestPg, hasTestPg, type TestPg } from '../support/pg-env.js';
import { startTestPostgres, type TestPostgres } from '../support/postgres.js';

/** Longest any single operation may take to settle before the test calls it a hang. Generous: it is not a timing
 *  assertion, only a bound that turns a hang into a failure instead of a test timeout. */
export const HANG_MS = 8_000;

/**
 * Records `unhandledRejection` and `uncaughtException` for the whole file and fails the test during which one fired.
 * Call once at the top level of a test file.
 */
export function failOnStrayErrors(): void {
  const stray: string[] = [];
  const onRejection = (reason: unknown): void => {
    stray.push(`unhandledRejection: ${String(reason)}`);
  };
  const onException = (err: Error): void => {
    stray.push(`uncaughtException: ${err.stack ?? String(err)}`);
  };
  beforeAll(() => {
    process.on('unhandledRejection', onRejection);
    process.on('uncaughtException', onException);
  });
  afterAll(() => {
    process.off('unhandledRejection', onRejection);
    process.off('uncaughtException', onException);
  });
  beforeEach(() => {
    stray.length = 0;
  });
  afterEach(async () => {
    // Rejections are reported after a macrotask turn; give late ones (a socket error after close) a chance to show.
    await new Promise((resolve) => setTimeout(resolve, 20));
    expect(stray).toEqual([]);
  });
}

/** Settle `promise` or fail after {@link HANG_MS}: the "nothing hangs" half of the oracle. */
export async function settle<T>(promise: Promise<T>, what = 'operation'): Promise<PromiseSettledResult<T>> {
  let timer: NodeJS.Timeout | undefined;
  const hang = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`${what} did not settle within ${HANG_MS} ms (hang)`)), HANG_MS);
  });
  try {
    return await Promise.race([
      promise.then(
        (value): PromiseSettledResult<T> => ({ status: 'fulfilled', value }),
        (reason: unknown): PromiseSettledResult<T> => ({ status: 'rejected', reason }),
      ),
      hang,
    ]);
  } finally {
    clearTimeout(timer);
  }
}

/** The rejection reason of `promise`, which must reject (within {@link HANG_MS}) with an instance of `type`. */
export async function rejection<E extends Error>(promise: Promise<unknown>, type: abstract new (...args: never[]) => E): Promise<E> {
  const outcome = await settle(promise);
  if (outcome.status === 'fulfilled') throw new Error(`expected a ${type.name}, but the operation succeeded`);
  expect(outcome.reason).toBeInstanceOf(type);
  return outcome.reason as E;
}

/**
 * The shared test PostgreSQL when global setup started one (npm test), else a private one for this file (when only
 * test/reliability/ was selected, global setup does not start the server). Call at the top level of a file.
 */
export function usePostgres(): () => TestPg {
  let pg: TestPg | undefined;
  let own: TestPostgres | undefined;
  beforeAll(async () => {
    if (hasTestPg()) {
      pg = getTestPg();
    } else {
      own = await startTestPostgres();
      pg = own;
    }
  });
  afterAll(async () => {
    await own?.destroy();
  });
  return () => {
    if (pg === undefined) throw new Error('usePostgres(): the server is not started yet');
    return pg;
  };
}
