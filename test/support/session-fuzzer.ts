/**
 * A fuzzer for the sans-IO protocol session: a recorded PostgreSQL transcript (test/fixtures/pg-transcript.json) plus
 * synthetic replies for a stream and an executeMany, mutated at the byte and at the message level (or replaced by
 * noise), fed in random chunks into a Session running the operations that transcript answers.
 *
 * Oracle, per input: receive() never throws; after the bytes end (the socket closes) every operation has settled;
 * every rejection is a CrateDbError (never a TypeError/RangeError from inside); a ProtocolError anywhere means the
 * session failed and told its owner (onFatal), so the connection is destroyed. Every iteration is reproducible from
 * (seed, iteration).
 */
import { readFileSync } from 'node:fs';
import { TypeRegistry } from '../../src/codecs/registry.js';
import { ConnectionClosedError, CrateDbError, DatabaseError, ProtocolError } from '../../src/errors.js';
import { Session, type SessionOperation } from '../../src/protocol/session.js';
import { StartupOperation } from '../../src/protocol/startup.js';
import { BulkOperation } from '../../src/query/bulk.js';
import { ExtendedQuery } from '../../src/query/extended.js';
import { PortalOperation } from '../../src/query/portal.js';
import { SimpleQuery } from '../../src/query/simple.js';
import { StatementCache } from '../../src/query/statement-cache.js';
import * as be from '../crate/fake/backend.js';
import { TRANSCRIPT_SCRIPT } from '../fixtures/transcript-script.js';

/** What one fuzz run did. */
export interface FuzzReport {
  readonly iterations: number;
  /**
   * How the inputs ended: `clean` (every operation succeeded or got a server error), `errors` (some got a driver error
   * such as a DecodeError), `closed` (some were still running at the end of the input), `protocol` (a ProtocolError
   * destroyed the session), `fatal-response` (a FATAL ErrorResponse ended it).
   */
  readonly outcomes: Readonly<Record<string, number>>;
  /** Oracle violations, each reproducible with its seed and iteration. */
  readonly failures: readonly FuzzFailure[];
}

/** One oracle violation. */
export interface FuzzFailure {
  readonly seed: number;
  readonly iteration: number;
  readonly problem: string;
  /** The input, hex encoded. */
  readonly input: string;
}

/** Options of {@link runSessionFuzz}. */
export interface FuzzOptions {
  readonly seed: number;
  readonly iterations: number;
  /** First iteration number (to reproduce one failure: `first: n, iterations: 1`). Default 0. */
  readonly first?: number;
  /** Largest message the session accepts; small, so hostile lengths hit the cap. Default 64 KiB. */
  readonly maxMessageBytes?: number;
  /** Called before each iteration (a watchdog can record progress). */
  readonly onIteration?: (iteration: number) => void;
}

const transcript = JSON.parse(readFileSync(new URL('../fixtures/pg-transcript.json', import.meta.url), 'utf8')) as { hex: string };
const RECORDED = Buffer.from(transcript.hex, 'hex');
const REGISTRY = new TypeRegistry({ int8: 'number', numeric: 'string', isCrate: false });
const INT4 = { name: 'n', tableOid: 0, attnum: 0, typeOid: 23, typlen: 4, typmod: -1, format: 0 };

/** Replies for the stream (fetchSize 2: two batches) and the executeMany (two rows, one chunk) that follow the recording. */
const SYNTHETIC = Buffer.concat([
  be.parseComplete(),
  be.bindComplete(),
  be.rowDescription([INT4]),
  be.dataRow([Buffer.from('1')]),
  be.dataRow([Buffer.from('2')]),
  be.portalSuspended(),
  be.dataRow([Buffer.from('3')]),
  be.commandComplete('SELECT 3'),
  be.readyForQuery('I'),
  be.parseComplete(),
  be.parameterDescription([23]),
  be.noData(),
  be.bindComplete(),
  be.commandComplete('INSERT 0 1'),
  be.bindComplete(),
  be.commandComplete('INSERT 0 1'),
  be.readyForQuery('I'),
]);
/** The unmutated input: every operation of the fuzz harness succeeds on it. */
export const FUZZ_BASE_INPUT = Buffer.concat([RECORDED, SYNTHETIC]);
const BASE = FUZZ_BASE_INPUT;

/** Message types worth injecting: every backend type the reader knows, plus a few it must refuse. */
const TYPES = [...'123ACDEGHIKNRSTZcdnst'].map((c) => c.charCodeAt(0)).concat([0x00, 0x57, 0x76, 0xff]);

/** mulberry32: small, fast, good enough to drive mutations; seeded per iteration for reproducibility. */
function rng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4_294_967_296;
  };
}

type Random = () => number;
const int = (r: Random, n: number): number => Math.floor(r() * n);
const pick = <T>(r: Random, list: readonly T[]): T => list[int(r, list.length)] as T;

/** Split into messages by their declared lengths (as far as they are sane); the tail stays one piece. */
function frames(bytes: Buffer): Buffer[] {
  const out: Buffer[] = [];
  let pos = 0;
  while (pos + 5 <= bytes.length) {
    const length = bytes.readInt32BE(pos + 1);
    if (length < 4 || pos + 1 + length > bytes.length) break;
    out.push(bytes.subarray(pos, pos + 1 + length));
    pos += 1 + length;
  }
  if (pos < bytes.length) out.push(bytes.subarray(pos));
  return out;
}

function randomBytes(r: Random, n: number): Buffer {
  const b = Buffer.alloc(n);
  for (let i = 0; i < n; i++) b[i] = int(r, 256);
  return b;
}

/** A message with a random (mostly known) type and a random body, occasionally with a lying length. */
function randomMessage(r: Random): Buffer {
  const body = randomBytes(r, int(r, 24));
  const m = Buffer.alloc(5 + body.length);
  m[0] = pick(r, TYPES);
  const lie = r() < 0.2;
  m.writeInt32BE(lie ? pick(r, [0, 3, 5, body.length + 5, 0x7fff_ffff, -1, 70_000]) : body.length + 4, 1);
  body.copy(m, 5);
  return m;
}

const BYTE_MUTATIONS: readonly ((r: Random, b: Buffer) => Buffer)[] = [
  // Flip a few bytes.
  (r, b) => {
    const c = Buffer.from(b);
    for (let k = 1 + int(r, 4); k > 0 && c.length > 0; k--) {
      const at = int(r, c.length);
      c[at] = (c[at] as number) ^ (1 + int(r, 255));
    }
    return c;
  },
  // Insert random bytes.
  (r, b) => {
    const at = int(r, b.length + 1);
    return Buffer.concat([b.subarray(0, at), randomBytes(r, 1 + int(r, 8)), b.subarray(at)]);
  },
  // Delete a range.
  (r, b) => {
    const at = int(r, b.length + 1);
    return Buffer.concat([b.subarray(0, at), b.subarray(Math.min(b.length, at + 1 + int(r, 16)))]);
  },
  // Truncate.
  (r, b) => b.subarray(0, int(r, b.length + 1)),
  // Duplicate a range.
  (r, b) => {
    const at = int(r, b.length + 1);
    const end = Math.min(b.length, at + 1 + int(r, 64));
    return Buffer.concat([b.subarray(0, end), b.subarray(at, end), b.subarray(end)]);
  },
];

const MESSAGE_MUTATIONS: readonly ((r: Random, m: Buffer[]) => Buffer[])[] = [
  // Drop one.
  (r, m) => {
    const drop = int(r, m.length);
    return m.filter((_, i) => i !== drop);
  },
  // Duplicate one.
  (r, m) => {
    const i = int(r, m.length);
    return [...m.slice(0, i + 1), ...m.slice(i)];
  },
  // Swap two.
  (r, m) => {
    const c = [...m];
    const i = int(r, c.length);
    const j = int(r, c.length);
    [c[i], c[j]] = [c[j] as Buffer, c[i] as Buffer];
    return c;
  },
  // Change a type byte.
  (r, m) => {
    const c = [...m];
    const i = int(r, c.length);
    const msg = Buffer.from(c[i] ?? Buffer.alloc(0));
    if (msg.length > 0) msg[0] = pick(r, TYPES);
    c[i] = msg;
    return c;
  },
  // Change a declared length.
  (r, m) => {
    const c = [...m];
    const i = int(r, c.length);
    const msg = Buffer.from(c[i] ?? Buffer.alloc(0));
    if (msg.length >= 5) msg.writeInt32BE(pick(r, [0, 1, 4, msg.length - 2, msg.length, msg.length + 100, 0x7fff_ffff, -5, 65_536 + int(r, 10)]), 1);
    c[i] = msg;
    return c;
  },
  // Insert a random message.
  (r, m) => {
    const i = int(r, m.length + 1);
    return [...m.slice(0, i), randomMessage(r), ...m.slice(i)];
  },
  // Corrupt the body of one message, keeping its framing.
  (r, m) => {
    const c = [...m];
    const i = int(r, c.length);
    const msg = Buffer.from(c[i] ?? Buffer.alloc(0));
    for (let k = 1 + int(r, 3); k > 0 && msg.length > 5; k--) msg[5 + int(r, msg.length - 5)] = int(r, 256);
    c[i] = msg;
    return c;
  },
];

/** The input of one iteration. */
function makeInput(r: Random): Buffer {
  const mode = r();
  if (mode < 0.05) return randomBytes(r, int(r, 400));
  if (mode < 0.1) return Buffer.concat(Array.from({ length: 1 + int(r, 30) }, () => randomMessage(r)));
  let bytes: Buffer = BASE;
  for (let k = 1 + int(r, 3); k > 0; k--) {
    const messages = frames(bytes);
    bytes = r() < 0.5 || messages.length === 0 ? pick(r, BYTE_MUTATIONS)(r, bytes) : Buffer.concat(pick(r, MESSAGE_MUTATIONS)(r, messages));
  }
  return bytes;
}

/** Chunks as TCP might deliver them: whole, tiny, or random sizes. */
function chunk(r: Random, bytes: Buffer): Buffer[] {
  const mode = r();
  const max = mode < 0.2 ? bytes.length : mode < 0.3 ? 1 : 1 + int(r, 200);
  const out: Buffer[] = [];
  for (let pos = 0; pos < bytes.length; ) {
    const n = Math.max(1, Math.min(max, 1 + int(r, max)));
    // Copies: the Parser may keep a reference to a chunk's memory, as it may to a socket's.
    out.push(Buffer.from(bytes.subarray(pos, pos + n)));
    pos += n;
  }
  return out;
}

interface Harness {
  session: Session;
  ops: { op: SessionOperation; promise: Promise<unknown>; startup: boolean }[];
  fatal: Error[];
}

function harness(maxMessageBytes: number, r: Random): Harness {
  const fatal: Error[] = [];
  const session = new Session(
    {
      send: () => undefined,
      onNotice: () => undefined,
      onParameterStatus: () => undefined,
      onFatal: (err) => fatal.push(err),
      onIdle: () => undefined,
    },
    maxMessageBytes,
  );
  const cache = new StatementCache(4);
  const startup = new StartupOperation({
    user: 'trust_user', database: 'cratewire_test', applicationName: undefined, options: undefined, password: r() < 0.5 ? 'pw' : undefined,
    tls: r() < 0.5, allowCleartextPasswordWithoutTls: false, host: 'h', port: 1,
  });
  const ops: Harness['ops'] = [{ op: startup, promise: startup.promise, startup: true }];
  for (const step of TRANSCRIPT_SCRIPT) {
    const op =
      step.kind === 'simple'
        ? new SimpleQuery({ text: step.sql, rowMode: 'object', registry: REGISTRY, maxResultBytes: r() < 0.2 ? 64 : 0 })
        : new ExtendedQuery({ text: step.sql, values: step.params, rowMode: r() < 0.5 ? 'object' : 'array', registry: REGISTRY, maxResultBytes: 0, paramTypes: undefined, cache });
    ops.push({ op, promise: op.promise, startup: false });
  }
  const closeEarly = r() < 0.3;
  const portal: PortalOperation = new PortalOperation(
    { text: 'SELECT n FROM t', values: [], rowMode: 'object', registry: REGISTRY, maxResultBytes: 0, paramTypes: undefined, cache: undefined, fetchSize: 2, maxBatchBytes: 0 },
    { batch: (_rows, more) => (more ? (closeEarly ? portal.close() : portal.fetch()) : undefined) },
  );
  ops.push({ op: portal, promise: portal.promise, startup: false });
  const bulk = new BulkOperation({
    text: 'INSERT INTO t (n) VALUES ($1)', rows: [[1], [2]], registry: REGISTRY, chunkRows: 10, chunkBytes: 1 << 20, retry: false,
    transactional: r() < 0.5,
  });
  ops.push({ op: bulk, promise: bulk.promise, startup: false });
  for (const { promise } of ops) promise.catch(() => undefined);
  for (const { op } of ops) session.enqueue(op);
  return { session, ops, fatal };
}

/** Settle states after the event loop had one full turn (every promise chain of a settled operation has run). */
async function states(promises: readonly Promise<unknown>[]): Promise<PromiseSettledResult<unknown>[] | undefined> {
  const pending = Symbol('pending');
  let timer: NodeJS.Immediate | undefined;
  const turn = new Promise<typeof pending>((resolve) => {
    timer = setImmediate(() => resolve(pending));
  });
  const first = await Promise.race([Promise.allSettled(promises), turn]);
  // Iterations settle in microtasks; a timer left behind would keep its closure (and the session) alive.
  clearImmediate(timer);
  return first === pending ? undefined : first;
}

function iterationRandom(seed: number, iteration: number): Random {
  return rng((seed ^ Math.imul(iteration + 1, 0x9e3779b1)) >>> 0);
}

/** The input bytes of one iteration (to show or replay the input of a failure or a hang). */
export function fuzzInput(seed: number, iteration: number): Buffer {
  return makeInput(iterationRandom(seed, iteration));
}

/** The oracle found a problem in the driver (anything else thrown is a problem of the fuzzer itself). */
class OracleViolation extends Error {}

/** Run one iteration; returns its outcome name or throws a description of the oracle violation. */
async function iterate(seed: number, iteration: number, maxMessageBytes: number, input: { bytes: Buffer }): Promise<string> {
  const r = iterationRandom(seed, iteration);
  const bytes = makeInput(r);
  input.bytes = bytes;
  return checkInput(bytes, chunk(r, bytes), maxMessageBytes, r);
}

/**
 * Feed `chunks` (the pieces of `bytes`) to a fresh session running the harness operations, close it, and apply the
 * oracle. Returns the outcome name (`clean`, `errors`, `closed`, `protocol`, `fatal-response`); throws on a violation.
 * `r` picks harness variations (password, TLS flag, row mode, early stream close); a constant gives the defaults.
 */
export async function checkInput(bytes: Buffer, chunks: readonly Buffer[] = [bytes], maxMessageBytes = 65_536, r: Random = () => 0.9): Promise<string> {
  const h = harness(maxMessageBytes, r);
  for (const piece of chunks) {
    try {
      h.session.receive(piece);
    } catch (err) {
      throw new OracleViolation(`receive() threw ${String(err)}`);
    }
  }
  const eof = new ConnectionClosedError('end of input');
  h.session.fail(eof);
  const settled = await states(h.ops.map((o) => o.promise));
  if (settled === undefined) throw new OracleViolation('an operation did not settle after the connection closed');
  let protocolSeen = false;
  settled.forEach((s, i) => {
    if (s.status === 'fulfilled') return;
    const reason: unknown = s.reason;
    if (!(reason instanceof CrateDbError)) throw new OracleViolation(`operation ${i} rejected with a non-driver error: ${String(reason)}`);
    if (reason instanceof ProtocolError || reason.cause instanceof ProtocolError) protocolSeen ||= !(h.ops[i] as Harness['ops'][number]).startup;
  });
  const failure = h.session.failure;
  if (protocolSeen && !(failure instanceof ProtocolError)) throw new OracleViolation('an operation failed with a ProtocolError but the session was not failed with it');
  if (failure instanceof ProtocolError && h.fatal[0] !== failure) throw new OracleViolation('the session failed with a ProtocolError without telling its owner (onFatal)');
  if (h.fatal.length > 1) throw new OracleViolation(`onFatal was called ${h.fatal.length} times`);
  if (failure instanceof ProtocolError) return 'protocol';
  if (failure !== eof) return 'fatal-response';
  const reasons = settled.flatMap((s) => (s.status === 'rejected' ? [s.reason as CrateDbError] : []));
  if (reasons.some((e) => e === eof || e.cause === eof)) return 'closed';
  return reasons.every((e) => e instanceof DatabaseError) ? 'clean' : 'errors';
}

/** Run `iterations` fuzz iterations from `seed`. */
export async function runSessionFuzz(options: FuzzOptions): Promise<FuzzReport> {
  const outcomes: Record<string, number> = {};
  const failures: FuzzFailure[] = [];
  const first = options.first ?? 0;
  const input = { bytes: Buffer.alloc(0) };
  for (let i = first; i < first + options.iterations; i++) {
    options.onIteration?.(i);
    try {
      const outcome = await iterate(options.seed, i, options.maxMessageBytes ?? 65_536, input);
      outcomes[outcome] = (outcomes[outcome] ?? 0) + 1;
    } catch (err) {
      const problem = err instanceof OracleViolation ? err.message : `fuzzer error: ${String((err as Error).stack ?? err)}`;
      failures.push({ seed: options.seed, iteration: i, problem, input: input.bytes.toString('hex') });
    }
  }
  return { iterations: options.iterations, outcomes, failures };
}
