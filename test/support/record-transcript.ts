/**
 * Records the bytes a real PostgreSQL sends for a fixed script of operations, for the transcript replay tests
 * (test/unit/session-replay.test.ts). Run: `npx tsx test/support/record-transcript.ts` — it starts an embedded
 * PostgreSQL, proxies one connection through a recording TCP proxy and writes test/fixtures/pg-transcript.json.
 */
import { writeFile } from 'node:fs/promises';
import { createServer, connect as netConnect, type Socket } from 'node:net';
import { connect } from '../../src/index.js';
import { startTestPostgres } from './postgres.js';
import { TRANSCRIPT_SCRIPT } from '../fixtures/transcript-script.js';

const pg = await startTestPostgres();
const chunks: Buffer[] = [];
const proxy = createServer((client: Socket) => {
  const upstream = netConnect(pg.port, pg.host);
  client.pipe(upstream);
  upstream.on('data', (d: Buffer) => {
    chunks.push(d);
    client.write(d);
  });
  upstream.on('close', () => client.destroy());
  client.on('close', () => upstream.destroy());
});
await new Promise<void>((r) => proxy.listen(0, '127.0.0.1', r));
const port = (proxy.address() as { port: number }).port;
const client = await connect({ host: '127.0.0.1', port, user: pg.users.trust.user, database: pg.database, sslmode: 'disable' });
const serverVersion = client.serverInfo.serverVersion;
for (const step of TRANSCRIPT_SCRIPT) {
  await (step.kind === 'simple' ? client.simpleQuery(step.sql) : client.query(step.sql, step.params)).catch(() => undefined);
}
await client.close();
proxy.close();
await pg.destroy();
const bytes = Buffer.concat(chunks);
await writeFile(
  new URL('../fixtures/pg-transcript.json', import.meta.url),
  `${JSON.stringify({ server: `PostgreSQL ${serverVersion}`, recorded: new Date().toISOString().slice(0, 10), hex: bytes.toString('hex') }, null, 2)}\n`,
);
console.log(`recorded ${bytes.length} bytes from PostgreSQL ${serverVersion}`);
