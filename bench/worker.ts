/**
 * One (workload, driver) pair in its own process, driven by bench/run.ts over IPC: open the job, then run it each
 * time the parent says so, and report the process's peak RSS when stopped. Only the chosen driver is loaded, so
 * the memory figures do not include the other drivers' code.
 */
import type { Job } from './drivers/job.js';
import type { DriverName, ParentMessage, WorkerConfig, WorkerMessage } from './protocol.js';

const MODULES: Readonly<Record<DriverName, string>> = {
  cratewire: './drivers/cratewire.js',
  pg: './drivers/pg.js',
  'postgres.js': './drivers/postgres-js.js',
  'wire-floor': './drivers/wire-floor.js',
  'wire-floor-binary': './drivers/wire-floor.js',
  http: './drivers/http.js',
  'node-crate': './drivers/node-crate.js',
};

interface DriverModule {
  openJob(config: WorkerConfig): Promise<Job>;
}

function send(message: WorkerMessage): Promise<void> {
  return new Promise((resolve) => {
    if (process.send === undefined) throw new Error('bench/worker.ts runs only as a child of bench/run.ts');
    process.send(message, undefined, {}, () => resolve());
  });
}

function mb(kilobytes: number): number {
  return Math.round(kilobytes / 102.4) / 10;
}

function describe(err: unknown): string {
  if (!(err instanceof Error)) return String(err);
  const code = (err as { code?: unknown }).code;
  return `${err.name}: ${err.message}${typeof code === 'string' ? ` (${code})` : ''}`;
}

async function main(): Promise<void> {
  const config = JSON.parse(process.argv[2] ?? '{}') as WorkerConfig;
  const driver = (await import(MODULES[config.driver])) as DriverModule;
  let job: Job;
  try {
    job = await driver.openJob(config);
  } catch (err) {
    const unavailable = err instanceof Error && err.name === 'Unavailable';
    await send(unavailable ? { type: 'unavailable', reason: (err as Error).message } : { type: 'failed', reason: describe(err) });
    process.exit(0);
  }
  await send({ type: 'ready', rssMB: Math.round(process.memoryUsage.rss() / 104857.6) / 10 });
  process.on('message', (message: ParentMessage) => {
    void handle(job, message);
  });
}

async function handle(job: Job, message: ParentMessage): Promise<void> {
  if (message.type === 'stop') {
    await job.close().catch(() => undefined);
    await send({ type: 'stopped', peakRssMB: mb(process.resourceUsage().maxRSS) });
    // Exit normally (not a kill) so that --cpu-prof writes its profile.
    process.exit(0);
  }
  try {
    await send({ type: 'result', result: await job.run(message.units) });
  } catch (err) {
    await send({ type: 'failed', reason: describe(err) });
  }
}

void main();
