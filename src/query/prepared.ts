/**
 * Explicit prepared statements (client.prepare()): Parse + Describe + Sync to create one, Close + Sync to drop it.
 * They live outside the automatic cache until the caller closes them.
 */
import type { TypeRegistry } from '../codecs/registry.js';
import { SYNC, encodeCloseStatement, encodeDescribeStatement, encodeParse } from '../protocol/frontend.js';
import type { OperationIO } from '../protocol/session.js';
import type { BackendMessage, ParameterDescriptionMessage, RowDescriptionMessage } from '../protocol/wire.js';
import { QueryOperation } from './operation.js';
import { fieldsFrom, RowShape } from './result.js';
import type { StatementInfo } from './statement-cache.js';

/** Parses and describes a named statement. */
export class PrepareOperation extends QueryOperation<StatementInfo> {
  readonly #name: string;
  readonly #text: string;
  readonly #paramTypes: readonly number[];
  readonly #registry: TypeRegistry;
  #described: readonly number[] = [];
  #shape: RowShape | undefined;

  constructor(name: string, text: string, paramTypes: readonly number[], registry: TypeRegistry) {
    super();
    this.#name = name;
    this.#text = text;
    this.#paramTypes = paramTypes;
    this.#registry = registry;
  }

  start(io: OperationIO): void {
    io.send([
      encodeParse(this.#name, this.#text, this.#paramTypes),
      encodeDescribeStatement(this.#name),
      SYNC,
    ]);
  }

  handle(msg: BackendMessage): boolean {
    switch (msg.name) {
      case 'parseComplete':
      case 'noData':
        return false;
      case 'parameterDescription':
        this.#described = (msg as ParameterDescriptionMessage).dataTypeIDs;
        return false;
      case 'rowDescription':
        this.#shape = new RowShape(fieldsFrom(msg as RowDescriptionMessage), this.#registry);
        return false;
      case 'error':
        this.recordServerError(msg);
        return false;
      case 'readyForQuery':
        return this.finish(() => ({ name: this.#name, text: this.#text, paramTypes: this.#described, shape: this.#shape }));
      default:
        this.unexpected(msg, 'while preparing a statement');
    }
  }
}

/** Closes a named statement (CloseComplete is sent even if it does not exist). */
export class CloseStatementOperation extends QueryOperation<void> {
  readonly #name: string;

  constructor(name: string) {
    super();
    this.#name = name;
  }

  start(io: OperationIO): void {
    io.send([encodeCloseStatement(this.#name), SYNC]);
  }

  handle(msg: BackendMessage): boolean {
    switch (msg.name) {
      case 'closeComplete':
        return false;
      case 'error':
        this.recordServerError(msg);
        return false;
      case 'readyForQuery':
        return this.finish(() => undefined);
      default:
        this.unexpected(msg, 'while closing a statement');
    }
  }
}
