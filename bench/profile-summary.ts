/**
 * `npx tsx bench/profile-summary.ts <dir|file.cpuprofile> [top]`: where a V8 CPU profile spent its self time, by
 * function and by file, so the hot path is visible without opening DevTools. Profiles come from
 * `npm run bench -- --profile` (cratewire) or `--profile=all`, one directory per worker; given a directory, the
 * busiest profile in it is summarised (the others are tsx's mostly idle loader thread).
 */
import { readdir, readFile, stat } from 'node:fs/promises';
import { join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';

interface ProfileNode {
  readonly id: number;
  readonly callFrame: { readonly functionName: string; readonly url: string; readonly lineNumber: number };
  readonly hitCount?: number;
  readonly children?: readonly number[];
}

interface CpuProfile {
  readonly nodes: readonly ProfileNode[];
  readonly startTime: number;
  readonly endTime: number;
}

const ROOT = fileURLToPath(new URL('..', import.meta.url));

function shortUrl(url: string): string {
  if (url === '') return '(native)';
  const path = url.startsWith('file://') ? fileURLToPath(url) : url;
  return path.startsWith(ROOT) ? relative(ROOT, path) : path;
}

/** `name  file:line`; tsx puts a transpiled module on one line, so line 1 carries no information and is left out. */
function frameKey(node: ProfileNode): string {
  const { functionName, url, lineNumber } = node.callFrame;
  const line = url === '' || lineNumber === 0 ? '' : `:${lineNumber + 1}`;
  return `${functionName || '(anonymous)'}  ${shortUrl(url)}${line}`;
}

/** cratewire's code: src/ run through tsx, or its tsc build that bench/run.ts measures by default. */
function isCratewire(path: string): boolean {
  return path.startsWith('src/') || path.startsWith('bench/.build/cratewire/');
}

/**
 * Inclusive (self + callees) samples per function of cratewire's own code, each counted once per stack
 * even when the function recurses: which entry points the busy time flows through.
 */
function inclusiveInCratewire(profile: CpuProfile): Map<string, number> {
  const byId = new Map(profile.nodes.map((n) => [n.id, n]));
  const totals = new Map<number, number>();
  const subtotal = (node: ProfileNode): number => {
    let sum = node.callFrame.functionName === '(idle)' ? 0 : (node.hitCount ?? 0);
    for (const child of node.children ?? []) sum += subtotal(byId.get(child) as ProfileNode);
    totals.set(node.id, sum);
    return sum;
  };
  const root = profile.nodes[0];
  if (root !== undefined) subtotal(root);
  const result = new Map<string, number>();
  const walk = (node: ProfileNode, onStack: ReadonlySet<string>): void => {
    const key = frameKey(node);
    let next = onStack;
    if (isCratewire(shortUrl(node.callFrame.url)) && !onStack.has(key)) {
      result.set(key, (result.get(key) ?? 0) + (totals.get(node.id) ?? 0));
      next = new Set(onStack).add(key);
    }
    for (const child of node.children ?? []) walk(byId.get(child) as ProfileNode, next);
  };
  if (root !== undefined) walk(root, new Set());
  return result;
}

function top(counts: Map<string, number>, total: number, limit: number): string[] {
  return [...counts.entries()]
    .sort((a, b) => b[1] - a[1])
    .slice(0, limit)
    .map(([key, hits]) => `${((100 * hits) / total).toFixed(1).padStart(5)} %  ${key}`);
}

async function load(file: string): Promise<CpuProfile> {
  return JSON.parse(await readFile(file, 'utf8')) as CpuProfile;
}

function busySamples(profile: CpuProfile): number {
  return profile.nodes.reduce((sum, n) => sum + (n.callFrame.functionName === '(idle)' ? 0 : (n.hitCount ?? 0)), 0);
}

/** The profile at `path`, or the busiest one in the directory `path`. */
async function pick(path: string): Promise<{ file: string; profile: CpuProfile }> {
  if (!(await stat(path)).isDirectory()) return { file: path, profile: await load(path) };
  let best: { file: string; profile: CpuProfile } | undefined;
  for (const name of (await readdir(path)).filter((n) => n.endsWith('.cpuprofile'))) {
    const file = join(path, name);
    const profile = await load(file);
    if (best === undefined || busySamples(profile) > busySamples(best.profile)) best = { file, profile };
  }
  if (best === undefined) throw new Error(`no .cpuprofile in ${path}`);
  return best;
}

async function main(): Promise<void> {
  const path = process.argv[2];
  if (path === undefined) throw new Error('usage: tsx bench/profile-summary.ts <dir|file.cpuprofile> [top]');
  const limit = Number(process.argv[3] ?? 25);
  const { file, profile } = await pick(path);
  const byFunction = new Map<string, number>();
  const byFile = new Map<string, number>();
  let total = 0;
  let idle = 0;
  for (const node of profile.nodes) {
    const hits = node.hitCount ?? 0;
    if (hits === 0) continue;
    // Idle is time spent waiting for the server; percentages are of the time the CPU was busy in this process.
    if (node.callFrame.functionName === '(idle)') {
      idle += hits;
      continue;
    }
    total += hits;
    const where = shortUrl(node.callFrame.url);
    const fn = frameKey(node);
    byFunction.set(fn, (byFunction.get(fn) ?? 0) + hits);
    byFile.set(where, (byFile.get(where) ?? 0) + hits);
  }
  const seconds = (profile.endTime - profile.startTime) / 1e6;
  process.stdout.write(
    [`${file}: ${seconds.toFixed(1)} s, busy ${((100 * total) / (total + idle)).toFixed(1)} % (percentages below are of busy samples)`, '', 'Self time by function:', ...top(byFunction, total, limit), '', 'Self time by file:', ...top(byFile, total, 15), '', 'Inclusive time, cratewire functions:', ...top(inclusiveInCratewire(profile), total, 20), ''].join('\n'),
  );
}

await main();
