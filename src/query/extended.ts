/**
 * One statement on the extended protocol, all rows at once: the statement step (statement-step.ts: Parse, skipped on
 * a cache hit, Describe, Bind) followed by Execute + Sync, the rows collected into one Result (row-sink.ts).
 */
import { usesCopyProtocol } from '../sql/classify.js';
import type { OperationIO } from '../protocol/session.js';
import { EXECUTE_UNNAMED, SYNC } from '../protocol/frontend.js';
import type { BackendMessage, CommandCompleteMessage, DataRow } from '../protocol/wire.js';
import { QueryOperation } from './operation.js';
import { parseCommandTag, type CommandTag } from './result.js';
import { CollectAll } from './row-sink.js';
import { StatementStep, type ExtendedQueryInit } from './statement-step.js';
import type { Result } from '../types.js';

export type { ExtendedQueryInit } from './statement-step.js';

const EXECUTE_ALL: readonly Buffer[] = [EXECUTE_UNNAMED, SYNC];

/** Runs one statement on the extended protocol and resolves with its Result. */
export class ExtendedQuery extends QueryOperation<Result<unknown>> {
  readonly #init: ExtendedQueryInit;
  readonly #sink: CollectAll;
  readonly #step: StatementStep;
  #copy: boolean | undefined;
  #tag: CommandTag | undefined;

  constructor(init: ExtendedQueryInit) {
    super();
    this.#init = init;
    this.#sink = new CollectAll(init.rowMode, init.binaryResults ?? 'never', init.maxResultBytes, (err) => this.recordError(err));
    this.#step = new StatementStep(init, { sink: this.#sink, afterBind: () => EXECUTE_ALL, recordError: (err) => this.recordError(err) });
  }

  /**
   * Pipelinable when everything is sent at start — a known statement, or no value whose encoding needs the statement
   * described first — and the caller set no signal or deadline (a CancelRequest could hit a neighbour).
   */
  pipelinable(): boolean {
    // COPY's sub-protocol holds the connection until it is answered: nothing may be sent behind it.
    if (this.#init.pipeline !== true || (this.#copy ??= usesCopyProtocol(this.#init.text))) return false;
    return this.#step.sendsAllAtStart();
  }

  markPipelined(): void {
    this.#step.markPipelined();
  }

  start(io: OperationIO): void {
    this.#step.start(io);
  }

  handle(msg: BackendMessage, io: OperationIO): boolean {
    switch (msg.name) {
      case 'dataRow':
        this.#sink.add(msg as DataRow);
        return false;
      case 'commandComplete':
        this.#tag = parseCommandTag((msg as CommandCompleteMessage).text);
        return false;
      case 'emptyQuery':
        this.#tag = { command: '', count: null };
        return false;
      case 'error':
        this.recordServerError(msg);
        this.#step.serverError(io);
        return false;
      case 'readyForQuery':
        if (!this.#step.retryStale(this.error, io)) return this.finish(() => this.#result());
        this.error = undefined;
        this.#tag = undefined;
        return false;
      default:
        // Parse/Bind/Close completions and descriptions: the statement step's.
        if (this.#step.handle(msg, io)) return false;
        if (this.handleCopy(msg, io, true)) return false;
        this.unexpected(msg, `in an extended query (${this.#step.phase})`);
    }
  }

  #result(): Result<unknown> {
    const rows = this.#sink.rows;
    const shape = this.#step.shape;
    return {
      rows,
      fields: shape?.fields ?? [],
      rowCount: this.#tag?.count ?? (shape === undefined ? null : rows.length),
      command: this.#tag?.command ?? '',
    };
  }
}
