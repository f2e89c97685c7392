/**
 * The idle connections of a pool: a stack, so the most recently released is handed out first and surplus ones age
 * out at the bottom, with one unref'd timer per slot for its idle timeout or end of life.
 */
import type { Slot } from './slot.js';

/** Idle slots and their timers. */
export class IdleSlots {
  readonly #slots: Slot[] = [];
  readonly #onDue: (slot: Slot) => void;

  /** `onDue(slot)` runs when a slot's time comes while it is still idle here. */
  constructor(onDue: (slot: Slot) => void) {
    this.#onDue = onDue;
  }

  get size(): number {
    return this.#slots.length;
  }

  /** Park `slot` until it is taken or `dueAt` (`performance.now()` time; Infinity = no timer). */
  add(slot: Slot, dueAt: number): void {
    slot.state = 'idle';
    this.#slots.push(slot);
    this.arm(slot, dueAt);
  }

  /** (Re)start the timer of an idle slot. */
  arm(slot: Slot, dueAt: number): void {
    slot.clearTimer();
    if (dueAt === Infinity) return;
    slot.timer = setTimeout(() => {
      slot.timer = undefined;
      if (slot.state === 'idle' && this.#slots.includes(slot)) this.#onDue(slot);
    }, Math.max(0, dueAt - performance.now()));
    slot.timer.unref();
  }

  /** Take the most recently parked slot. */
  pop(): Slot | undefined {
    const slot = this.#slots.pop();
    slot?.clearTimer();
    return slot;
  }

  /** Take `slot` out, wherever it is. */
  remove(slot: Slot): void {
    slot.clearTimer();
    const i = this.#slots.indexOf(slot);
    if (i >= 0) this.#slots.splice(i, 1);
  }

  /** A copy of the idle slots. */
  list(): Slot[] {
    return [...this.#slots];
  }
}
