/**
 * The one request path of a connection, for every operation kind — query, prepared execute, prepare, simpleQuery,
 * stream, executeMany, bulkInsert: check the call's input, build its operation, queue it, and own its signal, timeout
 * and cancel. Modelled on undici's core/request.js: the client keeps the queue and the socket (it implements
 * {@link RequestTarget}); everything about one call is here (docs/design.md "One query end to end").
 */
import type { TypeRegistry } from '../codecs/registry.js';
import type { ResolvedConfig } from '../config.js';
import { isQueryTraced, traceQuery } from '../diagnostics.js';
import { ConnectionError, CrateDbError, DatabaseError, QueryTimeoutError, UsageError } from '../errors.js';
import type { SessionOperation } from '../protocol/session.js';
import { isSchemaChange } from '../sql/classify.js';
import { MAX_TIMER_MS } from '../timers.js';
import { checkBulkInput, emptyBulkResult } from './bulk-api.js';
import { BulkInsertOperation, encodeBulkInsert } from './bulk-insert.js';
import { checkBulkInsertInput } from './bulk-insert-plan.js';
import { BulkOperation } from './bulk.js';
import { ExtendedQuery, type ExtendedQueryInit } from './extended.js';
import type { QueryOperation } from './operation.js';
import { PortalOperation } from './portal.js';
import { streamSink } from './row-sink.js';
import { CloseStatementOperation, PrepareOperation } from './prepared.js';
import type { ShapeMemo } from './result.js';
import { SimpleQuery } from './simple.js';
import type { StatementCache, StatementInfo } from './statement-cache.js';
import { resolveStreamSettings, type StreamChannel } from './stream.js';
import type {
  BulkInsertOptions,
  BulkInsertResult,
  BulkResult,
  ExecuteManyOptions,
  HostPort,
  PrepareOptions,
  QueryOptions,
  Result,
  ServerInfo,
  SimpleQueryOptions,
  StreamOptions,
} from '../types.js';

/** An operation as the connection queues and cancels it (every QueryOperation is one). */
export interface QueuedOperation extends SessionOperation {
  readonly promise: Promise<unknown>;
  readonly settled: boolean;
}

/** What a request needs of its connection. The client implements it: it keeps the operation queue and the socket. */
export interface RequestTarget {
  readonly config: ResolvedConfig;
  readonly host: HostPort;
  /** Undefined until startup has finished. */
  readonly serverInfo: ServerInfo | undefined;
  readonly registry: TypeRegistry;
  /** The automatic statement cache (undefined with `statementCacheSize: 0`). */
  readonly cache: StatementCache | undefined;
  readonly shapes: ShapeMemo;
  /** Throws ClientClosedError when the connection takes no more work. */
  checkUsable(): void;
  /** A fresh name for an explicitly prepared statement. */
  nextStatementName(): string;
  /** Queue `op` behind the operations already queued. */
  enqueue(op: QueuedOperation): void;
  /** Remove `op` if it has not started; false when it is running (or done). */
  remove(op: QueuedOperation): boolean;
  /** Whether `op` is the one running now. */
  isActive(op: QueuedOperation): boolean;
  /** Ask the server to stop the running `op` (CancelRequest); the connection is destroyed if it does not stop. */
  cancel(op: QueuedOperation): void;
}

/** What every call's options share. */
interface CallOptions {
  signal?: AbortSignal | undefined;
  timeoutMs?: number | undefined;
}

/** query(): check, build the extended query, run it. Not async: one promise layer fewer per query; bad input still rejects. */
export function runQuery(target: RequestTarget, text: string, params: readonly unknown[], options: QueryOptions): Promise<Result<unknown>> {
  let op: ExtendedQuery;
  try {
    checkStatementCall(target, 'query', text, params, options);
    op = new ExtendedQuery(extendedInit(target, text, params, options, undefined, mayPipeline(target, options)));
  } catch (err) {
    return Promise.reject(err);
  }
  return run(target, op, options, text, params);
}

/** A prepared statement's execute(): like query(), for a statement already parsed and described. */
export function runExecute(target: RequestTarget, info: StatementInfo, params: readonly unknown[], options: Omit<QueryOptions, 'prepare' | 'paramTypes'>): Promise<Result<unknown>> {
  let op: ExtendedQuery;
  try {
    target.checkUsable();
    if (!Array.isArray(params)) throw new UsageError('execute(params, options): params must be an array of values');
    checkCallOptions('execute', options);
    op = new ExtendedQuery(extendedInit(target, info.text, params, options, info, mayPipeline(target, options)));
  } catch (err) {
    return Promise.reject(err);
  }
  return run(target, op, options, info.text, params);
}

/** prepare(): Parse + Describe of a named statement. */
export async function runPrepare(target: RequestTarget, text: string, options: PrepareOptions): Promise<StatementInfo> {
  target.checkUsable();
  checkText(text);
  checkCallOptions('prepare', options);
  checkStatementLength(target, text);
  const op = new PrepareOperation(target.nextStatementName(), text, options.paramTypes ?? [], target.registry);
  return run(target, op, options, text, undefined);
}

/** A prepared statement's close(). */
export function runCloseStatement(target: RequestTarget, info: StatementInfo): Promise<void> {
  return run(target, new CloseStatementOperation(info.name), {}, info.text, undefined);
}

/** simpleQuery(): one or more statements on the simple-query protocol. */
export async function runSimpleQuery(target: RequestTarget, text: string, options: SimpleQueryOptions): Promise<Result<unknown>[]> {
  target.checkUsable();
  checkText(text);
  checkCallOptions('simpleQuery', options);
  const op = new SimpleQuery({ text, rowMode: options.rowMode ?? 'object', registry: target.registry, maxResultBytes: target.config.maxResultBytes });
  return run(target, op, options, text, undefined);
}

/** executeMany(): one write statement, N × (Bind, Execute) per chunk. */
export async function runExecuteMany(target: RequestTarget, text: string, rows: readonly (readonly unknown[])[], options: ExecuteManyOptions): Promise<BulkResult> {
  target.checkUsable();
  checkText(text);
  const settings = checkBulkInput(text, rows, options);
  checkCallOptions('executeMany', options);
  checkParameterCount(target, rows[0]?.length ?? 0);
  checkStatementLength(target, text);
  if (rows.length === 0) return emptyBulkResult();
  const op = new BulkOperation({ ...settings, text, rows, registry: target.registry, transactional: serverInfo(target).transactions });
  return run(target, op, options, text, undefined);
}

/** bulkInsert(): column batches through UNNEST (CrateDB) or binary COPY (PostgreSQL). */
export async function runBulkInsert(
  target: RequestTarget,
  table: string,
  columns: readonly string[],
  rows: readonly (readonly unknown[])[],
  options: BulkInsertOptions,
): Promise<BulkInsertResult> {
  target.checkUsable();
  checkCallOptions('bulkInsert', options);
  const { target: into, batchSize } = checkBulkInsertInput(table, columns, rows, options);
  if (rows.length === 0) return { inserted: 0, failed: 0, errors: [] };
  const isCrate = serverInfo(target).isCrate;
  const types = options.columnTypes;
  const encoded = types === undefined ? undefined : encodeBulkInsert(into, types, rows, batchSize, isCrate);
  const op = new BulkInsertOperation({ target: into, encoded, rows, batchSize, isCrate });
  return run(target, op, options, encoded?.text ?? `bulkInsert into ${into.table}`, undefined);
}

/**
 * stream(): check the call now and hand back the channel a RowStream runs its portal on. The stream owns the pull
 * state and listens to its signal; stopping the portal (drop it while queued, cancel it while the server runs it) is
 * decided here, as for every other operation.
 */
export function openStream(target: RequestTarget, text: string, params: readonly unknown[], options: StreamOptions): StreamChannel {
  checkStatementCall(target, 'stream', text, params, options);
  const settings = resolveStreamSettings(options);
  let op: PortalOperation | undefined;
  return {
    open: (consumer) => {
      target.checkUsable();
      // Never pipelined (it holds the connection between batches); rows are bounded per batch, not by maxResultBytes.
      const init = extendedInit(target, text, params, options, undefined, false);
      const portal = new PortalOperation({ ...init, maxResultBytes: 0, fetchSize: settings.fetchSize, maxBatchBytes: settings.maxBatchBytes }, streamSink(options, consumer));
      target.enqueue(portal);
      watchSchemaChange(target, portal.promise, text);
      op = portal;
      return portal;
    },
    stop: (cancel) => {
      if (op === undefined) return;
      if (target.remove(op)) {
        op.fail(new UsageError('The stream was closed before its statement was sent'));
        return;
      }
      // A server that ignores maxRows may still have the rest of a huge result to send: cancelling stops it at once
      // (on a real CrateDB 6.4.3, break after 1,500 of 500,000 rows: the connection was free again after ~15 ms with a
      // cancel, ~300 ms when the rest was read and dropped). A batch the server bounded itself is only read and dropped.
      if ((cancel || op.overflowing) && op.fetching) target.cancel(op);
      op.close();
    },
    decorate: (err) => decorate(err, text, params),
  };
}

/** Queue `op` under the call's signal and timeout; decorate its error with the query and the caller's stack. */
function run<T>(target: RequestTarget, op: QueryOperation<T>, options: CallOptions, text: string, params: readonly unknown[] | undefined): Promise<T> {
  // Per-query hot path: build the trace closures only when someone subscribed.
  if (!isQueryTraced()) return runTraced(target, op, options, text, params);
  return traceQuery(
    () => ({
      text,
      paramCount: params?.length ?? 0,
      host: target.host.host,
      port: target.host.port,
      database: target.config.database,
      user: target.config.user,
    }),
    () => runTraced(target, op, options, text, params),
  );
}

async function runTraced<T>(target: RequestTarget, op: QueryOperation<T>, options: CallOptions, text: string, params: readonly unknown[] | undefined): Promise<T> {
  const signal = options.signal;
  const timeoutMs = options.timeoutMs ?? target.config.queryTimeoutMs;
  if (signal?.aborted === true) throw signal.reason;
  target.enqueue(op);
  watchSchemaChange(target, op.promise, text);
  try {
    if (signal === undefined && !(timeoutMs > 0)) return await op.promise;
    return await underDeadline(target, op, signal, timeoutMs);
  } catch (err) {
    throw decorate(err, text, params);
  }
}

/**
 * The one deadline of every operation kind. When the signal aborts or `timeoutMs` passes, the caller's promise rejects
 * at once; the operation is told to send nothing more (executeMany and bulkInsert send in steps: a CancelRequest that
 * lands between two of them is ignored by the server), dropped while queued, and cancelled while it runs.
 */
function underDeadline<T>(target: RequestTarget, op: QueryOperation<T>, signal: AbortSignal | undefined, timeoutMs: number): Promise<T> {
  op.promise.catch(() => undefined);
  return new Promise<T>((resolve, reject) => {
    let timer: NodeJS.Timeout | undefined;
    const cleanup = (): void => {
      if (timer !== undefined) clearTimeout(timer);
      signal?.removeEventListener('abort', onAbort);
    };
    const abort = (reason: unknown): void => {
      cleanup();
      if (op.settled) return;
      op.abandon();
      if (!target.remove(op) && target.isActive(op)) target.cancel(op);
      reject(reason);
    };
    const onAbort = (): void => abort(signal?.reason);
    signal?.addEventListener('abort', onAbort, { once: true });
    if (timeoutMs > 0) timer = setTimeout(() => abort(new QueryTimeoutError(timeoutMs)), timeoutMs);
    op.promise.then(
      (value) => {
        cleanup();
        resolve(value);
      },
      (err: unknown) => {
        cleanup();
        reject(err);
      },
    );
  });
}

/** The settings of one extended query — query(), a prepared statement's execute(), stream() — assembled in one place. */
function extendedInit(
  target: RequestTarget,
  text: string,
  params: readonly unknown[],
  options: Pick<QueryOptions, 'rowMode' | 'prepare' | 'paramTypes'>,
  statement: StatementInfo | undefined,
  pipeline: boolean,
): ExtendedQueryInit {
  return {
    text,
    values: params,
    rowMode: options.rowMode ?? 'object',
    registry: target.registry,
    maxResultBytes: target.config.maxResultBytes,
    // An explicitly prepared statement is described already: no declared types, no automatic cache.
    paramTypes: statement === undefined ? options.paramTypes : undefined,
    cache: statement !== undefined || options.prepare === false ? undefined : target.cache,
    statement,
    pipeline,
    shapes: target.shapes,
    binaryResults: target.config.binaryResults,
  };
}

/** A query with a signal or deadline is never pipelined: its CancelRequest must hit it, not a neighbour. */
function mayPipeline(target: RequestTarget, options: CallOptions): boolean {
  return options.signal === undefined && !((options.timeoutMs ?? target.config.queryTimeoutMs) > 0);
}

/**
 * DDL empties the statement cache once it has run (whatever its outcome), here and on every connection of the same
 * pool: a cached `SELECT *` would keep its old columns on CrateDB, and a cached statement whose table was dropped
 * fails (docs/cratedb-wire.md "Statements and DDL"). Decided from the statement text, never from the command tag.
 */
function watchSchemaChange(target: RequestTarget, done: Promise<unknown>, text: string): void {
  const cache = target.cache;
  if (cache === undefined || !isSchemaChange(text)) return;
  const changed = (): void => cache.schemaChanged();
  done.then(changed, changed);
}

function serverInfo(target: RequestTarget): ServerInfo {
  return target.serverInfo as ServerInfo;
}

/** The checks of a call that sends one statement with `$n` parameters (query, stream). */
function checkStatementCall(target: RequestTarget, method: string, text: string, params: readonly unknown[], options: unknown): void {
  target.checkUsable();
  checkText(text);
  if (!Array.isArray(params)) throw new UsageError(`${method}(text, params, options): params must be an array of values`);
  checkCallOptions(method, options);
  checkParameterCount(target, params.length);
  checkStatementLength(target, text);
}

/**
 * Bind carries the parameter count as a 16-bit integer: PostgreSQL reads it unsigned (65 535 at most), CrateDB
 * signed (32 767). Beyond that the count would wrap and the server would misread the message, so fail before sending.
 */
function checkParameterCount(target: RequestTarget, count: number): void {
  const info = target.serverInfo;
  const max = info?.maxParameters ?? 65_535;
  if (count > max) {
    throw new UsageError(
      `Too many parameters: ${count}; ${info?.isCrate === true ? 'CrateDB' : 'PostgreSQL'} accepts at most ${max} per statement. ` +
        'Pass a list as one array parameter (e.g. = ANY($1)), or split the statement',
    );
  }
}

/** CrateDB refuses Parse text longer than `statement_max_length` (docs/cratedb-wire.md "Size limits"); fail before sending. */
function checkStatementLength(target: RequestTarget, text: string): void {
  const max = target.serverInfo?.statementMaxLength;
  if (max !== undefined && text.length > max) {
    throw new UsageError(
      `The statement is ${text.length} characters long, more than CrateDB's statement_max_length (${max}); replace inline values with $n parameters or use executeMany()`,
    );
  }
}

const ROW_MODES: readonly unknown[] = ['object', 'array'];

/**
 * The options every call shares, checked before anything is queued: a wrong one would otherwise be ignored silently
 * (a negative timeout, an unknown row mode) or fail half-way (a signal that is not an AbortSignal).
 */
function checkCallOptions(method: string, options: unknown): void {
  if (typeof options !== 'object' || options === null || Array.isArray(options)) {
    const hint = method === 'simpleQuery' && Array.isArray(options) ? '; simpleQuery() takes no parameters, use query(text, params) for $n parameters' : '';
    throw new UsageError(`${method}(): options must be an object${hint}`);
  }
  const { signal, timeoutMs, rowMode } = options as { signal?: unknown; timeoutMs?: unknown; rowMode?: unknown };
  if (signal !== undefined && !(signal instanceof AbortSignal)) {
    throw new UsageError(`${method}(): options.signal must be an AbortSignal (e.g. AbortSignal.timeout(ms))`);
  }
  if (timeoutMs !== undefined && (typeof timeoutMs !== 'number' || !Number.isInteger(timeoutMs) || timeoutMs < 0 || timeoutMs > MAX_TIMER_MS)) {
    throw new UsageError(`${method}(): options.timeoutMs must be an integer from 0 (no timeout) to ${MAX_TIMER_MS}, got ${describeGiven(timeoutMs)}`);
  }
  if (rowMode !== undefined && !ROW_MODES.includes(rowMode)) {
    throw new UsageError(`${method}(): options.rowMode must be 'object' or 'array', got ${String(rowMode)}`);
  }
}

/** A value as the caller wrote it: a string stays quoted, so `'100'` is not mistaken for the number 100. */
function describeGiven(value: unknown): string {
  return typeof value === 'string' ? JSON.stringify(value) : String(value);
}

function checkText(text: unknown): asserts text is string {
  if (typeof text !== 'string') throw new UsageError(`The SQL text must be a string, got ${typeof text}`);
}

/** Attach query text and parameters (non-enumerable) and the caller's async stack to a database error. */
function decorate(err: unknown, text: string, params: readonly unknown[] | undefined): unknown {
  if (err instanceof DatabaseError) {
    if (err.query === undefined) err.attachQuery(text, params);
    Error.captureStackTrace(err);
  } else if (err instanceof CrateDbError && !(err instanceof ConnectionError)) {
    Error.captureStackTrace(err);
  }
  return err;
}
