/**
 * One statement on the extended protocol: Parse (skipped on a cache hit) / Bind / Execute / Sync.
 *
 * Parameters are text. When a value's text form depends on the column type (a Date for a `date` column, `[lon, lat]`
 * for a `geo_point`; docs/cratedb-wire.md "Parameter text parsing") and the statement's parameter types are not known yet, the statement is
 * described first (Parse + Describe + Flush, one extra round trip, once per cached statement) and each value is
 * encoded for its type. Otherwise everything goes in one write.
 */
import { needsDescribe, type EncodedParam, type TypeRegistry } from '../codecs/registry.js';
import type { DatabaseError } from '../errors.js';
import { usesCopyProtocol } from '../sql/classify.js';
import { countPlaceholders } from '../sql/scanner.js';
import {
  DESCRIBE_UNNAMED_PORTAL,
  EXECUTE_UNNAMED,
  FLUSH,
  SYNC,
  encodeBind,
  encodeDescribeStatement,
  encodeParse,
  encodeUnnamedParse,
} from '../protocol/frontend.js';
import { isStaleStatementError } from '../protocol/server-info.js';
import type { OperationIO } from '../protocol/session.js';
import type { BackendMessage, CommandCompleteMessage, DataRow, ParameterDescriptionMessage, RowDescriptionMessage } from '../protocol/wire.js';
import { closeStatementMessages, QueryOperation, RowCollector, wrongParameterCount, type ByteBudget } from './operation.js';
import { fieldsFrom, parseCommandTag, RowShape, type CommandTag, type ShapeMemo } from './result.js';
import { statementKey, type StatementCache, type StatementInfo } from './statement-cache.js';
import type { BinaryResultsMode, Result, RowMode } from '../types.js';

/** Everything one extended query needs. */
export interface ExtendedQueryInit {
  readonly text: string;
  readonly values: readonly unknown[];
  readonly rowMode: RowMode;
  readonly registry: TypeRegistry;
  readonly maxResultBytes: number;
  /** Parameter type OIDs the caller declared, or undefined to let the server infer them. */
  readonly paramTypes: readonly number[] | undefined;
  /** The automatic statement cache; undefined runs the unnamed statement (`prepare: false`). */
  readonly cache: StatementCache | undefined;
  /** An explicitly prepared statement (client.prepare()); skips Parse. */
  readonly statement?: StatementInfo | undefined;
  /** May share a pipelined connection (PostgreSQL; the caller sets no signal or deadline). Default false. */
  readonly pipeline?: boolean;
  /** The connection's memo of unnamed statements' row shapes; without it every RowDescription builds a new shape. */
  readonly shapes?: ShapeMemo | undefined;
  /**
   * Result formats (result-formats.ts), chosen per column when the columns are known before Bind: a cached or
   * prepared statement, or an uncached one described first (one round trip, once per cached statement). The unnamed
   * statement (`prepare: false`) is described after Bind, so its results are text — unless it is described first for
   * its parameters anyway. (Formats taken from an unnamed statement's previous run would break when its column
   * count changes: Bind's format list must match it.) Default `never`.
   */
  readonly binaryResults?: BinaryResultsMode;
}

type Phase = 'describing' | 'executing' | 'syncing';

/** Runs one statement on the extended protocol and resolves with its Result. */
export class ExtendedQuery extends QueryOperation<Result<unknown>> {
  readonly #init: ExtendedQueryInit;
  readonly #budget: ByteBudget;
  readonly #onRowError = (err: Error): void => this.recordError(err);
  #phase: Phase = 'executing';
  /** Statement name ('' = unnamed) and, for cached statements, its cache key. */
  #name = '';
  #key: string | undefined;
  /** True when this run used a statement from the automatic cache (it may have been lost server-side). */
  #fromCache = false;
  #retried = false;
  #started = false;
  /** Another operation was in flight beside this one: no retry may send messages after its start. */
  #pipelined = false;
  #paramTypes: readonly number[] | undefined;
  #copy: boolean | undefined;
  #shape: RowShape | undefined;
  /** Parameters encoded before a describe that only chooses result formats. */
  #encodedEarly: EncodedParam[] | undefined;
  #collector: RowCollector | undefined;
  #tag: CommandTag | undefined;

  constructor(init: ExtendedQueryInit) {
    super();
    this.#init = init;
    this.#budget = { limit: init.maxResultBytes, used: 0 };
  }

  /**
   * Pipelinable when everything is sent at start — a known statement, or no value whose encoding needs the statement
   * described first — and the caller set no signal or deadline (a CancelRequest could hit a neighbour).
   */
  pipelinable(): boolean {
    // COPY's sub-protocol holds the connection until it is answered: nothing may be sent behind it.
    if (this.#init.pipeline !== true || (this.#copy ??= usesCopyProtocol(this.#init.text))) return false;
    if (this.#started) return this.#phase === 'executing';
    if (this.#init.statement !== undefined) return true;
    const cache = this.#init.cache;
    if (cache !== undefined && cache.has(statementKey(this.#init.text, this.#init.paramTypes))) return true;
    return !this.#describeFirst();
  }

  /** Parse + Describe + Flush before Bind: to encode values for their types, or to choose binary result columns. */
  #describeFirst(): boolean {
    if (this.#init.values.some(needsDescribe)) return true;
    return this.#init.cache !== undefined && this.#resultMode() !== 'never';
  }

  #resultMode(): BinaryResultsMode {
    return this.#init.binaryResults ?? 'never';
  }

  markPipelined(): void {
    this.#pipelined = true;
  }

  start(io: OperationIO): void {
    this.#started = true;
    const known = this.#init.statement ?? this.#cached();
    if (known !== undefined) this.#executeKnown(known, io);
    else this.#prepareAndExecute(io);
  }

  handle(msg: BackendMessage, io: OperationIO): boolean {
    switch (msg.name) {
      case 'parseComplete':
      case 'bindComplete':
      case 'closeComplete':
        return false;
      case 'parameterDescription':
        this.#paramTypes = (msg as ParameterDescriptionMessage).dataTypeIDs;
        return false;
      case 'rowDescription': {
        const description = msg as RowDescriptionMessage;
        const { shapes, registry, text } = this.#init;
        this.#described(shapes !== undefined && this.#name === '' ? shapes.shapeFor(text, description, registry) : new RowShape(fieldsFrom(description), registry), io);
        return false;
      }
      case 'noData':
        this.#described(undefined, io);
        return false;
      case 'dataRow':
        if (this.#collector === undefined) this.unexpected(msg, 'for a statement that returns no rows');
        this.#collector.add(msg as DataRow);
        return false;
      case 'commandComplete':
        this.#tag = parseCommandTag((msg as CommandCompleteMessage).text);
        return false;
      case 'emptyQuery':
        this.#tag = { command: '', count: null };
        return false;
      case 'error':
        this.recordServerError(msg);
        this.#serverError(io);
        return false;
      case 'readyForQuery':
        return this.#readyForQuery(io);
      default:
        // Streams end their batches with Flush: their Sync is still to come and must not be doubled.
        if (this.handleCopy(msg, io, this.executeMessages().at(-1) === SYNC)) return false;
        this.unexpected(msg, `in an extended query (${this.#phase})`);
    }
  }

  /**
   * What follows each Bind: Execute of the unnamed portal for all rows, then Sync. The streaming subclass
   * (query/portal.ts) asks for a bounded batch and Flushes instead, so the portal stays open.
   */
  protected executeMessages(): readonly Buffer[] {
    return [EXECUTE_UNNAMED, SYNC];
  }

  /** Result columns once described (or known from the cache); undefined for statements that return no rows. */
  protected get rowShape(): RowShape | undefined {
    return this.#shape;
  }

  #cached(): StatementInfo | undefined {
    const cache = this.#init.cache;
    if (cache === undefined) return undefined;
    this.#key = statementKey(this.#init.text, this.#init.paramTypes);
    const info = cache.get(this.#key);
    this.#fromCache = info !== undefined;
    return info;
  }

  /** The statement is parsed and described: Bind + Execute + Sync only. */
  #executeKnown(stmt: StatementInfo, io: OperationIO): void {
    const values = this.#encodeFor(stmt.paramTypes);
    this.#name = stmt.name;
    this.#setShape(stmt.shape?.forBind(this.#resultMode()));
    io.send(this.#bind(values, this.#closes(), this.executeMessages()));
  }

  /** Cache miss or unnamed statement. */
  #prepareAndExecute(io: OperationIO): void {
    // A re-run after a stale statement binds for the columns described now, not for the cached ones.
    this.#setShape(undefined);
    const cache = this.#init.cache;
    this.#name = cache === undefined ? '' : cache.nextName();
    const declared = this.#init.paramTypes ?? [];
    checkParameterCount(this.#init, declared);
    this.#encodedEarly = undefined;
    if (this.#init.values.some(needsDescribe)) {
      this.#phase = 'describing';
      const parse = encodeParse(this.#name, this.#init.text, declared);
      io.send([...this.#closes(), parse, encodeDescribeStatement(this.#name), FLUSH]);
      return;
    }
    const values = this.#init.values.map((v, i) => this.#init.registry.encode(v, declared[i] ?? 0, i));
    const types = values.map((v) => v.oid);
    if (this.#describeFirst()) {
      // Described only to choose the result formats: the parameters are encoded and declared as without it.
      this.#phase = 'describing';
      this.#encodedEarly = values;
      io.send([...this.#closes(), encodeParse(this.#name, this.#init.text, types), encodeDescribeStatement(this.#name), FLUSH]);
      return;
    }
    if (this.#name === '') {
      io.send(this.#bind(values, [...this.#closes(), encodeUnnamedParse(this.#init.text, types)], [DESCRIBE_UNNAMED_PORTAL, ...this.executeMessages()]));
      return;
    }
    const parse = encodeParse(this.#name, this.#init.text, types);
    io.send(this.#bind(values, [...this.#closes(), parse, encodeDescribeStatement(this.#name)], this.executeMessages()));
  }

  /** RowDescription or NoData: remember the statement and, when describing first, send Bind now. */
  #described(shape: RowShape | undefined, io: OperationIO): void {
    // Described before Bind (a statement's description is all text): choose the formats now.
    this.#setShape(this.#phase === 'describing' ? shape?.forBind(this.#resultMode()) : shape);
    const paramTypes = this.#paramTypes ?? [];
    if (this.#name !== '' && this.#key !== undefined && this.#init.cache !== undefined) {
      this.#init.cache.set(this.#key, { name: this.#name, text: this.#init.text, paramTypes, shape });
    }
    if (this.#phase !== 'describing') return;
    let values: EncodedParam[];
    try {
      values = this.#encodedEarly ?? this.#encodeFor(paramTypes);
    } catch (err) {
      this.recordError(err as Error);
      this.#phase = 'syncing';
      io.send(SYNC);
      return;
    }
    this.#phase = 'executing';
    io.send(this.#bind(values, [], this.executeMessages()));
  }

  #serverError(io: OperationIO): void {
    if (this.#phase === 'describing') {
      this.#phase = 'syncing';
      io.send(SYNC);
    }
  }

  /**
   * A cached statement the server lost (26000, CrateDB `No statement found`, CrateDB 42P01 after its table was
   * dropped and created again) or whose result type changed (PostgreSQL 0A000) is dropped from the cache and the query runs once more, prepared afresh.
   */
  #readyForQuery(io: OperationIO): boolean {
    const stale = this.error !== undefined && this.#fromCache && !this.#retried && isStaleStatement(this.error);
    if (!stale) return this.finish(() => this.#result());
    if (this.#pipelined) {
      // Replies of later operations are already on their way: re-running now would answer out of order. The next
      // run of this SQL prepares it afresh.
      this.#init.cache?.delete(this.#key as string);
      return this.finish(() => this.#result());
    }
    this.#retried = true;
    this.#fromCache = false;
    this.#init.cache?.delete(this.#key as string);
    this.error = undefined;
    this.#tag = undefined;
    this.#phase = 'executing';
    this.#prepareAndExecute(io);
    return false;
  }

  #result(): Result<unknown> {
    const rows = this.#collector?.rows ?? [];
    return {
      rows,
      fields: this.#shape?.fields ?? [],
      rowCount: this.#tag?.count ?? (this.#shape === undefined ? null : rows.length),
      command: this.#tag?.command ?? '',
    };
  }

  #setShape(shape: RowShape | undefined): void {
    this.#shape = shape;
    this.#collector = shape === undefined ? undefined : new RowCollector(shape, this.#init.rowMode, this.#budget, this.#onRowError);
  }

  #encodeFor(paramTypes: readonly number[]): EncodedParam[] {
    const values = this.#init.values;
    if (values.length !== paramTypes.length) throw wrongParameterCount(paramTypes.length, values.length, 'as the server described the statement');
    return values.map((v, i) => this.#init.registry.encode(v, paramTypes[i] as number, i));
  }

  /** Bind, written into one buffer with the messages that go before and after it. */
  #bind(values: readonly EncodedParam[], before: readonly Buffer[], after: readonly Buffer[]): Buffer {
    return encodeBind(this.#name, values.map((v) => v.text), before, after, this.#shape?.formats);
  }

  #closes(): Buffer[] {
    const cache = this.#init.cache;
    return cache === undefined ? [] : closeStatementMessages(cache.takeCloses());
  }
}

/**
 * Before anything is sent for a statement not described yet: as many values as its placeholders (the highest `$n`,
 * or on CrateDB also the number of `?`), or as its declared parameter types when more are declared. The server's own
 * errors for a wrong count are cryptic (42P18 "could not determine data type of parameter $2", 08P01 "bind message
 * supplies 1 parameters").
 */
function checkParameterCount(init: ExtendedQueryInit, declared: readonly number[]): void {
  const expected = Math.max(countPlaceholders(init.text, init.registry.isCrate), declared.length);
  if (expected !== init.values.length) {
    throw wrongParameterCount(expected, init.values.length, init.registry.isCrate ? 'counting its $n and ? placeholders' : 'counting its $n placeholders');
  }
}

/** Errors that mean a cached statement must be prepared again. */
function isStaleStatement(err: Error): boolean {
  const e = err as Partial<DatabaseError>;
  return isStaleStatementError(e.sqlstate, e.message);
}
