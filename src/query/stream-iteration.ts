/** What the row streams (client.stream(), pool.stream()) share about being iterated. */
import { StreamConsumedError } from '../errors.js';

/** The result that ends an iteration. */
export const DONE: IteratorReturnResult<undefined> = Object.freeze({ done: true, value: undefined });

/** A stream is consumed once: by one `for await` loop or one toReadable(). */
export class ConsumeOnce {
  #claimed = false;

  /** Throws StreamConsumedError from the second call on. */
  claim(): void {
    if (this.#claimed) throw new StreamConsumedError();
    this.#claimed = true;
  }
}

/** An iterator over `next` that closes the stream when the loop ends early (`break`, `return`, a throw). */
export function closingIterator<R>(next: () => Promise<IteratorResult<R, undefined>>, close: () => Promise<void>): AsyncIterator<R, undefined> {
  return {
    next,
    return: async () => {
      await close();
      return DONE;
    },
  };
}
