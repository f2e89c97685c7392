/**
 * Tagged-template SQL (`client.sql`…``, `pool.sql`…``): each interpolated value becomes a `$n` parameter sent apart
 * from the text, never spliced into it. Identifiers are spliced only when wrapped by {@link sql.id}, through the one
 * quoting rule of {@link quoteIdentifier}; a list goes as one array parameter (`= ANY(${ids})`).
 */
import { UsageError } from '../errors.js';
import { quoteIdentifier } from './quote.js';

/** A quoted identifier made by {@link sql.id}; the only value a template splices into its text. */
export class SqlIdentifier {
  /** The identifier as written into the SQL text, already quoted. */
  readonly text: string;

  /** @internal Use sql.id(). */
  constructor(text: string) {
    this.text = text;
  }
}

/** Helpers for tagged-template SQL. */
export const sql = Object.freeze({
  /**
   * An identifier (table, column, schema-qualified name) to interpolate into `client.sql`…``. Quoted by the project's
   * one rule (see quoteIdentifier): `sql.id('t')` → `t`, `sql.id('doc.My Table')` → `doc."My Table"`. Throws a
   * UsageError for an empty or malformed name.
   */
  id(name: string): SqlIdentifier {
    return new SqlIdentifier(quoteIdentifier(name));
  },
});

/**
 * The one implementation of the `sql` tagged-template method (client, pool connection and pool): build the statement,
 * then `run` it as query(text, params). A malformed call rejects rather than throws, like query().
 */
export function runTemplate<T>(strings: TemplateStringsArray, values: readonly unknown[], run: (text: string, params: unknown[]) => Promise<T>): Promise<T> {
  let statement: { text: string; params: unknown[] };
  try {
    statement = buildTemplate(strings, values);
  } catch (err) {
    return Promise.reject(err);
  }
  return run(statement.text, statement.params);
}

/** The statement text with `$1..$n` and its parameters, built from a tagged template call. */
export function buildTemplate(strings: TemplateStringsArray, values: readonly unknown[]): { text: string; params: unknown[] } {
  if (!Array.isArray(strings) || !Array.isArray((strings as { raw?: unknown }).raw)) {
    throw new UsageError('sql is a tagged template: write client.sql`SELECT * FROM t WHERE id = ${id}`, or use query(text, params)');
  }
  const params: unknown[] = [];
  let text = strings[0] ?? '';
  for (let i = 0; i < values.length; i++) {
    const value = values[i];
    if (value instanceof SqlIdentifier) {
      text += value.text;
    } else {
      params.push(value);
      text += `$${params.length}`;
    }
    const next = strings[i + 1];
    if (next === undefined) throw new UsageError('sql`…`: the template text has an invalid escape sequence (such as \\u without hex digits); write the backslash as \\\\');
    text += next;
  }
  return { text, params };
}
