/**
 * Streaming through the unnamed portal (docs/cratedb-wire.md "Portals and maxRows"). The statement is prepared, described and bound
 * exactly as query() does it (ExtendedQuery: statement cache, describe-first for ambiguous parameters, stale-statement
 * retry); only what follows the Bind differs: `Execute(maxRows)` + Flush per batch, and Sync only once the portal has
 * completed, failed or been closed. Without a Sync the portal survives between batches on both servers (PostgreSQL
 * drops an unnamed portal at Sync outside a transaction; CrateDB keeps it, but need not).
 *
 * The operation stays the session's active one from the first Bind to the last ReadyForQuery, so queries issued on
 * the same connection meanwhile wait behind it.
 */
import { CLOSE_UNNAMED_PORTAL, FLUSH, SYNC, encodeExecute } from '../protocol/frontend.js';
import { ProtocolError } from '../errors.js';
import type { OperationIO } from '../protocol/session.js';
import type { BackendMessage, DataRow } from '../protocol/wire.js';
import { ExtendedQuery, type ExtendedQueryInit } from './extended.js';
import type { Field, RowMode } from '../types.js';

/** What a portal operation needs on top of a plain extended query. */
export interface PortalInit extends ExtendedQueryInit {
  /** Rows per Execute (at most). */
  readonly fetchSize: number;
  /** Byte budget of one batch of DataRows; 0 = no budget (fetchSize alone decides). */
  readonly maxBatchBytes: number;
}

/** Receives the batches of a portal. */
export interface PortalConsumer {
  /**
   * One batch of decoded rows, in order; a batch may arrive before the previous one was taken (append it). `more` is
   * true when further rows may follow: once every row handed over has been taken, call
   * {@link PortalOperation.fetch} (it reads on, or asks for the next batch), or {@link PortalOperation.close}. When
   * false, these are the last rows (an empty last batch is not reported); the end, or the error, is the settling of
   * the operation's promise.
   */
  batch(rows: unknown[], more: boolean): void;
}

/**
 * `queued`: not started. `fetching`: an Execute (or the prepare/bind before the first one) is in flight.
 * `suspended`: PortalSuspended seen, waiting for fetch() or close(). `syncing`: Sync sent, waiting for ReadyForQuery.
 */
type PortalState = 'queued' | 'fetching' | 'suspended' | 'syncing' | 'finished';


/** Runs one statement through the unnamed portal, one bounded batch at a time, as its consumer pulls. */
export class PortalOperation extends ExtendedQuery {
  readonly #fetchSize: number;
  readonly #maxBatchBytes: number;
  readonly #consumer: PortalConsumer;
  readonly #rowMode: RowMode;
  readonly #onDecodeError = (err: Error): void => this.recordError(err);
  #state: PortalState = 'queued';
  #io: OperationIO | undefined;
  /** close() was called: discard what arrives and close the portal at the end of the batch in flight. */
  #closing = false;
  #rows: unknown[] = [];
  /** Largest DataRow of the batch in flight and of the previous one: sizes the next Execute under the byte budget. */
  #largestRow = 0;
  #previousLargestRow = 0;
  /** Rows asked for by the Execute in flight, and the bytes of the rows collected since the last hand-over. */
  #asked = 0;
  #collectedBytes = 0;
  /** The Execute in flight has already returned more rows than asked (CrateDB may ignore maxRows). */
  #overflowed = false;
  /** Rows were handed over mid-Execute and reading is paused until the consumer has taken them (fetch()). */
  #handedOver = false;

  constructor(init: PortalInit, consumer: PortalConsumer) {
    super({ ...init, maxResultBytes: 0 });
    this.#fetchSize = init.fetchSize;
    this.#maxBatchBytes = init.maxBatchBytes;
    this.#consumer = consumer;
    this.#rowMode = init.rowMode;
  }

  /** Result columns once described; [] for a statement that returned no rows; undefined before that is known. */
  get fields(): readonly Field[] | undefined {
    const shape = this.rowShape;
    if (shape !== undefined) return shape.fields;
    return this.#state === 'finished' ? [] : undefined;
  }

  /**
   * Whether the Execute in flight has returned more rows than it asked for: the server is sending the whole result
   * (CrateDB may ignore maxRows), so an unknown number of rows may still be coming.
   */
  get overflowing(): boolean {
    return this.#state === 'fetching' && this.#overflowed;
  }

  /** Whether an Execute (or the first prepare/bind) is in flight: the server may be busy running the statement. */
  get fetching(): boolean {
    return this.#state === 'fetching';
  }

  override start(io: OperationIO): void {
    this.#io = io;
    this.#state = 'fetching';
    super.start(io);
  }

  /**
   * The consumer has taken every row handed over with `more` = true: read on (after a hand-over mid-Execute) or ask
   * for the next batch (after PortalSuspended). Ignored otherwise.
   */
  fetch(): void {
    this.#resumeAfterHandOver();
    if (this.#state !== 'suspended' || this.#closing) return;
    this.#state = 'fetching';
    this.#io?.send(this.executeMessages());
  }

  /**
   * Stop early. A suspended portal is closed at once (Close 'P' + Sync: the portal is released even where Sync alone
   * would keep it, docs/cratedb-wire.md "Portals and maxRows"); with a batch in flight, that happens when the batch ends. Rows still arriving are
   * dropped. The promise settles at the final ReadyForQuery.
   */
  close(): void {
    if (this.#closing) return;
    this.#closing = true;
    // Rows still coming are read and dropped without decoding (the socket must be read to reach ReadyForQuery).
    this.#resumeAfterHandOver();
    if (this.#state === 'suspended') this.#closePortal();
  }

  /** Execute at most `rows` of the unnamed portal, then Flush (not Sync) so the portal stays open. */
  protected override executeMessages(): readonly Buffer[] {
    this.#asked = this.#nextBatchRows();
    this.#overflowed = false;
    return [encodeExecute(this.#asked), FLUSH];
  }

  override handle(msg: BackendMessage, io: OperationIO): boolean {
    switch (msg.name) {
      case 'dataRow':
        this.#row(msg as DataRow);
        return false;
      case 'portalSuspended':
        this.#batchEnded(true);
        return false;
      case 'commandComplete':
      case 'emptyQuery':
        // CrateDB ends with CommandComplete instead of PortalSuspended when the rows run out exactly at a multiple
        // of maxRows (it looks one row ahead, docs/cratedb-wire.md "Portals and maxRows"): either way the portal is done and never executed again.
        this.#batchEnded(false);
        return false;
      case 'error':
        this.recordServerError(msg);
        if (this.#state !== 'syncing') this.#batchEnded(false);
        return false;
      case 'closeComplete':
        return false;
      case 'readyForQuery':
        return this.#readyForQuery(msg, io);
      default:
        return super.handle(msg, io);
    }
  }

  override fail(err: Error): void {
    this.#state = 'finished';
    super.fail(err);
  }

  #row(msg: DataRow): void {
    const shape = this.rowShape;
    if (shape === undefined) this.unexpected(msg, 'for a statement that returns no rows');
    if (msg.length > this.#largestRow) this.#largestRow = msg.length;
    if (this.#closing || this.error !== undefined) return;
    try {
      this.#rows.push(shape.decodeRow(msg, this.#rowMode));
    } catch (err) {
      if (err instanceof ProtocolError) throw err;
      this.#onDecodeError(err as Error);
      return;
    }
    this.#collectedBytes += msg.length;
    if (!this.#handedOver && this.#overBudget()) this.#handOver();
  }

  /**
   * More rows arrived than the Execute asked for (CrateDB sometimes answers Execute(maxRows) with the whole result,
   * docs/cratedb-wire.md "Portals and maxRows"; test/fixtures/cratedb-6.4.3/portal_maxrows_existing.json), or more
   * bytes than a batch may hold. Memory is then bounded by the socket, not by maxRows.
   */
  #overBudget(): boolean {
    if (this.#maxBatchBytes > 0 && this.#collectedBytes > this.#maxBatchBytes) return true;
    return this.#rows.length >= this.#asked + (this.#overflowed ? 0 : 1);
  }

  /**
   * Hand the rows collected so far to the consumer and stop reading the socket until it has taken them: TCP
   * backpressure then pauses the server's writer. Rows left in the chunk being parsed are collected meanwhile.
   */
  #handOver(): void {
    const rows = this.#rows;
    this.#rows = [];
    this.#collectedBytes = 0;
    this.#overflowed = true;
    this.#handedOver = true;
    this.#io?.pauseReading();
    this.#consumer.batch(rows, true);
  }

  #resumeAfterHandOver(): void {
    if (!this.#handedOver) return;
    this.#handedOver = false;
    this.#io?.resumeReading();
  }

  /**
   * The batch in flight ended: suspended (more rows may follow) or finished (CommandComplete, EmptyQueryResponse or
   * an ErrorResponse). Rows decoded before an error are still delivered, then the error at ReadyForQuery.
   */
  #batchEnded(suspended: boolean): void {
    const rows = this.#rows;
    this.#rows = [];
    this.#collectedBytes = 0;
    // No more rows of this Execute can come: read on, so the ReadyForQuery after a Sync is seen.
    this.#resumeAfterHandOver();
    this.#previousLargestRow = this.#largestRow;
    this.#largestRow = 0;
    const more = suspended && !this.#closing && this.error === undefined;
    if (suspended && !more) this.#closePortal();
    else if (!suspended) this.#sync();
    else this.#state = 'suspended';
    if (!this.#closing && (more || rows.length > 0)) this.#consumer.batch(rows, more);
  }

  #closePortal(): void {
    this.#state = 'syncing';
    this.#io?.send([CLOSE_UNNAMED_PORTAL, SYNC]);
  }

  #sync(): void {
    this.#state = 'syncing';
    this.#io?.send(SYNC);
  }

  #readyForQuery(msg: BackendMessage, io: OperationIO): boolean {
    const finished = super.handle(msg, io);
    // Not finished: ExtendedQuery re-prepares a cached statement the server lost and binds again (no rows were
    // delivered: the error came at Bind), so the first batch is in flight once more.
    this.#state = finished ? 'finished' : 'fetching';
    return finished;
  }

  /** Rows for the next Execute: fetchSize, lowered so that rows as large as the last batch's largest fit the budget. */
  #nextBatchRows(): number {
    const largest = this.#previousLargestRow;
    if (this.#maxBatchBytes <= 0 || largest === 0) return this.#fetchSize;
    return Math.max(1, Math.min(this.#fetchSize, Math.floor(this.#maxBatchBytes / largest)));
  }
}
