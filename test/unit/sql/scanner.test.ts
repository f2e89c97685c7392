import { describe, expect, it } from 'vitest';
import { countPlaceholders, scanStatements } from '../../../src/sql/scanner.js';

const firstWords = (sql: string): (string | undefined)[] => scanStatements(sql).map((s) => s.words[0]?.text);

describe('scanStatements', () => {
  it('splits statements outside quotes, comments and dollar quotes', () => {
    const sql = `SELECT 'a;b', "c;d" -- ;x
      ; /* ; /* nested ; */ */ SET a = 1; SELECT $$ ; SET b = 2 $$; SELECT E'\\';SET c=3'`;
    expect(firstWords(sql)).toEqual(['select', 'set', 'select', 'select']);
  });

  it('skips tagged dollar quotes, prefixed strings and numbers, and drops empty statements', () => {
    const sql = "SELECT $fn$ ; drop $x$ ; $fn$, X'ff', B'01', N'n;', U&'d\\0061;', 1.5e3 ;; ; -- only a comment\n";
    const statements = scanStatements(sql);
    expect(statements).toHaveLength(1);
    expect(statements[0]?.words.map((w) => w.text)).toEqual(['select']);
    expect(statements[0]?.text).toBe("SELECT $fn$ ; drop $x$ ; $fn$, X'ff', B'01', N'n;', U&'d\\0061;', 1.5e3");
  });

  it('keeps quoted identifiers apart from keywords, undoes doubled quotes and marks the dots of dotted names', () => {
    const [statement] = scanStatements('SET "My""Name".Part = 1');
    expect(statement?.words).toEqual([
      { text: 'set', quoted: false },
      { text: 'My"Name', quoted: true },
      { text: '.', quoted: false },
      { text: 'part', quoted: false },
    ]);
  });

  it('an E-string escapes quotes with a backslash; a plain string does not', () => {
    expect(firstWords("SELECT e'it\\'s;'; SELECT 'a\\'; DROP t")).toEqual(['select', 'select', 'drop']);
    // `name'…'` is not an E-string: the word is a column name.
    expect(firstWords("SELECT some'\\'; DROP t")).toEqual(['select', 'drop']);
  });

  it('an unterminated quote or comment runs to the end of the text', () => {
    expect(firstWords("SELECT 'abc; DROP t")).toEqual(['select']);
    expect(firstWords('SELECT /* abc; DROP t')).toEqual(['select']);
    expect(firstWords('SELECT $q$ abc; DROP t')).toEqual(['select']);
  });

  it('a $ inside a name is part of the name, not a placeholder or a quote', () => {
    const [statement] = scanStatements('SELECT a$1, b$x$ FROM t');
    expect(statement?.words.map((w) => w.text)).toEqual(['select', 'a$1', 'b$x$', 'from', 't']);
    expect(statement?.highestDollar).toBe(0);
  });
});

describe('countPlaceholders', () => {
  it('is the highest $n outside quotes, comments and dollar quotes', () => {
    expect(countPlaceholders("SELECT $2, '$9', \"$8\", $$ $7 $$, $q$$6$q$ -- $5\n /* $4 */ + $1", false)).toBe(2);
    expect(countPlaceholders('SELECT $1::int, $1 + $3', false)).toBe(3);
    expect(countPlaceholders('SELECT 1', false)).toBe(0);
  });

  it('counts ? only when asked (CrateDB placeholders; PostgreSQL jsonb operators)', () => {
    const sql = "SELECT ?, ?, '?' FROM t WHERE x = ? -- ?";
    expect(countPlaceholders(sql, true)).toBe(3);
    expect(countPlaceholders(sql, false)).toBe(0);
    expect(countPlaceholders('SELECT $4, ?', true)).toBe(4);
  });

  it('adds placeholders over statements', () => {
    expect(countPlaceholders('SELECT ?; SELECT ?', true)).toBe(2);
    expect(countPlaceholders('SELECT $1; SELECT $2', false)).toBe(2);
  });
});

describe('memo', () => {
  it('returns the same frozen result for the same text', () => {
    const a = scanStatements('SELECT $1');
    expect(scanStatements('SELECT $1')).toBe(a);
    expect(Object.isFrozen(a)).toBe(true);
  });
});
