/**
 * The long run of the protocol-session fuzzer (the fixed short run is test/unit/fuzz-session.test.ts).
 *
 *   npx tsx bench/fuzz.ts                                   # seed 1, 200,000 iterations
 *   npx tsx bench/fuzz.ts --seed 7 --iterations 1000000
 *   npx tsx bench/fuzz.ts --seed 7 --first 4711 --iterations 1   # replay one iteration
 *
 * The fuzzer runs in a worker thread and reports its iteration number through shared memory, so a synchronous
 * infinite loop inside the parser (which no timer in the same thread could interrupt) is caught by this thread: after
 * HANG_MS without progress the worker is stopped and the hanging iteration is reported with its input. The heap is
 * measured after a full GC every 10,000 iterations; steady growth would show up there. Prints a JSON report; exits 1
 * on any failure.
 */
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { isMainThread, parentPort, Worker, workerData } from 'node:worker_threads';
import { fuzzInput, runSessionFuzz, type FuzzReport } from '../test/support/session-fuzzer.js';

interface Args {
  readonly seed: number;
  readonly iterations: number;
  readonly first: number;
}

interface WorkerInput extends Args {
  readonly progress: SharedArrayBuffer;
}

interface WorkerOutput {
  readonly report: FuzzReport;
  readonly heapSamplesMiB: readonly number[];
}

const HANG_MS = 10_000;

function parseArgs(argv: readonly string[]): Args {
  const value = (name: string, fallback: number): number => {
    const i = argv.indexOf(`--${name}`);
    if (i < 0) return fallback;
    const n = Number(argv[i + 1]);
    if (!Number.isSafeInteger(n) || n < 0) throw new Error(`--${name} needs a non-negative integer`);
    return n;
  };
  return { seed: value('seed', 1), iterations: value('iterations', 200_000), first: value('first', 0) };
}

/** A full GC, for heap samples that show retained memory rather than garbage (workers cannot get --expose-gc). */
function collectGarbage(): void {
  setFlagsFromString('--expose_gc');
  (runInNewContext('gc') as () => void)();
}

async function work(input: WorkerInput): Promise<WorkerOutput> {
  const progress = new Int32Array(input.progress);
  const heapSamplesMiB: number[] = [];
  const report = await runSessionFuzz({
    seed: input.seed,
    iterations: input.iterations,
    first: input.first,
    onIteration: (i) => {
      Atomics.store(progress, 0, i);
      if ((i - input.first) % 10_000 === 0) {
        collectGarbage();
        heapSamplesMiB.push(Math.round(process.memoryUsage().heapUsed / 1024 / 1024));
      }
    },
  });
  return { report, heapSamplesMiB };
}

async function main(): Promise<void> {
  const args = parseArgs(process.argv.slice(2));
  const progress = new SharedArrayBuffer(4);
  const counter = new Int32Array(progress);
  Atomics.store(counter, 0, args.first - 1);
  const started = performance.now();
  // Workers do not get tsx's loader hooks: register them in the worker before it imports this .ts file.
  const boot = `import('tsx/esm/api').then((tsx) => { tsx.register(); return import(${JSON.stringify(import.meta.url)}); });`;
  const worker = new Worker(boot, { eval: true, workerData: { ...args, progress } satisfies WorkerInput });
  let last = Atomics.load(counter, 0);
  let lastChange = performance.now();
  const outcome = await new Promise<WorkerOutput | { hang: number }>((resolve, reject) => {
    const watchdog = setInterval(() => {
      const now = Atomics.load(counter, 0);
      if (now !== last) {
        last = now;
        lastChange = performance.now();
      } else if (performance.now() - lastChange > HANG_MS) {
        clearInterval(watchdog);
        void worker.terminate();
        resolve({ hang: now });
      }
    }, 500);
    worker.once('message', (message: WorkerOutput) => {
      clearInterval(watchdog);
      resolve(message);
    });
    worker.once('error', (err) => {
      clearInterval(watchdog);
      reject(err);
    });
  });
  const seconds = Math.round((performance.now() - started) / 100) / 10;
  if ('hang' in outcome) {
    const input = fuzzInput(args.seed, outcome.hang).toString('hex');
    console.log(JSON.stringify({ seed: args.seed, hangAtIteration: outcome.hang, seconds, input }, null, 2));
    process.exitCode = 1;
    return;
  }
  const { report, heapSamplesMiB } = outcome;
  console.log(JSON.stringify({ seed: args.seed, first: args.first, seconds, ...report, heapSamplesMiB }, null, 2));
  if (report.failures.length > 0) process.exitCode = 1;
}

if (isMainThread) {
  await main();
} else {
  parentPort?.postMessage(await work(workerData as WorkerInput));
}
