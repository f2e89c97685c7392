/** The command-line options the CPU benches share (bench/overhead.ts, bench/read-path.ts, bench/bulk-path.ts). */
import { fileURLToPath } from 'node:url';

/** The positive integer given as `--name=N`, or `fallback`; anything else is an error naming the option. */
export function option(name: string, fallback: number): number {
  const arg = process.argv.find((a) => a.startsWith(`--${name}=`));
  const value = arg === undefined ? fallback : Number(arg.slice(name.length + 3));
  if (!Number.isInteger(value) || value < 1) throw new Error(`--${name} must be a positive integer`);
  return value;
}

/** The source trees given as `--root=DIR` (any number), or this checkout when none is. */
export function rootsOption(): string[] {
  const roots = process.argv.filter((a) => a.startsWith('--root=')).map((a) => a.slice('--root='.length));
  return roots.length > 0 ? roots : [fileURLToPath(new URL('../..', import.meta.url))];
}
