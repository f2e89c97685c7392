/**
 * Simple Query: one `Q` message that may hold several `;`-separated statements, one Result per statement
 * (docs/cratedb-wire.md "Simple query"). It takes no parameters — SQL text and values are only kept apart on the extended path.
 */
import { encodeQuery } from '../protocol/frontend.js';
import type { TypeRegistry } from '../codecs/registry.js';
import type { OperationIO } from '../protocol/session.js';
import type { BackendMessage, CommandCompleteMessage, DataRow, RowDescriptionMessage } from '../protocol/wire.js';
import { QueryOperation, RowCollector, type ByteBudget } from './operation.js';
import { fieldsFrom, parseCommandTag, RowShape } from './result.js';
import type { Result, RowMode } from '../types.js';

/** Options of one simple query. */
export interface SimpleQueryInit {
  readonly text: string;
  readonly rowMode: RowMode;
  readonly registry: TypeRegistry;
  readonly maxResultBytes: number;
}

/** Runs a simple query and resolves with one Result per statement (none for an empty query string). */
export class SimpleQuery extends QueryOperation<Result<unknown>[]> {
  readonly #init: SimpleQueryInit;
  readonly #results: Result<unknown>[] = [];
  readonly #budget: ByteBudget;
  #shape: RowShape | undefined;
  #collector: RowCollector | undefined;
  readonly #onRowError = (err: Error): void => this.recordError(err);

  constructor(init: SimpleQueryInit) {
    super();
    this.#init = init;
    this.#budget = { limit: init.maxResultBytes, used: 0 };
  }

  start(io: OperationIO): void {
    io.send(encodeQuery(this.#init.text));
  }

  handle(msg: BackendMessage, io: OperationIO): boolean {
    switch (msg.name) {
      case 'rowDescription':
        this.#shape = new RowShape(fieldsFrom(msg as RowDescriptionMessage), this.#init.registry);
        this.#collector = new RowCollector(this.#shape, this.#init.rowMode, this.#budget, this.#onRowError);
        return false;
      case 'dataRow':
        if (this.#collector === undefined) this.unexpected(msg, 'before RowDescription');
        this.#collector.add(msg as DataRow);
        return false;
      case 'commandComplete':
        this.#completeStatement((msg as CommandCompleteMessage).text);
        return false;
      case 'emptyQuery':
        return false;
      case 'error':
        this.recordServerError(msg);
        this.#shape = undefined;
        this.#collector = undefined;
        return false;
      case 'readyForQuery':
        return this.finish(() => this.#results);
      default:
        if (this.handleCopy(msg, io, false)) return false;
        this.unexpected(msg, 'in a simple query');
    }
  }

  #completeStatement(tagText: string): void {
    const tag = parseCommandTag(tagText);
    const rows = this.#collector?.rows ?? [];
    this.#results.push({
      rows,
      fields: this.#shape?.fields ?? [],
      rowCount: tag.count ?? (this.#shape === undefined ? null : rows.length),
      command: tag.command,
    });
    this.#shape = undefined;
    this.#collector = undefined;
  }
}
