/**
 * Resetting a pooled session without `DISCARD ALL` or `RESET` (WIRE.md §4.8, §10.11): CrateDB has no `RESET`, and its
 * `DISCARD ALL` drops the session from the node's cancel registry while leaving SET values alone. So the pool
 * remembers which session settings the SQL it forwarded could have changed and restores each with
 * `SET name TO DEFAULT`; state it cannot restore that way (a session authorization, a role, temporary tables, LISTEN,
 * advisory locks, SQL-level PREPARE, DISCARD/DEALLOCATE that would drop the client's cached statements) makes the
 * pool close the connection instead.
 *
 * Detection reads the SQL text, so it is conservative: a SET inside a function body the driver never sees is missed.
 */

/** What a statement did to the session. */
type Effect =
  | { readonly kind: 'set'; readonly name: string }
  | { readonly kind: 'cursor' }
  | { readonly kind: 'unsafe'; readonly what: string };

/** Startup facts the reset needs. */
export interface ResetContext {
  readonly isCrate: boolean;
  /** The `database` startup parameter (CrateDB's default schema, WIRE.md §4.9). */
  readonly database: string;
  /** Settings sent at startup as `options=-c name=value` (and `application_name`), lower-case names. */
  readonly startupSettings: ReadonlyMap<string, string>;
}

/** The statements that restore the session, or why it cannot be restored. */
export type ResetPlan = { readonly statements: readonly string[] } | { readonly unsafe: string };

/** Cheap pre-filter: text without any of these words cannot change session state, so most queries skip the scan. */
const TRIGGER = /set|declare|listen|prepare|temp|discard|deallocate|advisory|\bdo\b|\bload\b/i;
const UNSAFE_FUNCTIONS = new Set([
  'set_config',
  'pg_advisory_lock',
  'pg_advisory_lock_shared',
  'pg_try_advisory_lock',
  'pg_try_advisory_lock_shared',
]);
const UNSAFE_COMMANDS: Readonly<Record<string, string>> = {
  listen: 'LISTEN',
  prepare: 'PREPARE',
  discard: 'DISCARD',
  deallocate: 'DEALLOCATE',
  do: 'DO',
  load: 'LOAD',
};
const SIMPLE_NAME = /^[a-z_][a-z0-9_$]*$/;

interface Word {
  readonly text: string;
  readonly quoted: boolean;
}

interface Statement {
  readonly text: string;
  readonly words: readonly Word[];
}

/**
 * Split SQL into statements on `;`, skipping string literals, quoted identifiers, comments and dollar quotes, and
 * collect each statement's words (keywords lower-cased) and the `.` between dotted names.
 */
export function scanStatements(sql: string): Statement[] {
  const out: Statement[] = [];
  let words: Word[] = [];
  let start = 0;
  let i = 0;
  const n = sql.length;
  const flush = (end: number): void => {
    if (words.length > 0) out.push({ text: sql.slice(start, end).trim(), words });
    words = [];
    start = end + 1;
  };
  while (i < n) {
    const c = sql[i] as string;
    if (c === ';') {
      flush(i);
      i++;
    } else if (c === '-' && sql[i + 1] === '-') {
      const eol = sql.indexOf('\n', i);
      i = eol < 0 ? n : eol + 1;
    } else if (c === '/' && sql[i + 1] === '*') {
      i = skipBlockComment(sql, i);
    } else if (c === "'") {
      const escapes = i > 0 && /[eE]/.test(sql[i - 1] as string) && (i < 2 || !/[\w$]/.test(sql[i - 2] as string));
      i = skipQuoted(sql, i, "'", escapes);
    } else if (c === '"') {
      const end = skipQuoted(sql, i, '"', false);
      words.push({ text: sql.slice(i + 1, end - 1).replaceAll('""', '"'), quoted: true });
      i = end;
    } else if (c === '$') {
      i = skipDollar(sql, i);
    } else if (/[A-Za-z_]/.test(c)) {
      let j = i + 1;
      while (j < n && /[\w$]/.test(sql[j] as string)) j++;
      words.push({ text: sql.slice(i, j).toLowerCase(), quoted: false });
      i = j;
    } else {
      if (c === '.') words.push({ text: '.', quoted: false });
      i++;
    }
  }
  flush(n);
  return out;
}

function skipBlockComment(sql: string, from: number): number {
  let depth = 0;
  let i = from;
  while (i < sql.length) {
    if (sql.startsWith('/*', i)) {
      depth++;
      i += 2;
    } else if (sql.startsWith('*/', i)) {
      depth--;
      i += 2;
      if (depth === 0) return i;
    } else {
      i++;
    }
  }
  return i;
}

function skipQuoted(sql: string, from: number, quote: string, backslashEscapes: boolean): number {
  let i = from + 1;
  while (i < sql.length) {
    const c = sql[i];
    if (backslashEscapes && c === '\\') {
      i += 2;
    } else if (c === quote) {
      if (sql[i + 1] !== quote) return i + 1;
      i += 2;
    } else {
      i++;
    }
  }
  return i;
}

/** `$tag$ … $tag$` (PostgreSQL); `$1` parameters are not quotes. */
function skipDollar(sql: string, from: number): number {
  const match = /^\$([A-Za-z_][\w]*)?\$/.exec(sql.slice(from, from + 64));
  if (match === null) return from + 1;
  const tag = match[0];
  const end = sql.indexOf(tag, from + tag.length);
  return end < 0 ? sql.length : end + tag.length;
}

/** What one statement does to the session, if anything. */
function classify(words: readonly Word[]): Effect | undefined {
  for (const w of words) {
    if (!w.quoted && UNSAFE_FUNCTIONS.has(w.text)) return { kind: 'unsafe', what: `${w.text}()` };
  }
  const first = words[0] as Word;
  if (first.quoted) return undefined;
  const kw = (k: number): string | undefined => {
    const w = words[k];
    return w === undefined || w.quoted ? undefined : w.text;
  };
  switch (first.text) {
    case 'set':
      return classifySet(words, kw);
    case 'declare':
      return { kind: 'cursor' };
    case 'create':
      for (let k = 1; k <= 3; k++) {
        const word = kw(k);
        if (word === 'temp' || word === 'temporary') return { kind: 'unsafe', what: 'CREATE TEMPORARY' };
      }
      return undefined;
    default: {
      const what = Object.hasOwn(UNSAFE_COMMANDS, first.text) ? UNSAFE_COMMANDS[first.text] : undefined;
      return what === undefined ? undefined : { kind: 'unsafe', what };
    }
  }
}

function classifySet(words: readonly Word[], kw: (k: number) => string | undefined): Effect | undefined {
  let k = 1;
  const scope = kw(1);
  if (scope === 'session') {
    if (kw(2) === 'authorization') return { kind: 'unsafe', what: 'SET SESSION AUTHORIZATION' };
    if (kw(2) === 'characteristics') return { kind: 'unsafe', what: 'SET SESSION CHARACTERISTICS' };
    k = 2;
  } else if (scope === 'local') {
    k = 2;
  } else if (scope === 'global' || scope === 'transaction' || scope === 'constraints') {
    // Cluster settings (CrateDB) and transaction-scoped ones do not outlive the statement's scope in the session.
    return undefined;
  }
  const head = kw(k);
  if (head === 'role' || head === 'session_authorization') return { kind: 'unsafe', what: `SET ${head.toUpperCase()}` };
  if (head === 'time' && kw(k + 1) === 'zone') return { kind: 'set', name: 'timezone' };
  if (head === 'names') return { kind: 'set', name: 'client_encoding' };
  if (head === 'schema') return { kind: 'set', name: 'search_path' };
  if (head === 'xml' && kw(k + 1) === 'option') return { kind: 'set', name: 'xmloption' };
  const parts: string[] = [];
  for (let j = k; j < words.length; j += 2) {
    const part = words[j] as Word;
    if (part.text === '.' && !part.quoted) break;
    parts.push(part.text.toLowerCase());
    const dot = words[j + 1];
    if (dot === undefined || dot.quoted || dot.text !== '.') break;
  }
  return parts.length === 0 ? undefined : { kind: 'set', name: parts.join('.') };
}

/** A setting name as SQL: dotted parts, each quoted unless plain. */
function quoteName(name: string): string {
  return name
    .split('.')
    .map((part) => (SIMPLE_NAME.test(part) ? part : `"${part.replaceAll('"', '""')}"`))
    .join('.');
}

function quoteLiteral(value: string): string {
  return `'${value.replaceAll("'", "''")}'`;
}

/**
 * The `-c name=value` pairs of a libpq `options` string (also `-cname=value` and `--name=value`), plus
 * `application_name`, which the client also sends inside `options` so CrateDB applies it (WIRE.md §1.2).
 */
export function parseStartupSettings(options: string | undefined, applicationName: string | undefined): Map<string, string> {
  const settings = new Map<string, string>();
  const tokens = (options ?? '').trim().split(/\s+/).filter((t) => t !== '');
  for (let i = 0; i < tokens.length; i++) {
    const token = tokens[i] as string;
    let pair: string | undefined;
    if (token === '-c') pair = tokens[++i];
    else if (token.startsWith('-c')) pair = token.slice(2);
    else if (token.startsWith('--')) pair = token.slice(2);
    const eq = pair?.indexOf('=') ?? -1;
    if (pair !== undefined && eq > 0) settings.set(pair.slice(0, eq).toLowerCase().replaceAll('-', '_'), pair.slice(eq + 1));
  }
  if (applicationName !== undefined && applicationName !== '') settings.set('application_name', applicationName);
  return settings;
}

/**
 * Per-connection record of session state changed through the pool. Statements noted during the `onConnect` hook
 * become the baseline: they are replayed instead of `SET … TO DEFAULT`, so per-connection setup survives resets.
 */
export class SessionTracker {
  readonly #baseline = new Map<string, string>();
  readonly #changed = new Set<string>();
  #cursors = false;
  #unsafe: string | undefined;
  #setup = true;

  /** Record what `sql` may change. Call before the SQL is sent: restoring an unchanged setting is harmless. */
  note(sql: string): void {
    if (!TRIGGER.test(sql)) return;
    for (const statement of scanStatements(sql)) {
      const effect = classify(statement.words);
      if (effect === undefined) continue;
      if (this.#setup) {
        if (effect.kind === 'set') this.#baseline.set(effect.name, statement.text);
      } else if (effect.kind === 'set') {
        this.#changed.add(effect.name);
      } else if (effect.kind === 'cursor') {
        this.#cursors = true;
      } else {
        this.#unsafe ??= effect.what;
      }
    }
  }

  /** The `onConnect` hook has finished: later changes are undone on release. */
  endSetup(): void {
    this.#setup = false;
  }

  /** True when a release needs a reset or must close the connection. */
  get dirty(): boolean {
    return this.#changed.size > 0 || this.#cursors || this.#unsafe !== undefined;
  }

  /** The statements that restore the session, in order, or why it cannot be restored. */
  plan(ctx: ResetContext): ResetPlan {
    if (this.#unsafe !== undefined) return { unsafe: `${this.#unsafe} cannot be undone without closing the connection` };
    const statements: string[] = [];
    for (const name of this.#changed) {
      const replay = this.#baseline.get(name);
      if (replay !== undefined) {
        statements.push(replay);
      } else if (ctx.isCrate) {
        const statement = crateRestore(name, ctx);
        if (statement === undefined) {
          return { unsafe: `${name} was set at startup (options) and CrateDB's SET … TO DEFAULT would not restore that value` };
        }
        statements.push(statement);
      } else {
        // PostgreSQL's DEFAULT is the session's reset value, which includes startup options and role/database settings.
        statements.push(`SET ${quoteName(name)} TO DEFAULT`);
      }
    }
    if (this.#cursors) statements.push('CLOSE ALL');
    return { statements };
  }

  /** The session was restored. */
  clear(): void {
    this.#changed.clear();
    this.#cursors = false;
  }
}

/**
 * CrateDB's `SET … TO DEFAULT` restores the setting registry's default, not the startup value (inferred from
 * SetSessionPlan, WIRE.md §4.8): a startup `database` other than `doc` made the search path `pg_catalog, <database>`
 * (§4.9), and values from `options` would be lost. Only the cases with a certain restore statement are handled.
 */
function crateRestore(name: string, ctx: ResetContext): string | undefined {
  const startup = ctx.startupSettings.get(name);
  if (name === 'application_name' && startup !== undefined) return `SET application_name TO ${quoteLiteral(startup)}`;
  if (startup !== undefined) return undefined;
  if (name === 'search_path' && ctx.database !== 'doc') return `SET search_path TO "${ctx.database.replaceAll('"', '""')}"`;
  return `SET ${quoteName(name)} TO DEFAULT`;
}
