/**
 * The statement step every extended-protocol operation shares (query/extended.ts, query/portal.ts): Parse (skipped
 * on a cache hit), Describe, Bind, and the re-prepare of a cached statement the server lost. What follows each Bind
 * (Execute + Sync, or Execute(maxRows) + Flush) is the operation's; where the rows go, and in which formats, is its
 * row sink's (row-sink.ts).
 *
 * Parameters are text. When a value's text form depends on the column type (a Date for a `date` column, `[lon, lat]`
 * for a `geo_point`; docs/cratedb-wire.md "Parameter text parsing") and the statement's parameter types are not known
 * yet, the statement is described first (Parse + Describe + Flush, one extra round trip, once per cached statement)
 * and each value is encoded for its type. The sink may ask for the same to choose result formats. Otherwise
 * everything goes in one write.
 */
import { needsDescribe, type EncodedParam, type TypeRegistry } from '../codecs/registry.js';
import type { DatabaseError } from '../errors.js';
import { countPlaceholders } from '../sql/scanner.js';
import { DESCRIBE_UNNAMED_PORTAL, FLUSH, SYNC, encodeBind, encodeDescribeStatement, encodeParse, encodeUnnamedParse } from '../protocol/frontend.js';
import { isStaleStatementError } from '../protocol/server-info.js';
import type { OperationIO } from '../protocol/session.js';
import type { BackendMessage, ParameterDescriptionMessage, RowDescriptionMessage } from '../protocol/wire.js';
import { closeStatementMessages, wrongParameterCount } from './operation.js';
import { fieldsFrom, RowShape, type ShapeMemo } from './result.js';
import type { RowSink } from './row-sink.js';
import { statementKey, type StatementCache, type StatementInfo } from './statement-cache.js';
import type { BinaryResultsMode, RowMode } from '../types.js';

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

/** `describing`: Parse + Describe sent, Bind waits for the description. `executing`: bound. `syncing`: Sync sent after a failure. */
export type StatementPhase = 'describing' | 'executing' | 'syncing';

/** What the step needs from the operation that owns it. */
export interface StatementOwner {
  /** Where the rows go; chooses the result formats. */
  readonly sink: RowSink;
  /** The messages that follow each Bind. */
  afterBind(): readonly Buffer[];
  /** Record the operation's error (reported at ReadyForQuery). */
  recordError(err: Error): void;
}

/** Prepares, describes and binds one statement for its owning operation. */
export class StatementStep {
  readonly #init: ExtendedQueryInit;
  readonly #owner: StatementOwner;
  #phase: StatementPhase = 'executing';
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
  #shape: RowShape | undefined;
  /** Parameters encoded before a describe that only chooses result formats. */
  #encodedEarly: EncodedParam[] | undefined;

  constructor(init: ExtendedQueryInit, owner: StatementOwner) {
    this.#init = init;
    this.#owner = owner;
  }

  get phase(): StatementPhase {
    return this.#phase;
  }

  /** Result columns once described (or known from the cache); undefined for statements that return no rows. */
  get shape(): RowShape | undefined {
    return this.#shape;
  }

  /** Whether everything is sent at start: a known statement, or nothing that needs the statement described first. */
  sendsAllAtStart(): boolean {
    if (this.#started) return this.#phase === 'executing';
    if (this.#init.statement !== undefined) return true;
    const cache = this.#init.cache;
    if (cache !== undefined && cache.has(statementKey(this.#init.text, this.#init.paramTypes))) return true;
    return !this.#describeFirst();
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

  /** Messages of the step itself (Parse/Bind/Close completions, descriptions); false for any other message. */
  handle(msg: BackendMessage, io: OperationIO): boolean {
    switch (msg.name) {
      case 'parseComplete':
      case 'bindComplete':
      case 'closeComplete':
        return true;
      case 'parameterDescription':
        this.#paramTypes = (msg as ParameterDescriptionMessage).dataTypeIDs;
        return true;
      case 'rowDescription': {
        const description = msg as RowDescriptionMessage;
        const { shapes, registry, text } = this.#init;
        this.#described(shapes !== undefined && this.#name === '' ? shapes.shapeFor(text, description, registry) : new RowShape(fieldsFrom(description), registry), io);
        return true;
      }
      case 'noData':
        this.#described(undefined, io);
        return true;
      default:
        return false;
    }
  }

  /** An ErrorResponse arrived: while describing, nothing was bound yet, so Sync ends the exchange. */
  serverError(io: OperationIO): void {
    if (this.#phase === 'describing') this.#sync(io);
  }

  /**
   * At ReadyForQuery with `error`: a cached statement the server lost (26000, CrateDB `No statement found`, CrateDB
   * 42P01 after its table was dropped and created again) or whose result type changed (PostgreSQL 0A000) is dropped
   * from the cache and, unless another operation was pipelined behind it, prepared afresh and bound again. Returns
   * true when it was (the owner then clears its error and waits for the new run).
   */
  retryStale(error: Error | undefined, io: OperationIO): boolean {
    const stale = error !== undefined && this.#fromCache && !this.#retried && isStaleStatement(error);
    if (!stale) return false;
    this.#init.cache?.delete(this.#key as string);
    // Replies of later operations are already on their way: re-running now would answer out of order. The next run
    // of this SQL prepares it afresh.
    if (this.#pipelined) return false;
    this.#retried = true;
    this.#fromCache = false;
    this.#phase = 'executing';
    this.#prepareAndExecute(io);
    return true;
  }

  #describeFirst(): boolean {
    return this.#init.values.some(needsDescribe) || this.#owner.sink.describeFirst(this.#init.cache !== undefined);
  }

  #cached(): StatementInfo | undefined {
    const cache = this.#init.cache;
    if (cache === undefined) return undefined;
    this.#key = statementKey(this.#init.text, this.#init.paramTypes);
    const info = cache.get(this.#key);
    this.#fromCache = info !== undefined;
    return info;
  }

  /** The statement is parsed and described: Bind + what follows only. */
  #executeKnown(stmt: StatementInfo, io: OperationIO): void {
    // Thrown here, before anything is sent, an error fails the operation at once.
    const values = this.#encodeFor(stmt.paramTypes);
    this.#name = stmt.name;
    this.#setShape(stmt.shape === undefined ? undefined : this.#owner.sink.bindShape(stmt.shape));
    io.send(this.#bind(values, this.#closes(), this.#owner.afterBind()));
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
    const after = this.#owner.afterBind();
    if (this.#name === '') {
      io.send(this.#bind(values, [...this.#closes(), encodeUnnamedParse(this.#init.text, types)], [DESCRIBE_UNNAMED_PORTAL, ...after]));
      return;
    }
    const parse = encodeParse(this.#name, this.#init.text, types);
    io.send(this.#bind(values, [...this.#closes(), parse, encodeDescribeStatement(this.#name)], after));
  }

  /** RowDescription or NoData: remember the statement and, when describing first, send Bind now. */
  #described(shape: RowShape | undefined, io: OperationIO): void {
    const paramTypes = this.#paramTypes ?? [];
    if (this.#name !== '' && this.#key !== undefined && this.#init.cache !== undefined) {
      this.#init.cache.set(this.#key, { name: this.#name, text: this.#init.text, paramTypes, shape });
    }
    if (this.#phase !== 'describing') {
      this.#setShape(shape);
      return;
    }
    // Described before Bind (a statement's description is all text): the sink chooses the formats now.
    let values: EncodedParam[];
    try {
      this.#setShape(shape === undefined ? undefined : this.#owner.sink.bindShape(shape));
      values = this.#encodedEarly ?? this.#encodeFor(paramTypes);
    } catch (err) {
      this.#owner.recordError(err as Error);
      this.#sync(io);
      return;
    }
    this.#phase = 'executing';
    io.send(this.#bind(values, [], this.#owner.afterBind()));
  }

  #sync(io: OperationIO): void {
    this.#phase = 'syncing';
    io.send(SYNC);
  }

  #setShape(shape: RowShape | undefined): void {
    this.#shape = shape;
    this.#owner.sink.begin(shape);
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
