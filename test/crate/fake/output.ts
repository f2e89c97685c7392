/**
 * The fake's model of CrateDB's `DelayableWriteChannel` (docs/cratedb-wire.md "Deferred writes"): a deferred write reserves a block in the
 * output; everything written after it waits behind the block until the write has run. DataRows bypass the delay.
 * Nothing reaches the socket until a flush (Flush, Sync's ReadyForQuery, an ErrorResponse, every 1000 rows).
 */

/** A reserved place in the output, filled when the deferred execution finishes. */
export class Block {
  released = false;
  messages: Buffer[] = [];
}

type Entry = Buffer | Block;

/** Where an Output's bytes go: a socket write (false = its buffer is full) and a wait for it to drain. */
export interface Sink {
  write(data: Buffer): boolean;
  drained(): Promise<void>;
}

/** The ordered, delay-aware output of one session. */
export class Output {
  #pending: Entry[] = [];
  #unflushed: Buffer[] = [];
  #full = false;

  constructor(private readonly sink: Sink) {}

  /**
   * Resolves once the socket has room again; at once when the last flush did not fill it. Rows are written in
   * chunks with a wait between them, so a client that stops reading stops the fake (CrateDB pauses until the
   * channel is writable again).
   */
  async writable(): Promise<void> {
    if (!this.#full) return;
    await this.sink.drained();
    this.#full = false;
  }

  /** Queues a message behind any unreleased block. */
  write(message: Buffer): void {
    this.#pending.push(message);
    this.#drain();
  }

  /** "Pipelining": DataRows are written with `bypassDelay()`, ahead of anything held back. */
  bypass(message: Buffer): void {
    this.#unflushed.push(message);
  }

  /** Reserves a place for a deferred execution's reply. */
  delay(): Block {
    const block = new Block();
    this.#pending.push(block);
    return block;
  }

  /** Fills a block (or drops it with no messages) and sends whatever it was holding back. */
  release(block: Block, messages: readonly Buffer[]): void {
    block.released = true;
    block.messages = [...messages];
    this.#drain();
    this.flush();
  }

  /** "Bulk execution" bulk plan failure: the delayed messages are discarded. */
  discardPending(): void {
    this.#pending = [];
  }

  flush(): void {
    if (this.#unflushed.length === 0) return;
    const data = Buffer.concat(this.#unflushed);
    this.#unflushed = [];
    if (!this.sink.write(data)) this.#full = true;
  }

  #drain(): void {
    while (this.#pending.length > 0) {
      const head = this.#pending[0] as Entry;
      if (head instanceof Block) {
        if (!head.released) return;
        for (const m of head.messages) this.#unflushed.push(m);
      } else this.#unflushed.push(head);
      this.#pending.shift();
    }
  }
}
