/**
 * Cancellation for Kysely queries. Kysely 0.28 passes no AbortSignal to its driver, so a plugin tags each query it
 * compiles (by its queryId object, which reaches the driver unchanged) and the driver hands the signal to cratewire,
 * which drops a queued query or sends a CancelRequest for a running one.
 */
import type { Kysely, KyselyPlugin, PluginTransformQueryArgs, PluginTransformResultArgs, QueryId, QueryResult, RootOperationNode, UnknownRow } from 'kysely';
import { UsageError } from '../index.js';

const SIGNALS = new WeakMap<QueryId, AbortSignal>();

/** The signal a query was compiled with, if any. */
export function signalOf(queryId: QueryId): AbortSignal | undefined {
  return SIGNALS.get(queryId);
}

class AbortSignalPlugin implements KyselyPlugin {
  readonly #signal: AbortSignal;

  constructor(signal: AbortSignal) {
    this.#signal = signal;
  }

  transformQuery(args: PluginTransformQueryArgs): RootOperationNode {
    SIGNALS.set(args.queryId, this.#signal);
    return args.node;
  }

  async transformResult(args: PluginTransformResultArgs): Promise<QueryResult<UnknownRow>> {
    return args.result;
  }
}

/**
 * A Kysely instance whose queries (and streams) are cancelled when `signal` aborts: a queued query is dropped, a
 * running one is cancelled on the server, and the call rejects with `signal.reason`. E.g.
 * `await withSignal(db, AbortSignal.timeout(2_000)).selectFrom('t').selectAll().execute()`.
 */
export function withSignal<DB>(db: Kysely<DB>, signal: AbortSignal): Kysely<DB> {
  if (!(signal instanceof AbortSignal)) {
    throw new UsageError(`withSignal(db, signal): signal must be an AbortSignal, got ${signal === null ? 'null' : typeof signal}`);
  }
  return db.withPlugin(new AbortSignalPlugin(signal));
}
