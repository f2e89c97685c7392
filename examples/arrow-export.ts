/**
 * Export a query to an Arrow IPC file and read it back (cratewire/arrow, docs/arrow.md). The file is the Arrow IPC
 * stream format, which pandas (`pyarrow.ipc.open_stream`), Polars (`pl.read_ipc_stream`) and DuckDB read directly.
 * `CRATEDB_URL=postgres://crate@localhost:5432/doc npx tsx examples/arrow-export.ts` (without CRATEDB_URL it starts an
 * embedded PostgreSQL and exports the same rows from generate_series).
 */
import { mkdtemp, rm, stat } from 'node:fs/promises';
import { readFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { tableFromIPC } from 'apache-arrow';
import { queryArrow, streamArrow, writeArrowIpc } from '../src/arrow/index.js';
import { startExampleServer } from './example-server.js';

const server = await startExampleServer();
const dir = await mkdtemp(join(tmpdir(), 'cratewire-arrow-'));
try {
  // 10,000 readings (int, text, double, timestamptz, boolean), the same rows on either server.
  const sql = server.isCrate
    ? "SELECT x AS id, 'sensor ' || (x % 10) AS sensor, x / 8.0 AS value, (1704067200000 + x * 60000)::TIMESTAMP WITH TIME ZONE AS ts, x % 3 = 0 AS alarm " +
      'FROM generate_series(1, ?) x ORDER BY x'
    : "SELECT x AS id, 'sensor ' || (x % 10) AS sensor, x / 8.0::float8 AS value, timestamptz '2024-01-01 00:00:00+00' + x * interval '1 minute' AS ts, " +
      'x % 3 = 0 AS alarm FROM generate_series(1, $1::int) x ORDER BY x';
  const file = join(dir, 'readings.arrows');

  // Batches of 2,000 rows go to the file as they arrive: memory stays bounded by one batch.
  const written = await writeArrowIpc(streamArrow(server.pool, sql, [10_000], { fetchSize: 2_000 }), file);
  console.log(`wrote ${written} rows to ${file} (${(await stat(file)).size} bytes)`);

  const table = tableFromIPC(await readFile(file));
  console.log(`read back: ${table.numRows} rows in ${table.batches.length} batches; schema ${table.schema.fields.map((f) => `${f.name}: ${String(f.type)}`).join(', ')}`);
  const first = table.get(0)?.toJSON() as Record<string, unknown>;
  console.log(`first row: id=${String(first['id'])} sensor=${String(first['sensor'])} value=${String(first['value'])} ts=${new Date(Number(first['ts'])).toISOString()} alarm=${String(first['alarm'])}`);

  // Columns are typed arrays: an aggregate reads one buffer, no row objects.
  const values = table.getChild('value')?.toArray() as Float64Array;
  console.log(`sum(value) = ${values.reduce((a, b) => a + b, 0)}`);

  // The same result in memory, for comparison: queryArrow gives an equal table.
  const direct = await queryArrow(server.pool, sql, [10_000]);
  console.log(`queryArrow: ${direct.numRows} rows, same values: ${String(direct.getChild('value')?.toArray().every((v: number, i: number) => v === values[i]))}`);
} finally {
  await rm(dir, { recursive: true, force: true });
  await server.stop();
}
