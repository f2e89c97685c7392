/**
 * The raw row sink of cratewire/arrow (query/row-sink.ts): it binds every column in the format its Arrow column
 * builder reads ({@link arrowResultFormats}), hands each DataRow's bytes to a {@link RecordBatchBuilder}, and at each
 * hand-over of the portal passes one RecordBatch (no per-row objects) to the stream's consumer as its next item.
 */
import type { RecordBatch, Schema } from 'apache-arrow';
import type { DataRow } from '../protocol/wire.js';
import { RowShape } from '../query/result.js';
import type { BatchConsumer, BatchSink } from '../query/row-sink.js';
import { arrowResultFormats, RecordBatchBuilder, type ArrowOptions } from './batch-builder.js';

/** Builds the RecordBatches of one statement from its DataRows. */
export class ArrowSink implements BatchSink {
  readonly #consumer: BatchConsumer;
  readonly #options: ArrowOptions;
  #builder: RecordBatchBuilder | undefined;
  /** A row failed to append: the builder's batch is unusable, and the operation fails with that error. */
  #failed = false;

  constructor(consumer: BatchConsumer, options: ArrowOptions) {
    this.#consumer = consumer;
    this.#options = options;
  }

  /** The schema of the batches, once the statement is described; undefined before, or for a statement without rows. */
  get schema(): Schema | undefined {
    return this.#builder?.schema;
  }

  /** Always: the formats must be chosen per column before Bind, also for the unnamed statement. */
  describeFirst(): boolean {
    return true;
  }

  /**
   * Throws ArrowTypeError for a column it cannot build; nothing is executed then. The shape's registry says which
   * server the statement runs on (`isCrate`), which decides the mapping of `"char"`.
   */
  bindShape(described: RowShape): RowShape {
    return new RowShape(described.fields, described.registry, arrowResultFormats(described.fields, this.#options, described.registry));
  }

  begin(shape: RowShape | undefined): void {
    this.#failed = false;
    this.#builder = shape === undefined ? undefined : new RecordBatchBuilder(shape.fields, shape.formats, this.#options, shape.registry);
  }

  add(row: DataRow): void {
    try {
      (this.#builder as RecordBatchBuilder).appendRow(row.bytes, row.start, row.end);
    } catch (err) {
      this.#failed = true;
      throw err;
    }
  }

  handOver(more: boolean): void {
    const builder = this.#builder;
    const batches: RecordBatch[] = builder !== undefined && builder.length > 0 && !this.#failed ? [builder.flush()] : [];
    this.#consumer.batch(batches, more);
  }

}
