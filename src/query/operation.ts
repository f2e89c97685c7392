/**
 * What every query operation shares: a promise settled exactly once, the first error seen while the server is
 * still talking (reported only at ReadyForQuery, so the connection is drained and stays usable), and row collection
 * under the `maxResultBytes` budget.
 */
import { SYNC, encodeCloseStatement, encodeCopyFail } from '../protocol/frontend.js';
import { DatabaseError, ProtocolError, ResultTooLargeError, UsageError } from '../errors.js';
import { toDatabaseError } from '../protocol/database-error.js';
import type { OperationIO, SessionOperation } from '../protocol/session.js';
import type { BackendMessage, DataRow, ErrorMessage } from '../protocol/wire.js';
import type { RowShape } from './result.js';
import type { RowMode } from '../types.js';

/** Why COPY FROM STDIN fails: the query paths have no way to feed it data. */
export const COPY_IN_REFUSAL =
  'COPY … FROM STDIN is not supported by query(), simpleQuery() or stream(); insert the rows with executeMany() or bulk loading instead';
/** Why COPY TO STDOUT fails: its rows come as CopyData, not as a result. */
export const COPY_OUT_REFUSAL = 'COPY … TO STDOUT is not supported by query(), simpleQuery() or stream(); read the rows with a SELECT instead';

/** Base class: settle-once promise plus deferred error. */
export abstract class QueryOperation<T> implements SessionOperation {
  readonly promise: Promise<T>;
  /** The first error of this operation; reported when ReadyForQuery arrives. */
  protected error: Error | undefined;
  /** The caller gave up (abort or timeout): an operation that sends in steps sends no further step. */
  protected abandoned = false;
  #resolve!: (value: T) => void;
  #reject!: (err: Error) => void;
  #settled = false;

  constructor() {
    this.promise = new Promise<T>((resolve, reject) => {
      this.#resolve = resolve;
      this.#reject = reject;
    });
  }

  abstract start(io: OperationIO): void;
  abstract handle(msg: BackendMessage, io: OperationIO): boolean;

  /** Whether the promise has settled. */
  get settled(): boolean {
    return this.#settled;
  }

  /** The caller gave up on this operation (query/request.ts): send nothing more; the promise settles as usual. */
  abandon(): void {
    this.abandoned = true;
  }

  fail(err: Error): void {
    if (this.#settled) return;
    this.#settled = true;
    this.#reject(err);
  }

  protected resolve(value: T): void {
    if (this.#settled) return;
    this.#settled = true;
    this.#resolve(value);
  }

  /** Keep the first error; later ones are consequences of it. */
  protected recordError(err: Error): void {
    if (this.error === undefined) this.error = err;
  }

  /** Record an ErrorResponse and return the DatabaseError. */
  protected recordServerError(msg: BackendMessage): DatabaseError {
    const err = toDatabaseError(msg as ErrorMessage);
    this.recordError(err);
    return err;
  }

  /** At ReadyForQuery: reject with the recorded error or resolve with `value()`. Returns true (finished). */
  protected finish(value: () => T): boolean {
    if (this.error !== undefined) this.fail(this.error);
    else this.resolve(value());
    return true;
  }

  /**
   * COPY sub-protocol messages: not supported here (CrateDB has none, docs/cratedb-wire.md, COPY). COPY FROM STDIN is
   * refused with CopyFail and COPY TO STDOUT is drained, so the connection stays usable. `resync`: the operation's Sync
   * went out before the server entered copy-in mode, which swallows it, so after CopyFail the server discards messages
   * until one more Sync arrives (extended protocol); a simple query or an operation yet to send its Sync passes false.
   * Returns true if `msg` was one of them.
   */
  protected handleCopy(msg: BackendMessage, io: OperationIO, resync: boolean): boolean {
    switch (msg.name) {
      case 'copyInResponse':
        this.recordError(new UsageError(COPY_IN_REFUSAL));
        io.send(resync ? [encodeCopyFail('COPY FROM STDIN is not supported by this client'), SYNC] : encodeCopyFail('COPY FROM STDIN is not supported by this client'));
        return true;
      case 'copyOutResponse':
        this.recordError(new UsageError(COPY_OUT_REFUSAL));
        return true;
      case 'copyData':
      case 'copyDone':
        return true;
      default:
        return false;
    }
  }

  protected unexpected(msg: BackendMessage, state: string): never {
    throw new ProtocolError(`Unexpected '${msg.name}' message ${state}`);
  }
}

/** Collects the rows of one statement, enforcing the byte budget shared by the whole operation. */
export class RowCollector {
  readonly rows: unknown[] = [];
  readonly #shape: RowShape;
  readonly #mode: RowMode;
  readonly #budget: ByteBudget;
  readonly #onError: (err: Error) => void;
  #stopped = false;

  constructor(shape: RowShape, mode: RowMode, budget: ByteBudget, onError: (err: Error) => void) {
    this.#shape = shape;
    this.#mode = mode;
    this.#budget = budget;
    this.#onError = onError;
  }

  /** Decode and keep one DataRow; after the first failure the remaining rows are drained and dropped. */
  add(msg: DataRow): void {
    if (this.#stopped) return;
    if (this.#budget.limit > 0 && (this.#budget.used += msg.length) > this.#budget.limit) {
      this.#stop(
        new ResultTooLargeError(
          `The result exceeded maxResultBytes=${this.#budget.limit}; the rest was discarded. ` +
            `Use client.stream() for large results, or raise maxResultBytes`,
        ),
      );
      return;
    }
    try {
      this.rows.push(this.#shape.decodeRow(msg, this.#mode));
    } catch (err) {
      if (err instanceof ProtocolError) throw err;
      this.#stop(err as Error);
    }
  }

  #stop(err: Error): void {
    this.#stopped = true;
    this.rows.length = 0;
    this.#onError(err);
  }
}

/** Bytes of DataRows buffered so far by one operation, against `maxResultBytes` (0 = unlimited). */
export interface ByteBudget {
  readonly limit: number;
  used: number;
}

/** The one message for a wrong number of parameters; `how` says where the expected count came from. */
export function wrongParameterCount(expected: number, given: number, how: string): UsageError {
  return new UsageError(`Wrong number of parameters: expected ${expected}, got ${given} (${how}); pass one value per placeholder`);
}

/** Close messages for evicted cached statements, to send ahead of an operation's own messages. */
export function closeStatementMessages(names: readonly string[]): Buffer[] {
  return names.map((name) => encodeCloseStatement(name));
}
