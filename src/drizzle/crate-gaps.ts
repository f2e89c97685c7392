/**
 * SQL Drizzle generates that CrateDB's grammar lacks. CrateDB answers with a bare syntax error (42601, "mismatched
 * input" / "no viable alternative"); these turn it into a UsageError that says what is unsupported and what to do.
 */
import { DatabaseError, UsageError } from '../index.js';

/** What a failed query was. */
export interface FailedQuery {
  readonly text: string;
  /** Drizzle's statement kind, when the builder told it. */
  readonly kind: 'select' | 'update' | 'delete' | 'insert' | undefined;
  readonly returnsRows: boolean;
}

/** A clearer error for a CrateDB syntax error caused by a known gap, or undefined to keep the original. */
export function explainCrateGap(err: unknown, query: FailedQuery): UsageError | undefined {
  if (!(err instanceof DatabaseError) || err.sqlstate !== '42601') return undefined;
  const options = { code: 'UNSUPPORTED_ON_CRATEDB', cause: err };
  if (query.kind === 'delete' && query.returnsRows && /returning/i.test(err.message)) {
    return new UsageError('CrateDB does not support DELETE … RETURNING (only INSERT and UPDATE have RETURNING). Select the rows first, then delete them', options);
  }
  if (/ join lateral /i.test(query.text)) {
    return new UsageError(
      "Drizzle's relational queries with `with` nest related rows through LEFT JOIN LATERAL and json_agg, which CrateDB does not have. Query the related table separately, or use db.select() with a join",
      options,
    );
  }
  return undefined;
}
