import { describe, expect, it } from 'vitest';
import { UsageError } from '../../../src/errors.js';
import { quoteIdentifier, quoteLiteral } from '../../../src/sql/quote.js';

describe('quoteIdentifier', () => {
  it.each([
    ['t', 't'],
    ['doc.t', 'doc.t'],
    ['MyTable', '"MyTable"'],
    ['doc.My Table', 'doc."My Table"'],
    ['user', '"user"'],
    ['select', '"select"'],
    ['a"b', '"a""b"'],
    ['1abc', '"1abc"'],
    ['"a.b"', '"a.b"'],
    ['"Sch"."T"', '"Sch"."T"'],
    ['"x""y".z', '"x""y".z'],
    ['schema."My.Table"', 'schema."My.Table"'],
  ])('%s → %s', (name, quoted) => {
    expect(quoteIdentifier(name)).toBe(quoted);
  });

  it.each(['', 'a..b', 'a.', '.a', '""', '"abc', '"a"b', 'a\0b'])('refuses %j with a UsageError', (name) => {
    expect(() => quoteIdentifier(name)).toThrow(UsageError);
  });

  it('refuses a non-string', () => {
    expect(() => quoteIdentifier(1 as unknown as string)).toThrow(/must be a string, got number/);
  });
});

describe('quoteLiteral', () => {
  it('doubles quotes and keeps backslashes', () => {
    expect(quoteLiteral("it's \\n")).toBe("'it''s \\n'");
  });

  it('refuses NUL', () => {
    expect(() => quoteLiteral('a\0')).toThrow(/NUL/);
  });
});
