/**
 * The sans-IO protocol session: bytes in through {@link Session.receive}, bytes out through the injected `send`.
 * No sockets and no timers here (docs/design.md "Principles").
 *
 * Operations run one after another: an operation is started when the previous one consumed its last ReadyForQuery.
 * That is the only safe mode on CrateDB (docs/cratedb-wire.md "Pipelining"). On PostgreSQL the owner may enable pipelining: then
 * operations that send all their messages at start, each ending with its own Sync (so an error stays within it), are
 * sent while earlier ones are still in flight, up to a depth, and their replies are routed in order.
 */
import { ConnectionClosedError, ProtocolError } from '../errors.js';
import { toDatabaseError } from './database-error.js';
import { MessageReader, type BackendMessage, type ErrorMessage, type NoticeMessage, type ParameterStatusMessage, type ReadyForQueryMessage } from './wire.js';

/** What an operation may do while it is the active one. */
export interface OperationIO {
  /** Write frontend messages (one corked write). */
  send(buffers: Buffer | readonly Buffer[]): void;
  /**
   * Stop reading the socket (TCP backpressure) until {@link resumeReading}: the consumer of this operation's rows has
   * fallen behind. Bytes already received are still handled. Reading resumes by itself when the operation finishes.
   */
  pauseReading(): void;
  /** Read the socket again after {@link pauseReading}. */
  resumeReading(): void;
}

/** The contract every operation follows (query/operation.ts builds on it). */
export interface SessionOperation {
  /** Called once when the operation becomes active: send its first messages. */
  start(io: OperationIO): void;
  /**
   * One backend message for this operation. Return true once the operation is finished (normally at its final
   * ReadyForQuery). Throw a ProtocolError for a message that is not valid in the operation's state.
   */
  handle(msg: BackendMessage, io: OperationIO): boolean;
  /** The connection failed before the operation finished: settle with `err`. Called at most once. */
  fail(err: Error): void;
  /**
   * Whether the operation may share the pipeline: it sends every message (ending with Sync) in `start()` and never
   * sends more later. Absent means never. Asked before start and while in flight.
   */
  pipelinable?(): boolean;
  /** Another operation is in flight beside this one: it must not send anything after its start any more. */
  markPipelined?(): void;
}

/** Callbacks from the session to its owner (the client). */
export interface SessionHooks {
  /** Write bytes to the transport. */
  send(buffers: readonly Buffer[]): void;
  /** A NoticeResponse arrived. */
  onNotice(notice: NoticeMessage): void;
  /** A ParameterStatus arrived (at startup, and on PostgreSQL after `SET` of a reported setting). */
  onParameterStatus(name: string, value: string): void;
  /** The connection is unusable (ProtocolError, FATAL): the owner must destroy the transport. */
  onFatal(err: Error): void;
  /** The queue became empty (used by graceful close). */
  onIdle(): void;
  /** Stop reading the transport (an operation's consumer fell behind). Absent: reading is never paused. */
  pauseReading?(): void;
  /** Read the transport again. */
  resumeReading?(): void;
}

type SessionState = 'open' | 'failed';

/** ReadyForQuery status byte. */
export type TransactionStatus = 'I' | 'T' | 'E';

/** The protocol state machine of one connection. */
export class Session {
  readonly #hooks: SessionHooks;
  readonly #reader: MessageReader;
  readonly #pending: SessionOperation[] = [];
  /** Started operations whose replies are still expected, oldest first. */
  readonly #inflight: SessionOperation[] = [];
  /** Most operations in flight at once; 1 = no pipelining. */
  #depth = 1;
  #state: SessionState = 'open';
  #holds = 0;
  #failure: Error | undefined;
  #transactionStatus: TransactionStatus = 'I';
  /** An operation asked to stop reading the transport. */
  #paused = false;
  readonly #io: OperationIO;
  readonly #onMessage = (msg: BackendMessage): void => this.#dispatch(msg);

  constructor(hooks: SessionHooks, maxMessageBytes: number) {
    this.#hooks = hooks;
    this.#reader = new MessageReader(maxMessageBytes);
    this.#io = {
      send: (buffers) => {
        if (this.#state === 'open') hooks.send(Buffer.isBuffer(buffers) ? [buffers] : (buffers as readonly Buffer[]));
      },
      pauseReading: () => {
        if (this.#paused || this.#state !== 'open') return;
        this.#paused = true;
        hooks.pauseReading?.();
      },
      resumeReading: () => this.#resumeReading(),
    };
  }

  /** True when no operation is running or queued. */
  get idle(): boolean {
    return this.#inflight.length === 0 && this.#pending.length === 0;
  }

  /** Number of operations running or queued. */
  get size(): number {
    return this.#pending.length + this.#inflight.length;
  }

  /** Allow up to `depth` pipelinable operations in flight (PostgreSQL only; never CrateDB, docs/cratedb-wire.md "Pipelining"). */
  enablePipelining(depth: number): void {
    this.#depth = Math.max(1, Math.floor(depth));
    this.#startNext();
  }

  /**
   * The status byte of the last ReadyForQuery: `I` idle, `T` in a transaction, `E` failed transaction. Meaningful on
   * PostgreSQL only: CrateDB has no transactions and sends `E` after any message-handling error (docs/cratedb-wire.md "Transactions").
   */
  get transactionStatus(): TransactionStatus {
    return this.#transactionStatus;
  }

  /** Why the session failed, once it has. */
  get failure(): Error | undefined {
    return this.#failure;
  }

  /** Queue an operation; it starts when every earlier one has finished. */
  enqueue(op: SessionOperation): void {
    if (this.#state === 'failed') {
      op.fail(this.#failure ?? new ConnectionClosedError('The connection is closed'));
      return;
    }
    this.#pending.push(op);
    this.#startNext();
  }

  /** Remove an operation that has not started yet. Returns false if it is running or unknown. */
  remove(op: SessionOperation): boolean {
    const i = this.#pending.indexOf(op);
    if (i < 0) return false;
    this.#pending.splice(i, 1);
    return true;
  }

  /** Whether an operation has paused reading of the transport (its consumer fell behind). */
  get readingPaused(): boolean {
    return this.#paused;
  }

  /** Whether `op` has been started and its replies are still expected. */
  isActive(op: SessionOperation): boolean {
    return this.#inflight.includes(op);
  }

  /** Do not start queued operations until {@link release} (e.g. while a CancelRequest is in flight). */
  hold(): void {
    this.#holds++;
  }

  /** Undo one {@link hold}. */
  release(): void {
    if (this.#holds > 0) this.#holds--;
    this.#startNext();
  }

  /** Bytes from the transport. */
  receive(chunk: Buffer): void {
    if (this.#state !== 'open') return;
    try {
      this.#reader.parse(chunk, this.#onMessage);
    } catch (err) {
      this.#fatal(err instanceof ProtocolError ? err : new ProtocolError(String(err), { cause: err }));
    }
  }

  /** The transport closed or failed: every running and queued operation fails with `err`. */
  fail(err: Error): void {
    if (this.#state === 'failed') return;
    this.#state = 'failed';
    this.#failure = err;
    const inflight = this.#inflight.splice(0);
    const pending = this.#pending.splice(0);
    for (const op of inflight) op.fail(err);
    for (const op of pending) op.fail(err);
  }

  #dispatch(msg: BackendMessage): void {
    if (this.#state !== 'open') return;
    switch (msg.name) {
      case 'parameterStatus': {
        const ps = msg as ParameterStatusMessage;
        this.#hooks.onParameterStatus(ps.parameterName, ps.parameterValue);
        return;
      }
      case 'notice':
        this.#hooks.onNotice(msg as NoticeMessage);
        return;
      case 'notification':
        return;
      case 'readyForQuery':
        this.#transactionStatus = (msg as ReadyForQueryMessage).status as TransactionStatus;
        break;
      case 'error': {
        const severity = (msg as ErrorMessage).severity;
        if (severity === 'FATAL' || severity === 'PANIC') {
          this.#fatalResponse(msg as ErrorMessage);
          return;
        }
        break;
      }
    }
    const op = this.#inflight[0];
    if (op === undefined) {
      throw new ProtocolError(`Unexpected '${msg.name}' message while no query is running`);
    }
    if (op.handle(msg, this.#io)) {
      this.#inflight.shift();
      this.#resumeReading();
      this.#startNext();
    }
  }

  #resumeReading(): void {
    if (!this.#paused) return;
    this.#paused = false;
    if (this.#state === 'open') this.#hooks.resumeReading?.();
  }

  /**
   * A FATAL ErrorResponse ends the connection: every operation fails with a ConnectionClosedError whose `cause` is
   * the server's error (the startup operation turns an auth failure into an AuthenticationError).
   */
  #fatalResponse(msg: ErrorMessage): void {
    const dbError = toDatabaseError(msg);
    const closed = new ConnectionClosedError(`The server ended the connection: ${dbError.message}`, { cause: dbError });
    this.#fatal(closed);
  }

  #fatal(err: Error): void {
    this.fail(err);
    this.#hooks.onFatal(err);
  }

  #startNext(): void {
    while (this.#holds === 0 && this.#state === 'open') {
      const op = this.#pending[0];
      if (op === undefined) {
        if (this.#inflight.length === 0) this.#hooks.onIdle();
        return;
      }
      if (this.#inflight.length > 0 && !this.#mayJoin(op)) return;
      this.#pending.shift();
      if (this.#inflight.length > 0) {
        for (const running of this.#inflight) running.markPipelined?.();
        op.markPipelined?.();
      }
      this.#inflight.push(op);
      try {
        op.start(this.#io);
      } catch (err) {
        this.#inflight.pop();
        op.fail(err as Error);
      }
    }
  }

  /** Whether `op` may be sent while the in-flight operations have not finished. */
  #mayJoin(op: SessionOperation): boolean {
    if (this.#inflight.length >= this.#depth || op.pipelinable?.() !== true) return false;
    return this.#inflight.every((running) => running.pipelinable?.() === true);
  }

}
