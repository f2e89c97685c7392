/**
 * Opening pool connections: the default client factory, trying hosts in the selector's order, the onConnect hook,
 * and the checks that decide whether a connection may be (re)used.
 */
import { Client } from '../client.js';
import { resolvePassword, type ResolvedConfig } from '../config.js';
import type { PoolDestroyReason } from '../diagnostics.js';
import { AuthenticationError, ConfigError, ConnectionError, PoolClosedError, UsageError } from '../errors.js';
import type { SchemaEpoch } from '../query/statement-cache.js';
import { PoolConnection, type ConnectionControl } from './connection.js';
import type { HostSelector } from './hosts.js';
import type { ClientFactory, PoolClient, ResolvedPoolOptions } from './options.js';
import { Slot } from './slot.js';
import type { HostPort } from '../types.js';

/** Lifetimes are drawn from [(1 − jitter)·maxLifetimeMs, maxLifetimeMs] so connections opened together age apart. */
const LIFETIME_JITTER = 0.1;

/**
 * The driver's own connect for one host; a pool that is ending aborts it through `signal`. Its clients share
 * `schemaEpoch`, so DDL run on one empties the statement caches of all.
 */
export function defaultFactory(config: ResolvedConfig, schemaEpoch: SchemaEpoch): ClientFactory {
  return async (host, signal) => {
    signal.throwIfAborted();
    const password = await resolvePassword(config);
    const opening = Client.open(config, host, password, schemaEpoch);
    return new Promise<PoolClient>((resolve, reject) => {
      const onAbort = (): void => {
        opening.then((client) => client.destroy(), () => undefined);
        reject(signal.reason);
      };
      signal.addEventListener('abort', onAbort, { once: true });
      opening.then(
        (client) => {
          signal.removeEventListener('abort', onAbort);
          resolve(client);
        },
        (err: unknown) => {
          signal.removeEventListener('abort', onAbort);
          reject(err);
        },
      );
    });
  };
}

/** Why a connection must not be handed out again, if it must not. */
export function unfitReason(client: PoolClient): readonly [PoolDestroyReason, string | undefined] | undefined {
  if (client.closed) return ['broken', undefined];
  if (client.busy) return ['busy', 'released while a query was still running'];
  // On PostgreSQL the ReadyForQuery byte is the truth; on CrateDB it means nothing (docs/cratedb-wire.md "Transactions").
  if (client.serverInfo.transactions && client.transactionStatus !== 'I') {
    return ['transaction', `released inside a transaction (status ${client.transactionStatus})`];
  }
  return undefined;
}

/** Pool callers see one class for "cannot reach the database", even when the server refused at startup (57P03). */
function asConnectionError(err: unknown, host: HostPort): ConnectionError {
  if (err instanceof ConnectionError) return err;
  const reason = err instanceof Error ? err.message : String(err);
  return new ConnectionError(`Could not connect to ${host.host}:${host.port}: ${reason}`, { host: host.host, port: host.port, cause: err });
}

/** Opens one ready-to-use connection per call. `signal` aborts when the pool ends. */
export class Connector {
  readonly #factory: ClientFactory;
  readonly #hosts: HostSelector;
  readonly #options: ResolvedPoolOptions;
  readonly #signal: AbortSignal;

  constructor(factory: ClientFactory, hosts: HostSelector, options: ResolvedPoolOptions, signal: AbortSignal) {
    this.#factory = factory;
    this.#hosts = hosts;
    this.#options = options;
    this.#signal = signal;
  }

  /**
   * Try every host in the selector's order until one connects. The returned slot's host is counted in the selector
   * until the pool destroys it.
   */
  async open(): Promise<Slot> {
    let lastError: unknown;
    for (const host of this.#hosts.order()) {
      this.#hosts.added(host);
      let client: PoolClient;
      try {
        client = await this.#factory(host, this.#signal);
      } catch (err) {
        this.#hosts.removed(host);
        if (this.#signal.aborted) throw err;
        // Wrong credentials or settings fail on every host alike; anything else (refused, timed out, FATAL "the
        // database system is starting up") is the host's problem, so try the next one.
        if (err instanceof AuthenticationError || err instanceof ConfigError || err instanceof UsageError) throw err;
        lastError = asConnectionError(err, host);
        this.#hosts.failed(host);
        continue;
      }
      this.#hosts.succeeded(host);
      return this.#setUp(client, host);
    }
    throw lastError ?? new ConnectionError('The pool has no host to connect to');
  }

  /** Run onConnect on a fresh connection; the settings it changes become the baseline the reset restores. */
  async #setUp(client: PoolClient, host: HostPort): Promise<Slot> {
    const lifetime = this.#options.maxLifetimeMs * (1 - LIFETIME_JITTER * Math.random());
    const slot = new Slot(client, host, performance.now(), lifetime);
    const hook = this.#options.onConnect;
    try {
      if (hook !== undefined) {
        const control: ConnectionControl = { released: false, locked: 'Do not release the connection given to onConnect' };
        try {
          await hook(new PoolConnection(slot, control, () => undefined));
        } finally {
          control.released = true;
        }
        const unfit = unfitReason(client);
        if (unfit !== undefined) throw new UsageError(`onConnect left the connection unusable: ${unfit[1] ?? unfit[0]}`);
      }
      if (this.#signal.aborted) throw new PoolClosedError();
      slot.tracker.endSetup();
      return slot;
    } catch (err) {
      this.#hosts.removed(host);
      client.destroy();
      throw err;
    }
  }
}
