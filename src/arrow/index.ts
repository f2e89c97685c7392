/**
 * cratewire/arrow: query results as Apache Arrow, built straight from the wire (docs/arrow.md). apache-arrow is a
 * peer dependency loaded only by this entry point.
 */
export { queryArrow } from './query.js';
export type { ArrowQueryOptions } from './query.js';
export { streamArrow } from './stream.js';
export type { ArrowBatchStream, ArrowSource, ArrowStreamOptions } from './stream.js';
export { writeArrowIpc } from './ipc.js';
export type { ArrowIpcInput } from './ipc.js';
export type { ArrowOptions } from './batch-builder.js';
export { ArrowTypeError } from '../errors.js';
