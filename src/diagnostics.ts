/**
 * `node:diagnostics_channel` names and publish helpers (docs/design.md "Principles"). Nothing is logged by default: a payload is
 * only built when someone subscribed, so the helpers cost one property read otherwise. Payloads never hold passwords.
 *
 * ```ts
 * import { subscribe } from 'node:diagnostics_channel';
 * subscribe('cratewire:pool:destroy', (event) => console.log(event));
 * ```
 */
import { channel, tracingChannel } from 'node:diagnostics_channel';

/** Channel names, stable across versions. */
export const CHANNELS = Object.freeze({
  /**
   * A TracingChannel around every query, prepare and simple query of a client: subscribe to
   * `tracing:cratewire:query:start` / `:asyncEnd` / `:error` (or with `diagnostics_channel.tracingChannel('cratewire:query')`).
   * The context carries the SQL text and the parameter count — never parameter values.
   */
  query: 'cratewire:query',
  /** A caller got a pool client (or gave up: `error` is set). */
  poolAcquire: 'cratewire:pool:acquire',
  /** A caller gave its pool client back. */
  poolRelease: 'cratewire:pool:release',
  /** The pool opened a connection (or failed to: `error` is set). */
  poolConnect: 'cratewire:pool:connect',
  /** The pool closed a connection and said why. */
  poolDestroy: 'cratewire:pool:destroy',
});

/** Fields every pool event has. */
export interface PoolEventBase {
  /** The pool's `name` option. */
  readonly pool: string;
}

/** Payload of `cratewire:pool:acquire`. */
export interface PoolAcquireEvent extends PoolEventBase {
  /** Server of the client handed out; undefined when the acquire failed. */
  readonly host: string | undefined;
  readonly port: number | undefined;
  /** Time from the call to the hand-out or failure. */
  readonly waitedMs: number;
  readonly error: Error | undefined;
}

/** Payload of `cratewire:pool:release`. */
export interface PoolReleaseEvent extends PoolEventBase {
  readonly host: string;
  readonly port: number;
  /** How long the caller held the client. */
  readonly heldMs: number;
}

/** Payload of `cratewire:pool:connect`. */
export interface PoolConnectEvent extends PoolEventBase {
  /** The host of the successful attempt, or the last host tried when every one failed. */
  readonly host: string | undefined;
  readonly port: number | undefined;
  /** Over every host tried, including the `onConnect` hook. */
  readonly durationMs: number;
  readonly error: Error | undefined;
}

/** Why the pool closed a connection. */
export type PoolDestroyReason =
  | 'idle'
  | 'lifetime'
  | 'broken'
  | 'busy'
  | 'transaction'
  | 'session'
  | 'reset-failed'
  | 'check-failed'
  | 'released-with-error'
  | 'rebalance'
  | 'ended';

/** Payload of `cratewire:pool:destroy`. */
export interface PoolDestroyEvent extends PoolEventBase {
  readonly host: string;
  readonly port: number;
  readonly reason: PoolDestroyReason;
  /** Human-readable detail, e.g. which statement made the session impossible to reset. */
  readonly detail: string | undefined;
}

const acquireChannel = channel(CHANNELS.poolAcquire);
const releaseChannel = channel(CHANNELS.poolRelease);
const connectChannel = channel(CHANNELS.poolConnect);
const destroyChannel = channel(CHANNELS.poolDestroy);

/** Publish on `cratewire:pool:acquire`; `build` runs only when someone subscribed. */
export function publishPoolAcquire(build: () => PoolAcquireEvent): void {
  if (acquireChannel.hasSubscribers) acquireChannel.publish(build());
}

/** Publish on `cratewire:pool:release`; `build` runs only when someone subscribed. */
export function publishPoolRelease(build: () => PoolReleaseEvent): void {
  if (releaseChannel.hasSubscribers) releaseChannel.publish(build());
}

/** Publish on `cratewire:pool:connect`; `build` runs only when someone subscribed. */
export function publishPoolConnect(build: () => PoolConnectEvent): void {
  if (connectChannel.hasSubscribers) connectChannel.publish(build());
}

/** Publish on `cratewire:pool:destroy`; `build` runs only when someone subscribed. */
export function publishPoolDestroy(build: () => PoolDestroyEvent): void {
  if (destroyChannel.hasSubscribers) destroyChannel.publish(build());
}

/** Context of the `cratewire:query` tracing channel; `result` or `error` is added by Node when the query settles. */
export interface QueryTraceContext {
  readonly text: string;
  readonly paramCount: number;
  readonly host: string;
  readonly port: number;
  readonly database: string;
  readonly user: string;
  result?: unknown;
  error?: unknown;
}

const queryTracing = tracingChannel<unknown, QueryTraceContext>(CHANNELS.query);

/** Whether anyone subscribed to the query tracing channel. */
export function isQueryTraced(): boolean {
  return queryTracing.hasSubscribers;
}

/** Run `run` inside the query tracing channel when someone subscribed; otherwise just run it. */
export function traceQuery<T>(build: () => QueryTraceContext, run: () => Promise<T>): Promise<T> {
  if (!queryTracing.hasSubscribers) return run();
  return queryTracing.tracePromise(run, build());
}
