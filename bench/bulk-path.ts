/**
 * `node --expose-gc --import tsx bench/bulk-path.ts [--rows=N] [--rounds=R] [--root=DIR …]`: cratewire's own CPU
 * per row of `executeMany()` (workload 6's INSERT of (int, text, double, timestamptz), 1,000-row chunks) and of
 * `bulkInsert()` (workload 6b, 10,000-row batches), with no server: `net.connect` is replaced by an in-memory socket
 * that answers each message at once as CrateDB would (ParseComplete, ParameterDescription, NoData, BindComplete,
 * `INSERT 0 1` per Execute, `INSERT 0 n` per UNNEST batch, ReadyForQuery). Several `--root`s (source trees, each
 * built with tsc like bench/build-cratewire.ts) are measured in alternating rounds in one process.
 */
import { buildCratewire } from './build-cratewire.js';
import { bindFormatsAt, CRATEDB_PARAMETERS, MemoryServerSocket, startupReply, withMemoryServer } from './support/memory-server.js';
import { option, rootsOption } from './support/options.js';
import { alternateRounds, type RowRun } from './support/rounds.js';
import { bindComplete, commandComplete, noData, parameterDescription, parseComplete, readyForQuery } from '../test/crate/fake/backend.js';

const ROWS = option('rows', 100_000);
const ROUNDS = option('rounds', 7);
const TS_BASE_MS = Date.UTC(2024, 0, 1);
const SQL = 'INSERT INTO bench_ingest (id, name, value, ts) VALUES ($1, $2, $3, $4)';
const COLUMNS = ['id', 'name', 'value', 'ts'];
/** int4, varchar, float8, timestamptz: what CrateDB describes for the INSERT. */
const TYPES = [23, 1043, 701, 1184];

const READY = readyForQuery('I');
const STARTUP_REPLY = startupReply(CRATEDB_PARAMETERS);
const PARSE_COMPLETE = parseComplete();
const BIND_COMPLETE = bindComplete();
const NO_DATA = noData();
const PARAMETER_DESCRIPTION = parameterDescription(TYPES);
const INSERT_ONE = commandComplete('INSERT 0 1');

/** An in-memory CrateDB for inserts: replies to each message as it arrives, one write per incoming chunk. */
class InsertServerSocket extends MemoryServerSocket {
  /** Elements in the first array parameter of the last Bind (an UNNEST batch), or 1. */
  #batchRows = 1;

  constructor() {
    super(STARTUP_REPLY);
  }

  protected override answer(type: number, b: Buffer, at: number, out: Buffer[]): void {
    switch (type) {
      case 0x50 /* Parse */:
        out.push(PARSE_COMPLETE);
        break;
      case 0x44 /* Describe */:
        out.push(PARAMETER_DESCRIPTION, NO_DATA);
        break;
      case 0x42 /* Bind */: {
        // Binary parameters (one format code, 1): an UNNEST batch; its first array's dimension is the row count.
        let p = bindFormatsAt(b, at);
        const formats = b.readInt16BE(p);
        const binary = formats === 1 && b.readInt16BE(p + 2) === 1;
        p += 2 + 2 * formats + 2;
        this.#batchRows = binary ? b.readInt32BE(p + 4 + 12) : 1;
        out.push(BIND_COMPLETE);
        break;
      }
      case 0x45 /* Execute */:
        out.push(this.#batchRows === 1 ? INSERT_ONE : commandComplete(`INSERT 0 ${this.#batchRows}`));
        break;
      case 0x53 /* Sync */:
        out.push(READY);
        break;
      default:
    }
  }
}

/** Inserts the ROWS rows, checks the result and resolves with their number. */
type Run = () => Promise<number>;

async function open(root: string): Promise<[Run, Run]> {
  const cratewire = (await import(await buildCratewire(root))) as typeof import('../src/index.js');
  const client = await cratewire.connect('postgres://crate@127.0.0.1:5432/doc?sslmode=disable');
  const rows = Array.from({ length: ROWS }, (_, i) => [i + 1, `name-${i + 1}`, i + 1.25, new Date(TS_BASE_MS + i * 1000)]);
  const executeMany: Run = async () => {
    const result = await client.executeMany(SQL, rows, { chunkRows: 1_000 });
    if (result.rowCounts.length !== ROWS || result.failed.length > 0) throw new Error('executeMany: wrong result');
    return ROWS;
  };
  const bulkInsert: Run = async () => {
    const result = await client.bulkInsert('bench_ingest', COLUMNS, rows, { batchSize: 10_000 });
    if (result.inserted !== ROWS) throw new Error(`bulkInsert: inserted ${result.inserted}`);
    return ROWS;
  };
  return [executeMany, bulkInsert];
}

async function main(): Promise<void> {
  const runs: RowRun[] = [];
  await withMemoryServer(
    () => new InsertServerSocket(),
    async () => {
      for (const root of rootsOption()) {
        const [many, bulk] = await open(root);
        runs.push([`executeMany ${root}`, many], [`bulkInsert  ${root}`, bulk]);
      }
    },
  );
  await alternateRounds(runs, ROUNDS, `${ROWS} rows (int, text, double, timestamptz), ${ROUNDS} rounds, CPU ns per row:`, 48);
  process.exit(0);
}

await main().catch((e: unknown) => {
  console.error(e);
  process.exit(1);
});
