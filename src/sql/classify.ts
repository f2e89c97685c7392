/**
 * Questions about statement text, all answered from the one scanner (sql/scanner.ts): whether a statement may share
 * a pipelined pool connection, what it does to the session, and whether it can change a table's shape.
 *
 * Every answer reads the text only, so it is conservative: a SET or DDL inside a function body the driver never sees
 * is missed, and a word list errs towards "not shareable" / "schema may have changed".
 */
import { scanStatements, type SqlStatement, type SqlWord } from './scanner.js';

/** What one statement does to the session, when it does something. */
export type SessionEffect =
  /** A session setting changed (`name` lower-case, dotted parts joined by `.`); undone with `SET name TO DEFAULT`. */
  | { readonly kind: 'set'; readonly name: string; readonly statement: string }
  /** A cursor was declared; undone with `CLOSE ALL`. */
  | { readonly kind: 'cursor'; readonly statement: string }
  /** State no statement can undo (`what` names it, e.g. `SET ROLE`); the connection must be closed. */
  | { readonly kind: 'unsafe'; readonly what: string; readonly statement: string };

const SHAREABLE_START = new Set(['select', 'with', 'values', 'table']);
/** Functions and words that leave state in the session (locks, sequence state, settings, large objects, SELECT INTO). */
const SESSION_SCOPED = new Set(['set_config', 'nextval', 'setval', 'currval', 'lastval', 'pg_notify']);
const SESSION_SCOPED_PREFIXES = ['pg_advisory', 'lo_', 'dblink'];

/**
 * Whether `sql` is one read that leaves no session state behind (a `SELECT`/`WITH`/`VALUES`/`TABLE` without
 * `INTO`, session-scoped functions such as `set_config`, advisory locks, sequences, large objects or dblink), so it
 * may be pipelined on a connection shared with other callers.
 */
export function isShareableRead(sql: string): boolean {
  const statements = scanStatements(sql);
  if (statements.length !== 1) return false;
  const words = (statements[0] as SqlStatement).words;
  const first = words[0] as SqlWord;
  if (first.quoted || !SHAREABLE_START.has(first.text)) return false;
  for (const word of words) {
    if (!word.quoted && word.text === 'into') return false;
    const name = word.quoted ? word.text.toLowerCase() : word.text;
    if (SESSION_SCOPED.has(name) || SESSION_SCOPED_PREFIXES.some((p) => name.startsWith(p))) return false;
  }
  return true;
}

/** Cheap pre-filter: text without any of these cannot change session state, so most queries skip the scan. */
const SESSION_TRIGGER = /set|declare|listen|prepare|temp|discard|deallocate|advisory|\bdo\b|\bload\b/i;
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

/** What each statement of `sql` does to the session, in order; statements without an effect are left out. */
export function sessionEffects(sql: string): SessionEffect[] {
  if (!SESSION_TRIGGER.test(sql)) return [];
  const effects: SessionEffect[] = [];
  for (const statement of scanStatements(sql)) {
    const effect = sessionEffectOf(statement);
    if (effect !== undefined) effects.push(effect);
  }
  return effects;
}

function sessionEffectOf(statement: SqlStatement): SessionEffect | undefined {
  const { words, text } = statement;
  for (const w of words) {
    if (!w.quoted && UNSAFE_FUNCTIONS.has(w.text)) return { kind: 'unsafe', what: `${w.text}()`, statement: text };
  }
  const first = words[0] as SqlWord;
  if (first.quoted) return undefined;
  const kw = keywordAt(words);
  switch (first.text) {
    case 'set': {
      const set = classifySet(words, kw);
      if (set === undefined) return undefined;
      return 'name' in set ? { kind: 'set', name: set.name, statement: text } : { kind: 'unsafe', what: set.what, statement: text };
    }
    case 'declare':
      return { kind: 'cursor', statement: text };
    case 'create':
      for (let k = 1; k <= 3; k++) {
        const word = kw(k);
        if (word === 'temp' || word === 'temporary') return { kind: 'unsafe', what: 'CREATE TEMPORARY', statement: text };
      }
      return undefined;
    default: {
      const what = Object.hasOwn(UNSAFE_COMMANDS, first.text) ? UNSAFE_COMMANDS[first.text] : undefined;
      return what === undefined ? undefined : { kind: 'unsafe', what, statement: text };
    }
  }
}

/** The unquoted keyword at position k, or undefined. */
function keywordAt(words: readonly SqlWord[]): (k: number) => string | undefined {
  return (k) => {
    const w = words[k];
    return w === undefined || w.quoted ? undefined : w.text;
  };
}

function classifySet(words: readonly SqlWord[], kw: (k: number) => string | undefined): { name: string } | { what: string } | undefined {
  let k = 1;
  const scope = kw(1);
  if (scope === 'session') {
    if (kw(2) === 'authorization') return { what: 'SET SESSION AUTHORIZATION' };
    if (kw(2) === 'characteristics') return { what: 'SET SESSION CHARACTERISTICS' };
    k = 2;
  } else if (scope === 'local') {
    k = 2;
  } else if (scope === 'global' || scope === 'transaction' || scope === 'constraints') {
    // Cluster settings (CrateDB) and transaction-scoped ones do not outlive the statement's scope in the session.
    return undefined;
  }
  const head = kw(k);
  if (head === 'role' || head === 'session_authorization') return { what: `SET ${head.toUpperCase()}` };
  if (head === 'time' && kw(k + 1) === 'zone') return { name: 'timezone' };
  if (head === 'names') return { name: 'client_encoding' };
  if (head === 'schema') return { name: 'search_path' };
  if (head === 'xml' && kw(k + 1) === 'option') return { name: 'xmloption' };
  const parts: string[] = [];
  for (let j = k; j < words.length; j += 2) {
    const part = words[j] as SqlWord;
    if (part.text === '.' && !part.quoted) break;
    // A name the reset could not write back unambiguously: treat it as state that cannot be undone.
    if (part.quoted && (part.text === '' || part.text.includes('"') || part.text.includes('.'))) return { what: 'SET of a quoted name containing " or .' };
    parts.push(part.text.toLowerCase());
    const dot = words[j + 1];
    if (dot === undefined || dot.quoted || dot.text !== '.') break;
  }
  return parts.length === 0 ? undefined : { name: parts.join('.') };
}

/** Statements starting with these can change a table's columns, its name, or which table a name refers to. */
const SCHEMA_COMMANDS = new Set(['create', 'drop', 'alter', 'rename', 'restore', 'import']);
/** `CREATE|DROP|ALTER <object>` of objects that hold no table shape (accounts, snapshots, repositories, settings). */
const NOT_SCHEMA_OBJECTS = new Set(['user', 'role', 'group', 'repository', 'snapshot', 'system', 'default']);

/**
 * Whether `sql` contains DDL that can change a table's shape or identity, so statements prepared before it may
 * describe stale columns: CREATE/DROP/ALTER of tables, views, types, schemas, …, RENAME, IMPORT FOREIGN SCHEMA and,
 * on CrateDB, `ALTER TABLE … ADD COLUMN`, `CREATE TABLE … AS`, `ALTER CLUSTER SWAP TABLE`, `RESTORE SNAPSHOT`.
 * Decided from the text: the command tag cannot say it (CrateDB fills the tag's verb with whatever precedes the first
 * space, docs/cratedb-wire.md, command tags). Conservative: unknown DDL counts as a schema change.
 */
export function isSchemaChange(sql: string): boolean {
  for (const { words } of scanStatements(sql)) {
    const kw = keywordAt(words);
    const command = kw(0);
    if (command === undefined || !SCHEMA_COMMANDS.has(command)) continue;
    if (command === 'restore' || command === 'rename' || command === 'import') return true;
    // CREATE/DROP/ALTER [OR REPLACE] <object>: skip the words that precede the object kind.
    let k = 1;
    if (kw(k) === 'or' && kw(k + 1) === 'replace') k += 2;
    const object = kw(k);
    if (object === undefined || !NOT_SCHEMA_OBJECTS.has(object)) return true;
  }
  return false;
}

/**
 * Whether `sql` runs `COPY … FROM STDIN` or `COPY … TO STDOUT`, which switch the connection into the COPY
 * sub-protocol (a server-side `COPY t FROM 'file'` does not).
 */
export function usesCopyProtocol(sql: string): boolean {
  for (const { words } of scanStatements(sql)) {
    const first = words[0] as SqlWord;
    if (first.quoted || first.text !== 'copy') continue;
    if (words.some((w) => !w.quoted && (w.text === 'stdin' || w.text === 'stdout'))) return true;
  }
  return false;
}
