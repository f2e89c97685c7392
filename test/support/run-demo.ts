/** Runs an example (`examples/demo.ts` is what `npm run demo` runs) in a child process and collects its output. */
import { spawn } from 'node:child_process';

/** Exit code and combined stdout/stderr of one demo run with `env`. */
export function runDemo(env: NodeJS.ProcessEnv): Promise<{ code: number | null; out: string }> {
  return runExample('examples/demo.ts', env);
}

/** Exit code and combined stdout/stderr of one run of `file` (relative to the repository root) with `env`. */
export function runExample(file: string, env: NodeJS.ProcessEnv): Promise<{ code: number | null; out: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['--import', 'tsx', file], { env, stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    child.stdout.on('data', (d: Buffer) => (out += d.toString()));
    child.stderr.on('data', (d: Buffer) => (out += d.toString()));
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, out }));
  });
}
