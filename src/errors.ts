/**
 * The error classes of cratewire (docs/design.md "Errors"). This module imports nothing else from `src/`.
 *
 * Every error has a stable `code` string so callers can branch without `instanceof` across realms.
 */

/** Options accepted by every cratewire error constructor. */
export interface CrateErrorOptions {
  cause?: unknown;
}

/** Base class of every error cratewire throws. */
export class CrateDbError extends Error {
  /** A stable, machine-readable error code such as `CONFIG` or `CONNECTION_CLOSED`. */
  readonly code: string;

  constructor(message: string, code: string, options?: CrateErrorOptions) {
    super(message, options?.cause === undefined ? undefined : { cause: options.cause });
    this.code = code;
    this.name = new.target.name;
  }
}

/** Invalid connection string or options; thrown before any I/O. */
export class ConfigError extends CrateDbError {
  /** The option or URL key that was wrong. */
  readonly key: string;

  constructor(key: string, message: string, options?: CrateErrorOptions) {
    super(`Invalid ${key}: ${message}`, 'CONFIG', options);
    this.key = key;
  }
}

/** The connection could not be established or was lost. */
export class ConnectionError extends CrateDbError {
  readonly host: string | undefined;
  readonly port: number | undefined;

  constructor(
    message: string,
    options?: CrateErrorOptions & { host?: string; port?: number; code?: string },
  ) {
    super(message, options?.code ?? 'CONNECTION', options);
    this.host = options?.host;
    this.port = options?.port;
  }
}

/** DNS + TCP + TLS + authentication did not finish within `connectTimeoutMs`. */
export class ConnectTimeoutError extends ConnectionError {
  constructor(message: string, options?: CrateErrorOptions & { host?: string; port?: number }) {
    super(message, { ...options, code: 'CONNECT_TIMEOUT' });
  }
}

/** TLS negotiation or certificate verification failed, or the server refused TLS that was required. */
export class TlsError extends ConnectionError {
  constructor(message: string, options?: CrateErrorOptions & { host?: string; port?: number }) {
    super(message, { ...options, code: 'TLS' });
  }
}

/** The server rejected the credentials (SQLSTATE 28000/28P01) or the client refused an auth method. */
export class AuthenticationError extends ConnectionError {
  /** The SQLSTATE when the server sent one. */
  readonly sqlstate: string | undefined;

  constructor(
    message: string,
    options?: CrateErrorOptions & { host?: string; port?: number; sqlstate?: string },
  ) {
    super(message, { ...options, code: 'AUTHENTICATION' });
    this.sqlstate = options?.sqlstate;
  }
}

/**
 * The server refused the session during startup for a reason other than credentials: an unknown database (3D000),
 * too many connections (53300), a server starting up or shutting down (57P03, 57P01). `cause` is the server's
 * DatabaseError.
 */
export class ConnectionRejectedError extends ConnectionError {
  /** The SQLSTATE of the server's ErrorResponse. */
  readonly sqlstate: string;

  constructor(message: string, options: CrateErrorOptions & { host?: string; port?: number; sqlstate: string }) {
    super(message, { ...options, code: 'CONNECTION_REJECTED' });
    this.sqlstate = options.sqlstate;
  }
}

/** The connection closed while an operation was queued or running. */
export class ConnectionClosedError extends ConnectionError {
  constructor(message: string, options?: CrateErrorOptions & { host?: string; port?: number }) {
    super(message, { ...options, code: 'CONNECTION_CLOSED' });
  }
}

/** The fields of a PostgreSQL ErrorResponse, by their protocol meaning. */
export interface DatabaseErrorFields {
  severity?: string | undefined;
  sqlstate: string;
  message: string;
  detail?: string | undefined;
  hint?: string | undefined;
  position?: string | undefined;
  internalPosition?: string | undefined;
  internalQuery?: string | undefined;
  where?: string | undefined;
  schema?: string | undefined;
  table?: string | undefined;
  column?: string | undefined;
  dataType?: string | undefined;
  constraint?: string | undefined;
  file?: string | undefined;
  line?: string | undefined;
  routine?: string | undefined;
}

/**
 * An ErrorResponse from the server. Never destroys the connection.
 *
 * `where` may hold CrateDB's Java stack trace (docs/cratedb-wire.md "Error fields"); it is kept out of `message`.
 */
export class DatabaseError extends CrateDbError {
  readonly severity: string | undefined;
  /** The five-character SQLSTATE, e.g. `23505`. */
  readonly sqlstate: string;
  readonly detail: string | undefined;
  readonly hint: string | undefined;
  readonly position: string | undefined;
  readonly internalPosition: string | undefined;
  readonly internalQuery: string | undefined;
  readonly where: string | undefined;
  readonly schema: string | undefined;
  readonly table: string | undefined;
  readonly column: string | undefined;
  readonly dataType: string | undefined;
  readonly constraint: string | undefined;
  readonly file: string | undefined;
  readonly line: string | undefined;
  readonly routine: string | undefined;
  /** The SQL text that failed (non-enumerable, so it does not leak into logs by accident). */
  declare readonly query: string | undefined;
  /** The parameters of the failed query (non-enumerable). */
  declare readonly parameters: readonly unknown[] | undefined;

  constructor(fields: DatabaseErrorFields, options?: CrateErrorOptions) {
    super(fields.message, 'DATABASE', options);
    this.severity = fields.severity;
    this.sqlstate = fields.sqlstate;
    this.detail = fields.detail;
    this.hint = fields.hint;
    this.position = fields.position;
    this.internalPosition = fields.internalPosition;
    this.internalQuery = fields.internalQuery;
    this.where = fields.where;
    this.schema = fields.schema;
    this.table = fields.table;
    this.column = fields.column;
    this.dataType = fields.dataType;
    this.constraint = fields.constraint;
    this.file = fields.file;
    this.line = fields.line;
    this.routine = fields.routine;
    Object.defineProperty(this, 'query', { value: undefined, writable: true, enumerable: false });
    Object.defineProperty(this, 'parameters', { value: undefined, writable: true, enumerable: false });
  }

  /** Attach the query text and parameters without making them enumerable. */
  attachQuery(query: string, parameters: readonly unknown[] | undefined): void {
    Object.defineProperty(this, 'query', { value: query, writable: false, enumerable: false });
    Object.defineProperty(this, 'parameters', { value: parameters, writable: false, enumerable: false });
  }
}

/**
 * The query was cancelled by a CancelRequest or a server-side `statement_timeout`.
 * PostgreSQL reports SQLSTATE 57014; CrateDB reports XX000 with a message starting `Job killed.` (docs/cratedb-wire.md "Cancel and statement timeout").
 */
export class QueryCanceledError extends DatabaseError {}

/**
 * CrateDB: a node the query needed left the cluster while it ran (`Job killed. Participating node … disconnected`,
 * `Node not connected`; seen on 6.4.3 when a node of a 3-node cluster was killed). The connection is fine; a read can
 * simply be run again (pool.query does that once for plain reads), a write may or may not have been applied.
 */
export class NodeUnavailableError extends DatabaseError {}

/** Bytes from the server broke the protocol; the connection is always destroyed. */
export class ProtocolError extends CrateDbError {
  constructor(message: string, options?: CrateErrorOptions) {
    super(message, 'PROTOCOL', options);
  }
}

/** The caller used the API wrongly (bad argument, closed client, ...). The connection stays usable. */
export class UsageError extends CrateDbError {
  constructor(message: string, options?: CrateErrorOptions & { code?: string }) {
    super(message, options?.code ?? 'USAGE', options);
  }
}

/** A query parameter could not be encoded; nothing was sent. */
export class ParameterError extends UsageError {
  /** Zero-based position of the bad parameter. */
  readonly index: number;

  constructor(index: number, message: string, options?: CrateErrorOptions) {
    super(`Parameter $${index + 1}: ${message}`, { ...options, code: 'PARAMETER' });
    this.index = index;
  }
}

/** A result value could not be decoded (e.g. an int8 beyond 2^53 with `int8: 'number'`). The connection stays usable. */
export class DecodeError extends UsageError {
  constructor(message: string, options?: CrateErrorOptions) {
    super(message, { ...options, code: 'DECODE' });
  }
}

/** A buffered result exceeded `maxResultBytes`; the rest was drained and discarded. */
export class ResultTooLargeError extends UsageError {
  constructor(message: string, options?: CrateErrorOptions) {
    super(message, { ...options, code: 'RESULT_TOO_LARGE' });
  }
}

/** The client was closed or destroyed before the operation could run. */
export class ClientClosedError extends UsageError {
  constructor(message = 'The client is closed; create a new connection with connect()', options?: CrateErrorOptions) {
    super(message, { ...options, code: 'CLIENT_CLOSED' });
  }
}

/** The query did not finish within `timeoutMs`; a CancelRequest was sent. */
export class QueryTimeoutError extends CrateDbError {
  readonly timeoutMs: number;

  constructor(timeoutMs: number, options?: CrateErrorOptions) {
    super(`Query did not finish within timeoutMs=${timeoutMs}; it was cancelled`, 'QUERY_TIMEOUT', options);
    this.timeoutMs = timeoutMs;
  }
}

/** The pool was ended: it hands out no more clients. */
export class PoolClosedError extends UsageError {
  constructor(message = 'The pool has been ended; create a new pool with createPool()', options?: CrateErrorOptions) {
    super(message, { ...options, code: 'POOL_CLOSED' });
  }
}

/**
 * No client became available within `acquireTimeoutMs`. The message says whether the pool was busy or could not
 * connect; `cause` is the last connection error, if any.
 */
export class PoolTimeoutError extends UsageError {
  readonly timeoutMs: number;

  constructor(timeoutMs: number, message: string, options?: CrateErrorOptions) {
    super(message, { ...options, code: 'POOL_TIMEOUT' });
    this.timeoutMs = timeoutMs;
  }
}

/** `maxWaiting` callers are already waiting for a client; this one was refused at once. */
export class PoolQueueFullError extends UsageError {
  readonly maxWaiting: number;

  constructor(maxWaiting: number, options?: CrateErrorOptions) {
    super(
      `${maxWaiting} callers are already waiting for a pool client (maxWaiting=${maxWaiting}); the request was refused at once. Raise max or maxWaiting, or shed load`,
      { ...options, code: 'POOL_QUEUE_FULL' },
    );
    this.maxWaiting = maxWaiting;
  }
}

/** A row stream was iterated (or turned into a Readable) a second time; create a new stream with client.stream(). */
export class StreamConsumedError extends UsageError {
  constructor(message = 'This stream was already consumed; call client.stream() again for a new one', options?: CrateErrorOptions) {
    super(message, { ...options, code: 'STREAM_CONSUMED' });
  }
}

/**
 * A result column cannot be built as the Arrow type asked for (cratewire/arrow): `schema` gave a type that does not
 * fit the column's PostgreSQL type. Thrown before the query's rows are read; the message names the column, its type
 * and what to pass instead.
 */
export class ArrowTypeError extends UsageError {
  /** The result column's name. */
  readonly column: string;

  constructor(column: string, message: string, options?: CrateErrorOptions) {
    super(`Column "${column}": ${message}`, { ...options, code: 'ARROW_TYPE' });
    this.column = column;
  }
}
