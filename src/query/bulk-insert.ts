/**
 * bulkInsert(): column batches through `INSERT … SELECT * FROM UNNEST(…)` (plan in bulk-insert-plan.ts).
 *
 * On the wire: unless the caller gave the column types, Parse + Describe + Sync of `INSERT INTO t (…) VALUES (…)`
 * first — its ParameterDescription holds the column types; nothing is executed. Every batch is then encoded before
 * the first is sent, so a value of the wrong type fails the call with nothing inserted. Then per batch, the next one
 * going out at the previous ReadyForQuery:
 * - CrateDB: Parse (with the array OIDs), Bind (binary arrays), Execute, Sync. One Sync per batch: CrateDB runs one
 *   statement per Sync (docs/design.md "CrateDB rules").
 * - PostgreSQL: Query `COPY … FROM STDIN (FORMAT binary)`, CopyData, CopyDone in one write. The data does not wait
 *   for CopyInResponse: should the COPY fail to start, PostgreSQL ignores CopyData and CopyDone outside a copy, as
 *   the protocol specifies. A refused batch (one statement) rolls back alone.
 */
import { UsageError } from '../errors.js';
import { toDatabaseError } from '../protocol/database-error.js';
import { COPY_DONE, EXECUTE_UNNAMED, SYNC, encodeDescribeStatement, encodeParse, encodeQuery } from '../protocol/frontend.js';
import type { OperationIO } from '../protocol/session.js';
import type { BackendMessage, CommandCompleteMessage, ErrorMessage, ParameterDescriptionMessage } from '../protocol/wire.js';
import { describeStatement, encodeBatchBind, encodeCopyBatch, planBulkInsert, type InsertTarget } from './bulk-insert-plan.js';
import { QueryOperation } from './operation.js';
import { parseCommandTag } from './result.js';
import type { BulkInsertBatchError, BulkInsertResult } from '../types.js';

/** The encoded batches of one bulkInsert(): per batch `head`, its `body`, then `tail`. */
export interface EncodedBulkInsert {
  readonly text: string;
  /** Parse of the UNNEST statement, or the COPY Query. */
  readonly head: Buffer;
  /** Execute + Sync, or CopyDone. */
  readonly tail: readonly Buffer[];
  /** Per batch its Bind or CopyData, first row and row count. */
  readonly batches: readonly { readonly body: Buffer; readonly from: number; readonly rows: number }[];
}


/**
 * Plan the batch statement for these column types and encode every batch. Throws UsageError (an unsupported column
 * type, a value of the wrong type) before anything is sent.
 */
export function encodeBulkInsert(
  target: InsertTarget,
  types: readonly number[],
  rows: readonly (readonly unknown[])[],
  batchSize: number,
  isCrate: boolean,
): EncodedBulkInsert {
  const plan = planBulkInsert(target, types, isCrate);
  const copy = plan.kind === 'copy';
  const batches = [];
  for (let from = 0; from < rows.length; from += batchSize) {
    const to = Math.min(rows.length, from + batchSize);
    const body = copy ? encodeCopyBatch(plan, target.columns, rows, from, to) : encodeBatchBind(plan, target.columns, rows, from, to);
    batches.push({ body, from, rows: to - from });
  }
  return {
    text: plan.text,
    head: copy ? encodeQuery(plan.text) : encodeParse('', plan.text, plan.paramTypes),
    tail: copy ? [COPY_DONE] : [EXECUTE_UNNAMED, SYNC],
    batches,
  };
}

/** Everything one bulkInsert() needs. */
export interface BulkInsertInit {
  readonly target: InsertTarget;
  /** The batches, when the caller gave the column types; undefined to describe the INSERT first. */
  readonly encoded: EncodedBulkInsert | undefined;
  readonly rows: readonly (readonly unknown[])[];
  readonly batchSize: number;
  readonly isCrate: boolean;
}

type Phase = 'describing' | 'batches';

/** One bulk insert: an optional describe, then one UNNEST statement per batch, one at a time. */
export class BulkInsertOperation extends QueryOperation<BulkInsertResult> {
  readonly #init: BulkInsertInit;
  #phase: Phase = 'describing';
  #types: readonly number[] = [];
  #encoded: EncodedBulkInsert | undefined;
  /** Index of the next batch to send. */
  #next = 0;
  #inserted = 0;
  #failed = 0;
  #batchError: BulkInsertBatchError | undefined;
  readonly #errors: BulkInsertBatchError[] = [];

  constructor(init: BulkInsertInit) {
    super();
    this.#init = init;
    this.#encoded = init.encoded;
  }

  start(io: OperationIO): void {
    if (this.#encoded === undefined) {
      io.send([encodeParse('', describeStatement(this.#init.target), []), encodeDescribeStatement(''), SYNC]);
      return;
    }
    this.#phase = 'batches';
    this.#sendNext(io);
  }

  handle(msg: BackendMessage, io: OperationIO): boolean {
    switch (msg.name) {
      case 'parseComplete':
      case 'bindComplete':
      case 'noData':
      case 'copyInResponse':
        return false;
      case 'parameterDescription':
        this.#types = (msg as ParameterDescriptionMessage).dataTypeIDs;
        return false;
      case 'commandComplete': {
        const batch = this.#current();
        if (batch === undefined) this.unexpected(msg, 'in bulkInsert()');
        const count = parseCommandTag((msg as CommandCompleteMessage).text).count ?? 0;
        this.#inserted += count;
        this.#failed += batch.rows - count;
        return false;
      }
      case 'error':
        this.#serverError(msg as ErrorMessage);
        return false;
      case 'readyForQuery':
        return this.#readyForQuery(io);
      default:
        // Only a COPY TO STDOUT could get here (never sent): refuse it as every extended-protocol operation does.
        if (this.handleCopy(msg, io, true)) return false;
        this.unexpected(msg, `in bulkInsert() (${this.#phase})`);
    }
  }

  /** The batch in flight. */
  #current(): EncodedBulkInsert['batches'][number] | undefined {
    return this.#phase === 'batches' ? this.#encoded?.batches[this.#next - 1] : undefined;
  }

  #serverError(msg: ErrorMessage): void {
    const batch = this.#current();
    if (batch === undefined) {
      this.recordServerError(msg);
      return;
    }
    const error = toDatabaseError(msg);
    error.attachQuery((this.#encoded as EncodedBulkInsert).text, undefined);
    this.#batchError = { firstRow: batch.from, rows: batch.rows, error };
  }

  #readyForQuery(io: OperationIO): boolean {
    if (this.#phase === 'describing') {
      if (this.error === undefined) this.#encodeAfterDescribe();
      if (this.error !== undefined) return this.finish(() => this.#result());
      this.#phase = 'batches';
      this.#sendNext(io);
      return false;
    }
    const failed = this.#batchError;
    if (failed !== undefined) {
      // A refused batch inserted nothing (PostgreSQL rolled it back; CrateDB sends no count).
      this.#failed += failed.rows;
      this.#errors.push(failed);
      this.#batchError = undefined;
    }
    const batches = (this.#encoded as EncodedBulkInsert).batches;
    if (this.#next < batches.length && !this.abandoned) {
      this.#sendNext(io);
      return false;
    }
    return this.finish(() => this.#result());
  }

  #encodeAfterDescribe(): void {
    const { target, rows, batchSize, isCrate } = this.#init;
    try {
      this.#encoded = encodeBulkInsert(target, this.#types, rows, batchSize, isCrate);
    } catch (error) {
      if (!(error instanceof UsageError)) throw error;
      this.recordError(error);
    }
  }

  #sendNext(io: OperationIO): void {
    const encoded = this.#encoded as EncodedBulkInsert;
    const batch = encoded.batches[this.#next++];
    if (batch !== undefined) io.send([encoded.head, batch.body, ...encoded.tail]);
  }

  #result(): BulkInsertResult {
    return { inserted: this.#inserted, failed: this.#failed, errors: this.#errors };
  }
}
