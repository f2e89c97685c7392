/**
 * executeMany(): one write statement run for many parameter rows (docs/cratedb-wire.md "Bulk execution").
 *
 * On the wire: Parse (unnamed) + Describe 'S' + Flush first, to learn the parameter types (each row is encoded for
 * them) and to refuse statements that return rows (RowDescription instead of NoData) before any Bind. Then chunks of
 * N × (Bind, Execute) + Sync, bounded by a row count and a byte budget, one chunk in flight at a time: a chunk is
 * written only after the previous one's ReadyForQuery, so memory stays bounded (the chunk in flight plus the next one,
 * encoded ahead while the server works) and the socket is never flooded.
 *
 * Why each chunk ends with Sync and not Flush:
 * - CrateDB runs the Executes queued before a Sync as one bulk operation with one count per row (docs/cratedb-wire.md "Bulk execution"). A
 *   planning failure at Sync costs only that chunk (one ErrorResponse, ReadyForQuery, the next Sync starts afresh);
 *   an exception while handling a Flush would put the session into skip-until-Sync ("Errors inside a batch") and silently drop every
 *   later chunk.
 * - PostgreSQL commits each chunk's implicit transaction at its Sync: locks and undo are bounded by a chunk, and a
 *   failing row rolls back its own chunk only (inside a transaction the caller opened, the whole transaction).
 * - A ReadyForQuery acknowledges a chunk exactly, so after a lost connection every row is known to be in an
 *   acknowledged chunk, in the one chunk in flight, or never sent.
 */
import type { TypeRegistry } from '../codecs/registry.js';
import {
  DatabaseError,
  ParameterError,
  QueryCanceledError,
  UsageError,
} from '../errors.js';
import { toDatabaseError } from '../protocol/database-error.js';
import { BindExecuteBatch, FLUSH, SYNC, encodeDescribeStatement, encodeParse } from '../protocol/frontend.js';
import type { OperationIO } from '../protocol/session.js';
import type { BackendMessage, CommandCompleteMessage, ErrorMessage, ParameterDescriptionMessage, ReadyForQueryMessage } from '../protocol/wire.js';
import { BULK_FAILED, BULK_UNKNOWN, BulkInterruptedError, type BulkSettings } from './bulk-api.js';
import { QueryOperation, wrongParameterCount } from './operation.js';
import { parseCommandTag } from './result.js';
import type { BulkResult } from '../types.js';

/** Everything one executeMany() needs. */
export interface BulkInit extends BulkSettings {
  readonly text: string;
  readonly rows: readonly (readonly unknown[])[];
  readonly registry: TypeRegistry;
  /**
   * PostgreSQL semantics: an error rolls back the chunk's implicit transaction, and ReadyForQuery `E` means the
   * caller's transaction is aborted. False for CrateDB, which has no transactions and whose `E` means nothing
   * (docs/cratedb-wire.md "Transactions").
   */
  readonly transactional: boolean;
}

const PENDING = 0;
const DONE = 1;
const FAILED = 2;
const NOT_APPLIED = 3;

type BulkPhase = 'queued' | 'describing' | 'refusing' | 'chunks' | 'retrying';

/** Binds and Executes for a run of rows, ready to write. */
interface EncodedChunk {
  /** Rows in the chunk, in send order (rows that failed to encode are left out). */
  readonly rows: number[];
  readonly buffers: Buffer[];
  /** First row after the chunk. */
  readonly end: number;
}

/** Runs one statement for many rows: describe, chunks, optional one-by-one re-runs. */
export class BulkOperation extends QueryOperation<BulkResult> {
  readonly #init: BulkInit;
  readonly #counts: number[];
  readonly #status: Uint8Array;
  readonly #errors = new Map<number, DatabaseError | ParameterError>();
  #io: OperationIO | undefined;
  #phase: BulkPhase = 'queued';
  #paramTypes: readonly number[] = [];
  /** Next row to send in the chunk phase. */
  #next = 0;
  /** Rows of the chunk in flight, in the order their replies arrive, and how many have replied. */
  #sent: number[] = [];
  #replies = 0;
  #chunkError: DatabaseError | undefined;
  #ackChunks = 0;
  #ackRows = 0;
  /** No further chunk or re-run: aborted, cancelled, or the caller's transaction was aborted. */
  #stopped = false;
  #retryRows: number[] = [];
  #retryPos = 0;
  /** The next chunk, encoded ahead of its turn. */
  #prepared: EncodedChunk | undefined;
  /** One row's parameter texts while it is encoded (see #texts). */
  readonly #scratch: (string | null)[] = [];

  constructor(init: BulkInit) {
    super();
    this.#init = init;
    this.#counts = new Array<number>(init.rows.length).fill(0);
    this.#status = new Uint8Array(init.rows.length);
  }

  start(io: OperationIO): void {
    this.#io = io;
    this.#phase = 'describing';
    io.send([encodeParse('', this.#init.text, []), encodeDescribeStatement(''), FLUSH]);
  }

  handle(msg: BackendMessage, io: OperationIO): boolean {
    switch (msg.name) {
      case 'parseComplete':
      case 'bindComplete':
        return false;
      case 'parameterDescription':
        this.#paramTypes = (msg as ParameterDescriptionMessage).dataTypeIDs;
        return false;
      case 'noData':
        if (this.#phase === 'describing') this.#described(io);
        return false;
      case 'rowDescription':
        if (this.#phase !== 'describing') this.unexpected(msg, 'in executeMany()');
        this.#refuse(
          new UsageError('executeMany() runs statements that return no rows (INSERT, UPDATE, DELETE without RETURNING); use query() or stream() for this one'),
          io,
        );
        return false;
      case 'commandComplete':
        if (this.#replies >= this.#sent.length) this.unexpected(msg, `in executeMany() (${this.#phase}) with no Execute pending`);
        this.#reply(parseCommandTag((msg as CommandCompleteMessage).text).count ?? BULK_UNKNOWN);
        return false;
      case 'error':
        this.#serverError(msg as ErrorMessage, io);
        return false;
      case 'readyForQuery':
        return this.#readyForQuery((msg as ReadyForQueryMessage).status);
      default:
        if (this.handleCopy(msg, io, false)) return false;
        this.unexpected(msg, `in executeMany() (${this.#phase})`);
    }
  }

  /** A lost connection after rows were sent rejects with the partial result. */
  override fail(err: Error): void {
    if (this.#phase !== 'chunks' && this.#phase !== 'retrying') {
      super.fail(err);
      return;
    }
    // PostgreSQL commits a chunk only at its Sync: without the chunk's ReadyForQuery a row that already replied may
    // not be committed, and a chunk that had an error is rolled back whole. CrateDB's replies come after the writes.
    const transactional = this.#init.transactional;
    if (transactional && this.#chunkError !== undefined) this.#chunkDone('I');
    const unknown = !transactional ? this.#sent.slice(this.#replies) : this.#chunkError === undefined ? [...this.#sent] : [];
    for (const i of unknown) {
      this.#status[i] = DONE;
      this.#counts[i] = BULK_UNKNOWN;
    }
    this.#markUnsent();
    super.fail(new BulkInterruptedError(err, this.#result(), this.#ackChunks, this.#ackRows, unknown));
  }

  #described(io: OperationIO): void {
    const expected = this.#paramTypes.length;
    const given = (this.#init.rows[0] as readonly unknown[]).length;
    if (expected !== given) {
      this.#refuse(wrongParameterCount(expected, given, 'in each row, as the server described the statement'), io);
      return;
    }
    this.#phase = 'chunks';
    if (!this.#sendChunk()) {
      // Every row failed to encode: nothing to send, but Parse/Describe still need their Sync.
      this.#phase = 'refusing';
      io.send(SYNC);
    }
  }

  #refuse(err: Error, io: OperationIO): void {
    this.recordError(err);
    this.#phase = 'refusing';
    io.send(SYNC);
  }

  /**
   * Write the next chunk — encoded ahead while the previous one was on the server, or now — and schedule encoding the
   * one after it. False when no row is left to send.
   */
  #sendChunk(): boolean {
    let chunk = this.#prepared ?? this.#encodeChunk(this.#next);
    this.#prepared = undefined;
    // On PostgreSQL a chunk holding a row that could not be encoded is not sent at all (see #encodeChunk): go on.
    while (chunk.rows.length === 0 && chunk.end < this.#init.rows.length) chunk = this.#encodeChunk(chunk.end);
    this.#startChunk();
    this.#next = chunk.end;
    if (chunk.rows.length === 0) return false;
    this.#sent = chunk.rows;
    chunk.buffers.push(SYNC);
    this.#io?.send(chunk.buffers);
    if (this.#next < this.#init.rows.length) setImmediate(this.#encodeAhead);
    return true;
  }

  /**
   * Encode the chunk after the one in flight while the server works on that one (after the write went out), so the
   * next chunk can be written the moment ReadyForQuery arrives. At most two chunks are ever held in memory.
   */
  readonly #encodeAhead = (): void => {
    if (this.settled || this.#stopped || this.#phase !== 'chunks' || this.#prepared !== undefined) return;
    this.#prepared = this.#encodeChunk(this.#next);
  };

  /**
   * Encode rows from `start` up to the chunk limits. A row whose values cannot be encoded fails like a row the server
   * refused (one rule, README "Bulk writes"): it is never sent, and on PostgreSQL, where a failed row rolls back its
   * chunk, the other rows of its chunk are not applied either — the chunk is dropped before it is sent.
   */
  #encodeChunk(start: number): EncodedChunk {
    const { rows, chunkRows, chunkBytes } = this.#init;
    const batch = new BindExecuteBatch();
    const sent: number[] = [];
    let refused = false;
    let i = start;
    // A chunk is a run of consecutive input rows, refused ones included, so "its chunk" means the same rows whatever failed.
    while (i < rows.length && i - start < chunkRows && batch.length < chunkBytes) {
      const texts = this.#texts(i);
      if (texts !== undefined) {
        batch.add(texts);
        sent.push(i);
      } else {
        refused = true;
      }
      i++;
    }
    if (refused && this.#init.transactional) {
      for (const k of sent) this.#setNotApplied(k);
      return { rows: [], buffers: [], end: i };
    }
    return { rows: sent, buffers: [batch.bytes()], end: i };
  }

  /** Re-run the next candidate alone (one Sync), so the server reports its own error; false when none is left. */
  #sendRetry(): boolean {
    while (this.#retryPos < this.#retryRows.length) {
      const i = this.#retryRows[this.#retryPos++] as number;
      this.#startChunk();
      const texts = this.#texts(i);
      if (texts === undefined) continue;
      this.#sent.push(i);
      const batch = new BindExecuteBatch(256);
      batch.add(texts);
      this.#io?.send([batch.bytes(), SYNC]);
      return true;
    }
    return false;
  }

  #startChunk(): void {
    this.#sent = [];
    this.#replies = 0;
    this.#chunkError = undefined;
  }

  /**
   * The parameter texts of row `i`, encoded for the described parameter types, in an array reused for every row
   * (read at once by BindExecuteBatch.add); undefined when a value cannot be encoded, which fails that row.
   */
  #texts(i: number): (string | null)[] | undefined {
    const row = this.#init.rows[i] as readonly unknown[];
    const types = this.#paramTypes;
    const registry = this.#init.registry;
    const texts = this.#scratch;
    texts.length = row.length;
    try {
      for (let j = 0; j < row.length; j++) texts[j] = registry.encodeText(row[j], types[j] as number, j);
    } catch (err) {
      if (!(err instanceof ParameterError)) throw err;
      this.#setFailed(i, err);
      return undefined;
    }
    return texts;
  }

  /** CommandComplete for the next row of the chunk in flight. */
  #reply(count: number): void {
    const i = this.#sent[this.#replies++] as number;
    if (count === BULK_FAILED) {
      this.#setFailed(i, undefined);
      return;
    }
    this.#status[i] = DONE;
    this.#counts[i] = count;
    this.#errors.delete(i);
  }

  /**
   * An ErrorResponse fails the next row without a reply: PostgreSQL answers the failing Bind/Execute (and skips the
   * rest until Sync); CrateDB sends either one ErrorResponse for the whole chunk or one per Execute (docs/cratedb-wire.md "Bulk execution").
   * An error after every row has replied (e.g. a deferred constraint checked at commit) fails the whole chunk.
   */
  #serverError(msg: ErrorMessage, io: OperationIO): void {
    if (this.#phase === 'describing') {
      this.recordServerError(msg);
      this.#phase = 'refusing';
      io.send(SYNC);
      return;
    }
    if (this.#phase === 'refusing' || this.#phase === 'queued') {
      this.recordServerError(msg);
      return;
    }
    const err = toDatabaseError(msg);
    this.#chunkError ??= err;
    if (err instanceof QueryCanceledError) this.#stopped = true;
    const i = this.#sent[this.#replies];
    if (i !== undefined) {
      this.#replies++;
      err.attachQuery(this.#init.text, this.#init.rows[i]);
      this.#setFailed(i, err);
      return;
    }
    err.attachQuery(this.#init.text, undefined);
    for (const k of this.#sent) this.#setFailed(k, err);
  }

  #readyForQuery(status: string): boolean {
    switch (this.#phase) {
      case 'chunks':
        this.#chunkDone(status);
        this.#ackChunks++;
        this.#ackRows = this.#next;
        break;
      case 'retrying':
        this.#chunkDone(status);
        break;
      default:
        return this.finish(() => this.#result());
    }
    return this.#continue();
  }

  /** ReadyForQuery closed a chunk: settle the rows that got no reply of their own. */
  #chunkDone(status: string): void {
    const error = this.#chunkError;
    const sent = this.#sent;
    if (error !== undefined && this.#init.transactional) {
      // PostgreSQL rolled back the chunk's implicit transaction: rows that had replied were undone.
      for (const i of sent) if (this.#status[i] !== FAILED) this.#setNotApplied(i);
    } else {
      // CrateDB: rows left without a reply after an ErrorResponse were all hit by it (one ErrorResponse for the
      // whole batch). Without any error they were dropped unexecuted.
      for (let r = this.#replies; r < sent.length; r++) {
        const i = sent[r] as number;
        if (error !== undefined) this.#setFailed(i, error);
        else this.#setNotApplied(i);
      }
    }
    if (this.#init.transactional && status === 'E') this.#transactionAborted();
  }

  /** PostgreSQL, inside the caller's transaction: an error aborted it, so nothing of this call will be committed. */
  #transactionAborted(): void {
    this.#stopped = true;
    for (let i = 0; i < this.#status.length; i++) if (this.#status[i] === DONE) this.#setNotApplied(i);
  }

  /** After a chunk or a re-run: send the next one, start the re-runs, or finish. Returns true when finished. */
  #continue(): boolean {
    if (this.abandoned) this.#stopped = true;
    if (!this.#stopped) {
      if (this.#phase === 'chunks') {
        if (this.#sendChunk()) return false;
        if (this.#init.retry !== false) this.#startRetries();
      }
      if (this.#phase === 'retrying' && this.#sendRetry()) return false;
    }
    this.#markUnsent();
    return this.finish(() => this.#result());
  }

  #startRetries(): void {
    const zero = this.#init.retry === 'failed-and-zero';
    const rows: number[] = [];
    for (let i = 0; i < this.#status.length; i++) {
      const s = this.#status[i];
      if (s === NOT_APPLIED || (s === FAILED && !(this.#errors.get(i) instanceof ParameterError)) || (zero && s === DONE && this.#counts[i] === 0)) {
        rows.push(i);
      }
    }
    this.#phase = 'retrying';
    this.#retryRows = rows;
  }

  #markUnsent(): void {
    for (let i = this.#next; i < this.#status.length; i++) if (this.#status[i] === PENDING) this.#setNotApplied(i);
  }

  #setFailed(i: number, err: DatabaseError | ParameterError | undefined): void {
    this.#status[i] = FAILED;
    this.#counts[i] = BULK_FAILED;
    if (err !== undefined) this.#errors.set(i, err);
    else this.#errors.delete(i);
  }

  #setNotApplied(i: number): void {
    this.#status[i] = NOT_APPLIED;
    this.#counts[i] = 0;
  }

  #result(): BulkResult {
    const failed: number[] = [];
    const notApplied: number[] = [];
    for (let i = 0; i < this.#status.length; i++) {
      if (this.#status[i] === FAILED) failed.push(i);
      else if (this.#status[i] === NOT_APPLIED) notApplied.push(i);
    }
    return { rowCounts: this.#counts, failed, notApplied, errors: this.#errors };
  }
}
