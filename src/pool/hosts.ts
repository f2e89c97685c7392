/**
 * Which host a new pool connection tries first. CrateDB has no primary and every node answers, so `'spread'` balances
 * connections over the hosts and moves a host that failed to connect to the back of the line for a growing backoff
 * (the CrateDB HTTP clients park a failing node for 30 s; ANCHORS.md §4). `'ordered'` keeps libpq's order for
 * PostgreSQL primary/standby lists.
 */
import type { HostPort } from '../config.js';
import type { HostSelection } from './options.js';

const BACKOFF_FIRST_MS = 500;
const BACKOFF_MAX_MS = 30_000;

interface HostState {
  readonly host: HostPort;
  /** Connections open or being opened to this host. */
  connections: number;
  failures: number;
  /** Until when `spread` tries this host only after the healthy ones. */
  backoffUntil: number;
}

/** Tracks per-host connection counts and failures, and orders the hosts for each connection attempt. */
export class HostSelector {
  readonly #hosts: HostState[];
  readonly #mode: HostSelection;
  readonly #now: () => number;
  #turn = 0;

  constructor(hosts: readonly HostPort[], mode: HostSelection, now: () => number) {
    this.#hosts = hosts.map((host) => ({ host, connections: 0, failures: 0, backoffUntil: 0 }));
    this.#mode = mode;
    this.#now = now;
  }

  /**
   * Every host, in the order one connection attempt should try them. `spread`: hosts not backing off, fewest
   * connections first (ties rotate), then those backing off, soonest-recovering first — never none, so a pool whose
   * every host failed still retries and recovers on its own.
   */
  order(): HostPort[] {
    if (this.#mode === 'ordered' || this.#hosts.length === 1) return this.#hosts.map((s) => s.host);
    const now = this.#now();
    const start = this.#turn++ % this.#hosts.length;
    const rotated = [...this.#hosts.slice(start), ...this.#hosts.slice(0, start)];
    const healthy = rotated.filter((s) => s.backoffUntil <= now).sort((a, b) => a.connections - b.connections);
    const parked = rotated.filter((s) => s.backoffUntil > now).sort((a, b) => a.backoffUntil - b.backoffUntil);
    return [...healthy, ...parked].map((s) => s.host);
  }

  /** A connection to `host` is being opened (counts until {@link removed}). */
  added(host: HostPort): void {
    this.#state(host).connections++;
  }

  /** A connection to `host` closed or failed to open. */
  removed(host: HostPort): void {
    const state = this.#state(host);
    state.connections = Math.max(0, state.connections - 1);
  }

  /** Connecting to `host` failed: back off exponentially (0.5 s, 1 s, 2 s, … up to 30 s). */
  failed(host: HostPort): void {
    const state = this.#state(host);
    state.failures++;
    state.backoffUntil = this.#now() + Math.min(BACKOFF_MAX_MS, BACKOFF_FIRST_MS * 2 ** Math.min(state.failures - 1, 16));
  }

  /** Connecting to `host` worked: forget its failures. */
  succeeded(host: HostPort): void {
    const state = this.#state(host);
    state.failures = 0;
    state.backoffUntil = 0;
  }

  #state(host: HostPort): HostState {
    return this.#hosts.find((s) => s.host === host) as HostState;
  }
}
