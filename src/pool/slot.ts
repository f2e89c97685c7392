/** One pooled connection and the pool's bookkeeping about it. */
import type { PoolClient } from './options.js';
import { SessionTracker } from './session-reset.js';
import type { HostPort, PreparedStatement } from '../types.js';

/** Where a slot is in its life: handed out, idle, or briefly owned by the pool (checking or resetting). */
export type SlotState = 'setup' | 'idle' | 'leased' | 'checking' | 'resetting';

/** The pool's record of one live connection. */
export class Slot {
  readonly client: PoolClient;
  readonly host: HostPort;
  /** When it stops being reused (`Infinity` without `maxLifetimeMs`). */
  readonly expiresAt: number;
  readonly tracker = new SessionTracker();
  /** Statements a borrower prepared explicitly and did not close; closed on release. */
  readonly prepared = new Set<PreparedStatement>();
  state: SlotState = 'setup';
  /** When it last became idle (or was last checked). */
  idleSince: number;
  leasedAt = 0;
  timer: NodeJS.Timeout | undefined;

  constructor(client: PoolClient, host: HostPort, now: number, lifetimeMs: number) {
    this.client = client;
    this.host = host;
    this.idleSince = now;
    this.expiresAt = lifetimeMs > 0 ? now + lifetimeMs : Infinity;
  }

  clearTimer(): void {
    if (this.timer !== undefined) clearTimeout(this.timer);
    this.timer = undefined;
  }
}
