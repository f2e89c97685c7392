/**
 * The one SQL scanner of the driver: every question about statement text (pool lanes, session reset, cache
 * invalidation on DDL, placeholder counts) is answered from its output, so quotes, comments and dollar quotes are
 * skipped the same way everywhere. It is a lexer, not a parser: it knows where words, quoted identifiers and
 * placeholders are, not what they mean.
 *
 * Skipped: `'…'` strings (with `''`), `E'…'` strings (also `\'`), `B'…'`, `X'…'`, `N'…'`, `U&'…'`, `-- …` and nested
 * `/* … *\/` comments, and `$tag$ … $tag$` dollar quotes. A `;` outside them ends a statement.
 */

/** One word of a statement: a keyword or plain name (lower-cased), a `"quoted"` identifier (as written inside the quotes, `""` undone), or `.` between the parts of a dotted name. */
export interface SqlWord {
  readonly text: string;
  readonly quoted: boolean;
}

/** One statement of a SQL text. */
export interface SqlStatement {
  /** The statement's source text, trimmed, without its `;`. */
  readonly text: string;
  /** Its words in order; never empty (statements without words are dropped). */
  readonly words: readonly SqlWord[];
  /** The highest `$n` placeholder, 0 when there is none. */
  readonly highestDollar: number;
  /** How many `?` appear outside quotes and comments (placeholders on CrateDB; operators on PostgreSQL). */
  readonly questionMarks: number;
}

const SEMICOLON = 0x3b;
const QUOTE = 0x27;
const DOUBLE_QUOTE = 0x22;
const DOLLAR = 0x24;
const DASH = 0x2d;
const SLASH = 0x2f;
const STAR = 0x2a;
const DOT = 0x2e;
const QUESTION = 0x3f;
const BACKSLASH = 0x5c;
const AMPERSAND = 0x26;

function isDigit(c: number): boolean {
  return c >= 0x30 && c <= 0x39;
}

/** Letters, `_` and any non-ASCII character start a name, as in PostgreSQL's lexer. */
function isNameStart(c: number): boolean {
  return (c >= 0x61 && c <= 0x7a) || (c >= 0x41 && c <= 0x5a) || c === 0x5f || c >= 0x80;
}

function isNamePart(c: number): boolean {
  return isNameStart(c) || isDigit(c) || c === DOLLAR;
}

/** Scans by SQL text, shared by every connection (the results are frozen): the same statement is asked about often. */
const MEMO = new Map<string, readonly SqlStatement[]>();
const MEMO_ENTRIES = 256;
/** Longer texts are scanned afresh each time: the memo must not pin large statements in memory. */
const MEMO_MAX_TEXT = 4_096;

/** Split `sql` into statements and collect each one's words and placeholders. */
export function scanStatements(sql: string): readonly SqlStatement[] {
  if (sql.length > MEMO_MAX_TEXT) return scan(sql);
  let statements = MEMO.get(sql);
  if (statements === undefined) {
    statements = Object.freeze(scan(sql));
    if (MEMO.size >= MEMO_ENTRIES) MEMO.clear();
    MEMO.set(sql, statements);
  }
  return statements;
}

function scan(sql: string): SqlStatement[] {
  const out: SqlStatement[] = [];
  const n = sql.length;
  let words: SqlWord[] = [];
  let highestDollar = 0;
  let questionMarks = 0;
  let start = 0;
  const flush = (end: number): void => {
    if (words.length > 0) out.push({ text: sql.slice(start, end).trim(), words, highestDollar, questionMarks });
    words = [];
    highestDollar = 0;
    questionMarks = 0;
    start = end + 1;
  };
  let i = 0;
  while (i < n) {
    const c = sql.charCodeAt(i);
    if (c === SEMICOLON) {
      flush(i);
      i++;
    } else if (c === DASH && sql.charCodeAt(i + 1) === DASH) {
      const eol = sql.indexOf('\n', i);
      i = eol < 0 ? n : eol + 1;
    } else if (c === SLASH && sql.charCodeAt(i + 1) === STAR) {
      i = skipBlockComment(sql, i);
    } else if (c === QUOTE) {
      i = skipQuoted(sql, i, QUOTE, false);
    } else if (c === DOUBLE_QUOTE) {
      const end = skipQuoted(sql, i, DOUBLE_QUOTE, false);
      words.push({ text: sql.slice(i + 1, end - 1).replaceAll('""', '"'), quoted: true });
      i = end;
    } else if (c === DOLLAR) {
      if (isDigit(sql.charCodeAt(i + 1))) {
        let j = i + 1;
        while (j < n && isDigit(sql.charCodeAt(j))) j++;
        highestDollar = Math.max(highestDollar, Number(sql.slice(i + 1, j)));
        i = j;
      } else {
        i = skipDollarQuote(sql, i);
      }
    } else if (c === QUESTION) {
      questionMarks++;
      i++;
    } else if (isNameStart(c)) {
      let j = i + 1;
      while (j < n && isNamePart(sql.charCodeAt(j))) j++;
      const word = sql.slice(i, j).toLowerCase();
      const next = sql.charCodeAt(j);
      if (next === QUOTE && (word === 'e' || word === 'b' || word === 'x' || word === 'n')) {
        i = skipQuoted(sql, j, QUOTE, word === 'e');
      } else if (word === 'u' && next === AMPERSAND && sql.charCodeAt(j + 1) === QUOTE) {
        i = skipQuoted(sql, j + 1, QUOTE, false);
      } else {
        words.push({ text: word, quoted: false });
        i = j;
      }
    } else if (isDigit(c)) {
      // A number (`1.5e3`, `0x1F`): its letters and dot are not words.
      let j = i + 1;
      while (j < n && (isNamePart(sql.charCodeAt(j)) || sql.charCodeAt(j) === DOT)) j++;
      i = j;
    } else {
      if (c === DOT) words.push({ text: '.', quoted: false });
      i++;
    }
  }
  flush(n);
  return out;
}

/** The most parameters `sql` refers to: its highest `$n`, or on CrateDB (`questionMarks`) also its count of `?`. */
export function countPlaceholders(sql: string, questionMarks: boolean): number {
  let dollar = 0;
  let marks = 0;
  for (const statement of scanStatements(sql)) {
    dollar = Math.max(dollar, statement.highestDollar);
    marks += statement.questionMarks;
  }
  return questionMarks ? Math.max(dollar, marks) : dollar;
}

/** Block comments nest in PostgreSQL. */
function skipBlockComment(sql: string, from: number): number {
  let depth = 0;
  let i = from;
  while (i < sql.length) {
    const c = sql.charCodeAt(i);
    if (c === SLASH && sql.charCodeAt(i + 1) === STAR) {
      depth++;
      i += 2;
    } else if (c === STAR && sql.charCodeAt(i + 1) === SLASH) {
      depth--;
      i += 2;
      if (depth === 0) return i;
    } else {
      i++;
    }
  }
  return i;
}

/** From the opening quote at `from` to just past the closing one; a doubled quote stays inside. */
function skipQuoted(sql: string, from: number, quote: number, backslashEscapes: boolean): number {
  let i = from + 1;
  while (i < sql.length) {
    const c = sql.charCodeAt(i);
    if (backslashEscapes && c === BACKSLASH) {
      i += 2;
    } else if (c === quote) {
      if (sql.charCodeAt(i + 1) !== quote) return i + 1;
      i += 2;
    } else {
      i++;
    }
  }
  return i;
}

/** `$tag$ … $tag$` or `$$ … $$`; a lone `$` is skipped by itself. */
function skipDollarQuote(sql: string, from: number): number {
  let j = from + 1;
  if (j < sql.length && isNameStart(sql.charCodeAt(j))) {
    j++;
    while (j < sql.length && isNamePart(sql.charCodeAt(j)) && sql.charCodeAt(j) !== DOLLAR) j++;
  }
  if (sql.charCodeAt(j) !== DOLLAR) return from + 1;
  const tag = sql.slice(from, j + 1);
  const end = sql.indexOf(tag, j + 1);
  return end < 0 ? sql.length : end + tag.length;
}
