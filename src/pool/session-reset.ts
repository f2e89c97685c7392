/**
 * Resetting a pooled session without `DISCARD ALL` or `RESET` (docs/cratedb-wire.md "Session commands and pool reset"): CrateDB has no `RESET`, and its
 * `DISCARD ALL` drops the session from the node's cancel registry while leaving SET values alone. So the pool
 * remembers which session settings the SQL it forwarded could have changed and restores each with
 * `SET name TO DEFAULT`; state it cannot restore that way (a session authorization, a role, temporary tables, LISTEN,
 * advisory locks, SQL-level PREPARE, DISCARD/DEALLOCATE that would drop the client's cached statements) makes the
 * pool close the connection instead.
 *
 * Detection reads the SQL text through the one scanner (sql/classify.ts), so it is conservative: a SET inside a
 * function body the driver never sees is missed.
 */
import { sessionEffects } from '../sql/classify.js';
import { quoteIdentifier, quoteLiteral } from '../sql/quote.js';

/** Startup facts the reset needs. */
export interface ResetContext {
  readonly isCrate: boolean;
  /** The `database` startup parameter (CrateDB's default schema, docs/cratedb-wire.md "Search path"). */
  readonly database: string;
  /** Settings sent at startup as `options=-c name=value` (and `application_name`), lower-case names. */
  readonly startupSettings: ReadonlyMap<string, string>;
}

/** The statements that restore the session, or why it cannot be restored. */
export type ResetPlan = { readonly statements: readonly string[] } | { readonly unsafe: string };

/**
 * The `-c name=value` pairs of a libpq `options` string (also `-cname=value` and `--name=value`), plus
 * `application_name`, which the client also sends inside `options` so CrateDB applies it (docs/cratedb-wire.md "Startup parameters").
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
    for (const effect of sessionEffects(sql)) {
      if (this.#setup) {
        if (effect.kind === 'set') this.#baseline.set(effect.name, effect.statement);
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
        statements.push(`SET ${quoteIdentifier(name)} TO DEFAULT`);
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
 * SetSessionPlan, docs/cratedb-wire.md "Session commands and pool reset"): a startup `database` other than `doc` made the search path `pg_catalog, <database>`
 * ("Search path"), and values from `options` would be lost. Only the cases with a certain restore statement are handled.
 */
function crateRestore(name: string, ctx: ResetContext): string | undefined {
  const startup = ctx.startupSettings.get(name);
  if (name === 'application_name' && startup !== undefined) return `SET application_name TO ${quoteLiteral(startup)}`;
  if (startup !== undefined) return undefined;
  if (name === 'search_path' && ctx.database !== 'doc') return `SET search_path TO ${quoteIdentifier(ctx.database)}`;
  return `SET ${quoteIdentifier(name)} TO DEFAULT`;
}
