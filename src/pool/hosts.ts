/**
 * Which host a new pool connection tries first. CrateDB has no primary and every node answers, so `'spread'` balances
 * connections over the hosts and moves a host that failed to connect to the back of the line for a growing backoff
 * (the CrateDB HTTP clients park a failing node for 30 s). `'ordered'` keeps libpq's order for
 * PostgreSQL primary/standby lists.
 */
import type { HostSelection } from './options.js';
import type { HostPort } from '../types.js';

const BACKOFF_FIRST_MS = 500;
/** Short enough that a node back from a crash gets connections again well within 30 s under steady load. */
const BACKOFF_MAX_MS = 15_000;
/** `spread` retires a released connection when its host has this many more connections than the emptiest one. */
const REBALANCE_GAP = 2;

/** Per-host counts in pool.stats. */
export interface PoolHostStats {
  readonly host: string;
  readonly port: number;
  /** Connections open or being opened to this host. */
  readonly connections: number;
  /** Connection attempts that failed in a row. */
  readonly failures: number;
  /** Milliseconds until `spread` tries this host again before the others (0 when it is not parked). */
  readonly parkedMs: number;
}

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

  /**
   * `spread` only: whether a released connection to `host` should be closed so its replacement lands on a host with
   * fewer connections — `host` has at least two more than the emptiest host that is not parked. This is how a pool
   * moves back onto a node that was down: new connections alone would never reach it while the old ones stay busy.
   */
  surplus(host: HostPort): boolean {
    if (this.#mode === 'ordered' || this.#hosts.length === 1) return false;
    const now = this.#now();
    let fewest = Infinity;
    for (const s of this.#hosts) if (s.backoffUntil <= now && s.connections < fewest) fewest = s.connections;
    return this.#state(host).connections >= fewest + REBALANCE_GAP;
  }

  /** Per-host counts, in the configured host order. */
  stats(): PoolHostStats[] {
    const now = this.#now();
    return this.#hosts.map((s) => ({
      host: s.host.host,
      port: s.host.port,
      connections: s.connections,
      failures: s.failures,
      parkedMs: Math.max(0, Math.round(s.backoffUntil - now)),
    }));
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

  /** Connecting to `host` failed: back off exponentially (0.5 s, 1 s, 2 s, … up to 15 s). */
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
