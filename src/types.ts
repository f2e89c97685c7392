/**
 * The public types in one module: connection options, results, the options and results of every call a client, a pool
 * connection and a pool share, and the server facts. Types only, importing nothing but error types, so every layer
 * (codecs/, protocol/, query/, the client and the pool) takes them from here. The pool's own options and statistics
 * stay with the pool (pool/options.ts, pool/core.ts), the diagnostics events with diagnostics.ts.
 */
import type { DatabaseError, ParameterError } from './errors.js';

// Connection options

/** libpq's sslmode values (`allow` is not offered: it would prefer plaintext over TLS). */
export type SslMode = 'disable' | 'prefer' | 'require' | 'verify-ca' | 'verify-full';

/** How int8 (bigint) results are returned. */
export type Int8Mode = 'number' | 'bigint' | 'string';

/** How numeric (decimal) results are returned. */
export type NumericMode = 'string' | 'number';

/**
 * Result formats asked for at Bind: `auto` binary for the column types where it is cheaper (known once the statement
 * is described), `always` binary for every type with a binary decoder, `never` text only. Custom types are text.
 */
export type BinaryResultsMode = 'auto' | 'always' | 'never';

/** One server address. */
export interface HostPort {
  readonly host: string;
  readonly port: number;
}

/** A password, or a function returning one (called at each connect). */
export type PasswordSource = string | (() => string | Promise<string>);

/** A user codec for one type OID. Either function may be left out to keep the built-in one. */
export interface CustomType {
  /** Text of a non-NULL field → value. Also applied to the elements of arrays of this type. */
  decode?: (text: string) => unknown;
  /**
   * Object → text, for a parameter of this type (and inside its arrays). Strings, numbers, bigints and booleans are
   * never passed to it: they have one text form on every path (README, "Parameters").
   */
  encode?: (value: unknown) => string;
}

/** Options accepted by connect() / createPool(). They override the connection string, which overrides PG* env vars. */
export interface ConnectOptions {
  /** Host name(s) or IP address(es); a list is tried in order. Default `localhost`. */
  host?: string | readonly string[];
  /** Port, or one port per host (`hosts[i]` pairs with `ports[i]`). Default 5432. */
  port?: number | readonly number[];
  /** User name. Default `crate`. */
  user?: string;
  /** Password, or a function called at each connect. */
  password?: PasswordSource;
  /** Database; on CrateDB it is the default schema (docs/cratedb-wire.md "Startup parameters"). Default `doc`. */
  database?: string;
  /** libpq sslmode. Default `prefer`. */
  sslmode?: SslMode;
  /** Path of a CA certificate file, or `system` for Node's default store (then sslmode must be verify-full). */
  sslrootcert?: string;
  /** Path of a client certificate file (needs sslkey). */
  sslcert?: string;
  /** Path of the client certificate's private key file (needs sslcert). */
  sslkey?: string;
  /** In-memory PEM material; each field wins over the matching file option. */
  ssl?: { ca?: string | Buffer; cert?: string | Buffer; key?: string | Buffer; servername?: string };
  /** One deadline over DNS + TCP + TLS + auth. Default 10 000. */
  connectTimeoutMs?: number;
  /** TCP keepalive. Default true. */
  keepAlive?: boolean;
  /** Idle time before the first keepalive probe. Default 30 000. */
  keepAliveInitialDelayMs?: number;
  /** Reported as `application_name`. */
  applicationName?: string;
  /** libpq `options`, e.g. `-c statement_timeout=1000 -c search_path=x`. */
  options?: string;
  /** Allow sending a cleartext password over a non-TLS socket. Default false. */
  allowCleartextPasswordWithoutTls?: boolean;
  /** How int8 values are returned. Default `number`. */
  int8?: Int8Mode;
  /** How numeric values are returned. Default `string`. */
  numeric?: NumericMode;
  /** Result formats: see {@link BinaryResultsMode}. Values are the same in every mode. Default `auto`. */
  binaryResults?: BinaryResultsMode;
  /** Size of the automatic prepared-statement cache; 0 disables it. Default 100. */
  statementCacheSize?: number;
  /**
   * Most queries in flight at once on one PostgreSQL connection when several are issued without awaiting (each with
   * its own Sync, so errors stay separate). 1 disables pipelining. Never used on CrateDB. Default 16.
   */
  pipelineDepth?: number;
  /** Default per-query timeout; 0 = none. Default 0. */
  queryTimeoutMs?: number;
  /**
   * How long a CancelRequest (its own socket, its own deadline) and the cancelled query may take to finish before the
   * connection is destroyed instead — what bounds a half-open socket once a query deadline fired. Default 5 000.
   */
  cancelTimeoutMs?: number;
  /** How long close() waits for queued queries. Default 5 000. */
  closeTimeoutMs?: number;
  /** Bound on one buffered result; 0 = unlimited. Default 0. */
  maxResultBytes?: number;
  /** Largest server message accepted. Default 1 GiB. */
  maxMessageBytes?: number;
  /** Custom codecs by type OID. */
  types?: Readonly<Record<number, CustomType>>;
  /** Called with each NoticeResponse (PostgreSQL; CrateDB sends none). */
  onNotice?: (notice: Notice) => void;
}

/** A NoticeResponse from the server (PostgreSQL; CrateDB never sends one: docs/cratedb-wire.md, notices). */
export interface Notice {
  readonly severity: string | undefined;
  readonly sqlstate: string | undefined;
  readonly message: string | undefined;
  readonly detail: string | undefined;
  readonly hint: string | undefined;
  readonly where: string | undefined;
}

// The server

/** Facts about the connected server. */
export interface ServerInfo {
  /** True when the server is CrateDB (it sent `crate_version`). */
  readonly isCrate: boolean;
  /** CrateDB's version, e.g. `6.4.1`; undefined on PostgreSQL. */
  readonly crateVersion: string | undefined;
  /** The `server_version` ParameterStatus (CrateDB reports `14.0`). */
  readonly serverVersion: string | undefined;
  /** Every ParameterStatus value received, by name, as last reported. */
  readonly parameters: Readonly<Record<string, string>>;
  /** Backend process id from BackendKeyData (CrateDB: the session id). */
  readonly processId: number;
  /**
   * Whether several Sync-terminated queries may be in flight on one connection. On for PostgreSQL; off for CrateDB
   * until verified on a real server (docs/cratedb-wire.md "Pipelining").
   */
  readonly canPipeline: boolean;
  /** CrateDB's limit on SQL text in Parse (docs/cratedb-wire.md "Size limits"); undefined on PostgreSQL. */
  readonly statementMaxLength: number | undefined;
  /**
   * Whether the server has transactions. CrateDB has none: BEGIN/COMMIT are no-ops, ROLLBACK is a syntax error, and
   * the ReadyForQuery status byte means nothing there (docs/cratedb-wire.md "Transactions").
   */
  readonly transactions: boolean;
  /** Most parameters one statement may carry (CrateDB 32,767; PostgreSQL 65,535). */
  readonly maxParameters: number;
  /** Whether `?` is a placeholder besides `$n` (CrateDB). */
  readonly questionMarkPlaceholders: boolean;
}

// Results

/** How rows are returned: objects keyed by column name (default) or arrays in column order. */
export type RowMode = 'object' | 'array';

/** Call options asking for array rows: the overloads of query(), stream() and the like then type rows as arrays. */
export interface ArrayRows {
  readonly rowMode: 'array';
}

/** One result column. */
export interface Field {
  readonly name: string;
  /** OID of the column's table, or 0. */
  readonly tableOid: number;
  /** Column number within its table, or 0. */
  readonly columnId: number;
  /** OID of the column's type (CrateDB's mapping: docs/cratedb-wire.md "Types"). */
  readonly typeOid: number;
  /**
   * The PostgreSQL name of `typeOid` (`int4`, `timestamptz`, `text[]`), or undefined for a type that is not built in
   * (PostgreSQL enums, domains and other user-defined types; no catalog query is made). On CrateDB it is the name of
   * the PostgreSQL type CrateDB reports, not CrateDB's own: `json` for OBJECT, `point` for GEO_POINT, `float4[]` for
   * FLOAT_VECTOR, `varchar` for TEXT.
   */
  readonly typeName: string | undefined;
  readonly typeSize: number;
  readonly typeModifier: number;
}

/** The result of one statement. */
export interface Result<R = Record<string, unknown>> {
  readonly rows: R[];
  readonly fields: readonly Field[];
  /**
   * Rows affected or returned: the last token of the command tag as a signed integer (CrateDB's bulk items report
   * -2 for unknown and -3 for failed, docs/cratedb-wire.md "Bulk execution", "Command tags"), the number of rows when the tag has none, else null.
   */
  readonly rowCount: number | null;
  /**
   * The first word of the command tag, e.g. `SELECT`. CrateDB builds it from the SQL text up to the first space
   * (docs/cratedb-wire.md "Command tags"), so it can be junk; do not branch on it.
   */
  readonly command: string;
}

// Call options

/** Options for one query. Every per-call options object accepts `signal`. */
export interface QueryOptions {
  /** Abort the query: a queued query is dropped, a running one is cancelled on the server. Rejects with `signal.reason`. */
  signal?: AbortSignal;
  /** Cancel the query after this many milliseconds (rejects with QueryTimeoutError). Default: the client's `queryTimeoutMs`. */
  timeoutMs?: number;
  /** `'object'` (default) or `'array'` rows. */
  rowMode?: RowMode;
  /** `false` runs the unnamed statement instead of the automatic prepared-statement cache (for poolers like pgbouncer). */
  prepare?: boolean;
  /** Parameter type OIDs to declare in Parse (default: let the server infer; docs/cratedb-wire.md "Parameter type inference"). */
  paramTypes?: readonly number[];
}

/** Options for simpleQuery(). */
export interface SimpleQueryOptions {
  signal?: AbortSignal;
  timeoutMs?: number;
  rowMode?: RowMode;
}

/** Options for prepare(). */
export interface PrepareOptions {
  signal?: AbortSignal;
  /** Parameter type OIDs to declare (default: inferred by the server). */
  paramTypes?: readonly number[];
}

/** A named prepared statement from {@link Client.prepare}. */
export interface PreparedStatement {
  readonly text: string;
  /** Parameter type OIDs the server described. */
  readonly paramTypes: readonly number[];
  /** Result columns ([] for statements that return no rows). */
  readonly fields: readonly Field[];
  /** Run the statement with `params`; with `rowMode: 'array'` the rows are arrays. */
  execute<R extends unknown[] = unknown[]>(params: readonly unknown[] | undefined, options: Omit<QueryOptions, 'prepare' | 'paramTypes'> & ArrayRows): Promise<Result<R>>;
  execute<R = Record<string, unknown>>(params?: readonly unknown[], options?: Omit<QueryOptions, 'prepare' | 'paramTypes'>): Promise<Result<R>>;
  /** Close it on the server. Further execute() calls fail with a UsageError. */
  close(): Promise<void>;
}

/** Options for client.stream(). */
export interface StreamOptions {
  /** Rows per batch (the Execute row limit). Default 1000. */
  fetchSize?: number;
  /**
   * Byte budget of one batch. After each batch, the next one asks for fewer rows when its largest row times
   * `fetchSize` would exceed the budget (the first batch is sized by `fetchSize` alone). Default 8 MiB; 0 disables.
   */
  maxBatchBytes?: number;
  /**
   * When the consumer has not pulled a row for at least this long while the stream holds the connection, the portal
   * is closed (freeing the connection) and the next pull fails with a UsageError (code `STREAM_IDLE_TIMEOUT`).
   * Default 30 000; 0 disables (an abandoned stream then holds its connection until it is closed).
   */
  idleTimeoutMs?: number;
  /** `'object'` (default) or `'array'` rows. */
  rowMode?: RowMode;
  /** Abort the stream: the portal is closed (a running batch is cancelled) and pulls reject with `signal.reason`. */
  signal?: AbortSignal;
  /** `false` runs the unnamed statement instead of the automatic prepared-statement cache. */
  prepare?: boolean;
  /** Parameter type OIDs to declare in Parse (default: let the server infer; docs/cratedb-wire.md "Parameter type inference"). */
  paramTypes?: readonly number[];
}

// executeMany() and bulkInsert()

/** Options for client.executeMany(). */
export interface ExecuteManyOptions {
  /** Rows per chunk (one Sync each). Default 1000. */
  chunkRows?: number;
  /** Byte budget of one chunk's Bind/Execute messages; a chunk always holds at least one row. Default 4 MiB. */
  chunkBytes?: number;
  /**
   * After the batch, re-run one at a time (one Sync each) the rows that failed or were not applied, to obtain each
   * row's DatabaseError: CrateDB reports a failed bulk item as `-3` with no message, and on PostgreSQL the other rows
   * of a failing row's chunk were rolled back. `'failed-and-zero'` also re-runs rows that reported 0: on CrateDB an
   * UPDATE/DELETE item whose evaluation failed at run time reports 0, not -3. A re-run applies the rows that succeed.
   * Not done after an abort, a cancel, or when the caller's transaction was aborted. Default false.
   */
  retryFailedRows?: boolean | 'failed-and-zero';
  /** Abort: a queued call is dropped; a running one is cancelled and sends no further chunk. Rejects with `signal.reason`. */
  signal?: AbortSignal;
  /** Cancel after this many milliseconds (QueryTimeoutError). Default: the client's `queryTimeoutMs`. */
  timeoutMs?: number;
}

/** The outcome of executeMany(): every input row is accounted for. */
export interface BulkResult {
  /**
   * One entry per input row: rows affected (≥ 0), {@link BULK_UNKNOWN} (-2) when the server did not know, or
   * {@link BULK_FAILED} (-3) for rows in `failed`. Rows in `notApplied` report 0. On CrateDB a 0 from an UPDATE or
   * DELETE may hide a run-time failure of that row (docs/cratedb-wire.md "Bulk execution"); see `retryFailedRows: 'failed-and-zero'`.
   */
  readonly rowCounts: number[];
  /** Indices of rows that failed: `-3` from CrateDB, an ErrorResponse for that row, or a value that could not be encoded. */
  readonly failed: number[];
  /**
   * Indices of rows that did not take effect without failing themselves: rolled back with their chunk on PostgreSQL
   * (or with the caller's aborted transaction), not executed after an error, an abort or a cancel.
   */
  readonly notApplied: number[];
  /**
   * The error of each failed row the server (or the encoder) named: PostgreSQL's ErrorResponse, CrateDB's per-item
   * ErrorResponses, a whole-chunk ErrorResponse (shared by the rows of that chunk), a ParameterError, or the error
   * from a re-run. CrateDB's `-3` items have none unless re-run.
   */
  readonly errors: Map<number, DatabaseError | ParameterError>;
}

/** Options for bulkInsert(). */
export interface BulkInsertOptions {
  /** Rows per INSERT statement (one round trip each). Default 10,000. */
  batchSize?: number;
  /**
   * The column type OIDs, in the order of `columns`, when the caller knows them; otherwise the server describes
   * `INSERT INTO table (columns) VALUES (...)` once per call (one round trip, no data).
   */
  columnTypes?: readonly number[];
  /** Abort: nothing more is sent; a batch in flight is cancelled. Rejects with `signal.reason`. */
  signal?: AbortSignal;
  /** Cancel after this many milliseconds (QueryTimeoutError). Default: the client's `queryTimeoutMs`. */
  timeoutMs?: number;
}

/** A batch the server refused as a whole. */
export interface BulkInsertBatchError {
  /** Index of the batch's first row in `rows`. */
  readonly firstRow: number;
  /** Rows in the batch. */
  readonly rows: number;
  readonly error: DatabaseError;
}

/** The outcome of bulkInsert(): counts, not per-row outcomes (use executeMany() for those). */
export interface BulkInsertResult {
  /** Rows the server reports inserted. */
  readonly inserted: number;
  /**
   * Rows that did not land: rows CrateDB skipped inside a batch (e.g. a duplicate primary key: the batch reports
   * fewer rows than it had), and every row of a batch the server refused (see `errors`).
   */
  readonly failed: number;
  /** One entry per refused batch; the other batches were still sent. */
  readonly errors: readonly BulkInsertBatchError[];
}

// Transactions

/** Options that shape the BEGIN statement. */
export interface TransactionMode {
  isolationLevel?: 'read committed' | 'repeatable read' | 'serializable';
  readOnly?: boolean;
}
