/**
 * The simple query protocol (docs/cratedb-wire.md "Simple query"): `;`-separated statements run in order, each executed at once (no deferral),
 * the first failure stops the rest, and one ReadyForQuery `I` ends it whatever happened ("Transactions").
 */
import { commandComplete, emptyQueryResponse, errorResponse, readyForQuery } from './backend.js';
import { asFakeError } from './errors.js';
import type { Output } from './output.js';
import { commandTag, describeColumns, encodeRow } from './results.js';
import { writeRows } from './row-writer.js';
import { analyze, type Analyzed, type EngineSession, type ExecResult } from './sql/analyzer.js';
import { splitStatements } from './sql/lexer.js';

/** Runs `text`; `run` executes one analysed statement (the session's job-aware runner). */
export async function runSimpleQuery(
  text: string,
  session: EngineSession,
  out: Output,
  run: (analyzed: Analyzed, params: readonly unknown[]) => Promise<ExecResult>,
): Promise<void> {
  try {
    const statements = splitStatements(text);
    // "Simple query": an empty or comment-only string answers EmptyQueryResponse.
    if (statements.length === 0) out.write(emptyQueryResponse());
    for (const source of statements) {
      const analyzed = analyze(source, [], session);
      if (analyzed.columns) out.write(describeColumns(analyzed.columns, [], session.version));
      const result = await run(analyzed, []);
      let count = result.kind === 'count' ? result.count : 0;
      if (result.kind === 'rows') {
        await writeRows(out, result.rows, (row) => encodeRow(analyzed.columns ?? [], row, [], session.version));
        count = result.rows.length;
      }
      // "Command tags": every tag of a multi-statement string is built from the WHOLE string (issue crate/crate#20085).
      out.write(commandComplete(commandTag(text, count)));
    }
  } catch (err) {
    // "Errors inside a batch": the simple protocol never enters skip mode; the first failure stops the remaining statements.
    out.write(errorResponse(asFakeError(err).fields()));
  }
  out.write(readyForQuery('I'));
  out.flush();
}
