/**
 * The idle deadline of a row stream (client.stream() and pool.stream()): it fires once nothing was pulled for
 * `idleTimeoutMs` while nobody waits for a row. Pulls are counted rather than timed (cheaper than reading a clock per
 * row), so there is one timer per idle period, not one per row.
 */
import { UsageError } from '../errors.js';

export class IdleDeadline {
  readonly #ms: number;
  readonly #busy: () => boolean;
  readonly #onIdle: () => void;
  #pulls = 0;
  #pullsAtArm = 0;
  #timer: NodeJS.Timeout | undefined;

  /**
   * @param ms the deadline; 0 never fires.
   * @param busy whether the stream is in use right now (a pull is waiting for rows): then the deadline re-arms.
   * @param onIdle called once when the deadline passes.
   */
  constructor(ms: number, busy: () => boolean, onIdle: () => void) {
    this.#ms = ms;
    this.#busy = busy;
    this.#onIdle = onIdle;
  }

  /** A row (or the end) was asked for. */
  pulled(): void {
    this.#pulls++;
  }

  /** Start (or restart) the idle period. */
  arm(): void {
    if (this.#ms <= 0) return;
    this.#pullsAtArm = this.#pulls;
    this.#timer = setTimeout(this.#tick, this.#ms);
    this.#timer.unref();
  }

  /** Stop for good (the stream ended). */
  clear(): void {
    if (this.#timer !== undefined) clearTimeout(this.#timer);
    this.#timer = undefined;
  }

  readonly #tick = (): void => {
    this.#timer = undefined;
    if (this.#busy() || this.#pulls !== this.#pullsAtArm) {
      this.arm();
      return;
    }
    this.#onIdle();
  };
}

/** The error a stream fails with when its idle deadline passed; `freed` says what was done about it. */
export function idleTimeoutError(ms: number, freed: string): UsageError {
  return new UsageError(
    `The stream was not read for idleTimeoutMs=${ms}; ${freed}. Consume the stream promptly, close() it when done, or raise idleTimeoutMs`,
    { code: 'STREAM_IDLE_TIMEOUT' },
  );
}
