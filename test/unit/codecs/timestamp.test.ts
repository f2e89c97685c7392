import { describe, expect, it } from 'vitest';
import { formatDate, formatTimestamp, parseTimestamp } from '../../../src/codecs/timestamp.js';
import { DecodeError } from '../../../src/errors.js';

// Expected epoch ms were computed independently (proleptic Gregorian day count), not with `new Date(text)`.
const CASES: ReadonlyArray<readonly [string, number, string]> = [
  ['2024-01-02 03:04:05.123456+05:30', 1704144845123, 'PG, microseconds truncated, +hh:mm'],
  ['2024-01-02 03:04:05+05', 1704146645000, 'PG, no fraction, +hh'],
  ['2024-01-02 03:04:05-08', 1704193445000, 'negative offset'],
  ['1900-06-30 23:59:59.5+05:30:15', -2193370215500, 'offset with seconds, 1-digit fraction'],
  ['1970-01-01 00:00:00+00', 0, 'epoch'],
  ['1969-12-31 23:59:59.999+00', -1, 'just before the epoch'],
  ['1969-12-31 23:59:59.9999+00', -1, 'truncation, not rounding, before the epoch'],
  ['2021-03-04 05:06:07.890+00', 1614834367890, 'CrateDB timestamptz'],
  ['2021-03-04 05:06:07.890', 1614834367890, 'CrateDB timestamp (6.3.3+)'],
  ['2021-03-04T05:06:07.890Z', 1614834367890, 'ISO T and Z'],
  ['2000-02-29 12:00:00', 951825600000, 'PG timestamp, leap day, read as UTC'],
  ['10000-01-01 00:00:00+00', 253402300800000, 'five-digit year'],
  ['275760-09-13 00:00:00+00', 8640000000000000, 'the last instant a Date holds'],
  ['0001-01-01 00:00:00+00', -62135596800000, 'year 1'],
  ['0099-12-31 23:59:59+00', -59011459201000, 'year 99 (not 1999)'],
  ['0044-03-15 12:00:00+00 BC', -63517780800000, 'BC after the offset'],
  ['0001-12-31 00:00:00 BC', -62135683200000, '1 BC is year 0, timestamp without offset'],
  ['4713-01-01 00:00:00+00 BC', -210863520000000, 'PostgreSQL minimum'],
];

describe('parseTimestamp', () => {
  it.each(CASES)('%s → %d (%s)', (text, epochMs) => {
    const value = parseTimestamp(text);
    expect(value).toBeInstanceOf(Date);
    expect((value as Date).getTime()).toBe(epochMs);
  });

  it.each([
    ['.1', 100],
    ['.12', 120],
    ['.123', 123],
    ['.1234', 123],
    ['.999999', 999],
  ])('fraction %s → %d ms', (fraction, ms) => {
    expect((parseTimestamp(`1970-01-01 00:00:00${fraction}+00`) as Date).getTime()).toBe(ms);
  });

  it('prints +00 on timestamp (CrateDB before 6.3.3) the same as without it', () => {
    expect((parseTimestamp('2021-03-04 05:06:07.890+00') as Date).getTime()).toBe(
      (parseTimestamp('2021-03-04 05:06:07.890') as Date).getTime(),
    );
  });

  it('maps infinity to numbers', () => {
    expect(parseTimestamp('infinity')).toBe(Infinity);
    expect(parseTimestamp('-infinity')).toBe(-Infinity);
  });

  it.each([
    '',
    'yesterday',
    '2024-1-02 03:04:05',
    '2024-13-02 03:04:05',
    '2024-01-00 03:04:05',
    '2024-01-02 03:4:05',
    '2024-01-02 03:04:05.',
    '2024-01-02 03:04:05+5',
    '2024-01-02 03:04:05+05 AD',
    '2024-01-02 03:04:05 garbage',
    '2024-01-02 03:04:0',
    '2024-01-02 03:04:05+0',
    '2024-01-02 03:04:05+05:3',
    '2024-01-0',
  ])('throws DecodeError for %j', (text) => {
    expect(() => parseTimestamp(text)).toThrow(DecodeError);
    expect(() => parseTimestamp(text)).toThrow(/^Malformed timestamp/);
  });

  it('throws DecodeError beyond the Date range and suggests a custom decoder', () => {
    expect(() => parseTimestamp('294276-12-31 23:59:59+00')).toThrow(/outside the range of a JavaScript Date.*types/);
  });
});

describe('formatTimestamp', () => {
  it('uses toISOString for years 1..9999', () => {
    expect(formatTimestamp(new Date(1614834367890))).toBe('2021-03-04T05:06:07.890Z');
  });

  it('gives exactly toISOString() for instants before 1970 and 2000, at day edges, and when days alternate', () => {
    const edges = [
      Date.UTC(1, 0, 1),
      Date.UTC(1969, 11, 31, 23, 59, 59, 999),
      -1,
      0,
      1,
      Date.UTC(1999, 11, 31, 23, 59, 59, 999),
      Date.UTC(2000, 0, 1),
      Date.UTC(2024, 1, 29, 12, 0, 0, 7),
      Date.UTC(9999, 11, 31, 23, 59, 59, 999),
    ];
    const instants = [...edges, ...edges.map((ms) => ms - 86_400_000 / 2), ...[...edges].reverse()].filter((ms) => ms >= Date.UTC(1, 0, 1));
    for (let i = 0; i < 2_000; i++) instants.push(Date.UTC(1950, 0, 1) + i * 7_919_999_937);
    for (const ms of instants) expect(formatTimestamp(new Date(ms))).toBe(new Date(ms).toISOString());
  });

  it('uses PostgreSQL output form outside 1..9999, and round-trips', () => {
    const bc = new Date(-63517780800000);
    const big = new Date(253402300800000);
    expect(formatTimestamp(bc)).toBe('0044-03-15 12:00:00.000+00 BC');
    expect(formatTimestamp(big)).toBe('10000-01-01 00:00:00.000+00');
    expect((parseTimestamp(formatTimestamp(bc)) as Date).getTime()).toBe(bc.getTime());
    expect((parseTimestamp(formatTimestamp(big)) as Date).getTime()).toBe(big.getTime());
  });
});

describe('formatDate', () => {
  it('gives the UTC calendar day', () => {
    expect(formatDate(new Date(1704238200000))).toBe('2024-01-02'); // 2024-01-02T23:30:00Z
    expect(formatDate(new Date(1704153600000))).toBe('2024-01-02'); // 2024-01-02T00:00:00Z
  });

  it('pads small years and marks BC', () => {
    expect(formatDate(new Date(-59011459201000))).toBe('0099-12-31');
    expect(formatDate(new Date(-63517780800000))).toBe('0044-03-15 BC');
  });
});
