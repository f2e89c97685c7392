/**
 * A server that sends broken or hostile bytes: malformed lengths, unknown message types, messages in the wrong state,
 * DataRows of the wrong width, huge declared lengths, invalid UTF-8, ErrorResponses with missing fields. Each must end
 * in a clear error (a ProtocolError destroys the connection; a DatabaseError leaves it usable) and nothing may hang.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { connect, type Client } from '../../src/client.js';
import { ClientClosedError, ConnectionClosedError, ConnectionRejectedError, DatabaseError, ProtocolError } from '../../src/errors.js';
import { BulkInterruptedError } from '../../src/query/bulk-api.js';
import { failOnStrayErrors, rejection, settle } from './oracle.js';
import {
  authentication,
  commandComplete,
  dataRow,
  errorResponse,
  message,
  normalStartup,
  readyForQuery,
  rowDescription,
  simpleResult,
  startScriptedServer,
  type Reply,
  type Script,
  type ScriptedServer,
} from './scripted-server.js';
import type { ConnectOptions } from '../../src/types.js';

failOnStrayErrors();

let server: ScriptedServer | undefined;
let client: Client | undefined;

afterEach(async () => {
  client?.destroy();
  client = undefined;
  await server?.close();
  server = undefined;
});

async function open(script: Script, options: ConnectOptions = {}): Promise<Client> {
  server = await startScriptedServer(script);
  client = await connect({ host: server.host, port: server.port, user: 'u', database: 'd', sslmode: 'disable', connectTimeoutMs: 2_000, ...options });
  return client;
}

/** A server whose first request gets `reply`; later requests get a valid one-row result. */
function firstReply(reply: Reply): Script {
  return { request: (i) => (i === 0 ? reply : simpleResult(['ok'])) };
}

const PARSE_COMPLETE = message('1');
const BIND_COMPLETE = message('2');
const NO_PARAMS = message('t', Buffer.from([0, 0]));

/**
 * The protocol oracle for a fatal reply: the first query and the ones queued behind it all fail with a ProtocolError,
 * the client is closed, and the server sees its socket closed.
 */
async function expectFatal(c: Client, first: Promise<unknown>): Promise<ProtocolError> {
  const queued = [c.query('SELECT 2'), c.simpleQuery('SELECT 3')].map((q) => rejection(q, ProtocolError));
  const err = await rejection(first, ProtocolError);
  for (const q of queued) expect(await q).toBe(err);
  expect(c.closed).toBe(true);
  await settle((server as ScriptedServer).allClosed(), 'server-side socket close');
  return err;
}

describe('malformed framing', () => {
  it('a declared length below 4 is a ProtocolError that closes the connection', async () => {
    const c = await open(firstReply(message('Z', Buffer.from('I'), 2)));
    const err = await expectFatal(c, c.simpleQuery('SELECT 1'));
    expect(err.message).toMatch(/invalid length 2/);
  });

  it.each([
    ['NUL', 0x00],
    ["'X'", 0x58],
    ["'W' (ReplicationStart, known to pg-protocol)", 0x57],
    ["'v' (NegotiateProtocolVersion)", 0x76],
    ['0xff', 0xff],
  ])('an unknown message type %s is a ProtocolError', async (_name, type) => {
    const c = await open(firstReply(message(type, Buffer.from('abc'))));
    const err = await expectFatal(c, c.simpleQuery('SELECT 1'));
    expect(err.message).toMatch(/Unknown backend message type/);
  });

  it('a DataRow column length running past the end of its message is a ProtocolError, not a read into the next one', async () => {
    const row = dataRow(['abc']);
    row.writeInt32BE(200, 7); // the column claims 200 bytes inside a 13-byte message
    const c = await open(firstReply([rowDescription(['v']), row, commandComplete('SELECT 1'), readyForQuery()]));
    const err = await expectFatal(c, c.simpleQuery('SELECT 1'));
    expect(err.message).toMatch(/does not fit its declared length/);
  });

  it('a RowDescription announcing more fields than it holds is a ProtocolError', async () => {
    const desc = rowDescription(['v']);
    desc.writeInt16BE(40, 5);
    const c = await open(firstReply([desc, readyForQuery()]));
    await expectFatal(c, c.simpleQuery('SELECT 1'));
  });

  it('an ErrorResponse without its terminating NUL is a ProtocolError (pg-protocol alone loops forever on it)', async () => {
    const c = await open(firstReply(errorResponse({ S: 'ERROR', C: 'XX000', M: 'no end' }, 'E', false)));
    await expectFatal(c, c.simpleQuery('SELECT 1'));
  });

  it('a ReadyForQuery with an unknown status byte is a ProtocolError', async () => {
    const c = await open(firstReply([commandComplete('SELECT 0'), readyForQuery('X')]));
    await expectFatal(c, c.simpleQuery('SELECT 1'));
  });
});

describe('huge declared lengths', () => {
  it('a DataRow declaring 2 GiB fails at its 5-byte header, before any body arrives (default maxMessageBytes)', async () => {
    const header = message('D', Buffer.alloc(0), 0x7fff_ffff);
    // Only the header is ever sent: if the driver waited to buffer the body, the query would hang.
    const c = await open(firstReply([rowDescription(['v']), header]));
    const err = await expectFatal(c, c.simpleQuery('SELECT 1'));
    expect(err.message).toMatch(/maxMessageBytes=1073741824/);
  });

  it('maxMessageBytes is configurable: a row above it fails at the header, a row below it is fine', async () => {
    const big = 'x'.repeat(3_000);
    const script: Script = {
      request: (i) => (i === 0 ? simpleResult([big]) : [rowDescription(['v']), message('D', Buffer.alloc(0), 10_000)]),
    };
    const c = await open(script, { maxMessageBytes: 4_096 });
    const [ok] = await c.simpleQuery('SELECT big');
    expect(ok?.rows).toEqual([{ v: big }]);
    const err = await expectFatal(c, c.simpleQuery('SELECT bigger'));
    expect(err.message).toMatch(/declares 10000 bytes, more than maxMessageBytes=4096; raise maxMessageBytes/);
  });
});

describe('messages in the wrong state', () => {
  it.each([
    ['a DataRow before any RowDescription', [dataRow(['a']), commandComplete('SELECT 1'), readyForQuery()]],
    ['BackendKeyData in the middle of a query', [rowDescription(['v']), message('K', Buffer.alloc(8)), readyForQuery()]],
    ['AuthenticationOk after startup', [authentication(0), readyForQuery()]],
    ['ParseComplete in a simple query', [PARSE_COMPLETE, readyForQuery()]],
    ['PortalSuspended in a simple query', [message('s'), readyForQuery()]],
  ])('%s is a ProtocolError', async (_name, reply) => {
    const c = await open(firstReply(reply));
    const err = await expectFatal(c, c.simpleQuery('SELECT 1'));
    expect(err.message).toMatch(/Unexpected/);
  });

  it('a ReadyForQuery nobody asked for, while idle, closes the connection; the next call says why', async () => {
    const c = await open(firstReply([...simpleResult(['a']), readyForQuery()]));
    const [result] = await c.simpleQuery('SELECT 1');
    expect(result?.rows).toEqual([{ v: 'a' }]);
    await settle((server as ScriptedServer).allClosed(), 'server-side socket close');
    expect(c.closed).toBe(true);
    const err = await rejection(c.query('SELECT 1'), ClientClosedError);
    expect(err.message).toMatch(/The connection was lost \(Unexpected 'readyForQuery' message while no query is running\)/);
    expect(err.cause).toBeInstanceOf(ProtocolError);
  });

  it('a CommandComplete with no Execute pending in executeMany() is a ProtocolError', async () => {
    const script: Script = {
      request: (i) =>
        i === 0
          ? [PARSE_COMPLETE, message('t', Buffer.from([0, 1, 0, 0, 0, 25])), message('n')]
          : [BIND_COMPLETE, commandComplete('INSERT 0 1'), commandComplete('INSERT 0 1'), readyForQuery()],
    };
    const c = await open(script);
    // The connection was lost with rows in flight, so the caller gets the partial result; the cause says why.
    const bulk = c.executeMany('INSERT INTO t VALUES ($1)', [['a']]).catch((err: unknown) => {
      expect(err).toBeInstanceOf(BulkInterruptedError);
      // Row 0 replied, but on PostgreSQL its chunk commits only at Sync: without ReadyForQuery its fate is unknown.
      expect((err as BulkInterruptedError).unknownRows).toEqual([0]);
      expect((err as BulkInterruptedError).result.rowCounts).toEqual([-2]);
      throw (err as BulkInterruptedError).cause;
    });
    await expectFatal(c, bulk);
  });
});

describe('a DataRow of the wrong width', () => {
  it.each([
    ['fewer', ['a']],
    ['more', ['a', 'b', 'c']],
  ])('with %s columns than RowDescription is a ProtocolError (simple query)', async (_name, values) => {
    const c = await open(firstReply([rowDescription(['x', 'y']), dataRow(values), commandComplete('SELECT 1'), readyForQuery()]));
    const err = await expectFatal(c, c.simpleQuery('SELECT 1'));
    expect(err.message).toMatch(/DataRow has \d columns but RowDescription announced 2/);
  });

  it('is a ProtocolError on the extended path', async () => {
    const reply = [PARSE_COMPLETE, NO_PARAMS, rowDescription(['x', 'y']), BIND_COMPLETE, dataRow(['a']), commandComplete('SELECT 1'), readyForQuery()];
    const c = await open(firstReply(reply));
    await expectFatal(c, c.query('SELECT 1'));
  });

  it('is a ProtocolError in a stream', async () => {
    const c = await open(firstReply([PARSE_COMPLETE, NO_PARAMS, rowDescription(['x', 'y']), BIND_COMPLETE, dataRow(['a', 'b']), dataRow(['a'])]));
    const rows: unknown[] = [];
    const consume = (async () => {
      for await (const row of c.stream('SELECT 1', [], { fetchSize: 10 })) rows.push(row);
    })();
    await expectFatal(c, consume);
    expect(rows).toEqual([]);
  });
});

describe('invalid UTF-8 (decoded with replacement characters, never an error)', () => {
  it('in a value, a column name and an error message, and the connection stays usable', async () => {
    const bad = Buffer.from([0x66, 0xff, 0xfe, 0x6f]);
    const script: Script = {
      request: (i) => {
        if (i === 0) return [rowDescription([bad]), dataRow([bad]), commandComplete('SELECT 1'), readyForQuery()];
        if (i === 1) return [errorResponse({ S: 'ERROR', C: '22021', M: Buffer.concat([Buffer.from('bad '), bad]) }), readyForQuery()];
        return simpleResult(['ok']);
      },
    };
    const c = await open(script);
    const [result] = await c.simpleQuery('SELECT 1');
    expect(result?.rows).toEqual([{ 'f\uFFFD\uFFFDo': 'f\uFFFD\uFFFDo' }]);
    const err = await rejection(c.simpleQuery('SELECT 2'), DatabaseError);
    expect(err.message).toBe('bad f\uFFFD\uFFFDo');
    expect((await c.simpleQuery('SELECT 3'))[0]?.rows).toEqual([{ v: 'ok' }]);
  });

  it('in text and varchar values on the extended path, in array row mode', async () => {
    const bad = Buffer.from([0xc3, 0x28, 0xe2, 0x82]);
    const desc = rowDescription([{ name: 't', oid: 25 }, { name: 'vc', oid: 1043 }]);
    const c = await open(firstReply([PARSE_COMPLETE, NO_PARAMS, desc, BIND_COMPLETE, dataRow([bad, bad]), commandComplete('SELECT 1'), readyForQuery()]));
    const result = await c.query('SELECT t, vc', [], { rowMode: 'array' });
    expect(result.rows).toEqual([[bad.toString('utf8'), bad.toString('utf8')]]);
    expect(bad.toString('utf8')).toContain('\uFFFD');
  });
});

describe('ErrorResponse with missing fields', () => {
  it.each([
    ['no fields at all', {}],
    ['severity only', { S: 'ERROR' }],
    ['a message without SQLSTATE', { S: 'ERROR', M: 'boom' }],
    ['a SQLSTATE without message', { S: 'ERROR', C: '42P01' }],
    ['only unknown field codes', { Z: 'x', '!': 'y' }],
  ])('%s: a DatabaseError, and the connection stays usable', async (_name, fields: Record<string, string>) => {
    const c = await open(firstReply([errorResponse(fields), readyForQuery()]));
    const err = await rejection(c.simpleQuery('SELECT 1'), DatabaseError);
    expect(err.sqlstate).toBe(fields['C'] ?? '');
    expect(err.message).toBe(fields['M'] ?? '(the server sent an error without a message)');
    expect((await c.simpleQuery('SELECT 2'))[0]?.rows).toEqual([{ v: 'ok' }]);
    expect(c.closed).toBe(false);
  });

  it('a FATAL without SQLSTATE or message in a query ends the connection with ConnectionClosedError', async () => {
    const c = await open(firstReply(errorResponse({ S: 'FATAL' })));
    const queued = c.simpleQuery('SELECT 2');
    const err = await rejection(c.simpleQuery('SELECT 1'), ConnectionClosedError);
    expect(err.cause).toBeInstanceOf(DatabaseError);
    expect(await rejection(queued, ConnectionClosedError)).toBe(err);
    expect(c.closed).toBe(true);
  });
});

describe('hostile startup', () => {
  async function connectTo(script: Script): Promise<unknown> {
    server = await startScriptedServer(script);
    const outcome = await settle(connect({ host: server.host, port: server.port, user: 'u', sslmode: 'disable', connectTimeoutMs: 2_000 }));
    await settle(server.allClosed(), 'server-side socket close');
    expect(outcome.status).toBe('rejected');
    return (outcome as PromiseRejectedResult).reason;
  }

  it.each([
    ['an unsupported authentication request (GSS, code 7)', [authentication(7)]],
    ['AuthenticationCleartextPassword with extra bytes', [authentication(3, Buffer.from('xx'))]],
    ['a DataRow during startup', [authentication(0), dataRow(['a'])]],
    ['garbage instead of a message', [Buffer.from('HTTP/1.1 400 Bad Request\r\n\r\n')]],
  ])('%s: connect() rejects with a ProtocolError and the socket is closed', async (_name, reply) => {
    expect(await connectTo({ startup: () => reply })).toBeInstanceOf(ProtocolError);
  });

  it('a server that closes after AuthenticationOk: ConnectionClosedError', async () => {
    expect(await connectTo({ startup: () => [authentication(0), 'close'] })).toBeInstanceOf(ConnectionClosedError);
  });

  it('an ErrorResponse with no fields during startup rejects connect() with a ConnectionRejectedError carrying a DatabaseError', async () => {
    const err = await connectTo({ startup: () => [errorResponse({})] });
    expect(err).toBeInstanceOf(ConnectionRejectedError);
    expect((err as Error).cause).toBeInstanceOf(DatabaseError);
  });

  it('a normal startup still works (control)', async () => {
    const c = await open({ startup: (p) => normalStartup(p) });
    expect(c.serverInfo.serverVersion).toBe('16.0');
  });
});
