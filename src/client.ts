/**
 * Client: one connection. The only owner of its socket; queries run one at a time in the order they were issued.
 */
import { inspect } from 'node:util';
import { TypeRegistry } from './codecs/registry.js';
import { resolveConfig, resolvePassword, type ResolvedConfig } from './config.js';
import {
  AuthenticationError,
  ClientClosedError,
  ConnectionClosedError,
  ConnectionError,
  ConnectTimeoutError,
  ProtocolError,
  UsageError,
} from './errors.js';
import { buildServerInfo } from './protocol/server-info.js';
import { Session, type TransactionStatus } from './protocol/session.js';
import { StartupOperation, type BackendKey } from './protocol/startup.js';
import { TERMINATE } from './protocol/frontend.js';
import type { NoticeMessage } from './protocol/wire.js';
import {
  openStream,
  runBulkInsert,
  runCloseStatement,
  runExecute,
  runExecuteMany,
  runPrepare,
  runQuery,
  runSimpleQuery,
  type QueuedOperation,
  type RequestTarget,
} from './query/request.js';
import { RowStream, type StreamChannel } from './query/stream.js';
import { checkTransactions, runSavepoint, runTransaction } from './query/transaction.js';
import { runTemplate } from './sql/template.js';
import { ShapeMemo } from './query/result.js';
import { SchemaEpoch, StatementCache, type StatementInfo } from './query/statement-cache.js';
import { sendCancelRequest } from './transport/cancel.js';
import { openTransport, type Transport } from './transport/connect.js';
import type {
  ArrayRows,
  BulkInsertOptions,
  BulkInsertResult,
  BulkResult,
  ConnectOptions,
  ExecuteManyOptions,
  HostPort,
  Notice,
  PrepareOptions,
  PreparedStatement,
  QueryOptions,
  Result,
  ServerInfo,
  SimpleQueryOptions,
  StreamOptions,
  TransactionMode,
} from './types.js';

type ClientState = 'open' | 'closing' | 'closed';

/**
 * Open a connection. `input` is a URL (`postgres://`, `postgresql://`, `crate://`), a keyword/value string, or
 * options; `options` override it. Hosts are tried in order; each attempt has one `connectTimeoutMs` deadline over
 * DNS + TCP + TLS + authentication.
 */
export async function connect(input?: string | ConnectOptions, options?: ConnectOptions): Promise<Client> {
  const config = resolveConfig(input, options);
  const password = await resolvePassword(config);
  let lastError: Error | undefined;
  for (const host of config.hosts) {
    try {
      return await Client.open(config, host, password);
    } catch (err) {
      if (err instanceof AuthenticationError || !(err instanceof ConnectionError)) throw err;
      lastError = err;
    }
  }
  throw lastError ?? new ConnectionError('No host to connect to');
}

/** One connection to CrateDB or PostgreSQL. Create it with {@link connect}. */
export class Client implements AsyncDisposable {
  readonly #config: ResolvedConfig;
  readonly #host: HostPort;
  readonly #transport: Transport;
  readonly #session: Session;
  readonly #parameters: Record<string, string> = {};
  readonly #cache: StatementCache | undefined;
  readonly #shapes = new ShapeMemo();
  #registry: TypeRegistry | undefined;
  #serverInfo: ServerInfo | undefined;
  #key: BackendKey = { processId: 0, secretKey: 0 };
  #state: ClientState = 'open';
  #idleWaiters: (() => void)[] = [];
  #closed: Promise<void>;
  #statementCounter = 0;
  /** How many transaction() calls are running on this client (more than one: savepoints). */
  #transactionDepth = 0;
  /** Running queries whose caller gave up (abort or timeout) and whose CancelRequest was sent. */
  readonly #cancelled = new Set<{ readonly promise: Promise<unknown> }>();
  /** Messages written during this tick; sent as one socket write (several pipelined queries share a syscall). */
  #outgoing: Buffer[] = [];
  /** The connection as the request path (query/request.ts) sees it. */
  readonly #target: RequestTarget;
  readonly #flush = (): void => {
    const out = this.#outgoing;
    this.#outgoing = [];
    if (out.length > 0 && !this.#transport.socket.destroyed) {
      this.#transport.socket.write(out.length === 1 ? (out[0] as Buffer) : Buffer.concat(out));
    }
  };

  private constructor(config: ResolvedConfig, host: HostPort, transport: Transport, schemaEpoch: SchemaEpoch) {
    this.#config = config;
    this.#host = host;
    this.#transport = transport;
    this.#cache = config.statementCacheSize > 0 ? new StatementCache(config.statementCacheSize, schemaEpoch) : undefined;
    const socket = transport.socket;
    this.#session = new Session(
      {
        send: (buffers) => {
          if (this.#outgoing.length === 0) process.nextTick(this.#flush);
          for (const b of buffers) this.#outgoing.push(b);
        },
        onNotice: (n) => this.#notice(n),
        onParameterStatus: (name, value) => {
          this.#parameters[name] = value;
          if (this.#serverInfo !== undefined) this.#serverInfo = buildServerInfo(this.#parameters, this.#key.processId);
        },
        onFatal: (err) => this.destroy(err),
        pauseReading: () => socket.pause(),
        resumeReading: () => socket.resume(),
        onIdle: () => {
          const waiters = this.#idleWaiters;
          this.#idleWaiters = [];
          for (const w of waiters) w();
        },
      },
      config.maxMessageBytes,
    );
    this.#target = this.#requestTarget();
    this.#closed = new Promise<void>((resolve) => socket.once('close', () => resolve()));
    socket.on('data', (chunk: Buffer) => this.#session.receive(chunk));
    socket.on('error', (err) => this.#lost(err));
    socket.on('close', () => this.#lost(undefined));
    socket.resume();
  }

  /** @internal Connect to one host: transport, then startup, under one deadline. */
  static async open(config: ResolvedConfig, host: HostPort, password: string | undefined, schemaEpoch: SchemaEpoch = new SchemaEpoch()): Promise<Client> {
    const controller = new AbortController();
    const timer = setTimeout(
      () =>
        controller.abort(
          new ConnectTimeoutError(
            `Could not connect to ${host.host}:${host.port} within connectTimeoutMs=${config.connectTimeoutMs} (DNS, TCP, TLS and authentication); check that the server is reachable or raise connectTimeoutMs`,
            { host: host.host, port: host.port },
          ),
        ),
      config.connectTimeoutMs,
    );
    let client: Client | undefined;
    try {
      const transport = await openTransport({
        host: host.host,
        port: host.port,
        ssl: config.ssl,
        keepAlive: config.keepAlive,
        keepAliveInitialDelayMs: config.keepAliveInitialDelayMs,
        signal: controller.signal,
      });
      client = new Client(config, host, transport, schemaEpoch);
      await client.#startup(password, controller.signal);
      return client;
    } catch (err) {
      client?.destroy();
      throw err;
    } finally {
      clearTimeout(timer);
    }
  }

  /** Facts about the server: `isCrate`, `crateVersion`, `serverVersion`, every ParameterStatus value. */
  get serverInfo(): ServerInfo {
    if (this.#serverInfo === undefined) throw new UsageError('serverInfo is available once the client has connected');
    return this.#serverInfo;
  }

  /** True once close() or destroy() was called or the connection was lost. */
  get closed(): boolean {
    return this.#state !== 'open';
  }

  /** True while an operation is queued or running, including a query whose cancel is still in flight (the pool
   *  never reuses a busy client). */
  get busy(): boolean {
    return !this.#session.idle;
  }

  /**
   * The last ReadyForQuery status: `I` idle, `T` in a transaction, `E` in a failed transaction. The truth on
   * PostgreSQL; meaningless on CrateDB, which has no transactions (docs/cratedb-wire.md "Transactions").
   */
  get transactionStatus(): TransactionStatus {
    return this.#session.transactionStatus;
  }

  /**
   * @internal For the pool: when the only work left on this client is queries whose caller gave up and that are being
   * cancelled, a promise that settles once they have ended (or the client was destroyed because one did not stop
   * within `cancelTimeoutMs`); otherwise undefined.
   */
  whenCancelled(): Promise<void> | undefined {
    if (this.#cancelled.size === 0 || this.#cancelled.size !== this.#session.size) return undefined;
    return Promise.allSettled([...this.#cancelled].map((op) => op.promise)).then(() => undefined);
  }

  /** Whether the connection uses TLS. */
  get tls(): boolean {
    return this.#transport.tls;
  }

  /**
   * Run one statement on the extended protocol with `$1..$n` parameters sent separately from the SQL text.
   * Statements are prepared and cached automatically unless `prepare: false`.
   */
  query<R extends unknown[] = unknown[]>(text: string, params: readonly unknown[] | undefined, options: QueryOptions & ArrayRows): Promise<Result<R>>;
  query<R = Record<string, unknown>>(text: string, params?: readonly unknown[], options?: QueryOptions): Promise<Result<R>>;
  query<R>(text: string, params: readonly unknown[] = [], options: QueryOptions = {}): Promise<Result<R>> {
    return runQuery(this.#target, text, params, options) as Promise<Result<R>>;
  }

  /**
   * Tagged-template query: ``client.sql`SELECT * FROM ${sql.id('t')} WHERE id = ${id} AND tag = ANY(${tags})` ``. Each
   * interpolated value is sent as a `$n` parameter (never spliced into the text); identifiers only through `sql.id()`;
   * lists as one array parameter. Runs like query(text, params) with default options.
   */
  sql<R = Record<string, unknown>>(strings: TemplateStringsArray, ...values: unknown[]): Promise<Result<R>> {
    return runTemplate(strings, values, (text, params) => this.query<R>(text, params));
  }

  /**
   * Run one or more `;`-separated statements on the simple-query protocol; one Result per statement. It takes no
   * parameters: never build SQL text from untrusted input — use query() with `$n` parameters instead.
   */
  simpleQuery<R extends unknown[] = unknown[]>(text: string, options: SimpleQueryOptions & ArrayRows): Promise<Result<R>[]>;
  simpleQuery<R = Record<string, unknown>>(text: string, options?: SimpleQueryOptions): Promise<Result<R>[]>;
  simpleQuery<R>(text: string, options: SimpleQueryOptions = {}): Promise<Result<R>[]> {
    return runSimpleQuery(this.#target, text, options) as Promise<Result<R>[]>;
  }

  /** Prepare a named statement explicitly. It stays on the server until `close()`. */
  async prepare(text: string, options: PrepareOptions = {}): Promise<PreparedStatement> {
    return this.#preparedStatement(await runPrepare(this.#target, text, options));
  }

  /**
   * Stream the rows of one statement in batches of `fetchSize`, pulled as the consumer reads (`for await`, or
   * `.toReadable()`). The statement is sent at the first pull; from then until the stream has ended, was closed
   * (`break` closes it), failed, was aborted or timed out idle, it holds this connection: other queries issued on
   * this client wait in order behind it. `queryTimeoutMs` does not apply; use `signal` and `idleTimeoutMs`.
   */
  stream<R extends unknown[] = unknown[]>(text: string, params: readonly unknown[] | undefined, options: StreamOptions & ArrayRows): RowStream<R>;
  stream<R = Record<string, unknown>>(text: string, params?: readonly unknown[], options?: StreamOptions): RowStream<R>;
  stream<R>(text: string, params: readonly unknown[] = [], options: StreamOptions = {}): RowStream<R> {
    const channel = this.streamChannel(text, params, options);
    return new RowStream<R>(() => channel, options);
  }

  /**
   * @internal The connection side of a stream of `text` (what {@link RowStream} runs its portal on), for client.stream()
   * and the pool's streams. Checks the call first: throws UsageError or ClientClosedError.
   */
  streamChannel(text: string, params: readonly unknown[] = [], options: StreamOptions = {}): StreamChannel {
    return openStream(this.#target, text, params, options);
  }

  /**
   * Run one write statement (INSERT, UPDATE, DELETE; no RETURNING) once per row of `rows`, in chunks of
   * N × (Bind, Execute) + Sync: CrateDB runs each chunk as one bulk operation (docs/cratedb-wire.md "Bulk execution"). Resolves with one
   * count per row; rows that failed or were not applied are listed, not thrown. Rejects before sending anything for an
   * empty statement, uneven rows, or a statement that returns rows; with a BulkInterruptedError carrying the partial
   * result when the connection is lost mid-batch. On PostgreSQL a failing row rolls back its chunk.
   */
  executeMany(text: string, rows: readonly (readonly unknown[])[], options: ExecuteManyOptions = {}): Promise<BulkResult> {
    return runExecuteMany(this.#target, text, rows, options);
  }

  /**
   * Load rows into `table` fast, as column batches: one `INSERT … SELECT * FROM UNNEST($1, …)` per `batchSize` rows
   * (default 10,000), each column sent as one binary array (timestamps as epoch milliseconds on CrateDB). `rows` are
   * arrays of values in the order of `columns`. Names follow the project's one quoting rule (`quoteIdentifier`):
   * dot-separated parts, each the exact name (`'doc.Events'` is table `Events` in schema `doc`), a double-quoted part
   * kept as written (`'doc."my.table"'`). The column types are described once per call unless given
   * (`columnTypes`). Rejects before sending any row for bad names, ragged rows, unknown columns, unsupported column
   * types or values of the wrong type. Resolves with counts only — for per-row outcomes use executeMany().
   */
  bulkInsert(table: string, columns: readonly string[], rows: readonly (readonly unknown[])[], options: BulkInsertOptions = {}): Promise<BulkInsertResult> {
    return runBulkInsert(this.#target, table, columns, rows, options);
  }

  /**
   * Run `fn` inside BEGIN … COMMIT on this connection and resolve with its result; ROLLBACK and rethrow when it throws,
   * ROLLBACK and a UsageError when it caught the error of a failed statement (COMMIT would silently roll back).
   * Called again inside `fn` (on the `tx` it receives, which is this client), it opens a SAVEPOINT instead: the inner
   * work is rolled back alone and the outer transaction goes on. Queries issued on this client by other code while
   * `fn` runs join the transaction: use a pool to keep them apart. PostgreSQL only: on CrateDB, which has no
   * transactions, it throws a UsageError before sending anything.
   */
  async transaction<T>(fn: (tx: Client) => Promise<T>, mode: TransactionMode = {}): Promise<T> {
    this.#checkUsable();
    if (typeof fn !== 'function') throw new UsageError('transaction(fn, mode): fn must be an async function that receives the client');
    checkTransactions(this, 'client.transaction()');
    const depth = this.#transactionDepth;
    if (depth === 0 && this.transactionStatus !== 'I') {
      throw new UsageError(`transaction(): this connection is already in a transaction (status ${this.transactionStatus}) begun outside transaction(); end it with COMMIT or ROLLBACK first`);
    }
    if (depth > 0 && (mode.isolationLevel !== undefined || mode.readOnly !== undefined)) {
      throw new UsageError('A nested transaction() runs in a savepoint of the outer one; isolationLevel and readOnly apply to the outermost call only');
    }
    const run = async (): Promise<T> => {
      this.#transactionDepth = depth + 1;
      try {
        return await fn(this);
      } finally {
        this.#transactionDepth = depth;
      }
    };
    return depth === 0 ? runTransaction(this, run, mode) : runSavepoint(this, run, `cw_savepoint_${depth}`);
  }

  /**
   * Graceful close: new queries are refused, queued ones may finish within `closeTimeoutMs`, then Terminate is sent.
   * After the deadline, whatever is still queued is rejected and the socket destroyed.
   */
  async close(): Promise<void> {
    if (this.#state !== 'open') return this.#closed;
    this.#state = 'closing';
    const idle = await this.#waitIdle(this.#config.closeTimeoutMs);
    if (!idle || this.#session.failure !== undefined) {
      this.destroy(new ClientClosedError(`The client was closed while queries were still running after closeTimeoutMs=${this.#config.closeTimeoutMs}`));
      return this.#closed;
    }
    this.#state = 'closed';
    this.#session.fail(new ClientClosedError());
    this.#flush();
    this.#transport.socket.end(TERMINATE);
    const timer = setTimeout(() => this.#transport.socket.destroy(), this.#config.closeTimeoutMs);
    await this.#closed;
    clearTimeout(timer);
  }

  /** Immediate close: every queued and running query rejects (with `reason` or a ClientClosedError). */
  destroy(reason?: Error): void {
    this.#state = 'closed';
    this.#session.fail(reason ?? new ClientClosedError('The client was destroyed'));
    this.#transport.socket.destroy();
  }

  /** `await using client = await connect(...)` closes the client gracefully. */
  async [Symbol.asyncDispose](): Promise<void> {
    await this.close();
  }

  [inspect.custom](): string {
    const info = this.#serverInfo;
    const server = info === undefined ? 'connecting' : info.isCrate ? `CrateDB ${info.crateVersion}` : `PostgreSQL ${info.serverVersion}`;
    return `Client { ${this.#config.user}@${this.#host.host}:${this.#host.port}/${this.#config.database}, ${server}, tls: ${this.#transport.tls}, state: ${this.#state} }`;
  }

  async #startup(password: string | undefined, signal: AbortSignal): Promise<void> {
    const op = new StartupOperation({
      user: this.#config.user,
      database: this.#config.database,
      applicationName: this.#config.applicationName,
      options: this.#config.options,
      password,
      tls: this.#transport.tls,
      allowCleartextPasswordWithoutTls: this.#config.allowCleartextPasswordWithoutTls,
      host: this.#host.host,
      port: this.#host.port,
    });
    const onAbort = (): void => op.fail(signal.reason as Error);
    signal.addEventListener('abort', onAbort, { once: true });
    this.#session.enqueue(op);
    try {
      this.#key = await op.promise;
    } finally {
      signal.removeEventListener('abort', onAbort);
    }
    this.#serverInfo = buildServerInfo(this.#parameters, this.#key.processId);
    this.#registry = new TypeRegistry({
      int8: this.#config.int8,
      numeric: this.#config.numeric,
      isCrate: this.#serverInfo.isCrate,
      types: this.#config.types,
    });
    if (this.#serverInfo.canPipeline) this.#session.enablePipelining(this.#config.pipelineDepth);
  }

  /**
   * Forget every cached prepared statement (they are closed on the server with the next query), on this connection and,
   * for a pooled connection, on every connection of its pool. DDL run through cratewire does this by itself; call it
   * after another program changed the schema (on CrateDB a cached `SELECT *` keeps its old columns until then).
   */
  clearStatementCache(): void {
    this.#cache?.schemaChanged();
  }

  #requestTarget(): RequestTarget {
    const session = this.#session;
    const client = this;
    return {
      config: this.#config,
      host: this.#host,
      get serverInfo() {
        return client.#serverInfo;
      },
      get registry() {
        return client.#registry as TypeRegistry;
      },
      cache: this.#cache,
      shapes: this.#shapes,
      checkUsable: () => this.#checkUsable(),
      nextStatementName: () => `cw_p${++this.#statementCounter}`,
      enqueue: (op) => session.enqueue(op),
      remove: (op) => session.remove(op),
      isActive: (op) => session.isActive(op),
      cancel: (op) => {
        this.#cancelRunning(op);
        this.#cancelled.add(op);
        const settled = (): void => void this.#cancelled.delete(op);
        op.promise.then(settled, settled);
      },
    };
  }

  /**
   * CancelRequest on a fresh socket (TLS when this one is). Queued queries wait until the cancel socket has closed,
   * so a late cancel cannot hit them; if the server does not stop the query soon after, the connection is destroyed.
   */
  #cancelRunning(op: QueuedOperation): void {
    this.#session.hold();
    const grace = setTimeout(() => {
      if (!op.settled) this.destroy(new ConnectionClosedError('The server did not stop a cancelled query; the connection was closed'));
    }, this.#config.cancelTimeoutMs);
    op.promise.then(
      () => clearTimeout(grace),
      () => clearTimeout(grace),
    );
    sendCancelRequest({
      host: this.#host.host,
      port: this.#host.port,
      ssl: this.#transport.tls ? this.#config.ssl : { ...this.#config.ssl, mode: 'disable' },
      keepAlive: false,
      keepAliveInitialDelayMs: 0,
      processId: this.#key.processId,
      secretKey: this.#key.secretKey,
      timeoutMs: this.#config.cancelTimeoutMs,
    }).then(
      () => this.#session.release(),
      () => {
        this.#session.release();
        if (!op.settled) this.destroy(new ConnectionClosedError('Could not send a CancelRequest; the connection was closed to stop the query'));
      },
    );
  }

  #preparedStatement(info: StatementInfo): PreparedStatement {
    let closed = false;
    // Not async, like query(): one promise layer fewer per execution; bad input still rejects.
    const run = <R>(params: readonly unknown[] = [], options: Omit<QueryOptions, 'prepare' | 'paramTypes'> = {}): Promise<Result<R>> =>
      closed
        ? Promise.reject(new UsageError('This prepared statement was closed; prepare it again'))
        : (runExecute(this.#target, info, params, options) as Promise<Result<R>>);
    return {
      text: info.text,
      paramTypes: info.paramTypes,
      fields: info.shape?.fields ?? [],
      execute: run,
      close: async () => {
        if (closed) return;
        closed = true;
        if (this.#state !== 'open') return;
        await runCloseStatement(this.#target, info);
      },
    };
  }

  #checkUsable(): void {
    if (this.#state !== 'open') {
      const failure = this.#session.failure;
      throw failure instanceof ConnectionClosedError || failure instanceof ProtocolError
        ? new ClientClosedError(`The connection was lost (${failure.message}); create a new connection with connect()`, { cause: failure })
        : new ClientClosedError();
    }
  }

  #waitIdle(timeoutMs: number): Promise<boolean> {
    if (this.#session.idle) return Promise.resolve(true);
    return new Promise<boolean>((resolve) => {
      const timer = setTimeout(() => resolve(false), timeoutMs);
      this.#idleWaiters.push(() => {
        clearTimeout(timer);
        resolve(true);
      });
    });
  }

  #notice(n: NoticeMessage): void {
    const hook = this.#config.onNotice;
    if (hook === undefined) return;
    const notice: Notice = { severity: n.severity, sqlstate: n.code, message: n.message, detail: n.detail, hint: n.hint, where: n.where };
    hook(notice);
  }

  /** The socket failed or closed. */
  #lost(err: Error | undefined): void {
    if (this.#session.failure !== undefined) {
      this.#state = 'closed';
      return;
    }
    const wasOpen = this.#state !== 'closed';
    this.#state = 'closed';
    if (!wasOpen) return;
    const where = `${this.#host.host}:${this.#host.port}`;
    this.#session.fail(
      new ConnectionClosedError(
        err === undefined ? `The server closed the connection (${where})` : `The connection to ${where} failed: ${err.message}`,
        { host: this.#host.host, port: this.#host.port, cause: err },
      ),
    );
  }
}
