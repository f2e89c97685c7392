/**
 * Compiles src/ with tsc into bench/.build/cratewire before a run, so cratewire is measured as the JavaScript users
 * get from `npm run build`, like the peers, which run plain JS from node_modules. Running src/ through tsx instead
 * would add its esbuild `keepNames` wrapper (`__name(fn, …)`) to every closure cratewire creates per query.
 */
import { execFile } from 'node:child_process';
import { access, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';

/** Compiles src/ under `root`; resolves with the file URL of the built index.js. */
export async function buildCratewire(root: string): Promise<string> {
  const outDir = join(root, 'bench', '.build', 'cratewire');
  await rm(outDir, { recursive: true, force: true });
  const tsc = join(root, 'node_modules', 'typescript', 'bin', 'tsc');
  const args = [tsc, '-p', join(root, 'tsconfig.build.json'), '--outDir', outDir, '--declaration', 'false', '--sourceMap', 'false'];
  // tsc emits despite type errors (a file someone is editing); only a missing output is fatal.
  const typeErrors = await new Promise<string>((resolve) => {
    execFile(process.execPath, args, { cwd: root }, (err, stdout) => resolve(err === null ? '' : stdout));
  });
  const entry = join(outDir, 'index.js');
  try {
    await access(entry);
  } catch {
    throw new Error(`building cratewire with tsc produced no ${entry}:\n${typeErrors}`);
  }
  if (typeErrors !== '') process.stderr.write(`warning: src/ has type errors; benchmarking what tsc emitted anyway:\n${typeErrors}\n`);
  return pathToFileURL(entry).href;
}
