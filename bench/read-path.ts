/**
 * `npx tsx bench/read-path.ts [--rows=N] [--rounds=R] [--root=DIR …]`: cratewire's own CPU per row when a query
 * returns many rows (workload 4's `SELECT id, name, value, ts`, int4/varchar/float8/timestamptz), with no server:
 * `net.connect` is replaced by an in-memory socket that answers each Sync with precomputed replies in 64 KiB chunks,
 * in the result formats the Bind asked for. A bare loop that only frames the same bytes measures the harness in the
 * same run. Several `--root`s (source trees, each built with tsc like bench/build-cratewire.ts) are measured in
 * alternating rounds in one process, for before/after comparisons that machine noise hits alike. Run it with
 * `node --expose-gc --import tsx` to collect each round's garbage between rounds, outside the timed part.
 */
import { buildCratewire } from './build-cratewire.js';
import { bindFormatsAt, CRATEDB_PARAMETERS, MemoryServerSocket, startupReply, withMemoryServer } from './support/memory-server.js';
import { option, rootsOption } from './support/options.js';
import { alternateRounds, type RowRun } from './support/rounds.js';
import {
  bindComplete, commandComplete, dataRow, parameterDescription, parseComplete, readyForQuery, rowDescription,
} from '../test/crate/fake/backend.js';
import { formatBinary } from '../test/crate/fake/binary-format.js';
import { scalar } from '../test/crate/fake/types.js';

const ROWS = option('rows', 500_000);
const ROUNDS = option('rounds', 7);
const CHUNK = 65_536;
const TS_BASE_MS = Date.UTC(2024, 0, 1);
const SQL = 'SELECT id, name, value, ts FROM bench_rows WHERE id <= $1';
/** The CrateDB version the binary encodings are those of. */
const VERSION = '6.4.3';

const READY = readyForQuery('I');
const PARSE_COMPLETE = parseComplete();
const BIND_COMPLETE = bindComplete();
const PARAMETER_DESCRIPTION = parameterDescription([23]);
const STARTUP_REPLY = startupReply(CRATEDB_PARAMETERS);
/** The four columns: name, type OID, typlen. */
const COLUMNS: readonly (readonly [string, number, number])[] = [
  ['id', 23, 4],
  ['name', 1043, -1],
  ['value', 701, 8],
  ['ts', 1184, 8],
];

/** RowDescription of the four columns, each in `formats[i]` (0 text, 1 binary). */
function describeColumns(formats: readonly number[]): Buffer {
  return rowDescription(
    COLUMNS.map(([name, typeOid, typlen], i) => ({ name, tableOid: 0, attnum: 0, typeOid, typlen, typmod: -1, format: formats[i] ?? 0 })),
  );
}

/** The DataRows and CommandComplete of one Execute, split into socket-sized chunks. */
function reply(formats: readonly number[]): Buffer[] {
  const binary = (i: number): boolean => formats[i] === 1;
  const rows: Buffer[] = [];
  for (let id = 1; id <= ROWS; id++) {
    const ts = TS_BASE_MS + id * 1000;
    rows.push(dataRow([
      binary(0) ? formatBinary(scalar('integer'), id, VERSION) : Buffer.from(String(id)),
      Buffer.from(`name-${id}`),
      binary(2) ? formatBinary(scalar('double'), id + 0.25, VERSION) : Buffer.from(String(id + 0.25)),
      binary(3) ? formatBinary(scalar('timestamptz'), ts, VERSION) : Buffer.from(new Date(ts).toISOString().replace('T', ' ').replace('Z', '+00')),
    ]));
  }
  rows.push(commandComplete(`SELECT ${ROWS}`));
  const all = Buffer.concat(rows);
  const chunks: Buffer[] = [];
  for (let at = 0; at < all.length; at += CHUNK) chunks.push(all.subarray(at, Math.min(at + CHUNK, all.length)));
  return chunks;
}

const replies = new Map<string, Buffer[]>();
function replyFor(formats: readonly number[]): Buffer[] {
  const key = formats.join(',');
  let chunks = replies.get(key);
  if (chunks === undefined) replies.set(key, (chunks = reply(formats)));
  return chunks;
}

/** An in-memory server: answers the startup, Parse, Describe, Bind, Sync, and each Execute with the rows in the formats of its Bind. */
class RowsServerSocket extends MemoryServerSocket {
  #formats: readonly number[] = [];

  constructor() {
    super(STARTUP_REPLY);
  }

  protected override answer(type: number, b: Buffer, at: number, out: Buffer[]): void {
    if (type === 0x50 /* Parse */) {
      out.push(PARSE_COMPLETE);
    } else if (type === 0x44 /* Describe */) {
      out.push(b[at + 5] === 0x53 ? Buffer.concat([PARAMETER_DESCRIPTION, describeColumns([0, 0, 0, 0])]) : describeColumns(this.#formats));
    } else if (type === 0x42 /* Bind: portal, statement, parameter formats, values, result formats */) {
      let p = bindFormatsAt(b, at);
      p += 2 + 2 * b.readInt16BE(p);
      const values = b.readInt16BE(p);
      p += 2;
      for (let i = 0; i < values; i++) p += 4 + Math.max(0, b.readInt32BE(p));
      const n = b.readInt16BE(p);
      const codes = Array.from({ length: 4 }, (_, i) => (n === 0 ? 0 : b.readInt16BE(p + 2 + 2 * (n === 1 ? 0 : i))));
      this.#formats = codes;
      out.push(BIND_COMPLETE);
    } else if (type === 0x45 /* Execute */) {
      out.push(...replyFor(this.#formats));
    } else if (type === 0x53 /* Sync */) {
      out.push(READY);
    }
  }

  /** Spreads the chunks over turns of the event loop, 16 a turn, as a socket delivers them. */
  protected override deliver(out: Buffer[]): void {
    setImmediate(() => this.#deliver(out, 0));
  }

  /** Pushes 16 chunks from `from` on and leaves the rest to the next turn. */
  #deliver(chunks: readonly Buffer[], from: number): void {
    for (let i = from; i < chunks.length; i++) {
      this.push(chunks[i]);
      if (i - from === 15) {
        setImmediate(() => this.#deliver(chunks, i + 1));
        return;
      }
    }
  }
}

type ReadFn = () => Promise<number>;

async function openCratewire(root: string): Promise<ReadFn> {
  const cratewire = (await import(await buildCratewire(root))) as typeof import('../src/index.js');
  const client = await cratewire.connect('postgres://crate@127.0.0.1:5432/doc?sslmode=disable');
  return async () => {
    const { rows } = await client.query<{ id: number; name: string; value: number; ts: Date }>(SQL, [ROWS]);
    const last = rows[rows.length - 1];
    if (rows.length !== ROWS || last?.id !== ROWS || last.name !== `name-${ROWS}` || last.ts.getTime() !== TS_BASE_MS + ROWS * 1000) {
      throw new Error(`wrong result: ${rows.length} rows, last ${JSON.stringify(last)}`);
    }
    return rows.length;
  };
}

/** Frames the same binary reply and counts DataRows: the harness's own cost. */
function openBare(): ReadFn {
  const chunks = replyFor([1, 0, 1, 1]);
  return () =>
    new Promise((resolve) => {
      let count = 0;
      /** Bytes of the next message still in later chunks, or the start of a header split across chunks. */
      let skip = 0;
      let head = Buffer.alloc(0);
      const next = (i: number): void => {
        for (; i < chunks.length; i++) {
          const c = chunks[i] as Buffer;
          let at = skip;
          if (head.length > 0) {
            const h = Buffer.concat([head, c.subarray(0, 5 - head.length)]);
            if (h[0] === 0x44) count++;
            at = h.readInt32BE(1) + 1 - head.length;
            head = Buffer.alloc(0);
          }
          while (at + 5 <= c.length) {
            if (c[at] === 0x44) count++;
            at += c.readInt32BE(at + 1) + 1;
          }
          if (at < c.length) {
            head = Buffer.from(c.subarray(at));
            skip = 0;
          } else {
            skip = at - c.length;
          }
          if (i % 16 === 15) {
            setImmediate(() => next(i + 1));
            return;
          }
        }
        resolve(count);
      };
      setImmediate(() => next(0));
    });
}

async function main(): Promise<void> {
  const drivers: RowRun[] = [];
  await withMemoryServer(
    () => new RowsServerSocket(),
    async () => {
      for (const root of rootsOption()) drivers.push([root, await openCratewire(root)]);
    },
  );
  drivers.push(['bare framing', openBare()]);
  await alternateRounds(drivers, ROUNDS, `${ROWS} rows (int4, varchar, float8, timestamptz) read whole, ${ROUNDS} rounds, CPU ns per row:`, 40);
  process.exit(0);
}

await main().catch((e) => { console.error(e); process.exit(1); });
