/**
 * Streaming through the unnamed portal (docs/cratedb-wire.md "Portals and maxRows"). The statement is prepared, described and bound
 * exactly as query() does it (the same statement step, statement-step.ts: statement cache, describe-first for
 * ambiguous parameters, stale-statement retry); only what follows the Bind differs: `Execute(maxRows)` + Flush per batch, and Sync only once the portal has
 * completed, failed or been closed. Without a Sync the portal survives between batches on both servers (PostgreSQL
 * drops an unnamed portal at Sync outside a transaction; CrateDB keeps it, but need not).
 *
 * The operation stays the session's active one from the first Bind to the last ReadyForQuery, so queries issued on
 * the same connection meanwhile wait behind it.
 */
import type { OperationIO } from '../protocol/session.js';
import { CLOSE_UNNAMED_PORTAL, FLUSH, SYNC, encodeExecute } from '../protocol/frontend.js';
import type { BackendMessage, CommandCompleteMessage, DataRow } from '../protocol/wire.js';
import { QueryOperation } from './operation.js';
import { parseCommandTag, type CommandTag } from './result.js';
import { addRow, DecodedBatches, isBatchSink, type BatchSink } from './row-sink.js';
import { StatementStep, type ExtendedQueryInit } from './statement-step.js';
import type { Field } from '../types.js';

/** What a portal operation needs on top of a plain extended query. */
export interface PortalInit extends ExtendedQueryInit {
  /** Rows per Execute (at most). */
  readonly fetchSize: number;
  /** Byte budget of one batch of DataRows; 0 = no budget (fetchSize alone decides). */
  readonly maxBatchBytes: number;
}

/** Receives the decoded rows of a portal, batch by batch (a {@link BatchSink} instead reads the DataRows itself). */
export interface PortalConsumer {
  /**
   * One batch of decoded rows, in order (a BatchSink's handOver(more) is called at the same points); a batch may arrive before the previous one was taken (append it). `more` is
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
export class PortalOperation extends QueryOperation<CommandTag> {
  readonly #fetchSize: number;
  readonly #maxBatchBytes: number;
  readonly #sink: BatchSink;
  readonly #step: StatementStep;
  readonly #onRowError = (err: Error): void => this.recordError(err);
  #state: PortalState = 'queued';
  #io: OperationIO | undefined;
  #tag: CommandTag | undefined;
  /** close() was called: discard what arrives and close the portal at the end of the batch in flight. */
  #closing = false;
  /** Rows added to the sink since the last hand-over, and their DataRow bytes. */
  #pendingRows = 0;
  #collectedBytes = 0;
  /** Largest DataRow of the batch in flight and of the previous one: sizes the next Execute under the byte budget. */
  #largestRow = 0;
  #previousLargestRow = 0;
  /** Rows asked for by the Execute in flight. */
  #asked = 0;
  /** The Execute in flight has already returned more rows than asked (CrateDB may ignore maxRows). */
  #overflowed = false;
  /** Rows were handed over mid-Execute and reading is paused until the consumer has taken them (fetch()). */
  #handedOver = false;

  /** `consumer`: decoded rows go to a PortalConsumer; a BatchSink reads the DataRows and chooses the formats itself. */
  constructor(init: PortalInit, consumer: PortalConsumer | BatchSink) {
    super();
    this.#fetchSize = init.fetchSize;
    this.#maxBatchBytes = init.maxBatchBytes;
    this.#sink = isBatchSink(consumer) ? consumer : new DecodedBatches(consumer, init.rowMode, init.binaryResults ?? 'never');
    this.#step = new StatementStep(init, { sink: this.#sink, afterBind: () => this.#executeBatch(), recordError: (err) => this.recordError(err) });
  }

  /** Result columns once described; [] for a statement that returned no rows; undefined before that is known. */
  get fields(): readonly Field[] | undefined {
    const shape = this.#step.shape;
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

  start(io: OperationIO): void {
    this.#io = io;
    this.#state = 'fetching';
    this.#step.start(io);
  }

  /**
   * The consumer has taken every row handed over with `more` = true: read on (after a hand-over mid-Execute) or ask
   * for the next batch (after PortalSuspended). Ignored otherwise.
   */
  fetch(): void {
    this.#resumeAfterHandOver();
    if (this.#state !== 'suspended' || this.#closing) return;
    this.#state = 'fetching';
    this.#io?.send(this.#executeBatch());
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

  handle(msg: BackendMessage, io: OperationIO): boolean {
    switch (msg.name) {
      case 'dataRow':
        this.#row(msg as DataRow);
        return false;
      case 'portalSuspended':
        this.#batchEnded(true);
        return false;
      case 'commandComplete':
        // CrateDB ends with CommandComplete instead of PortalSuspended when the rows run out exactly at a multiple
        // of maxRows (it looks one row ahead, docs/cratedb-wire.md "Portals and maxRows"): either way the portal is done and never executed again.
        this.#tag = parseCommandTag((msg as CommandCompleteMessage).text);
        this.#batchEnded(false);
        return false;
      case 'emptyQuery':
        this.#batchEnded(false);
        return false;
      case 'error':
        this.recordServerError(msg);
        // Also while the statement is being described: the one Sync ends the exchange.
        if (this.#state !== 'syncing') this.#batchEnded(false);
        return false;
      case 'readyForQuery':
        return this.#readyForQuery(io);
      default:
        // Parse/Bind/Close completions and descriptions: the statement step's.
        if (this.#step.handle(msg, io)) return false;
        // The Sync of a portal comes only after its last batch: a COPY's copy-in mode never swallowed one.
        if (this.handleCopy(msg, io, false)) return false;
        this.unexpected(msg, `in a portal (${this.#state})`);
    }
  }

  override fail(err: Error): void {
    this.#state = 'finished';
    super.fail(err);
  }

  /** Execute at most the next batch's rows of the unnamed portal, then Flush (not Sync) so the portal stays open. */
  #executeBatch(): readonly Buffer[] {
    this.#asked = this.#nextBatchRows();
    this.#overflowed = false;
    return [encodeExecute(this.#asked), FLUSH];
  }

  #row(msg: DataRow): void {
    if (this.#step.shape === undefined) this.unexpected(msg, 'for a statement that returns no rows');
    if (msg.length > this.#largestRow) this.#largestRow = msg.length;
    if (this.#closing || this.error !== undefined) return;
    if (!addRow(this.#sink, msg, this.#onRowError)) return;
    this.#pendingRows++;
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
    return this.#pendingRows >= this.#asked + (this.#overflowed ? 0 : 1);
  }

  /**
   * Hand the rows collected so far to the consumer and stop reading the socket until it has taken them: TCP
   * backpressure then pauses the server's writer. Rows left in the chunk being parsed are collected meanwhile.
   */
  #handOver(): void {
    this.#pendingRows = 0;
    this.#collectedBytes = 0;
    this.#overflowed = true;
    this.#handedOver = true;
    this.#io?.pauseReading();
    this.#sink.handOver(true);
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
    const pending = this.#pendingRows;
    this.#pendingRows = 0;
    this.#collectedBytes = 0;
    // No more rows of this Execute can come: read on, so the ReadyForQuery after a Sync is seen.
    this.#resumeAfterHandOver();
    this.#previousLargestRow = this.#largestRow;
    this.#largestRow = 0;
    const more = suspended && !this.#closing && this.error === undefined;
    if (suspended && !more) this.#closePortal();
    else if (!suspended) this.#sync();
    else this.#state = 'suspended';
    if (!this.#closing && (more || pending > 0)) this.#sink.handOver(more);
  }

  #closePortal(): void {
    this.#state = 'syncing';
    this.#io?.send([CLOSE_UNNAMED_PORTAL, SYNC]);
  }

  #sync(): void {
    this.#state = 'syncing';
    this.#io?.send(SYNC);
  }

  #readyForQuery(io: OperationIO): boolean {
    // A cached statement the server lost is prepared afresh and bound again (no rows were delivered: the error came
    // at Bind), so the first batch is in flight once more.
    if (this.#step.retryStale(this.error, io)) {
      this.error = undefined;
      this.#tag = undefined;
      this.#state = 'fetching';
      return false;
    }
    this.#state = 'finished';
    return this.finish(() => this.#tag ?? { command: '', count: null });
  }

  /** Rows for the next Execute: fetchSize, lowered so that rows as large as the last batch's largest fit the budget. */
  #nextBatchRows(): number {
    const largest = this.#previousLargestRow;
    if (this.#maxBatchBytes <= 0 || largest === 0) return this.#fetchSize;
    return Math.max(1, Math.min(this.#fetchSize, Math.floor(this.#maxBatchBytes / largest)));
  }
}
