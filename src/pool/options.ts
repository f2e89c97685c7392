/**
 * Pool options: their defaults, validation, and splitting them from connection options (which resolveConfig
 * validates, refusing keys it does not know).
 */
import type { Client } from '../client.js';
import { ConfigError } from '../errors.js';
import type { PoolConnection } from './connection.js';
import { MAX_TIMER_MS } from '../timers.js';
import type { ConnectOptions, HostPort } from '../types.js';

/** The part of a Client the pool uses; a {@link ClientFactory} may return any object with this shape. */
export interface PoolClient
  extends Pick<
    Client,
    'closed' | 'busy' | 'serverInfo' | 'transactionStatus' | 'query' | 'simpleQuery' | 'prepare' | 'streamChannel' | 'executeMany' | 'bulkInsert' | 'close' | 'destroy'
  > {
  /**
   * When the only work left is queries being cancelled (their caller timed out or aborted), a promise that settles
   * once they have ended; otherwise undefined. Without it, a connection released busy is always closed.
   */
  whenCancelled?(): Promise<void> | undefined;
}

/**
 * Opens one connection to `host`. Must settle: reject with a ConnectionError when the host cannot be reached (the
 * pool then tries the next host) and with `signal.reason` when `signal` aborts (the pool is ending).
 */
export type ClientFactory = (host: HostPort, signal: AbortSignal) => Promise<PoolClient>;

/**
 * How a new connection picks its host. `'spread'` (default): the host with the fewest connections first, skipping
 * for a while a host that failed to connect — CrateDB has no primary, every node answers. `'ordered'`: the hosts in
 * the order given, like libpq, for PostgreSQL primary/standby lists.
 */
export type HostSelection = 'spread' | 'ordered';

/** Options of {@link createPool}; they may be mixed with connection options in the same object. */
export interface PoolOptions {
  /** Most connections open at once. Default 10. */
  max?: number;
  /** Connections kept open even when idle (opened at start and after losses). Default 0. */
  min?: number;
  /** Close a connection idle this long (while more than `min` are open); 0 = never. Default 30 000. */
  idleTimeoutMs?: number;
  /**
   * Close a connection this old once it is idle; 0 = never. Each connection's lifetime is drawn from the last 10 %
   * below this value so connections opened together do not all close together. Default 1 800 000 (30 min).
   */
  maxLifetimeMs?: number;
  /** How long acquire() waits for a client before a PoolTimeoutError. Default 30 000. */
  acquireTimeoutMs?: number;
  /** Callers allowed to wait at once; one more is refused at once with PoolQueueFullError. Default unlimited. */
  maxWaiting?: number;
  /** A client idle longer than this is checked with an empty query before it is handed out. Default 5 000. */
  checkAfterIdleMs?: number;
  /** See {@link HostSelection}. Default `'spread'`. */
  hostSelection?: HostSelection;
  /**
   * Per-connection setup, run once before a new connection is first handed out. Settings it changes with SET are
   * what the pool restores on release. If it throws, the connection is closed and the acquire fails with its error.
   */
  onConnect?: (connection: PoolConnection) => void | Promise<void>;
  /** Opens connections; default: the driver's own connect with the pool's connection options. For tests and wrappers. */
  clientFactory?: ClientFactory;
  /** Name used in diagnostics_channel events. Default `pool-<n>`. */
  name?: string;
}

/** Pool options with every default applied. */
export interface ResolvedPoolOptions {
  readonly max: number;
  readonly min: number;
  readonly idleTimeoutMs: number;
  readonly maxLifetimeMs: number;
  readonly acquireTimeoutMs: number;
  readonly maxWaiting: number;
  readonly checkAfterIdleMs: number;
  readonly hostSelection: HostSelection;
  readonly onConnect: ((connection: PoolConnection) => void | Promise<void>) | undefined;
  readonly clientFactory: ClientFactory | undefined;
  readonly name: string;
}

const POOL_KEYS: readonly (keyof PoolOptions)[] = [
  'max',
  'min',
  'idleTimeoutMs',
  'maxLifetimeMs',
  'acquireTimeoutMs',
  'maxWaiting',
  'checkAfterIdleMs',
  'hostSelection',
  'onConnect',
  'clientFactory',
  'name',
];
let poolCounter = 0;

/** Split one options object into its pool part and its connection part. */
export function splitPoolOptions(input: (ConnectOptions & PoolOptions) | undefined): [PoolOptions, ConnectOptions | undefined] {
  if (input === undefined || input === null || typeof input !== 'object') return [{}, input];
  const pool: Record<string, unknown> = {};
  const connection: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(input)) {
    if ((POOL_KEYS as readonly string[]).includes(key)) pool[key] = value;
    else connection[key] = value;
  }
  return [pool as PoolOptions, connection as ConnectOptions];
}

function int(value: unknown, name: string, fallback: number, min: number, max: number): number {
  if (value === undefined) return fallback;
  if (typeof value !== 'number' || !Number.isInteger(value) || value < min || value > max) {
    throw new ConfigError(name, `${String(value)} is not an integer from ${min} to ${max}`);
  }
  return value;
}

/** Apply defaults and validate; throws ConfigError. */
export function resolvePoolOptions(options: PoolOptions): ResolvedPoolOptions {
  const max = int(options.max, 'max', 10, 1, 100_000);
  const min = int(options.min, 'min', 0, 0, max);
  const maxWaiting = options.maxWaiting === Infinity ? Infinity : int(options.maxWaiting, 'maxWaiting', Infinity, 0, Number.MAX_SAFE_INTEGER);
  const hostSelection = options.hostSelection ?? 'spread';
  if (hostSelection !== 'spread' && hostSelection !== 'ordered') {
    throw new ConfigError('hostSelection', `${String(hostSelection)} is not one of spread, ordered`);
  }
  for (const key of ['onConnect', 'clientFactory'] as const) {
    if (options[key] !== undefined && typeof options[key] !== 'function') {
      throw new ConfigError(key, `must be a function, got ${typeof options[key]}`);
    }
  }
  if (options.name !== undefined && typeof options.name !== 'string') throw new ConfigError('name', 'must be a string');
  return Object.freeze({
    max,
    min,
    idleTimeoutMs: int(options.idleTimeoutMs, 'idleTimeoutMs', 30_000, 0, MAX_TIMER_MS),
    maxLifetimeMs: int(options.maxLifetimeMs, 'maxLifetimeMs', 1_800_000, 0, MAX_TIMER_MS),
    acquireTimeoutMs: int(options.acquireTimeoutMs, 'acquireTimeoutMs', 30_000, 1, MAX_TIMER_MS),
    maxWaiting,
    checkAfterIdleMs: int(options.checkAfterIdleMs, 'checkAfterIdleMs', 5_000, 0, MAX_TIMER_MS),
    hostSelection,
    onConnect: options.onConnect,
    clientFactory: options.clientFactory,
    name: options.name ?? `pool-${++poolCounter}`,
  });
}
