/**
 * The benchmark reports a figure only for results it checked, so that no driver wins by doing less. These tests hold
 * the checkers to that: each accepts every encoding a driver legitimately returns (pgwire Date vs HTTP epoch ms,
 * JSON objects vs JSON text, int8 as text) and rejects dropped, duplicated and corrupted data.
 */
import { describe, expect, it } from 'vitest';
import { checkPointObject, checkInt } from '../../bench/drivers/job.js';
import { bulkError, checkPointArray } from '../../bench/drivers/http.js';
import { docRow, docRowError, plainRow, plainRowError, pointIds, RowChecker, TS_BASE_MS, verifyDocs } from '../../bench/data.js';
import { checkTargets, computeRatios, type DriverResult, type WorkloadResult } from '../../bench/results.js';
import { summarize } from '../../bench/stats.js';

describe('plain rows', () => {
  const r = plainRow(7);

  it('accepts the pgwire form (Date, numbers) and the HTTP form (epoch ms), and int8 ids as text', () => {
    expect(plainRowError(7, 'name-7', 7.25, new Date(TS_BASE_MS + 7000))).toBeUndefined();
    expect(plainRowError(7, 'name-7', 7.25, TS_BASE_MS + 7000)).toBeUndefined();
    expect(plainRowError('7', 'name-7', '7.25', r.ts, 7)).toBeUndefined();
    expect(checkPointArray([7, 'name-7', 7.25, r.ts], 7)).toBeUndefined();
  });

  it('rejects the wrong row, a wrong name, value or timestamp (one millisecond off), and no row', () => {
    expect(plainRowError(8, 'name-8', 8.25, plainRow(8).ts, 7)).toMatch(/expected id 7/);
    expect(plainRowError(7, 'name-8', 7.25, r.ts)).toMatch(/bad name/);
    expect(plainRowError(7, 'name-7', 7.5, r.ts)).toMatch(/bad value/);
    expect(plainRowError(7, 'name-7', 7.25, r.ts + 1)).toMatch(/bad ts/);
    expect(plainRowError(7, 'name-7', 7.25, 'not a date')).toMatch(/bad ts/);
    expect(checkPointObject(undefined, 7)).toMatch(/no row for id 7/);
    expect(checkPointObject({ id: 7, name: 'name-7', value: 7.25, ts: null }, 7)).toMatch(/bad ts/);
  });

  it('RowChecker catches a dropped row, a duplicate standing in for a missing one, and a corrupted row', () => {
    const rows = Array.from({ length: 10 }, (_, i) => plainRow(i + 1));
    const check = (list: readonly ReturnType<typeof plainRow>[]): string | undefined => {
      const checker = new RowChecker();
      for (const x of list) checker.add(x.id, x.name, x.value, new Date(x.ts));
      return checker.verify(10);
    };
    expect(check(rows)).toBeUndefined();
    expect(check(rows.slice(1))).toMatch(/expected 10 rows, got 9/);
    expect(check([...rows.slice(0, 9), plainRow(9)])).toMatch(/do not sum/);
    expect(check([...rows.slice(0, 9), { ...plainRow(10), name: 'x' }])).toMatch(/bad name/);
  });

  it('checkInt takes the number or its text and nothing else', () => {
    expect(checkInt(42, 42)).toBeUndefined();
    expect(checkInt('42', 42)).toBeUndefined();
    expect(checkInt(41, 42)).toMatch(/expected 42, got 41/);
    expect(checkInt(undefined, 42)).toMatch(/expected 42/);
  });
});

describe('doc rows', () => {
  const d = docRow(8);

  it('accepts the object decoded or as JSON text, in any key order, and numbers as text', () => {
    expect(docRowError(8, d.doc, d.tags, d.nums)).toBeUndefined();
    expect(docRowError(8, JSON.stringify(d.doc), d.tags, d.nums)).toBeUndefined();
    const reordered = { list: d.doc.list, nested: { k: d.doc.nested.k, even: d.doc.nested.even }, label: d.doc.label, n: d.doc.n };
    expect(docRowError(8, reordered, d.tags, d.nums.map(String))).toBeUndefined();
  });

  it('rejects a changed nested value, reordered array elements and a missing element', () => {
    expect(docRowError(8, { ...d.doc, nested: { even: false, k: 8 } }, d.tags, d.nums)).toMatch(/doc/);
    expect(docRowError(8, d.doc, [...d.tags].reverse(), d.nums)).toMatch(/tags/);
    expect(docRowError(8, d.doc, d.tags, d.nums.slice(1))).toMatch(/nums/);
  });

  it('verifyDocs checks every row, the count and the id sum', () => {
    const rows = [1, 2, 3].map((i) => {
      const x = docRow(i);
      return [x.id, x.doc, x.tags, x.nums] as const;
    });
    expect(verifyDocs(rows, 3)).toBeUndefined();
    expect(verifyDocs(rows.slice(0, 2), 3)).toMatch(/expected 3 rows/);
    expect(verifyDocs([rows[0], rows[1], rows[1]] as typeof rows, 3)).toMatch(/do not sum/);
  });
});

describe('HTTP bulk_args responses (docs/cratedb-wire.md "HTTP results")', () => {
  it('a full success passes; a -2 item, or fewer results than rows, is reported with the server message', () => {
    expect(bulkError({ results: [{ rowcount: 1 }, { rowcount: 1 }] }, 2)).toBeUndefined();
    const failed = bulkError({ results: [{ rowcount: 1 }, { rowcount: -2, error: { message: 'DuplicateKeyException[A document with the same primary key exists already]' } }] }, 2);
    expect(failed).toMatch(/rowcount -2 DuplicateKeyException/);
    expect(bulkError({ results: [{ rowcount: 1 }] }, 2)).toMatch(/expected 2 results, got 1/);
    expect(bulkError({}, 1)).toMatch(/expected 1 results, got 0/);
  });
});

describe('point ids', () => {
  it('are the same for every driver, and stay within 1..max', () => {
    const ids = pointIds(1000, 50);
    expect(pointIds(1000, 50)).toEqual(ids);
    expect(Math.min(...ids)).toBeGreaterThanOrEqual(1);
    expect(Math.max(...ids)).toBeLessThanOrEqual(50);
    expect(new Set(ids).size).toBeGreaterThan(40);
  });
});

function driver(name: DriverResult['driver'], rates: number[], peakRssMB?: number): DriverResult {
  return { driver: name, status: 'ok', reason: undefined, rates, summary: summarize(rates), cpuUsPerUnit: [], cpuMedianUs: undefined, baselineRssMB: undefined, peakRssMB };
}

function workload(id: WorkloadResult['id'], drivers: DriverResult[]): WorkloadResult {
  return { id, slug: id, title: id, unit: 'queries', units: 1, warmupUnits: 1, drivers };
}

describe('ratios and targets', () => {
  it('ratios are cratewire ÷ peer medians with the quartiles paired unfavourably and favourably', () => {
    const [r] = computeRatios([workload('2', [driver('cratewire', [110, 120, 130]), driver('pg', [90, 100, 110])])]);
    expect(r).toMatchObject({ peer: 'pg', ratio: 1.2 });
    expect(r?.low).toBeCloseTo(115 / 105);
    expect(r?.high).toBeCloseTo(125 / 95);
  });

  it('a target is met only at or above its floor; the 1b target shows what the wire floor reached against pg', () => {
    const workloads = [
      workload('2', [driver('cratewire', [119]), driver('pg', [100]), driver('postgres.js', [90])]),
      workload('1b', [driver('cratewire', [105]), driver('pg', [100]), driver('wire-floor', [112])]),
    ];
    const checks = checkTargets('postgresql', 1, workloads, computeRatios(workloads));
    expect(checks.find((c) => c.workload === '2' && c.description.endsWith('vs pg'))).toMatchObject({ met: false, actual: '1.19×' });
    expect(checks.find((c) => c.workload === '2' && c.description.endsWith('vs postgres.js'))?.met).toBe(true);
    expect(checks.find((c) => c.workload === '1b')).toMatchObject({ met: false, actual: '1.05× (wire floor: 1.12×)' });
  });

  it('the streaming memory limit is judged only at full scale; on CrateDB the issue 11 targets apply', () => {
    const stream = [workload('5', [driver('cratewire', [100], 140), driver('http', [50]), driver('wire-floor-binary', [160])])];
    expect(checkTargets('postgresql', 1, stream, []).find((c) => c.description.includes('peak RSS'))?.met).toBe(true);
    expect(checkTargets('postgresql', 0.1, stream, []).find((c) => c.description.includes('peak RSS'))?.met).toBeNull();
    const crate = checkTargets('cratedb', 1, stream, computeRatios(stream));
    expect(crate.find((c) => c.description.endsWith('vs http'))).toMatchObject({ met: true, actual: '2.00×', required: '≥ 2.00×' });
    expect(crate.find((c) => c.description.endsWith('vs wire-floor-binary'))).toMatchObject({ met: false, actual: '0.63×' });
    const other = [workload('1b', [driver('cratewire', [90]), driver('http', [100])])];
    expect(checkTargets('cratedb', 1, other, computeRatios(other))[0]).toMatchObject({ description: '1b: faster than HTTP /_sql vs http', met: false });
  });
});
