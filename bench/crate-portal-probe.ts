/**
 * Two helpers for CrateDB streaming runs: fill a table the way that made CrateDB 6.4.3 ignore maxRows, and count what
 * each Execute(maxRows) + Flush really returns, on a raw socket (the driver would hide it).
 */
import { once } from 'node:events';
import { connect as netConnect } from 'node:net';
import { serialize } from 'pg-protocol';
import { Parser } from 'pg-protocol/dist/parser.js';
import type { BackendMessage } from 'pg-protocol/dist/messages.js';
import { connect } from '../src/index.js';

/** `(id int, name text, v double)`, `rows` rows in 20,000-row UNNEST inserts, then REFRESH and OPTIMIZE. */
export async function fillCrateTable(url: string, table: string, rows: number): Promise<void> {
  const client = await connect(url);
  try {
    const existing = await client.query<{ n: number }>(`SELECT count(*) AS n FROM information_schema.tables WHERE table_name = $1`, [table]);
    if (Number(existing.rows[0]?.n ?? 0) > 0) {
      const count = await client.query<{ n: number }>(`SELECT count(*) AS n FROM ${table}`);
      if (Number(count.rows[0]?.n) === rows) return;
      await client.query(`DROP TABLE ${table}`);
    }
    await client.query(`CREATE TABLE ${table} (id INTEGER, name TEXT, v DOUBLE PRECISION)`);
    const batch = 20_000;
    for (let from = 1; from <= rows; from += batch) {
      const ids = Array.from({ length: Math.min(batch, rows - from + 1) }, (_, i) => from + i);
      await client.query(`INSERT INTO ${table} (id, name, v) SELECT * FROM UNNEST($1::int[], $2::text[], $3::double precision[])`, [
        ids,
        ids.map((id) => `name ${id}`),
        ids.map((id) => id * 1.5),
      ]);
    }
    await client.query(`REFRESH TABLE ${table}`);
    await client.query(`OPTIMIZE TABLE ${table}`);
  } finally {
    await client.close();
  }
}

/** What one Execute returned: its DataRows and how it ended. */
export interface ExecuteCount {
  readonly rows: number;
  readonly end: 'PortalSuspended' | 'CommandComplete';
}

/**
 * Runs `sql` (no parameters) `times` times as Parse, Bind, Execute(maxRows) + Flush on a raw socket and counts the
 * DataRows before PortalSuspended or CommandComplete. Only the first Execute of each run is counted.
 */
export async function countRowsPerExecute(url: string, sql: string, maxRows: number, times: number): Promise<ExecuteCount[]> {
  const u = new URL(url);
  const socket = netConnect({ host: u.hostname, port: Number(u.port || 5432) });
  await once(socket, 'connect');
  const parser = new Parser();
  const queue: BackendMessage[] = [];
  let wake: (() => void) | undefined;
  socket.on('data', (chunk: Buffer) => {
    parser.parse(chunk, (msg: BackendMessage) => {
      queue.push(msg);
      wake?.();
    });
  });
  const next = async (): Promise<BackendMessage> => {
    while (queue.length === 0) await new Promise<void>((resolve) => (wake = resolve));
    return queue.shift() as BackendMessage;
  };
  const until = async (name: string): Promise<void> => {
    for (;;) {
      const msg = await next();
      if (msg.name === 'error') throw new Error(`probe: ${(msg as unknown as { message: string }).message}`);
      if (msg.name === name) return;
    }
  };
  try {
    socket.write(serialize.startup({ user: decodeURIComponent(u.username || 'crate'), database: u.pathname.slice(1) || 'doc' }));
    await until('readyForQuery');
    const counts: ExecuteCount[] = [];
    for (let i = 0; i < times; i++) {
      socket.write(Buffer.concat([serialize.parse({ text: sql }), serialize.bind({}), serialize.execute({ rows: maxRows }), serialize.flush()]));
      let rows = 0;
      for (;;) {
        const msg = await next();
        if (msg.name === 'dataRow') rows++;
        else if (msg.name === 'portalSuspended' || msg.name === 'commandComplete') {
          counts.push({ rows, end: msg.name === 'portalSuspended' ? 'PortalSuspended' : 'CommandComplete' });
          break;
        } else if (msg.name === 'error') throw new Error(`probe: ${(msg as unknown as { message: string }).message}`);
      }
      socket.write(Buffer.concat([serialize.close({ type: 'P', name: '' }), serialize.sync()]));
      await until('readyForQuery');
    }
    return counts;
  } finally {
    socket.destroy();
  }
}
