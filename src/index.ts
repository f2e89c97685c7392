/** cratewire: a PostgreSQL wire-protocol driver specialised for CrateDB. Public exports only. */
export { connect, Client } from './client.js';
export type {
  ArrayRows,
  BinaryResultsMode,
  BulkInsertBatchError,
  BulkInsertOptions,
  BulkInsertResult,
  BulkResult,
  ConnectOptions,
  CustomType,
  ExecuteManyOptions,
  Field,
  Int8Mode,
  Notice,
  NumericMode,
  PasswordSource,
  PrepareOptions,
  PreparedStatement,
  QueryOptions,
  Result,
  RowMode,
  ServerInfo,
  SimpleQueryOptions,
  SslMode,
  StreamOptions,
  TransactionMode,
} from './types.js';
export { RowStream } from './query/stream.js';
export { BULK_FAILED, BULK_UNKNOWN, BulkInterruptedError } from './query/bulk-api.js';
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
