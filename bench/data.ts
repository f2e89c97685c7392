/**
 * The benchmark's data: one deterministic function of the id for every seeded value, and the checks that compare
 * what a driver returned with it after normalising the encodings that differ between pgwire and HTTP `/_sql`
 * (docs/cratedb-wire.md "HTTP results": epoch ms vs Date, numbers vs strings, JSON objects vs JSON text).
 */
import { isDeepStrictEqual } from 'node:util';

/** Timestamps are `TS_BASE_MS + id seconds`, so they are whole seconds and exact in every encoding. */
export const TS_BASE_MS = Date.UTC(2024, 0, 1);

/** A row of `bench_rows` / `bench_ingest` as the benchmark generates it. */
export interface PlainRow {
  readonly id: number;
  readonly name: string;
  readonly value: number;
  readonly ts: number;
}

/** `value` is `id + 0.25`: exact in binary, so sums over a million rows stay exact in a double. */
export function plainRow(id: number): PlainRow {
  return { id, name: `name-${id}`, value: id + 0.25, ts: TS_BASE_MS + id * 1000 };
}

/** A row of `bench_docs`: an object column (json on PostgreSQL, OBJECT on CrateDB) and two array columns. */
export interface DocRow {
  readonly id: number;
  readonly doc: { readonly n: number; readonly label: string; readonly nested: { readonly even: boolean; readonly k: number }; readonly list: readonly number[] };
  readonly tags: readonly string[];
  readonly nums: readonly number[];
}

export function docRow(id: number): DocRow {
  return {
    id,
    doc: { n: id, label: `doc-${id}`, nested: { even: id % 2 === 0, k: id % 10 }, list: [id, id + 1] },
    tags: [`t${id % 7}`, `t${id % 11}`],
    nums: [id, id * 2, id * 3],
  };
}

/** Epoch ms from a Date (pgwire drivers), a number (HTTP) or an ISO string. NaN when it is none of those. */
export function toEpochMs(v: unknown): number {
  if (v instanceof Date) return v.getTime();
  if (typeof v === 'number') return v;
  if (typeof v === 'string') return Date.parse(v);
  return Number.NaN;
}

/** A number from a number, a numeric string (int8/numeric as text) or a bigint. */
export function toNumber(v: unknown): number {
  if (typeof v === 'number') return v;
  if (typeof v === 'string' || typeof v === 'bigint') return Number(v);
  return Number.NaN;
}

/** Why one `bench_rows` row is wrong, or undefined when it is right. */
export function plainRowError(id: unknown, name: unknown, value: unknown, ts: unknown, expectedId?: number): string | undefined {
  const n = toNumber(id);
  if (expectedId !== undefined && n !== expectedId) return `expected id ${expectedId}, got ${String(id)}`;
  if (!Number.isInteger(n) || n < 1) return `bad id ${String(id)}`;
  if (name !== `name-${n}`) return `row ${n}: bad name ${JSON.stringify(name)}`;
  if (toNumber(value) !== n + 0.25) return `row ${n}: bad value ${String(value)}`;
  if (toEpochMs(ts) !== TS_BASE_MS + n * 1000) return `row ${n}: bad ts ${String(ts)}`;
  return undefined;
}

/**
 * Accumulates checks over a result read whole or streamed: every row is self-consistent, the count is right and
 * the ids sum to 1+…+n. Rows come unordered (no ORDER BY, so the server does no extra work); with the count and the
 * sum this catches dropped, duplicated and corrupted rows.
 */
export class RowChecker {
  #count = 0;
  #idSum = 0;
  #error: string | undefined;

  add(id: unknown, name: unknown, value: unknown, ts: unknown): void {
    this.#count++;
    this.#idSum += toNumber(id);
    if (this.#error === undefined) this.#error = plainRowError(id, name, value, ts);
  }

  /** Why the rows seen so far are not ids 1..n, or undefined. */
  verify(n: number): string | undefined {
    if (this.#error !== undefined) return this.#error;
    if (this.#count !== n) return `expected ${n} rows, got ${this.#count}`;
    if (this.#idSum !== (n * (n + 1)) / 2) return `ids do not sum to 1+…+${n} (got ${this.#idSum})`;
    return undefined;
  }
}

/** JSON that may still be text (a driver that leaves json undecoded) becomes a value; anything else is kept. */
function jsonValue(v: unknown): unknown {
  if (typeof v !== 'string') return v;
  try {
    return JSON.parse(v) as unknown;
  } catch {
    return v;
  }
}

/** Why one `bench_docs` row is wrong, or undefined. Object key order is ignored (CrateDB does not keep it). */
export function docRowError(id: unknown, doc: unknown, tags: unknown, nums: unknown): string | undefined {
  const n = toNumber(id);
  if (!Number.isInteger(n) || n < 1) return `bad id ${String(id)}`;
  const expected = docRow(n);
  if (!isDeepStrictEqual(jsonValue(doc), expected.doc)) return `row ${n}: doc ${JSON.stringify(doc)} != ${JSON.stringify(expected.doc)}`;
  if (!isDeepStrictEqual(tags, expected.tags)) return `row ${n}: tags ${JSON.stringify(tags)}`;
  const numbers = Array.isArray(nums) ? nums.map(toNumber) : nums;
  if (!isDeepStrictEqual(numbers, expected.nums)) return `row ${n}: nums ${JSON.stringify(nums)}`;
  return undefined;
}

/** Checks a whole `bench_docs` result: each row, the count and the id sum. */
export function verifyDocs(rows: readonly (readonly [unknown, unknown, unknown, unknown])[], n: number): string | undefined {
  let idSum = 0;
  for (const [id, doc, tags, nums] of rows) {
    const err = docRowError(id, doc, tags, nums);
    if (err !== undefined) return err;
    idSum += toNumber(id);
  }
  if (rows.length !== n) return `expected ${n} rows, got ${rows.length}`;
  if (idSum !== (n * (n + 1)) / 2) return `ids do not sum to 1+…+${n}`;
  return undefined;
}

/**
 * Ids for point selects: a fixed pseudo-random walk over 1..max (an LCG), the same for every driver and round, so
 * no driver is luckier with the buffer cache.
 */
export function pointIds(count: number, max: number, seed = 12345): number[] {
  const ids = new Array<number>(count);
  let x = seed >>> 0;
  for (let i = 0; i < count; i++) {
    x = (Math.imul(x, 1664525) + 1013904223) >>> 0;
    ids[i] = (x % max) + 1;
  }
  return ids;
}
