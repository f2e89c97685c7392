/** Suggestions for unknown keys: the nearest valid one, or where a setting from another driver lives here. */

/** Names people bring from other drivers, with where the setting lives here. */
export const FOREIGN_KEYS: Readonly<Record<string, string>> = {
  ssl: 'use sslmode (disable, prefer, require, verify-ca, verify-full)',
  connectionString: 'pass the connection string as the first argument',
  connectionTimeoutMillis: 'did you mean "connectTimeoutMs"?',
  statement_timeout: 'use queryTimeoutMs, or options "-c statement_timeout=…"',
  query_timeout: 'did you mean "queryTimeoutMs"?',
  keepAliveInitialDelayMillis: 'did you mean "keepAliveInitialDelayMs"?',
};

/** Optimal string alignment distance (Levenshtein plus adjacent transpositions), case-insensitive. */
function distance(a: string, b: string): number {
  const x = a.toLowerCase();
  const y = b.toLowerCase();
  const d: number[][] = Array.from({ length: x.length + 1 }, (_, i) => [i]);
  for (let j = 1; j <= y.length; j++) (d[0] as number[])[j] = j;
  for (let i = 1; i <= x.length; i++) {
    const row = d[i] as number[];
    const prev = d[i - 1] as number[];
    for (let j = 1; j <= y.length; j++) {
      const cost = x[i - 1] === y[j - 1] ? 0 : 1;
      let best = Math.min((prev[j] as number) + 1, (row[j - 1] as number) + 1, (prev[j - 1] as number) + cost);
      if (i > 1 && j > 1 && x[i - 1] === y[j - 2] && x[i - 2] === y[j - 1]) {
        best = Math.min(best, ((d[i - 2] as number[])[j - 2] as number) + 1);
      }
      row[j] = best;
    }
  }
  return (d[x.length] as number[])[y.length] as number;
}

/** The candidate closest to `word`, if any is close enough to be a likely typo. */
export function nearest(word: string, candidates: readonly string[]): string | undefined {
  let best: string | undefined;
  let bestDistance = word.length < 5 ? 2 : 3;
  for (const candidate of candidates) {
    const d = distance(word, candidate);
    if (d < bestDistance) {
      best = candidate;
      bestDistance = d;
    }
  }
  return best;
}

/** "did you mean …?" for a candidate, else `fallback`. */
export function withSuggestion(candidate: string | undefined, fallback: string): string {
  return candidate === undefined ? fallback : `did you mean "${candidate}"?`;
}
