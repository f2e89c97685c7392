/**
 * A long-running execution (the fake's `sleep(ms)`), killable by CancelRequest or statement_timeout (docs/cratedb-wire.md "Cancel and statement timeout").
 */
import { jobKilled } from './errors.js';
import { formatTimeValue } from './sql/settings.js';

/** A running execution; `done` settles when it finishes or is killed. */
export class Job {
  readonly done: Promise<void>;
  #timers: NodeJS.Timeout[] = [];
  #resolve: () => void = () => undefined;
  #reject: (err: Error) => void = () => undefined;
  #finished = false;

  /** Runs for `durationMs`; a positive `timeoutMs` below it kills the job with the statement_timeout message. */
  constructor(durationMs: number, timeoutMs: number) {
    this.done = new Promise<void>((resolve, reject) => {
      this.#resolve = resolve;
      this.#reject = reject;
    });
    this.#timers.push(setTimeout(() => this.#finish(), durationMs));
    if (timeoutMs > 0 && timeoutMs < durationMs) {
      // "Cancel and statement timeout": `Job killed. statement_timeout (<value>/<phase>)`; the fake's jobs are killed while executing.
      this.#timers.push(setTimeout(() => this.kill(`statement_timeout (${formatTimeValue(timeoutMs)}/execute)`), timeoutMs));
    }
  }

  /** "Cancel and statement timeout": the victim sees XX000 `Job killed. <reason>`. */
  kill(reason: string): void {
    this.#finish(jobKilled(reason));
  }

  #finish(err?: Error): void {
    if (this.#finished) return;
    this.#finished = true;
    this.#timers.forEach(clearTimeout);
    if (err) this.#reject(err);
    else this.#resolve();
  }
}
