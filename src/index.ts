/** cratewire: a PostgreSQL wire-protocol driver specialised for CrateDB. Public exports only. */
export { connect, Client } from './client.js';
export type { QueryOptions, SimpleQueryOptions, PrepareOptions, PreparedStatement, Notice } from './client.js';
export type { ConnectOptions, SslMode, Int8Mode, NumericMode, CustomType, PasswordSource } from './config.js';
export type { Result, Field, RowMode } from './query/result.js';
export type { ServerInfo } from './protocol/server-info.js';
export { OID } from './codecs/oids.js';
export {
  CrateDbError,
  ConfigError,
  ConnectionError,
  ConnectTimeoutError,
  TlsError,
  AuthenticationError,
  ConnectionClosedError,
  DatabaseError,
  QueryCanceledError,
  ProtocolError,
  UsageError,
  ParameterError,
  DecodeError,
  ResultTooLargeError,
  ClientClosedError,
  QueryTimeoutError,
} from './errors.js';
