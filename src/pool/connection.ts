/**
 * PoolConnection: a borrowed client, exclusive to its borrower until release(). Every call goes through here so the
 * pool can refuse use after release and note session changes for the reset (session-reset.ts).
 */
import { UsageError } from '../errors.js';
import { runTemplate } from '../sql/template.js';
import { RowStream, type StreamChannel } from '../query/stream.js';
import type { Slot } from './slot.js';
import type {
  ArrayRows,
  BulkInsertOptions,
  BulkInsertResult,
  BulkResult,
  ExecuteManyOptions,
  PrepareOptions,
  PreparedStatement,
  QueryOptions,
  Result,
  SimpleQueryOptions,
  StreamOptions,
} from '../types.js';

/** What the pool can do to a connection it handed out; kept off the public class. */
export interface ConnectionControl {
  /** Set when the borrower released it, or when the pool took it back (end of onConnect). */
  released: boolean;
  /** While set, release() throws this message (inside transaction() or onConnect). */
  locked: string | undefined;
}

/** Called once per connection when its borrower releases it; `destroy` asks the pool to close it. */
export type ReleaseHandler = (slot: Slot, destroy: Error | undefined) => void;

const CONTROLS = new WeakMap<PoolConnection, ConnectionControl>();

/** The pool's handle on a connection it handed out (used by transaction() to forbid release inside it). */
export function controlOf(connection: PoolConnection): ConnectionControl {
  return CONTROLS.get(connection) as ConnectionControl;
}

/** A connection handed out by {@link Pool.acquire}. Release it exactly once, or use `await using`. */
export class PoolConnection implements AsyncDisposable {
  readonly #slot: Slot;
  readonly #control: ConnectionControl;
  readonly #onRelease: ReleaseHandler;

  /** @internal Created by the pool. */
  constructor(slot: Slot, control: ConnectionControl, onRelease: ReleaseHandler) {
    this.#slot = slot;
    this.#control = control;
    this.#onRelease = onRelease;
    CONTROLS.set(this, control);
  }

  /** Facts about the server (`isCrate`, versions, ParameterStatus values). */
  get serverInfo(): Slot['client']['serverInfo'] {
    this.#check();
    return this.#slot.client.serverInfo;
  }

  /** The last ReadyForQuery status (`I`/`T`/`E`); meaningful on PostgreSQL only (docs/cratedb-wire.md "Transactions"). */
  get transactionStatus(): Slot['client']['transactionStatus'] {
    this.#check();
    return this.#slot.client.transactionStatus;
  }

  /** True once release() was called. */
  get released(): boolean {
    return this.#control.released;
  }

  /** See Client.query. */
  query<R extends unknown[] = unknown[]>(text: string, params: readonly unknown[] | undefined, options: QueryOptions & ArrayRows): Promise<Result<R>>;
  query<R = Record<string, unknown>>(text: string, params?: readonly unknown[], options?: QueryOptions): Promise<Result<R>>;
  query<R>(text: string, params?: readonly unknown[], options?: QueryOptions): Promise<Result<R>> {
    this.#check();
    this.#note(text);
    return this.#slot.client.query<R>(text, params, options);
  }

  /** See Client.sql. */
  sql<R = Record<string, unknown>>(strings: TemplateStringsArray, ...values: unknown[]): Promise<Result<R>> {
    return runTemplate(strings, values, (text, params) => this.query<R>(text, params));
  }

  /** See Client.simpleQuery. */
  simpleQuery<R extends unknown[] = unknown[]>(text: string, options: SimpleQueryOptions & ArrayRows): Promise<Result<R>[]>;
  simpleQuery<R = Record<string, unknown>>(text: string, options?: SimpleQueryOptions): Promise<Result<R>[]>;
  simpleQuery<R>(text: string, options?: SimpleQueryOptions): Promise<Result<R>[]> {
    this.#check();
    this.#note(text);
    return this.#slot.client.simpleQuery<R>(text, options);
  }

  /** See Client.prepare. A statement still open at release is closed by the pool. */
  async prepare(text: string, options?: PrepareOptions): Promise<PreparedStatement> {
    this.#check();
    this.#note(text);
    const slot = this.#slot;
    const statement = await slot.client.prepare(text, options);
    slot.prepared.add(statement);
    return {
      text: statement.text,
      paramTypes: statement.paramTypes,
      fields: statement.fields,
      execute: <R>(params?: readonly unknown[], opts?: Omit<QueryOptions, 'prepare' | 'paramTypes'>): Promise<Result<R>> => {
        this.#check();
        return statement.execute<R>(params, opts);
      },
      close: () => {
        slot.prepared.delete(statement);
        return statement.close();
      },
    };
  }

  /** See Client.stream. A stream still running at release makes the pool close the connection. */
  stream<R extends unknown[] = unknown[]>(text: string, params: readonly unknown[] | undefined, options: StreamOptions & ArrayRows): RowStream<R>;
  stream<R = Record<string, unknown>>(text: string, params?: readonly unknown[], options?: StreamOptions): RowStream<R>;
  stream<R>(text: string, params?: readonly unknown[], options: StreamOptions = {}): RowStream<R> {
    const channel = this.streamChannel(text, params, options);
    return new RowStream<R>(() => {
      // First pulled after release(): the connection may be another borrower's by now.
      this.#check();
      return channel;
    }, options);
  }

  /** @internal See Client.streamChannel; pool.stream() runs its streams on it. */
  streamChannel(text: string, params?: readonly unknown[], options?: StreamOptions): StreamChannel {
    this.#check();
    this.#note(text);
    return this.#slot.client.streamChannel(text, params, options);
  }

  /** See Client.executeMany. */
  executeMany(text: string, rows: readonly (readonly unknown[])[], options?: ExecuteManyOptions): Promise<BulkResult> {
    this.#check();
    this.#note(text);
    return this.#slot.client.executeMany(text, rows, options);
  }

  /** See Client.bulkInsert. */
  bulkInsert(table: string, columns: readonly string[], rows: readonly (readonly unknown[])[], options?: BulkInsertOptions): Promise<BulkInsertResult> {
    this.#check();
    return this.#slot.client.bulkInsert(table, columns, rows, options);
  }

  /**
   * Give the client back. With `destroy` (true or the error that made it unusable) the pool closes it instead of
   * reusing it. A second call throws a UsageError.
   */
  release(destroy?: boolean | Error): void {
    if (this.#control.locked !== undefined) throw new UsageError(this.#control.locked);
    if (this.#control.released) {
      throw new UsageError('This pool connection was already released; release() must be called exactly once');
    }
    this.#control.released = true;
    const reason = destroy instanceof Error ? destroy : destroy === true ? new UsageError('released with destroy') : undefined;
    this.#onRelease(this.#slot, reason);
  }

  /** `await using conn = await pool.acquire()` releases it at the end of the block (once, even after release()). */
  async [Symbol.asyncDispose](): Promise<void> {
    if (!this.#control.released && this.#control.locked === undefined) this.release();
  }

  #check(): void {
    if (this.#control.released) {
      throw new UsageError('This pool connection was released; acquire a new one with pool.acquire()');
    }
  }

  #note(text: string): void {
    if (typeof text === 'string') this.#slot.tracker.note(text);
  }
}
