/**
 * Recursive-descent parser for the grammar in `ast.ts`. Syntax errors are 42601 with CrateDB's ANTLR-style
 * `line L:C: mismatched input '…'` message (docs/cratedb-wire.md "Error fields", "SQLSTATE mapping"); `ROLLBACK` is one of them ("Transactions").
 */
import { internalError, syntaxError, type FakeCrateError } from '../errors.js';
import { parseTypeName, scalar, type CrateType } from '../types.js';
import type { ColumnDef, Condition, Expr, InsertSource, SelectItem, Statement, TableRef } from './ast.js';
import { positionOf, type StatementSource, type Token } from './lexer.js';
import type { Series } from './series.js';

/**
 * What CrateDB 6.4.3's grammar expects when the first token starts no statement
 * (test/fixtures/cratedb-6.4.3/errors.json, `SELEC 1`).
 */
const STATEMENT_STARTS =
  "{<EOF>, 'SELECT', 'DEALLOCATE', 'FETCH', 'END', 'WITH', 'CREATE', 'ALTER', 'KILL', 'CLOSE', 'BEGIN', 'START', " +
  "'COMMIT', 'ANALYZE', 'DISCARD', 'EXPLAIN', 'SHOW', 'OPTIMIZE', 'REFRESH', 'RESTORE', 'DROP', 'INSERT', 'VALUES', " +
  "'DELETE', 'UPDATE', 'SET', 'RESET', 'COPY', 'GRANT', 'DENY', 'REVOKE', 'DECLARE', ';'}";

/**
 * Keywords of CrateDB's lexer that start no statement: ANTLR reports them as `extraneous input` where a plain word
 * is a `mismatched input` (test/fixtures/cratedb-6.4.3/simple_tags.json `ROLLBACK`, odd_sql.json `LISTEN`).
 */
const NON_STATEMENT_KEYWORDS = ['rollback'];

/** Reserved words that cannot be a bare alias (test/fixtures/cratedb-6.4.3/odd_sql.json: `AS object` fails). */
const RESERVED_ALIASES = ['object'];

const COMPARISONS = ['=', '<>', '!=', '<', '<=', '>', '>='];

class Parser {
  #pos = 0;
  #nextQuestionMark = 1;

  constructor(
    private readonly tokens: readonly Token[],
    private readonly source: string,
  ) {}

  get #token(): Token {
    const last = this.tokens[this.tokens.length - 1];
    const end = last ? last.end : 0;
    return this.tokens[this.#pos] ?? { kind: 'eof', value: '<EOF>', start: end, end };
  }

  #error(expecting: string): FakeCrateError {
    const t = this.#token;
    const { line, column } = positionOf(this.source, t.start);
    const shown = t.kind === 'eof' ? '<EOF>' : this.source.slice(t.start, t.end);
    return syntaxError(line, column, `mismatched input '${shown}' expecting ${expecting}`);
  }

  #isWord(...words: string[]): boolean {
    return this.#token.kind === 'ident' && words.includes(this.#token.value);
  }

  #isOp(...ops: string[]): boolean {
    return this.#token.kind === 'op' && ops.includes(this.#token.value);
  }

  #acceptWord(...words: string[]): boolean {
    if (!this.#isWord(...words)) return false;
    this.#pos++;
    return true;
  }

  #acceptOp(op: string): boolean {
    if (!this.#isOp(op)) return false;
    this.#pos++;
    return true;
  }

  #expectWord(word: string): void {
    if (!this.#acceptWord(word)) throw this.#error(`'${word.toUpperCase()}'`);
  }

  #expectOp(op: string): void {
    if (!this.#acceptOp(op)) throw this.#error(`'${op}'`);
  }

  #identifier(): string {
    const t = this.#token;
    if (t.kind !== 'ident' && t.kind !== 'qident') throw this.#error('{<identifier>}');
    this.#pos++;
    return t.value;
  }

  #end(): void {
    if (this.#token.kind !== 'eof') throw this.#error('<EOF>');
  }

  parse(): Statement {
    const t = this.#token;
    const word = t.kind === 'ident' ? t.value : '';
    this.#pos++;
    const handlers: Record<string, () => Statement> = {
      select: () => this.#select(),
      insert: () => this.#insert(),
      update: () => this.#update(),
      delete: () => this.#delete(),
      create: () => (this.#isWord('schema') ? this.#createSchema() : this.#createTable()),
      alter: () => this.#alterTable(),
      optimize: () => this.#optimize(),
      copy: () => this.#copy(),
      drop: () => this.#dropTable(),
      refresh: () => this.#refresh(),
      set: () => this.#set(),
      show: () => this.#show(),
      begin: () => this.#skipRest({ kind: 'begin' }),
      start: () => {
        this.#expectWord('transaction');
        return this.#skipRest({ kind: 'begin' });
      },
      commit: () => this.#skipRest({ kind: 'commit' }),
      end: () => this.#skipRest({ kind: 'commit' }),
      discard: () => this.#discard(),
      deallocate: () => this.#deallocate(),
      close: () => this.#skipRest({ kind: 'close-cursor' }),
      reset: () => this.#reset(),
    };
    const handler = handlers[word];
    if (!handler) {
      this.#pos--;
      if (NON_STATEMENT_KEYWORDS.includes(word)) {
        const { line, column } = positionOf(this.source, t.start);
        throw syntaxError(line, column, `extraneous input '${this.source.slice(t.start, t.end)}' expecting ${STATEMENT_STARTS}`);
      }
      throw this.#error(STATEMENT_STARTS);
    }
    const statement = handler();
    this.#end();
    return statement;
  }

  #skipRest(statement: Statement): Statement {
    this.#pos = this.tokens.length;
    return statement;
  }

  #table(): TableRef {
    const start = this.#token.start;
    const first = this.#identifier();
    let table: TableRef;
    if (this.#acceptOp('.')) table = { schema: first, name: this.#identifier(), text: '' };
    else table = { schema: null, name: first, text: '' };
    table.text = this.source.slice(start, this.tokens[this.#pos - 1]?.end);
    return table;
  }

  #series(): Series {
    this.#pos += 2;
    const start = this.#expr();
    this.#expectOp(',');
    const stop = this.#expr();
    this.#expectOp(')');
    this.#acceptWord('as');
    const named = this.#token.kind === 'ident' && !this.#isWord('where', 'order', 'limit', 'offset');
    return { start, stop, alias: named ? this.#identifier() : 'generate_series' };
  }

  #selectItems(): SelectItem[] {
    const items: SelectItem[] = [];
    do {
      const expr = this.#expr();
      let alias: string | null = null;
      if (this.#acceptWord('as') || (this.#token.kind === 'ident' && !this.#isWord('from', 'where', 'order', 'limit', 'offset'))) {
        if (this.#isWord(...RESERVED_ALIASES)) throw this.#noViableAlternative();
        alias = this.#identifier();
      } else if (this.#token.kind === 'qident') alias = this.#identifier();
      items.push({ expr, alias });
    } while (this.#acceptOp(','));
    return items;
  }

  #select(): Statement {
    const items: SelectItem[] | 'star' = this.#acceptOp('*') ? 'star' : this.#selectItems();
    let from: TableRef | null = null;
    let series: Series | null = null;
    let derived: Statement | null = null;
    if (this.#acceptWord('from')) {
      if (this.#isWord('generate_series') && this.#peekOp('(')) series = this.#series();
      else if (this.#acceptOp('(')) {
        this.#expectWord('select');
        derived = this.#select();
        this.#expectOp(')');
        this.#acceptWord('as');
        this.#identifier();
      } else {
        from = this.#table();
        if (this.#acceptWord('as') || (this.#token.kind === 'ident' && !this.#isWord('where', 'order', 'limit', 'offset'))) {
          this.#identifier();
        }
      }
    }
    // `WHERE false` (test/fixtures/cratedb-6.4.3/odd_sql.json): a RowDescription and `SELECT 0`.
    const empty = this.#isWord('where') && this.#peekWord('false');
    if (empty) this.#pos += 2;
    const where = empty ? [] : this.#where();
    const orderBy: Array<{ column: string; desc: boolean }> = [];
    if (this.#acceptWord('order')) {
      this.#expectWord('by');
      do {
        const column = this.#identifier();
        const desc = this.#acceptWord('desc');
        if (!desc) this.#acceptWord('asc');
        orderBy.push({ column, desc });
      } while (this.#acceptOp(','));
    }
    const limit = this.#acceptWord('limit') ? this.#expr() : null;
    const offset = this.#acceptWord('offset') ? this.#expr() : null;
    return { kind: 'select', items, from, series, derived, where, empty, orderBy, limit, offset };
  }

  /** ANTLR's message for a token no rule accepts: the statement's text up to and including that token. */
  #noViableAlternative(): FakeCrateError {
    const t = this.#token;
    const { line, column } = positionOf(this.source, t.start);
    const from = this.tokens[0]?.start ?? 0;
    return syntaxError(line, column, `no viable alternative at input '${this.source.slice(from, t.end)}'`);
  }

  #where(): Condition[] {
    const conditions: Condition[] = [];
    if (!this.#acceptWord('where')) return conditions;
    do {
      const column = this.#identifier();
      const op = this.#token.value;
      if (!this.#isOp(...COMPARISONS)) throw this.#error("{'=', '<>', '<', '<=', '>', '>='}");
      this.#pos++;
      conditions.push({ column, op: op === '!=' ? '<>' : op, value: this.#expr() });
    } while (this.#acceptWord('and'));
    return conditions;
  }

  #insert(): Statement {
    this.#expectWord('into');
    const table = this.#table();
    let columns: string[] | null = null;
    if (this.#acceptOp('(')) {
      columns = [];
      do columns.push(this.#identifier());
      while (this.#acceptOp(','));
      this.#expectOp(')');
    }
    const source = this.#insertSource();
    let onConflictDoNothing = false;
    if (this.#acceptWord('on')) {
      this.#expectWord('conflict');
      if (this.#acceptOp('(')) {
        do this.#identifier();
        while (this.#acceptOp(','));
        this.#expectOp(')');
      }
      this.#expectWord('do');
      this.#expectWord('nothing');
      onConflictDoNothing = true;
    }
    const returning = this.#acceptWord('returning') ? this.#selectItems() : null;
    return { kind: 'insert', table, columns, source, onConflictDoNothing, returning };
  }

  /** `SELECT * FROM UNNEST(…)` is the column-batch insert (test/fixtures/cratedb-6.4.3/unnest_insert.json). */
  #insertSource(): InsertSource {
    if (this.#acceptWord('select')) {
      this.#expectOp('*');
      this.#expectWord('from');
      this.#expectWord('unnest');
      this.#expectOp('(');
      const arrays: Expr[] = [];
      do arrays.push(this.#expr());
      while (this.#acceptOp(','));
      this.#expectOp(')');
      return { kind: 'unnest', arrays };
    }
    this.#expectWord('values');
    const rows: Expr[][] = [];
    do {
      this.#expectOp('(');
      const row: Expr[] = [];
      do row.push(this.#expr());
      while (this.#acceptOp(','));
      this.#expectOp(')');
      rows.push(row);
    } while (this.#acceptOp(','));
    return { kind: 'values', rows };
  }

  #update(): Statement {
    const table = this.#table();
    this.#expectWord('set');
    const sets: Array<{ column: string; value: Expr }> = [];
    do {
      const column = this.#identifier();
      this.#expectOp('=');
      sets.push({ column, value: this.#expr() });
    } while (this.#acceptOp(','));
    return { kind: 'update', table, sets, where: this.#where() };
  }

  #delete(): Statement {
    this.#expectWord('from');
    return { kind: 'delete', table: this.#table(), where: this.#where() };
  }

  #createTable(): Statement {
    this.#expectWord('table');
    let ifNotExists = false;
    if (this.#acceptWord('if')) {
      this.#expectWord('not');
      this.#expectWord('exists');
      ifNotExists = true;
    }
    const table = this.#table();
    this.#expectOp('(');
    const columns: ColumnDef[] = [];
    const primaryKey: string[] = [];
    do {
      if (this.#acceptWord('primary')) {
        this.#expectWord('key');
        this.#expectOp('(');
        do primaryKey.push(this.#identifier());
        while (this.#acceptOp(','));
        this.#expectOp(')');
        continue;
      }
      const name = this.#identifier();
      columns.push({ name, type: this.#columnType() });
      for (;;) {
        if (this.#acceptWord('primary')) {
          this.#expectWord('key');
          primaryKey.push(name);
        } else if (this.#acceptWord('not')) this.#expectWord('null');
        else break;
      }
    } while (this.#acceptOp(','));
    this.#expectOp(')');
    return this.#skipRest({ kind: 'create-table', table, ifNotExists, columns, primaryKey });
  }

  /** Type tokens up to `,`/`)` at depth 0 or a constraint keyword; parsed from their source text. */
  #columnType(): CrateType {
    const start = this.#token.start;
    let depth = 0;
    let end = start;
    while (this.#token.kind !== 'eof') {
      if (depth === 0 && (this.#isOp(',', ')') || this.#isWord('primary', 'not', 'default', 'index'))) break;
      if (this.#isOp('(', '[')) depth++;
      if (this.#isOp(')', ']')) depth--;
      end = this.#token.end;
      this.#pos++;
    }
    const type = parseTypeName(this.source.slice(start, end));
    if (!type) {
      const { line, column } = positionOf(this.source, start);
      throw syntaxError(line, column, `no viable alternative at input '${this.source.slice(start, end)}'`);
    }
    return type;
  }

  #createSchema(): Statement {
    this.#expectWord('schema');
    return { kind: 'create-schema', name: this.#identifier() };
  }

  /** `ALTER TABLE t ADD [COLUMN] name type` (test/fixtures/cratedb-6.4.3/stale_statement_after_ddl.json). */
  #alterTable(): Statement {
    this.#expectWord('table');
    const table = this.#table();
    this.#expectWord('add');
    this.#acceptWord('column');
    const name = this.#identifier();
    return { kind: 'alter-add-column', table, column: { name, type: this.#columnType() } };
  }

  #optimize(): Statement {
    this.#expectWord('table');
    const tables: TableRef[] = [];
    do tables.push(this.#table());
    while (this.#acceptOp(','));
    return { kind: 'optimize', tables };
  }

  /**
   * `COPY t FROM STDIN`: the source must be a string literal (a URI); a bare word is analysed as a column
   * (test/fixtures/cratedb-6.4.3/odd_sql.json). The fake supports no COPY source.
   */
  #copy(): Statement {
    this.#table();
    this.#expectWord('from');
    const t = this.#token;
    if (t.kind === 'ident' || t.kind === 'qident') {
      throw internalError(
        `Columns cannot be used in this context. Maybe you wanted to use a string literal which requires single quotes: '${t.value}'`,
        'io.crate.analyze.expressions.ExpressionAnalyzer$InnerExpressionAnalyzer.visitQualifiedNameReference(ExpressionAnalyzer.java:497)',
      );
    }
    throw internalError('COPY FROM is not supported by the fake', 'io.crate.analyze.CopyAnalyzer.analyzeCopyFrom(CopyAnalyzer.java:90)');
  }

  #dropTable(): Statement {
    this.#expectWord('table');
    let ifExists = false;
    if (this.#acceptWord('if')) {
      this.#expectWord('exists');
      ifExists = true;
    }
    return { kind: 'drop-table', table: this.#table(), ifExists };
  }

  #refresh(): Statement {
    this.#expectWord('table');
    const tables: TableRef[] = [];
    do tables.push(this.#table());
    while (this.#acceptOp(','));
    return { kind: 'refresh', tables };
  }

  #settingName(): string {
    let name = this.#identifier();
    while (this.#acceptOp('.')) name += `.${this.#identifier()}`;
    return name;
  }

  #set(): Statement {
    if (this.#isWord('transaction', 'time') || (this.#isWord('session') && this.#peekWord('characteristics', 'authorization'))) {
      return this.#skipRest({ kind: 'set-ignored' });
    }
    if (this.#acceptWord('global')) {
      this.#acceptWord('persistent', 'transient');
      const name = this.#settingName();
      if (!this.#acceptOp('=')) this.#expectWord('to');
      return { kind: 'set-global', name, value: this.#expr() };
    }
    this.#acceptWord('session', 'local');
    const name = this.#settingName();
    if (!this.#acceptOp('=')) this.#expectWord('to');
    if (this.#acceptWord('default')) return { kind: 'set', name, values: 'default' };
    const values: Expr[] = [];
    do {
      const t = this.#token;
      if (t.kind === 'ident' || t.kind === 'qident') {
        this.#pos++;
        values.push({ kind: 'literal', value: t.value, type: scalar('text'), text: t.value });
      } else values.push(this.#expr());
    } while (this.#acceptOp(','));
    return { kind: 'set', name, values };
  }

  /** "Session commands and pool reset": only `RESET GLOBAL …` and `RESET SESSION AUTHORIZATION` exist; `RESET name` / `RESET ALL` do not. */
  #reset(): Statement {
    if (this.#acceptWord('session')) {
      this.#expectWord('authorization');
      return { kind: 'set-ignored' };
    }
    this.#expectWord('global');
    const name = this.#settingName();
    return { kind: 'set-global', name, value: { kind: 'literal', value: null, type: scalar('undefined'), text: 'NULL' } };
  }

  #peekOp(op: string): boolean {
    const next = this.tokens[this.#pos + 1];
    return next !== undefined && next.kind === 'op' && next.value === op;
  }

  #peekWord(...words: string[]): boolean {
    const next = this.tokens[this.#pos + 1];
    return next !== undefined && next.kind === 'ident' && words.includes(next.value);
  }

  #show(): Statement {
    if (this.#acceptWord('transaction')) {
      this.#expectWord('isolation');
      this.#expectWord('level');
      return { kind: 'show', name: 'transaction_isolation' };
    }
    return { kind: 'show', name: this.#settingName() };
  }

  #discard(): Statement {
    const what = this.#identifier();
    if (!['all', 'plans', 'sequences', 'temp', 'temporary'].includes(what)) {
      this.#pos--;
      throw this.#error("{'ALL', 'PLANS', 'SEQUENCES', 'TEMPORARY', 'TEMP'}");
    }
    return { kind: 'discard', what };
  }

  #deallocate(): Statement {
    this.#acceptWord('prepare');
    if (this.#acceptWord('all')) return { kind: 'deallocate', name: null };
    const t = this.#token;
    if (t.kind === 'string') {
      this.#pos++;
      return { kind: 'deallocate', name: t.value };
    }
    return { kind: 'deallocate', name: this.#identifier() };
  }

  #text(start: number): string {
    return this.source.slice(start, this.tokens[this.#pos - 1]?.end);
  }

  #expr(): Expr {
    return this.#additive();
  }

  #additive(): Expr {
    let left = this.#multiplicative();
    while (this.#isOp('+', '-')) {
      const op = this.#token.value;
      this.#pos++;
      const right = this.#multiplicative();
      left = binary(op, left, right);
    }
    return left;
  }

  #multiplicative(): Expr {
    let left = this.#unary();
    while (this.#isOp('*', '/', '%')) {
      const op = this.#token.value;
      this.#pos++;
      const right = this.#unary();
      left = binary(op, left, right);
    }
    return left;
  }

  #unary(): Expr {
    const start = this.#token.start;
    if (this.#acceptOp('-')) return { kind: 'neg', expr: this.#unary(), text: this.#text(start) };
    let expr = this.#primary();
    while (this.#acceptOp('::')) {
      const typeStart = this.#token.start;
      this.#identifier();
      while (this.#token.kind === 'ident' && this.#isWord('with', 'without', 'time', 'zone', 'precision')) this.#pos++;
      if (this.#acceptOp('(')) {
        this.#pos++;
        this.#expectOp(')');
      }
      if (this.#acceptOp('[')) this.#expectOp(']');
      const type = parseTypeName(this.#text(typeStart));
      if (!type) throw this.#error('{<type>}');
      expr = { kind: 'cast', expr, type, text: this.#text(start) };
    }
    return expr;
  }

  #primary(): Expr {
    const t = this.#token;
    const start = t.start;
    if (t.kind === 'number') {
      this.#pos++;
      return numberLiteral(t.value, this.#text(start));
    }
    if (t.kind === 'string') {
      this.#pos++;
      return { kind: 'literal', value: t.value, type: scalar('text'), text: this.#text(start) };
    }
    if (t.kind === 'param') {
      this.#pos++;
      const index = t.value === '' ? this.#nextQuestionMark++ : Number(t.value);
      return { kind: 'param', index, text: this.#text(start) };
    }
    if (this.#acceptOp('(')) {
      const inner = this.#expr();
      this.#expectOp(')');
      return inner.kind === 'binary' ? inner : ({ ...inner, text: this.#text(start) } as Expr);
    }
    if (this.#acceptOp('[')) {
      const items: Expr[] = [];
      if (!this.#isOp(']')) {
        do items.push(this.#expr());
        while (this.#acceptOp(','));
      }
      this.#expectOp(']');
      return { kind: 'array', items, text: this.#text(start) };
    }
    if (this.#acceptOp('{')) {
      const entries: Array<{ key: string; value: Expr }> = [];
      if (!this.#isOp('}')) {
        do {
          const key = this.#identifier();
          this.#expectOp('=');
          entries.push({ key, value: this.#expr() });
        } while (this.#acceptOp(','));
      }
      this.#expectOp('}');
      return { kind: 'object', entries, text: this.#text(start) };
    }
    const next = this.tokens[this.#pos + 1];
    if (t.kind === 'ident' && t.value === 'b' && next?.kind === 'string' && next.start === t.end) {
      this.#pos += 2;
      return { kind: 'literal', value: next.value, type: scalar('bit', next.value.length), text: this.#text(start) };
    }
    if (t.kind === 'ident' && ['true', 'false', 'null'].includes(t.value)) {
      this.#pos++;
      if (t.value === 'null') return { kind: 'literal', value: null, type: scalar('undefined'), text: this.#text(start) };
      return { kind: 'literal', value: t.value === 'true', type: scalar('boolean'), text: this.#text(start) };
    }
    if (t.kind === 'ident' || t.kind === 'qident') {
      const name = this.#identifier();
      if (this.#acceptOp('(')) {
        const args: Expr[] = [];
        let star = false;
        if (this.#acceptOp('*')) star = true;
        else if (!this.#isOp(')')) {
          do args.push(this.#expr());
          while (this.#acceptOp(','));
        }
        this.#expectOp(')');
        return { kind: 'call', name, args, star, text: this.#text(start) };
      }
      return { kind: 'column', name, text: this.#text(start) };
    }
    throw this.#error('{<expression>}');
  }
}

/**
 * CrateDB names an unaliased operator column after the analysed expression, parenthesised and spaced: `SELECT 1/0`
 * gives the column `(1 / 0)` (test/fixtures/cratedb-6.4.3/errors.json).
 */
function binary(op: string, left: Expr, right: Expr): Expr {
  return { kind: 'binary', op, left, right, text: `(${left.text} ${op} ${right.text})` };
}

/** Integer literals are integer, or bigint when they do not fit; decimals are double. */
function numberLiteral(raw: string, text: string): Expr {
  if (/^\d+$/.test(raw)) {
    const v = BigInt(raw);
    if (v <= 2147483647n) return { kind: 'literal', value: Number(v), type: scalar('integer'), text };
    return { kind: 'literal', value: v, type: scalar('bigint'), text };
  }
  return { kind: 'literal', value: Number(raw), type: scalar('double'), text };
}

/** Parses one statement (already split off by `splitStatements`). */
export function parseStatement(statement: StatementSource): Statement {
  return new Parser(statement.tokens, statement.source).parse();
}
