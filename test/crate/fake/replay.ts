/**
 * Replays a recording of a real CrateDB (`recording.ts`) against the fake: sends each step's recorded frontend bytes
 * and collects what the fake answers, reduced to {@link Shape}s, next to what CrateDB answered.
 */
import { connect } from 'node:net';
import { RawClient, type BackendFrame } from './raw-client.js';
import { shapeOf, stepsOf, type Recording, type Shape, type Step } from './recording.js';

/** How long a step may take to produce its frames. */
const STEP_TIMEOUT_MS = 5_000;
/** A recorded hang (`timeout` event) is checked as "nothing within this window". */
export const HANG_WINDOW_MS = 200;

/** What one step produced. */
export interface StepResult {
  readonly labels: readonly string[];
  readonly expected: readonly Shape[];
  readonly actual: readonly Shape[];
  /** The recording hung after the frames; `afterwards` is what the fake sent within {@link HANG_WINDOW_MS}. */
  readonly hangs: boolean;
  readonly afterwards: readonly Shape[];
  /** DataRows a `summary` step left out of the frames: recorded count (as the hook adjusted it) and the fake's. */
  readonly summarizedRows: { readonly expected: number; readonly actual: number } | null;
}

/** Per-scenario changes for what the fake cannot hold; each must be listed in the test. */
export interface ReplayHooks {
  /** Replaces a step's recorded frontend bytes (null: send them as recorded). */
  bytesFor?(label: string, recorded: Buffer): Buffer | null;
  /** Adjusts the recorded shapes of step `index` before they are compared. */
  expected?(shapes: Shape[], index: number): Shape[];
  /** Adjusts a summarised DataRow count (e.g. the fake's table is smaller than the recorded one). */
  summarizedRows?(recorded: number): number;
}

function summarizedCount(step: Step): number | null {
  for (const summary of step.summaries) {
    for (const [key, value] of Object.entries(summary)) if (key.startsWith('dataRowsWithin')) return Number(value);
  }
  return null;
}

/** A connection's key, from its BackendKeyData, for CancelRequests on a second socket. */
interface Key {
  pid: number;
  secret: number;
}

function cancelRequest(pid: number, secret: number): Buffer {
  const b = Buffer.alloc(16);
  b.writeInt32BE(16, 0);
  b.writeInt32BE(80877102, 4);
  b.writeInt32BE(pid, 8);
  b.writeInt32BE(secret, 12);
  return b;
}

async function sendOnSecondSocket(port: number, bytes: Buffer): Promise<void> {
  const socket = connect(port, '127.0.0.1');
  await new Promise<void>((resolve, reject) => {
    socket.once('connect', resolve);
    socket.once('error', reject);
  });
  socket.end(bytes);
}

/** Reads the frames one step expects; startup frames the recording dropped (R, S, K) are read but not kept. */
async function readStep(
  client: RawClient,
  step: Step,
  dropStartup: boolean,
  counted: number | null,
): Promise<{ frames: BackendFrame[]; rows: number; key: Key | null }> {
  const frames: BackendFrame[] = [];
  let rows = 0;
  let key: Key | null = null;
  while (frames.length < step.frames.length) {
    const [frame] = await client.frames(1, STEP_TIMEOUT_MS);
    const f = frame as BackendFrame;
    if (f.type === 'K') key = { pid: f.body.readInt32BE(0), secret: f.body.readInt32BE(4) };
    if (dropStartup && 'RSK'.includes(f.type)) continue;
    if (counted !== null && f.type === 'D') rows++;
    else frames.push(f);
  }
  return { frames, rows, key };
}

/** Replays `recording` on a fresh connection to the fake at `port`. */
export async function replay(port: number, recording: Recording, hooks: ReplayHooks = {}): Promise<StepResult[]> {
  const client = await RawClient.connect(port);
  const keepStartup = recording.exchanges.some((e) => e.dir === 'B' && 't' in e && e.t === 'K');
  let key: Key | null = null;
  const results: StepResult[] = [];
  try {
    for (const [index, step] of stepsOf(recording).entries()) {
      for (const { label, bytes } of step.sends) {
        const replaced = hooks.bytesFor?.(label, bytes) ?? bytes;
        if (label.includes('other socket')) {
          if (!key) throw new Error('a CancelRequest before the startup');
          await sendOnSecondSocket(port, cancelRequest(key.pid, key.secret));
        } else client.send(replaced);
      }
      const counted = summarizedCount(step);
      const read = await readStep(client, step, index === 0 && !keepStartup, counted);
      const { frames, rows } = read;
      key ??= read.key;
      const afterwards = step.hangs ? (await client.quietFor(HANG_WINDOW_MS)).map(shapeOf) : [];
      const recorded = step.frames.map(shapeOf);
      results.push({
        labels: step.sends.map((s) => s.label),
        expected: hooks.expected ? hooks.expected(recorded, index) : recorded,
        actual: frames.map(shapeOf),
        hangs: step.hangs,
        afterwards,
        summarizedRows: counted === null ? null : { expected: hooks.summarizedRows?.(counted) ?? counted, actual: rows },
      });
    }
  } finally {
    client.close();
  }
  return results;
}
