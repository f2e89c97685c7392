/** What the dialect learnt about its server from the first connection it borrowed (never a catalog query). */
import type { PoolConnection } from '../index.js';

/** Shared by the driver (which fills it) and the adapter (which reads it). */
export class ServerProbe {
  #isCrate: boolean | undefined;

  /** True on CrateDB, false on PostgreSQL, undefined before the first connection. */
  get isCrate(): boolean | undefined {
    return this.#isCrate;
  }

  /** Note the server a borrowed connection talks to. */
  observe(connection: PoolConnection): void {
    this.#isCrate = connection.serverInfo.isCrate;
  }
}
