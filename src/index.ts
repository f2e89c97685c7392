/** cratewire: a PostgreSQL wire-protocol driver specialised for CrateDB. Public exports only. */
export { connect, Client } from './client.js';
export type { QueryOptions, SimpleQueryOptions, PrepareOptions, PreparedStatement } from './client.js';
export type { ConnectOptions, SslMode, Int8Mode, NumericMode, BinaryResultsMode, CustomType, PasswordSource, Notice } from './config.js';
export type { Result, Field, RowMode, ArrayRows } from './query/result.js';
export type { ServerInfo } from './protocol/server-info.js';
export { RowStream } from './query/stream.js';
export type { TransactionMode } from './query/transaction.js';
export type { StreamOptions } from './query/stream.js';
export { BULK_FAILED, BULK_UNKNOWN, BulkInterruptedError } from './query/bulk-api.js';
export type { BulkResult, ExecuteManyOptions } from './query/bulk-api.js';
export type { BulkInsertBatchError, BulkInsertOptions, BulkInsertResult } from './query/bulk-insert-plan.js';
export { OID } from './codecs/oids.js';
export { sql, SqlIdentifier } from './sql/template.js';
export { createPool, Pool, PoolConnection } from './pool.js';
export type {
  PoolOptions,
  PoolStats,
  PoolHostStats,
  AcquireOptions,
  TransactionOptions,
  TransactionConnection,
  EndOptions,
  ClientFactory,
  PoolClient,
  HostSelection,
} from './pool.js';
export { CHANNELS } from './diagnostics.js';
export type {
  PoolAcquireEvent,
  PoolReleaseEvent,
  PoolConnectEvent,
  PoolDestroyEvent,
  PoolDestroyReason,
} from './diagnostics.js';
export {
  CrateDbError,
  ConfigError,
  ConnectionError,
  ConnectTimeoutError,
  TlsError,
  AuthenticationError,
  ConnectionClosedError,
  ConnectionRejectedError,
  DatabaseError,
  QueryCanceledError,
  NodeUnavailableError,
  ProtocolError,
  UsageError,
  ParameterError,
  DecodeError,
  ResultTooLargeError,
  ClientClosedError,
  QueryTimeoutError,
  PoolClosedError,
  PoolTimeoutError,
  PoolQueueFullError,
  StreamConsumedError,
} from './errors.js';
