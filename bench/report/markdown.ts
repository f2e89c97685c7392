/** bench/results/latest.md: the run's setup, the ratios and targets, every figure, and how it was measured. */
import type { BenchReport } from '../results.js';
import { FETCH_SIZE, INSERT_CHUNK, POOL_CALLERS, POOL_SIZE } from '../workloads.js';
import { RESULT_HEADER, TARGET_HEADER, ratioMatrix, renderMarkdown, resultRows, targetRows } from './table.js';

/** The Markdown report. */
export function renderReport(report: BenchReport): string {
  const m = report.meta;
  const ratios = ratioMatrix(report);
  const versions = Object.entries(m.drivers)
    .map(([name, version]) => `${name} ${version}`)
    .join(', ');
  return `# cratewire benchmark

- **Date:** ${m.date}
- **Machine:** ${m.machine.cpu}, ${m.machine.cores} cores, ${m.machine.memoryGB} GB, ${m.machine.os}
- **Node:** ${m.node}
- **Server:** ${m.server} (same host as the client)
- **Drivers:** ${versions}
- **Scale:** ${m.scale} · **rounds:** ${m.rounds} per driver, after one warm-up · **duration:** ${m.durationS} s
- Reproduce: \`npm run bench\` (PostgreSQL) or \`CRATEDB_URL=postgres://crate@host:5432/doc npm run bench\`;
  \`BENCH_SCALE=0.1\` for a quick run; \`npm run bench -- cratewire pg 4 5\` filters drivers and workloads.

## cratewire ÷ peer (median throughput; in brackets the quartile bracket)

Above 1 means cratewire is faster.

${ratios.rows.length > 0 ? renderMarkdown(ratios.header, ratios.rows) : '_No ratio: cratewire and a peer did not both complete a workload._'}

![ratios](latest.svg)

## Targets

${renderMarkdown(TARGET_HEADER, targetRows(report))}

## All figures

${renderMarkdown(RESULT_HEADER, resultRows(report))}

## Method

- Every (workload, driver) pair runs in its own child process (only that driver loaded), so *peak RSS* is
  \`process.resourceUsage().maxRSS\` of a process that did nothing else; it includes Node and tsx themselves, shown
  as *base* (RSS once connected, before the first run).
- Per workload: one warm-up run per driver (at least 10,000 queries for the query workloads, a fifth of a round for
  the row workloads), then ${m.rounds} timed rounds alternating between drivers
  (A B C A B C …), so drift on the machine hits every driver alike. Reported: the median of the rounds, min – max and
  the interquartile range. Only the driver calls are timed; inputs are built before and results checked after.
- Every result is checked, or its figure is not reported: point selects compare each row with the id asked for;
  whole and streamed results check every row's values, the row count and the id sum; the bulk insert is checked by
  the harness reading the table back (count, id sum, every value). HTTP and pgwire encode values differently (epoch
  ms vs Date, numbers vs strings, JSON objects vs JSON text; docs/cratedb-wire.md "HTTP results"): values are normalised before they
  are compared.
- Workloads: (1) point select by primary key on the unnamed statement, one awaited query at a time; (1b)
  \`SELECT $1::int\`, unnamed; (2) the point select prepared (cratewire \`prepare()\`, pg a named query config,
  postgres.js its default automatic preparation); (3) ${POOL_CALLERS} callers over a pool of ${POOL_SIZE}; (4) 500,000 rows of
  (int, text, double, timestamptz) read whole as row objects (HTTP: its JSON arrays); (5) 1,000,000 rows streamed
  ${FETCH_SIZE} at a time (cratewire \`stream()\`, pg-cursor, postgres.js \`.cursor()\`; HTTP must read the whole body);
  (6) 100,000 rows inserted (cratewire \`executeMany\`, pg multi-row VALUES and postgres.js's \`sql(rows)\` helper
  ${INSERT_CHUNK.toLocaleString('en-US')} rows a statement, HTTP \`bulk_args\` ${INSERT_CHUNK.toLocaleString('en-US')} rows a request); (7) 50,000 rows with a
  json/OBJECT column and text[]/int[] columns, read whole. Sizes are multiplied by the scale.

## What the numbers do and do not mean

- Client and server share ${m.machine.cores} cores, and other work may run on the machine: the server's CPU time is in every
  figure, and the spread shows the noise. Compare ratios within one run, not absolute figures across runs.
- Point-select workloads measure per-query overhead on a local socket (no network latency); over a real network
  the round trip dominates and the drivers converge.
- *client CPU/unit* is the CPU time (user + system, median over the rounds) the driver's process spent per query or
  row during the timed runs: what the driver costs the application's event loop. It moves far less with the server's
  speed and the machine's noise than throughput does; the system part includes the kernel's loopback TCP work.
- *wire-floor* and *wire-floor-binary* are not drivers: a raw socket writing the messages a driver must send from
  precomputed bytes and only framing the replies (\`bench/drivers/wire-floor.ts\`): the point selects (1, 1b, 2), the
  reads (4, 5, 7; text results, and binary results for *wire-floor-binary*), the per-row Bind/Execute bulk (6) and the
  UNNEST column batches (6b). Its throughput is the most any client could reach in the same run; a driver's distance
  to it is everything the driver does.
${m.notes.map((n) => `- ${n}`).join('\n')}
`;
}
