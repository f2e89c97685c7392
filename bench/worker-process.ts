/** The parent's handle on one bench/worker.ts child: send a message, await the next reply under a deadline. */
import { fork, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import type { ParentMessage, WorkerConfig, WorkerMessage } from './protocol.js';

const WORKER_PATH = fileURLToPath(new URL('./worker.ts', import.meta.url));
const TSX_LOADER = import.meta.resolve('tsx');

export class WorkerProcess {
  readonly #child: ChildProcess;
  readonly #inbox: WorkerMessage[] = [];
  #waiter: ((message: WorkerMessage) => void) | undefined;
  #exit: string | undefined;

  /** Starts the worker; `nodeArgs` go before the script (e.g. `--cpu-prof`). */
  constructor(config: WorkerConfig, nodeArgs: readonly string[] = []) {
    this.#child = fork(WORKER_PATH, [JSON.stringify(config)], {
      execArgv: ['--import', TSX_LOADER, ...nodeArgs],
      stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
    });
    this.#child.on('message', (message: WorkerMessage) => this.#deliver(message));
    this.#child.on('exit', (code, signal) => {
      this.#exit = `worker exited (code ${code}, signal ${signal})`;
      this.#deliver({ type: 'failed', reason: this.#exit });
    });
  }

  get exited(): boolean {
    return this.#exit !== undefined;
  }

  send(message: ParentMessage): void {
    if (this.#exit === undefined) this.#child.send(message);
  }

  /** The next message, or a `failed` one if none comes within `timeoutMs` (the worker is then killed). */
  next(timeoutMs: number): Promise<WorkerMessage> {
    const queued = this.#inbox.shift();
    if (queued !== undefined) return Promise.resolve(queued);
    return new Promise((resolve) => {
      const timer = setTimeout(() => {
        this.#waiter = undefined;
        this.kill();
        resolve({ type: 'failed', reason: `no answer within ${Math.round(timeoutMs / 1000)} s; worker killed` });
      }, timeoutMs);
      this.#waiter = (message) => {
        clearTimeout(timer);
        resolve(message);
      };
    });
  }

  /** Waits for the worker to exit by itself (it writes its CPU profile then), killing it after `timeoutMs`. */
  async waitExit(timeoutMs: number): Promise<void> {
    if (this.#exit !== undefined) return;
    const exited = new Promise<void>((resolve) => this.#child.once('exit', () => resolve()));
    const timer = setTimeout(() => this.kill(), timeoutMs);
    await exited;
    clearTimeout(timer);
  }

  kill(): void {
    if (this.#exit === undefined) this.#child.kill('SIGKILL');
  }

  #deliver(message: WorkerMessage): void {
    const waiter = this.#waiter;
    if (waiter === undefined) {
      this.#inbox.push(message);
      return;
    }
    this.#waiter = undefined;
    waiter(message);
  }
}
