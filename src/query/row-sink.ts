/**
 * Where the rows of one extended-protocol statement go (docs/design.md "One query end to end"). The statement step
 * (statement-step.ts) prepares, describes and binds; a sink chooses the result formats to Bind with and takes each
 * DataRow: {@link CollectAll} decodes every row into one Result (query()), {@link DecodedBatches} hands decoded rows
 * over batch by batch (stream()), and a raw {@link BatchSink} of its own (cratewire/arrow) reads the DataRow bytes.
 */
import { ProtocolError } from '../errors.js';
import type { DataRow } from '../protocol/wire.js';
import { RowCollector, type ByteBudget } from './operation.js';
import type { RowShape } from './result.js';
import type { BinaryResultsMode, RowMode } from '../types.js';

/** Takes the rows of one statement and chooses the formats they arrive in. */
export interface RowSink {
  /**
   * Whether the statement must be described before Bind so that the result formats are chosen per column (one round
   * trip, once per cached statement). `cached`: the statement goes into the automatic statement cache.
   */
  describeFirst(cached: boolean): boolean;
  /**
   * The shape to Bind with for columns described before Bind (a statement's description is all text): its `formats`
   * go into Bind. May throw (a column the sink cannot read): the statement is then not executed and the error is the
   * operation's.
   */
  bindShape(described: RowShape): RowShape;
  /** The columns the rows of this run have (undefined: none). Called again when the statement is prepared afresh. */
  begin(shape: RowShape | undefined): void;
  /**
   * One DataRow of the shape given to {@link begin}; its bytes are valid only during the call. Throws a ProtocolError
   * for a row of the wrong width; any other failure stops the operation (thrown, or passed to an error callback the
   * sink was given; reported at ReadyForQuery, later rows dropped).
   */
  add(row: DataRow): void;
}

/** A sink whose rows are handed over in batches while the statement runs (a streaming portal). */
export interface BatchSink extends RowSink {
  /** The rows added since the last hand-over, to the consumer. `more`: further rows may follow. */
  handOver(more: boolean): void;
}

/** Receives decoded rows batch by batch from {@link DecodedBatches}. */
export interface BatchConsumer {
  batch(rows: unknown[], more: boolean): void;
}

/** Whether `consumer` is a {@link BatchSink} rather than a consumer of decoded rows. */
export function isBatchSink(consumer: BatchConsumer | BatchSink): consumer is BatchSink {
  return typeof (consumer as Partial<BatchSink>).add === 'function';
}

/** Add `row` to `sink`: a broken row (ProtocolError) is thrown on; any other failure goes to `onError` and false is returned. */
export function addRow(sink: RowSink, row: DataRow, onError: (err: Error) => void): boolean {
  try {
    sink.add(row);
    return true;
  } catch (err) {
    if (err instanceof ProtocolError) throw err;
    onError(err as Error);
    return false;
  }
}

/** Decoding sinks describe first only for a cached statement with binary results on (its formats are then chosen once). */
function decodingDescribeFirst(mode: BinaryResultsMode, cached: boolean): boolean {
  return cached && mode !== 'never';
}

/**
 * query(): every row decoded and kept, under the operation's `maxResultBytes` budget. A decode failure or the budget
 * going over is passed to `onError` (the operation's) instead of thrown, and the remaining rows are dropped.
 */
export class CollectAll implements RowSink {
  readonly #mode: RowMode;
  readonly #formats: BinaryResultsMode;
  readonly #budget: ByteBudget;
  readonly #onError: (err: Error) => void;
  #collector: RowCollector | undefined;

  constructor(mode: RowMode, formats: BinaryResultsMode, maxResultBytes: number, onError: (err: Error) => void) {
    this.#mode = mode;
    this.#formats = formats;
    this.#budget = { limit: maxResultBytes, used: 0 };
    this.#onError = onError;
  }

  /** The rows collected so far. */
  get rows(): unknown[] {
    return this.#collector?.rows ?? [];
  }

  describeFirst(cached: boolean): boolean {
    return decodingDescribeFirst(this.#formats, cached);
  }

  bindShape(described: RowShape): RowShape {
    return described.forBind(this.#formats);
  }

  begin(shape: RowShape | undefined): void {
    this.#collector = shape === undefined ? undefined : new RowCollector(shape, this.#mode, this.#budget, this.#onError);
  }

  /** Throws a ProtocolError when the statement returns no rows, or for a row of the wrong width. */
  add(row: DataRow): void {
    const collector = this.#collector;
    if (collector === undefined) throw new ProtocolError("Unexpected 'dataRow' message for a statement that returns no rows");
    collector.add(row);
  }
}

/** stream(): rows decoded and handed to a {@link BatchConsumer} in batches. */
export class DecodedBatches implements BatchSink {
  readonly #consumer: BatchConsumer;
  readonly #mode: RowMode;
  readonly #formats: BinaryResultsMode;
  #shape: RowShape | undefined;
  #rows: unknown[] = [];

  constructor(consumer: BatchConsumer, mode: RowMode, formats: BinaryResultsMode) {
    this.#consumer = consumer;
    this.#mode = mode;
    this.#formats = formats;
  }

  describeFirst(cached: boolean): boolean {
    return decodingDescribeFirst(this.#formats, cached);
  }

  bindShape(described: RowShape): RowShape {
    return described.forBind(this.#formats);
  }

  begin(shape: RowShape | undefined): void {
    this.#shape = shape;
    this.#rows = [];
  }

  add(row: DataRow): void {
    this.#rows.push((this.#shape as RowShape).decodeRow(row, this.#mode));
  }

  handOver(more: boolean): void {
    const rows = this.#rows;
    this.#rows = [];
    this.#consumer.batch(rows, more);
  }
}

/**
 * @internal The stream-options key under which an integration (cratewire/arrow) passes the factory of its own
 * {@link BatchSink}: the stream's portal then hands that sink the DataRows, and the sink hands its batches to the
 * stream's consumer as the stream's items. Passed through client.stream(), pool.stream() and PoolConnection.stream().
 */
export const BATCH_SINK: unique symbol = Symbol('cratewire.batchSink');

/** @internal Makes the sink of one stream, around the consumer the stream gives it. */
export type BatchSinkFactory = (consumer: BatchConsumer) => BatchSink;

/** The receiver of a stream's rows: the sink made by `options[BATCH_SINK]` if given, else `consumer` itself. */
export function streamSink(options: object, consumer: BatchConsumer): BatchConsumer | BatchSink {
  const factory = (options as { [BATCH_SINK]?: BatchSinkFactory })[BATCH_SINK];
  return factory === undefined ? consumer : factory(consumer);
}
