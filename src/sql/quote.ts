/**
 * The one identifier and literal quoting of the project: `sql.id()` in tagged templates and the pool's session reset
 * both write names through {@link quoteIdentifier}.
 */
import { UsageError } from '../errors.js';

/**
 * Reserved key words of PostgreSQL and CrateDB: a name spelled like one must be quoted even when it is lower-case
 * (PostgreSQL documentation, appendix "SQL Key Words"; CrateDB documentation, "Key words and identifiers").
 */
const RESERVED = new Set(
  (
    'all alter analyse analyze and any array as asc asymmetric authorization between binary both by called case cast ' +
    'check collate collation column concurrently constraint costs create cross current_catalog current_date ' +
    'current_role current_schema current_time current_timestamp current_user default deferrable delete deny desc ' +
    'describe directory distinct do drop else end escape except exists extract false fetch first for foreign freeze ' +
    'from full function grant group having if ilike in index initially inner input insert intersect into is isnull ' +
    'join last lateral leading left like limit localtime localtimestamp match natural not notnull null nulls object ' +
    'offset on only or order outer overlaps persistent placing primary recursive references reset return returning ' +
    'returns revoke right select session_user set similar some stratify symmetric system_user table tablesample then ' +
    'to trailing transient true try_cast unbounded union unique update user using variadic verbose when where window with'
  ).split(' '),
);
const PLAIN = /^[a-z_][a-z0-9_]*$/;

/**
 * Quote a name for SQL text. The rule: `name` is split on dots outside double quotes, and each part is one
 * identifier. A part written in double quotes (`"My.Table"`, inner quotes doubled) is kept as written. Any other
 * part is the exact name: left bare when it is a lower-case plain name (`[a-z_][a-z0-9_]*`) that is not a reserved
 * key word, double-quoted otherwise — so `'MyTable'` names `MyTable` (not `mytable`) and `'user'` becomes `"user"`.
 *
 * `quoteIdentifier('t')` → `t`; `quoteIdentifier('doc.My Table')` → `doc."My Table"`;
 * `quoteIdentifier('"a.b"')` → `"a.b"`. Throws UsageError for an empty name or part, a NUL character, or an
 * unterminated quoted part.
 */
export function quoteIdentifier(name: string): string {
  if (typeof name !== 'string') throw new UsageError(`An identifier must be a string, got ${typeof name}`);
  if (name.includes('\0')) throw new UsageError('An identifier cannot contain a NUL character');
  return splitName(name)
    .map((part) => (part.startsWith('"') ? part : quotePart(part)))
    .join('.');
}

function quotePart(part: string): string {
  return PLAIN.test(part) && !RESERVED.has(part) ? part : `"${part.replaceAll('"', '""')}"`;
}

/** The parts of a dotted name, quoted parts checked and kept with their quotes. */
function splitName(name: string): string[] {
  const parts: string[] = [];
  let i = 0;
  for (;;) {
    let end: number;
    if (name[i] === '"') {
      end = i + 1;
      for (;;) {
        const q = name.indexOf('"', end);
        if (q < 0) throw new UsageError(`Identifier ${JSON.stringify(name)} has an unterminated quoted part; close it with "`);
        if (name[q + 1] !== '"') {
          end = q + 1;
          break;
        }
        end = q + 2;
      }
      if (end < name.length && name[end] !== '.') {
        throw new UsageError(`Identifier ${JSON.stringify(name)}: a quoted part must be followed by "." or the end of the name`);
      }
      if (end - i === 2) throw new UsageError(`Identifier ${JSON.stringify(name)} has an empty part`);
    } else {
      const dot = name.indexOf('.', i);
      end = dot < 0 ? name.length : dot;
      if (end === i) throw new UsageError(`Identifier ${JSON.stringify(name)} has an empty part; quote a name containing dots as '"a.b"'`);
    }
    parts.push(name.slice(i, end));
    if (end >= name.length) return parts;
    i = end + 1;
    if (i >= name.length) throw new UsageError(`Identifier ${JSON.stringify(name)} ends with "."`);
  }
}

/** Quote a string as a SQL literal (`'…'`, inner quotes doubled; both servers read backslashes literally). */
export function quoteLiteral(value: string): string {
  if (typeof value !== 'string') throw new UsageError(`A literal must be a string, got ${typeof value}`);
  if (value.includes('\0')) throw new UsageError('A SQL literal cannot contain a NUL character');
  return `'${value.replaceAll("'", "''")}'`;
}
