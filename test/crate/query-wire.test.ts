/**
 * What one awaited query puts on the wire to CrateDB (scripted server, or a real one via CRATEDB_URL), seen by a TCP
 * proxy in front of it: the request is one socket write, and its messages are exactly those of bench/'s wire floor —
 * the unnamed statement as Parse, Bind, Describe portal, Execute, Sync; a prepared statement as Bind, Execute, Sync.
 * No Flush, no Describe of the statement, no second round trip.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { connect, type Client } from '../../src/index.js';
import { startTapProxy, type TapProxy } from '../support/tap-proxy.js';
import { startCrateTarget, type CrateTarget } from './target.js';

let target: CrateTarget;
let proxy: TapProxy | undefined;
let client: Client;
/** Client→server chunks the proxy forwarded, in order. */
const toServer: Buffer[] = [];

beforeAll(async () => {
  target = await startCrateTarget();
  const upstreamUrl = new URL(target.url({ sslmode: 'disable' }));
  proxy = await startTapProxy(upstreamUrl.hostname, Number(upstreamUrl.port), () => (chunk) => toServer.push(Buffer.from(chunk)));
  const viaProxy = new URL(upstreamUrl);
  viaProxy.hostname = '127.0.0.1';
  viaProxy.port = String(proxy.port);
  client = await connect(viaProxy.toString());
});

afterAll(async () => {
  await client?.close();
  await proxy?.close();
  await target?.stop();
});

/** One frontend message: type byte, Int32 length (counting itself), body. */
function message(type: string, ...parts: Buffer[]): Buffer {
  const body = Buffer.concat(parts);
  const head = Buffer.alloc(5);
  head.write(type, 0, 'latin1');
  head.writeInt32BE(body.length + 4, 1);
  return Buffer.concat([head, body]);
}

const cstring = (s: string): Buffer => Buffer.from(`${s}\0`, 'utf8');
const int16 = (n: number): Buffer => Buffer.from([(n >> 8) & 0xff, n & 0xff]);
function int32(n: number): Buffer {
  const b = Buffer.alloc(4);
  b.writeInt32BE(n);
  return b;
}

/** The type bytes of the messages in `chunk`, in order. */
function types(chunk: Buffer): string {
  let out = '';
  for (let at = 0; at < chunk.length; at += 1 + chunk.readInt32BE(at + 1)) out += String.fromCharCode(chunk[at] as number);
  return out;
}

/** Runs `run` and returns the chunks it sent to the server. */
async function sent(run: () => Promise<unknown>): Promise<Buffer[]> {
  const before = toServer.length;
  await run();
  return toServer.slice(before);
}

const SQL = 'SELECT $1::int AS v';

describe('one awaited query on the wire', () => {
  it('prepare: false sends Parse, Bind, Describe portal, Execute, Sync of the unnamed statement in one write', async () => {
    for (const n of [7, 8, 9]) {
      const chunks = await sent(async () => expect((await client.query(SQL, [n], { prepare: false })).rows).toEqual([{ v: n }]));
      const value = String(n);
      const expected = Buffer.concat([
        // Parse: unnamed, the text, one parameter type left to the server (OID 0).
        message('P', cstring(''), cstring(SQL), int16(1), int32(0)),
        // Bind: unnamed portal and statement, no parameter format codes (text), the value, no result format codes (text).
        message('B', cstring(''), cstring(''), int16(0), int16(1), int32(value.length), Buffer.from(value), int16(0)),
        message('D', Buffer.from('P'), cstring('')),
        message('E', cstring(''), int32(0)),
        message('S'),
      ]);
      expect(chunks).toEqual([expected]);
    }
  });

  it('a prepared statement sends Bind, Execute, Sync in one write, nothing else', async () => {
    const stmt = await client.prepare(SQL);
    for (const n of [7, 8, 9]) {
      const chunks = await sent(async () => expect((await stmt.execute([n])).rows).toEqual([{ v: n }]));
      expect(chunks.map(types)).toEqual(['BES']);
    }
    await stmt.close();
  });

  it('a cached statement, once described, sends Bind, Execute, Sync in one write', async () => {
    const text = 'SELECT $1::int + 1 AS v';
    await client.query(text, [0]);
    for (const n of [7, 8, 9]) {
      const chunks = await sent(async () => expect((await client.query(text, [n])).rows).toEqual([{ v: n + 1 }]));
      expect(chunks.map(types)).toEqual(['BES']);
    }
  });
});
