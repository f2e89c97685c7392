/**
 * Tokenizer of the fake's SQL subset, and the `;` statement splitter of the simple protocol (docs/cratedb-wire.md "Simple query").
 */
import { syntaxError, type FakeCrateError } from '../errors.js';

/** Token categories. */
export type TokenKind = 'ident' | 'qident' | 'string' | 'number' | 'param' | 'op' | 'eof';

/** A token; `value` is lower-cased for plain identifiers and unescaped for strings. */
export interface Token {
  readonly kind: TokenKind;
  readonly value: string;
  readonly start: number;
  readonly end: number;
}

/** One statement of a (possibly multi-statement) SQL string. */
export interface StatementSource {
  readonly tokens: Token[];
  /** The full SQL string the statement came from (positions are offsets into it). */
  readonly source: string;
}

const OPERATORS = ['::', '<=', '>=', '<>', '!=', '(', ')', ',', ';', '.', '*', '=', '<', '>', '+', '-', '/', '%', '[', ']', '{', '}'];

/** `line L:C:` position the way CrateDB's ANTLR-based messages report it ("Error fields"). */
export function positionOf(source: string, offset: number): { line: number; column: number } {
  const before = source.slice(0, offset);
  const line = before.split('\n').length;
  const column = offset - (before.lastIndexOf('\n') + 1) + 1;
  return { line, column };
}

function lexError(source: string, offset: number, detail: string): FakeCrateError {
  const { line, column } = positionOf(source, offset);
  return syntaxError(line, column, detail);
}

/** Splits `source` into tokens, skipping whitespace and `--` / `/* *\/` comments. */
function tokenize(source: string): Token[] {
  const tokens: Token[] = [];
  let i = 0;
  while (i < source.length) {
    const c = source[i] as string;
    if (/\s/.test(c)) {
      i++;
    } else if (source.startsWith('--', i)) {
      const nl = source.indexOf('\n', i);
      i = nl < 0 ? source.length : nl + 1;
    } else if (source.startsWith('/*', i)) {
      const close = source.indexOf('*/', i + 2);
      if (close < 0) throw lexError(source, i, "mismatched input '<EOF>'");
      i = close + 2;
    } else if (c === "'") {
      let j = i + 1;
      let value = '';
      for (;;) {
        if (j >= source.length) throw lexError(source, i, `token recognition error at: '${source.slice(i)}'`);
        if (source[j] === "'") {
          if (source[j + 1] === "'") {
            value += "'";
            j += 2;
            continue;
          }
          break;
        }
        value += source[j++];
      }
      tokens.push({ kind: 'string', value, start: i, end: j + 1 });
      i = j + 1;
    } else if (c === '"') {
      const close = source.indexOf('"', i + 1);
      if (close < 0) throw lexError(source, i, `token recognition error at: '${source.slice(i)}'`);
      tokens.push({ kind: 'qident', value: source.slice(i + 1, close), start: i, end: close + 1 });
      i = close + 1;
    } else if (/[0-9]/.test(c) || (c === '.' && /[0-9]/.test(source[i + 1] ?? ''))) {
      const m = /^(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?/.exec(source.slice(i)) as RegExpExecArray;
      tokens.push({ kind: 'number', value: m[0], start: i, end: i + m[0].length });
      i += m[0].length;
    } else if (c === '$' && /[0-9]/.test(source[i + 1] ?? '')) {
      const m = /^\$(\d+)/.exec(source.slice(i)) as RegExpExecArray;
      tokens.push({ kind: 'param', value: m[1] as string, start: i, end: i + m[0].length });
      i += m[0].length;
    } else if (c === '?') {
      tokens.push({ kind: 'param', value: '', start: i, end: i + 1 });
      i++;
    } else if (/[A-Za-z_]/.test(c)) {
      const m = /^[A-Za-z_][A-Za-z0-9_$]*/.exec(source.slice(i)) as RegExpExecArray;
      tokens.push({ kind: 'ident', value: m[0].toLowerCase(), start: i, end: i + m[0].length });
      i += m[0].length;
    } else {
      const op = OPERATORS.find((o) => source.startsWith(o, i));
      if (!op) throw lexError(source, i, `token recognition error at: '${c}'`);
      tokens.push({ kind: 'op', value: op, start: i, end: i + op.length });
      i += op.length;
    }
  }
  return tokens;
}

/** "Simple query": `;`-separated statements; empty ones (`;;`, comment-only) are skipped. */
export function splitStatements(source: string): StatementSource[] {
  const statements: StatementSource[] = [];
  let current: Token[] = [];
  for (const token of tokenize(source)) {
    if (token.kind === 'op' && token.value === ';') {
      if (current.length > 0) statements.push({ tokens: current, source });
      current = [];
    } else current.push(token);
  }
  if (current.length > 0) statements.push({ tokens: current, source });
  return statements;
}
