/**
 * Self-test of the CrateDB-behaviour fake server: each test pins one behaviour of docs/cratedb-wire.md at the byte level, talking to
 * the fake with raw sockets (`pg-protocol`'s `serialize` for frontend messages).
 */
import { serialize } from 'pg-protocol';
import { generate } from 'selfsigned';
import { afterEach, describe, expect, it } from 'vitest';
import {
  commandTagOf, dataRowBuffers, dataRowValues, errorField, errorFields, parameterOidsOf, parameterStatusOf,
  rawMessage, RawClient, rowDescriptionOf, startupPacket, type BackendFrame,
} from './fake/raw-client.js';
import { startFakeCrate, type FakeCrate, type FakeCrateOptions } from './fake/server.js';

const fakes: FakeCrate[] = [];
const clients: RawClient[] = [];

afterEach(async () => {
  clients.splice(0).forEach((c) => c.close());
  await Promise.all(fakes.splice(0).map((f) => f.stop()));
});

async function start(options?: FakeCrateOptions): Promise<FakeCrate> {
  const fake = await startFakeCrate(options);
  fakes.push(fake);
  return fake;
}

async function open(fake: FakeCrate): Promise<RawClient> {
  const client = await RawClient.connect(fake.port);
  clients.push(client);
  return client;
}

interface Login {
  client: RawClient;
  frames: BackendFrame[];
  pid: number;
  secret: number;
}

async function login(fake: FakeCrate, params: Record<string, string> = { user: 'crate' }): Promise<Login> {
  const client = await open(fake);
  client.send(startupPacket(params));
  const frames = await client.untilReady();
  const key = frames.find((f) => f.type === 'K');
  if (!key) throw new Error(`login failed: ${errorField(frames[0] as BackendFrame, 'M')}`);
  return { client, frames, pid: key.body.readInt32BE(0), secret: key.body.readInt32BE(4) };
}

async function query(client: RawClient, sql: string): Promise<BackendFrame[]> {
  client.send(serialize.query(sql));
  return client.untilReady();
}

/** Waits until the fake has seen something (its handlers run synchronously on receipt). */
async function until(check: () => boolean): Promise<void> {
  while (!check()) await new Promise((resolve) => setImmediate(resolve));
}

const kinds = (frames: readonly BackendFrame[]): string => frames.map((f) => f.type).join('');
const tags = (frames: readonly BackendFrame[]): string[] => frames.filter((f) => f.type === 'C').map(commandTagOf);
const rows = (frames: readonly BackendFrame[]): Array<Array<string | null>> =>
  frames.filter((f) => f.type === 'D').map(dataRowValues);
const status = (frames: readonly BackendFrame[]): string => (frames[frames.length - 1] as BackendFrame).body.toString('latin1');
const firstError = (frames: readonly BackendFrame[]): BackendFrame => frames.find((f) => f.type === 'E') as BackendFrame;

describe('startup (docs/cratedb-wire.md "Connecting")', () => {
  it('answers with AuthenticationOk, exactly eight ParameterStatus in order, BackendKeyData and RFQ I ("Server parameters")', async () => {
    const fake = await start({ version: '6.5.0' });
    const first = await login(fake, { user: 'crate', database: 'doc', application_name: 'x' });
    expect(kinds(first.frames)).toBe('RSSSSSSSSKZ');
    expect(first.frames[0]?.body.readInt32BE(0)).toBe(0);
    expect(first.frames.filter((f) => f.type === 'S').map(parameterStatusOf)).toEqual([
      ['crate_version', '6.5.0'],
      ['server_version', '14.0'],
      ['server_encoding', 'UTF8'],
      ['client_encoding', 'UTF8'],
      ['datestyle', 'ISO'],
      ['TimeZone', 'UTC'],
      ['integer_datetimes', 'on'],
      ['standard_conforming_strings', 'on'],
    ]);
    expect(status(first.frames)).toBe('I');
    const second = await login(fake);
    expect([first.pid, second.pid]).toEqual([1, 2]);
    expect(fake.startupParams).toEqual([{ user: 'crate', database: 'doc', application_name: 'x' }, { user: 'crate' }]);
  });

  it('answers N to SSLRequest without TLS and accepts a plain StartupMessage on the same socket ("First packet and TLS")', async () => {
    const fake = await start();
    const client = await open(fake);
    client.send(serialize.requestSsl());
    expect(await client.readByte()).toBe('N');
    client.send(startupPacket({ user: 'crate' }));
    expect(status(await client.untilReady())).toBe('I');
    expect(fake.received[0]?.map((m) => m.type)).toEqual(['SSLRequest', 'Startup']);
  });

  it('answers S to SSLRequest when TLS is configured and continues over TLS ("First packet and TLS")', async () => {
    const pems = await generate([{ name: 'commonName', value: 'localhost' }], { keySize: 2048 });
    const fake = await start({ tls: { key: pems.private, cert: pems.cert } });
    const client = await open(fake);
    client.send(serialize.requestSsl());
    expect(await client.readByte()).toBe('S');
    await client.startTls();
    client.send(startupPacket({ user: 'crate' }));
    const frames = await client.untilReady();
    expect(kinds(frames)).toBe('RSSSSSSSSKZ');
  });

  it('refuses GSSENCRequest as protocol 1234.5680 with FATAL XX000 and closes ("First packet and TLS")', async () => {
    const fake = await start();
    const client = await open(fake);
    const gss = Buffer.alloc(8);
    gss.writeInt32BE(8);
    gss.writeInt32BE(80877104, 4);
    client.send(gss);
    const [error] = await client.until((f) => f.type === 'E');
    expect(errorField(error as BackendFrame, 'S')).toBe('FATAL');
    expect(errorField(error as BackendFrame, 'M')).toBe('Unsupported frontend protocol 1234.5680: server supports 3.0 to 3.0');
    expect(errorField(error as BackendFrame, 'C')).toBe('XX000');
    await client.waitClosed();
  });

  it('rejects a startup length over 10 000 at once with FATAL and closes ("First packet and TLS")', async () => {
    const fake = await start();
    const client = await open(fake);
    const head = Buffer.alloc(8);
    head.writeInt32BE(20_000);
    head.writeInt32BE(196608, 4);
    client.send(head);
    const [error] = await client.until((f) => f.type === 'E');
    expect(errorField(error as BackendFrame, 'M')).toBe('invalid length of startup packet');
    await client.waitClosed();
  });

  it('sends NegotiateProtocolVersion 3.0 with the unsupported parameters for protocol 3.2 ("First packet and TLS")', async () => {
    const fake = await start();
    const client = await open(fake);
    client.send(startupPacket({ user: 'crate', DateStyle: 'ISO', database: 'doc' }, 3, 2));
    const frames = await client.untilReady();
    expect(frames[0]?.type).toBe('v');
    const body = frames[0]?.body as Buffer;
    expect(body.readInt32BE(0)).toBe(196608);
    expect(body.readInt32BE(4)).toBe(1);
    expect(body.subarray(8).toString('utf8')).toBe('_pq_.DateStyle\0');
    expect(kinds(frames.slice(1))).toBe('RSSSSSSSSKZ');
  });

  it('refuses protocol 3.2 before 6.2.0 and major 2 always ("First packet and TLS")', async () => {
    const old = await start({ version: '6.1.2' });
    const client = await open(old);
    client.send(startupPacket({ user: 'crate' }, 3, 2));
    const [error] = await client.until((f) => f.type === 'E');
    expect(errorField(error as BackendFrame, 'M')).toBe('Unsupported frontend protocol 3.2: server supports 3.0 to 3.0');
    const fake = await start();
    const v2 = await open(fake);
    v2.send(startupPacket({ user: 'crate' }, 2, 0));
    const [error2] = await v2.until((f) => f.type === 'E');
    expect(errorField(error2 as BackendFrame, 'M')).toBe('Unsupported frontend protocol 2.0: server supports 3.0 to 3.0');
  });

  it('applies `-c k=v` options and ignores the bare application_name parameter ("Startup parameters")', async () => {
    const fake = await start();
    const options = '-c statement_timeout=60000 -capplication_name=via_c -c unknown_key=1';
    const { client } = await login(fake, { user: 'crate', application_name: 'bare', options });
    expect(rows(await query(client, 'SHOW statement_timeout'))).toEqual([['1m']]);
    expect(rows(await query(client, 'SHOW application_name'))).toEqual([['via_c']]);
  });

  it('turns options that are not -c into FATAL 28000 with the parser message ("Startup parameters")', async () => {
    const fake = await start();
    const client = await open(fake);
    client.send(startupPacket({ user: 'crate', options: '--search_path=x' }));
    const [error] = await client.until((f) => f.type === 'E');
    expect(errorFields(error as BackendFrame)).toEqual([
      ['S', 'FATAL'],
      ['M', 'search_path is not a recognized option'],
      ['C', '28000'],
      ['R', 'ClientAuthentication'],
    ]);
  });

  it('uses the database parameter as the default schema ("Startup parameters", "Search path")', async () => {
    const fake = await start();
    const { client } = await login(fake, { user: 'crate', database: 'foo' });
    expect(tags(await query(client, 'CREATE TABLE t (a integer)'))).toEqual(['CREATE 1']);
    expect(rows(await query(client, 'SHOW search_path'))).toEqual([['foo']]);
    const { client: other } = await login(fake);
    expect(status(await query(other, 'SELECT * FROM foo.t'))).toBe('I');
    expect(errorField(firstError(await query(other, 'SELECT * FROM t')), 'C')).toBe('42P01');
  });
});

describe('authentication (docs/cratedb-wire.md "Authentication")', () => {
  const users = { crate: null, alice: 's3cret' };

  it('asks for a cleartext password (R 3) and accepts the right one', async () => {
    const fake = await start({ users });
    const client = await open(fake);
    client.send(startupPacket({ user: 'alice' }));
    const [ask] = await client.until((f) => f.type === 'R');
    expect(ask?.body.readInt32BE(0)).toBe(3);
    client.send(serialize.password('s3cret'));
    expect(kinds(await client.untilReady())).toBe('RSSSSSSSSKZ');
  });

  it('fails a wrong password with exactly S, M, C, R and keeps the socket open ("Failed login")', async () => {
    const fake = await start({ users });
    const client = await open(fake);
    client.send(startupPacket({ user: 'alice' }));
    await client.until((f) => f.type === 'R');
    client.send(serialize.password('wrong'));
    const [error] = await client.until((f) => f.type === 'E');
    expect(errorFields(error as BackendFrame)).toEqual([
      ['S', 'FATAL'],
      ['M', 'password authentication failed for user "alice"'],
      ['C', '28000'],
      ['R', 'ClientAuthentication'],
    ]);
    // A full login on another socket afterwards: the failed socket is still open.
    await login(fake);
    expect(client.closed).toBe(false);
  });

  it('fails an empty password even for a user whose password is empty-looking ("Authentication")', async () => {
    const fake = await start({ users: { crate: null, bob: '' } });
    const client = await open(fake);
    client.send(startupPacket({ user: 'bob' }));
    await client.until((f) => f.type === 'R');
    client.send(serialize.password(''));
    const [error] = await client.until((f) => f.type === 'E');
    expect(errorField(error as BackendFrame, 'M')).toBe('password authentication failed for user "bob"');
  });

  it('asks an unknown user for a password first, then fails ("Authentication")', async () => {
    const fake = await start({ users });
    const client = await open(fake);
    client.send(startupPacket({ user: 'mallory' }));
    const [ask] = await client.until((f) => f.type === 'R');
    expect(ask?.body.readInt32BE(0)).toBe(3);
    client.send(serialize.password('guess'));
    const [error] = await client.until((f) => f.type === 'E');
    expect(errorField(error as BackendFrame, 'M')).toBe('password authentication failed for user "mallory"');
  });

  it('fails trust for an unknown user when every user is trust ("Authentication")', async () => {
    const fake = await start();
    const client = await open(fake);
    client.send(startupPacket({ user: 'mallory' }));
    const [error] = await client.until((f) => f.type === 'E');
    expect(errorField(error as BackendFrame, 'M')).toBe('trust authentication failed for user "mallory"');
    expect(errorField(error as BackendFrame, 'C')).toBe('28000');
  });

  it('finds no HBA entry for a password user over plain TCP when TLS is required ("Host-based authentication")', async () => {
    const fake = await start({ users, requireTlsForPasswords: true });
    const client = await open(fake);
    client.send(startupPacket({ user: 'alice' }));
    const [error] = await client.until((f) => f.type === 'E');
    expect(errorField(error as BackendFrame, 'M')).toBe(
      'No valid auth.host_based entry found for host "127.0.0.1", user "alice". Did you enable TLS in your client?',
    );
  });

  it('refuses a password for the crate superuser at start ("Host-based authentication")', async () => {
    await expect(startFakeCrate({ users: { crate: 'x' } })).rejects.toThrow(/crate superuser/);
  });
});

describe('simple query (docs/cratedb-wire.md "Simple query", "Command tags")', () => {
  it('builds every tag of a multi-statement string from the whole string and ends with one RFQ I', async () => {
    const fake = await start();
    const { client } = await login(fake);
    const frames = await query(client, 'BEGIN;SELECT 1');
    expect(tags(frames)).toEqual(['BEGIN;SELECT 0', 'BEGIN;SELECT 1']);
    expect(kinds(frames)).toBe('CTDCZ');
    expect(status(frames)).toBe('I');
  });

  it('keeps the newline in the verb when the keyword is followed by one ("Command tags")', async () => {
    const fake = await start();
    const { client } = await login(fake);
    expect(tags(await query(client, 'SELECT\n  1'))).toEqual(['SELECT\n 1']);
  });

  it('answers an empty or comment-only string with EmptyQueryResponse ("Simple query")', async () => {
    const fake = await start();
    const { client } = await login(fake);
    expect(kinds(await query(client, ''))).toBe('IZ');
    expect(kinds(await query(client, '/* ping */'))).toBe('IZ');
  });

  it('stops at the first failure and still answers RFQ I ("Simple query", "Errors inside a batch")', async () => {
    const fake = await start();
    const { client } = await login(fake);
    const frames = await query(client, 'SELECT 1; SELECT * FROM nope; SELECT 2');
    expect(kinds(frames)).toBe('TDCEZ');
    expect(errorField(firstError(frames), 'M')).toBe("Relation 'nope' unknown");
    expect(errorField(firstError(frames), 'C')).toBe('42P01');
    expect(status(frames)).toBe('I');
  });

  it('names unaliased columns after the expression text ("Result columns and visibility")', async () => {
    const fake = await start();
    const { client } = await login(fake);
    const frames = await query(client, "SELECT 1, 'a', 2 AS two");
    expect(rowDescriptionOf(frames[0] as BackendFrame).map((f) => f.name)).toEqual(['1', "'a'", 'two']);
  });

  it('sends division by zero as XX000 with F, R, L and a multi-line Java stack in W ("Error fields")', async () => {
    const fake = await start();
    const { client } = await login(fake);
    const error = firstError(await query(client, 'SELECT 1/0'));
    const fields = errorFields(error);
    expect(fields.map(([c]) => c)).toEqual(['S', 'M', 'C', 'F', 'R', 'L', 'W']);
    expect(errorField(error, 'M')).toBe('/ by zero');
    expect(errorField(error, 'C')).toBe('XX000');
    const where = (errorField(error, 'W') as string).split('\n');
    expect(where.length).toBeGreaterThan(1);
    expect(where.length).toBeLessThanOrEqual(20);
    expect(where[0]).toContain(`(${errorField(error, 'F')}:${errorField(error, 'L')})`);
  });
});

describe('transactions (docs/cratedb-wire.md "Transactions")', () => {
  it('makes ROLLBACK a 42601 syntax error: RFQ I on the simple path, E on the extended path', async () => {
    const fake = await start();
    const { client } = await login(fake);
    const simple = await query(client, 'ROLLBACK');
    expect(errorField(firstError(simple), 'C')).toBe('42601');
    // test/fixtures/cratedb-6.4.3/simple_tags.json: ROLLBACK is a keyword of the lexer, hence "extraneous input".
    expect(errorField(firstError(simple), 'M')).toMatch(/^line 1:1: extraneous input 'ROLLBACK'/);
    expect(status(simple)).toBe('I');
    client.send(serialize.parse({ text: 'ROLLBACK' }), serialize.bind(), serialize.execute(), serialize.sync());
    const extended = await client.untilReady();
    expect(kinds(extended)).toBe('EZ');
    expect(status(extended)).toBe('E');
  });

  it('reports T after an extended BEGIN and I after COMMIT, but always I on the simple path', async () => {
    const fake = await start();
    const { client } = await login(fake);
    expect(status(await query(client, 'BEGIN'))).toBe('I');
    client.send(serialize.parse({ text: 'BEGIN' }), serialize.bind(), serialize.execute(), serialize.sync());
    const begun = await client.untilReady();
    expect(tags(begun)).toEqual(['BEGIN']);
    expect(status(begun)).toBe('T');
    client.send(serialize.parse({ text: 'COMMIT' }), serialize.bind(), serialize.execute(), serialize.sync());
    const committed = await client.untilReady();
    expect(tags(committed)).toEqual(['COMMIT 0']);
    expect(status(committed)).toBe('I');
  });
});

describe('extended protocol (docs/cratedb-wire.md "Frontend messages", "Running statements")', () => {
  async function withTable(fake: FakeCrate): Promise<RawClient> {
    const { client } = await login(fake);
    expect(status(await query(client, 'CREATE TABLE t (id integer PRIMARY KEY, name text)'))).toBe('I');
    return client;
  }

  it('bulks N Executes of one write: one CommandComplete each, -3 for a duplicate key, no ErrorResponse ("Bulk execution")', async () => {
    const fake = await start();
    const client = await withTable(fake);
    client.send(
      serialize.parse({ text: 'INSERT INTO t (id, name) VALUES ($1, $2)' }),
      serialize.bind({ values: ['1', 'a'] }),
      serialize.execute(),
      serialize.bind({ values: ['1', 'again'] }),
      serialize.execute(),
      serialize.bind({ values: ['2', 'b'] }),
      serialize.execute(),
      serialize.sync(),
    );
    const frames = await client.untilReady();
    expect(kinds(frames)).toBe('12C2C2CZ');
    expect(tags(frames)).toEqual(['INSERT 0 1', 'INSERT 0 -3', 'INSERT 0 1']);
    expect(status(frames)).toBe('I');
    expect(fake.received[0]?.filter((m) => m.type === 'Sync')).toHaveLength(1);
  });

  it('answers a single deferred duplicate with 23505 at Sync, RFQ I ("Deferred writes", "Transactions")', async () => {
    const fake = await start();
    const client = await withTable(fake);
    await query(client, "INSERT INTO t (id, name) VALUES (1, 'a')");
    client.send(
      serialize.parse({ text: 'INSERT INTO t (id, name) VALUES ($1, $2)' }),
      serialize.bind({ values: ['1', 'x'] }),
      serialize.execute(),
      serialize.sync(),
    );
    const frames = await client.untilReady();
    expect(kinds(frames)).toBe('12EZ');
    expect(errorField(firstError(frames), 'M')).toBe('A document with the same primary key exists already');
    expect(errorField(firstError(frames), 'C')).toBe('23505');
    expect(status(frames)).toBe('I');
  });

  it('runs a deferred write only at Flush ("Deferred writes")', async () => {
    const fake = await start();
    const client = await withTable(fake);
    const { client: observer } = await login(fake);
    client.send(
      serialize.parse({ text: "INSERT INTO t (id, name) VALUES (7, 'x')" }),
      serialize.bind(),
      serialize.execute(),
    );
    await until(() => fake.received[0]?.some((m) => m.type === 'Execute') ?? false);
    expect(rows(await query(observer, 'SELECT name FROM t WHERE id = 7'))).toEqual([]);
    client.send(serialize.flush());
    const frames = await client.until((f) => f.type === 'C');
    expect(kinds(frames)).toBe('12C');
    expect(tags(frames)).toEqual(['INSERT 0 1']);
    expect(rows(await query(observer, 'SELECT name FROM t WHERE id = 7'))).toEqual([['x']]);
  });

  it('fails a read inside a write batch with XX000, drops the queued writes and answers RFQ E ("Deferred writes")', async () => {
    const fake = await start();
    const client = await withTable(fake);
    client.send(
      serialize.parse({ text: 'INSERT INTO t (id, name) VALUES ($1, $2)' }),
      serialize.bind({ values: ['1', 'a'] }),
      serialize.execute(),
      serialize.parse({ name: 'read', text: 'SELECT * FROM t' }),
      serialize.bind({ statement: 'read' }),
      serialize.execute(),
      serialize.sync(),
    );
    const frames = await client.untilReady();
    expect(kinds(frames)).toBe('1212EZ');
    expect(errorField(firstError(frames), 'M')).toBe('Only write operations are allowed in Batch statements');
    expect(errorField(firstError(frames), 'C')).toBe('XX000');
    expect(status(frames)).toBe('E');
    expect(rows(await query(client, 'REFRESH TABLE t; SELECT count(*) FROM t'))).toEqual([['0']]);
  });

  it('ends a portal read at an exact multiple of maxRows with CommandComplete, not PortalSuspended ("Portals and maxRows")', async () => {
    const fake = await start();
    const client = await withTable(fake);
    await query(client, "INSERT INTO t (id, name) VALUES (1, 'a'), (2, 'b'), (3, 'c'), (4, 'd'); REFRESH TABLE t");
    client.send(
      serialize.parse({ text: 'SELECT id FROM t ORDER BY id' }),
      serialize.bind({ portal: 'p' }),
      serialize.execute({ portal: 'p', rows: 2 }),
      serialize.flush(),
    );
    const first = await client.until((f) => f.type === 's' || f.type === 'C');
    expect(kinds(first)).toBe('12DDs');
    client.send(serialize.execute({ portal: 'p', rows: 2 }), serialize.flush());
    const second = await client.until((f) => f.type === 's' || f.type === 'C');
    expect(kinds(second)).toBe('DDC');
    expect(tags(second)).toEqual(['SELECT 2']);
    expect(rows([...first, ...second])).toEqual([['1'], ['2'], ['3'], ['4']]);
  });

  it('keeps a suspended portal across Sync and counts only the last Execute in the tag ("Portals and maxRows")', async () => {
    const fake = await start();
    const client = await withTable(fake);
    await query(client, "INSERT INTO t (id, name) VALUES (1, 'a'), (2, 'b'), (3, 'c'), (4, 'd'); REFRESH TABLE t");
    client.send(
      serialize.parse({ text: 'SELECT id FROM t ORDER BY id' }),
      serialize.bind({ portal: 'p' }),
      serialize.execute({ portal: 'p', rows: 3 }),
      serialize.sync(),
    );
    expect(kinds(await client.untilReady())).toBe('12DDDsZ');
    client.send(serialize.execute({ portal: 'p', rows: 3 }), serialize.sync());
    const rest = await client.untilReady();
    expect(kinds(rest)).toBe('DCZ');
    expect(tags(rest)).toEqual(['SELECT 1']);
  });

  it('refuses parameter OID 17 with `Can\'t map PGType`, skips until Sync, then recovers ("Parameter OIDs", "Errors inside a batch")', async () => {
    const fake = await start();
    const { client } = await login(fake);
    client.send(
      serialize.parse({ text: 'SELECT $1', types: [17] }),
      serialize.bind({ values: ['x'] }),
      serialize.execute(),
      serialize.sync(),
    );
    const frames = await client.untilReady();
    expect(kinds(frames)).toBe('EZ');
    expect(errorField(firstError(frames), 'M')).toBe("Can't map PGType with oid=17 to Crate type");
    expect(status(frames)).toBe('E');
    client.send(serialize.sync());
    expect(status(await client.untilReady())).toBe('I');
    const parse = fake.received[0]?.find((m) => m.type === 'Parse');
    expect(parse).toMatchObject({ type: 'Parse', text: 'SELECT $1', paramTypes: [17] });
  });

  it('checks statement_max_length on Parse but not on simple Query ("Size limits")', async () => {
    const fake = await start({ statementMaxLength: 20 });
    const { client } = await login(fake);
    const sql = 'SELECT 1 AS a_long_alias';
    expect(status(await query(client, sql))).toBe('I');
    client.send(serialize.parse({ text: sql }), serialize.sync());
    const frames = await client.untilReady();
    expect(errorField(firstError(frames), 'M')).toBe(
      'Statement exceeds `statement_max_length` (20). Try replacing inline values with parameter placeholders',
    );
  });

  it('describes a statement with inferred parameter types, typmod -1 and the column position ("Frontend messages", "Parameter type inference", "Result columns and visibility")', async () => {
    const fake = await start();
    const client = await withTable(fake);
    client.send(
      serialize.parse({ name: 's', text: 'SELECT name FROM t WHERE id = $1' }),
      serialize.describe({ type: 'S', name: 's' }),
      serialize.sync(),
    );
    const frames = await client.untilReady();
    expect(kinds(frames)).toBe('1tTZ');
    expect(parameterOidsOf(frames[1] as BackendFrame)).toEqual([23]);
    expect(rowDescriptionOf(frames[2] as BackendFrame)).toMatchObject([
      { name: 'name', attnum: 2, typeOid: 1043, typlen: -1, typmod: -1, format: 0 },
    ]);
  });

  it('answers FunctionCall with `Unsupported messageType: 70`, no RFQ and no skip mode ("Frontend messages")', async () => {
    const fake = await start();
    const { client } = await login(fake);
    client.send(rawMessage('F', Buffer.alloc(8)));
    const [error] = await client.until((f) => f.type === 'E');
    expect(errorField(error as BackendFrame, 'M')).toBe('Unsupported messageType: 70');
    client.send(serialize.parse({ text: 'SELECT 1' }), serialize.bind(), serialize.execute(), serialize.sync());
    const frames = await client.untilReady();
    expect(kinds(frames)).toBe('12DCZ');
    expect(status(frames)).toBe('I');
  });

  it('fails a bulk once when planning fails at Sync: one ErrorResponse, replies dropped, RFQ E ("Bulk execution")', async () => {
    const fake = await start();
    const client = await withTable(fake);
    client.send(serialize.parse({ name: 'ins', text: 'INSERT INTO t (id, name) VALUES ($1, $2)' }), serialize.sync());
    expect(kinds(await client.untilReady())).toBe('1Z');
    const { client: other } = await login(fake);
    expect(tags(await query(other, 'DROP TABLE t'))).toEqual(['DROP 1']);
    client.send(
      serialize.bind({ statement: 'ins', values: ['1', 'a'] }),
      serialize.execute(),
      serialize.bind({ statement: 'ins', values: ['2', 'b'] }),
      serialize.execute(),
      serialize.sync(),
    );
    const frames = await client.untilReady();
    expect(kinds(frames)).toBe('2EZ');
    expect(errorField(firstError(frames), 'C')).toBe('42P01');
    expect(status(frames)).toBe('E');
  });

  it('silently replaces a re-Parsed statement name and answers CloseComplete for unknown names ("Statements and DDL", "Frontend messages")', async () => {
    const fake = await start();
    const { client } = await login(fake);
    client.send(
      serialize.parse({ name: 'a', text: 'SELECT 1' }),
      serialize.parse({ name: 'a', text: 'SELECT 2' }),
      serialize.bind({ statement: 'a' }),
      serialize.execute(),
      serialize.close({ type: 'S', name: 'never-parsed' }),
      serialize.close({ type: 'P', name: 'never-bound' }),
      serialize.sync(),
    );
    const frames = await client.untilReady();
    expect(kinds(frames)).toBe('112DC33Z');
    expect(rows(frames)).toEqual([['2']]);
  });

  it('decodes binary parameters with the inferred type ("Parameter type inference")', async () => {
    const fake = await start();
    const client = await withTable(fake);
    await query(client, "INSERT INTO t (id, name) VALUES (5, 'five')");
    const id = Buffer.alloc(4);
    id.writeInt32BE(5);
    client.send(
      serialize.parse({ text: 'SELECT name FROM t WHERE id = $1' }),
      serialize.bind({ values: [id] }),
      serialize.execute(),
      serialize.sync(),
    );
    expect(rows(await client.untilReady())).toEqual([['five']]);
  });

  it('reports missing statements and portals as XX000 ("Statements and DDL")', async () => {
    const fake = await start();
    const { client } = await login(fake);
    client.send(serialize.bind({ statement: 'nope' }), serialize.sync());
    expect(errorField(firstError(await client.untilReady()), 'M')).toBe('No statement found with name: nope');
    client.send(serialize.execute({ portal: 'gone' }), serialize.sync());
    expect(errorField(firstError(await client.untilReady()), 'M')).toBe('Cannot find portal: gone');
  });
});

describe('types and parameters (docs/cratedb-wire.md "Types and values")', () => {
  it('sends every type of types_demo in CrateDB text form ("Types", "Arrays")', async () => {
    const fake = await start();
    const { client } = await login(fake);
    const frames = await query(client, 'SELECT * FROM types_demo');
    const fields = rowDescriptionOf(frames[0] as BackendFrame);
    const [values] = rows(frames);
    const byName = Object.fromEntries(fields.map((f, i) => [f.name, values?.[i]]));
    expect(byName).toMatchObject({
      bool_col: 't',
      bigint_col: '9007199254740993',
      real_col: '1.0E10',
      double_col: '1.0E-4',
      numeric_col: '1E+3',
      timestamptz_col: '2024-01-02 03:04:05.678+00',
      timestamp_col: '2024-01-02 03:04:05.678',
      timetz_col: '03:04:05.123456',
      interval_col: '1 year 2 mons 3 days 04:05:06.789',
      object_col: '{"a":1,"b":[1,2],"c":{"d":"x"}}',
      geo_point_col: '(9.7419,47.4048)',
      float_vector_col: '{"1.0","2.5"}',
      bit_col: '0101',
      record_col: '(10,"",,foo)',
      null_col: null,
      int_array_col: '{"10","20"}',
      text_array_col: '{"a"b","c\\d",NULL}',
      nested_array_col: '[[1,2],[3]]',
      object_array_col: '{"{\\"a\\":1}"}',
      empty_array_col: '{}',
    });
    expect(byName.regclass_col).toMatch(/^\d+$/);
    const oid = (name: string): number | undefined => fields.find((f) => f.name === name)?.typeOid;
    const names = ['byte_col', 'object_col', 'nested_array_col', 'object_array_col', 'float_vector_col', 'geo_point_col'];
    expect(names.map(oid)).toEqual([18, 114, 114, 199, 1021, 600]);
    expect(fields.find((f) => f.name === 'bit_col')?.typmod).toBe(4);
    expect(fields.filter((f) => f.name !== 'bit_col').every((f) => f.typmod === -1)).toBe(true);
  });

  it('describes byte as int2 from 6.5.0 and ends timestamp text in +00 before 6.3.3 ("Types")', async () => {
    const newer = await start({ version: '6.5.0' });
    const older = await start({ version: '6.3.2' });
    const sql = 'SELECT byte_col, timestamp_col FROM types_demo';
    const a = await query((await login(newer)).client, sql);
    const b = await query((await login(older)).client, sql);
    expect(rowDescriptionOf(a[0] as BackendFrame)[0]?.typeOid).toBe(21);
    expect(rows(b)).toEqual([['42', '2024-01-02 03:04:05.678+00']]);
  });

  it('sends binary arrays with flags 1 and the size as lower bound ("Arrays")', async () => {
    const fake = await start();
    const { client } = await login(fake);
    client.send(
      serialize.parse({ text: 'SELECT int_array_col, empty_array_col FROM types_demo' }),
      serialize.bind({ binary: true }),
      serialize.execute(),
      serialize.sync(),
    );
    const [ints, empty] = dataRowBuffers((await client.untilReady()).find((f) => f.type === 'D') as BackendFrame) as Buffer[];
    const header = (b: Buffer): number[] => [0, 4, 8, 12, 16].map((o) => b.readInt32BE(o));
    expect(header(ints as Buffer)).toEqual([1, 1, 23, 2, 2]);
    expect(header(empty as Buffer)).toEqual([1, 1, 23, 0, 0]);
  });

  it('decodes text params strictly: bool `True` is false, date must be YYYY-MM-DD ("Parameter text parsing")', async () => {
    const fake = await start();
    const { client } = await login(fake);
    await query(client, 'CREATE TABLE p (id integer PRIMARY KEY, flag boolean, day date, ts timestamp)');
    client.send(
      serialize.parse({ text: 'INSERT INTO p (id, flag, day, ts) VALUES ($1, $2, $3, $4)' }),
      serialize.bind({ values: ['1', 'True', '2024-01-02', '2021-01-13T15:37:17+01:00'] }),
      serialize.execute(),
      serialize.sync(),
    );
    expect(tags(await client.untilReady())).toEqual(['INSERT 0 1']);
    const stored = rows(await query(client, 'SELECT flag, day, ts FROM p WHERE id = 1'));
    expect(stored).toEqual([['f', '2024-01-02', '2021-01-13 15:37:17.000']]);
    client.send(
      serialize.bind({ values: ['2', 't', '2024-01-02T00:00:00Z', '0'] }),
      serialize.execute(),
      serialize.sync(),
    );
    const frames = await client.untilReady();
    expect(errorField(firstError(frames), 'M')).toMatch(/^Text '2024-01-02T00:00:00Z' could not be parsed/);
    expect(status(frames)).toBe('E');
  });
});

describe('visibility (docs/cratedb-wire.md "Result columns and visibility")', () => {
  it('hides writes from searches until REFRESH, except primary-key lookups', async () => {
    const fake = await start();
    const { client } = await login(fake);
    await query(client, "CREATE TABLE v (id integer PRIMARY KEY, name text); INSERT INTO v (id, name) VALUES (1, 'a')");
    expect(rows(await query(client, 'SELECT name FROM v'))).toEqual([]);
    expect(rows(await query(client, 'SELECT name FROM v WHERE id = 1'))).toEqual([['a']]);
    await query(client, 'REFRESH TABLE v');
    expect(rows(await query(client, 'SELECT name FROM v'))).toEqual([['a']]);
  });
});

describe('cancel and statement_timeout (docs/cratedb-wire.md "Cancel and statement timeout")', () => {
  it('kills the running query on CancelRequest: XX000 `Job killed. Cancellation request by: crate`', async () => {
    const fake = await start();
    const victim = await login(fake);
    victim.client.send(serialize.query('SELECT sleep(60000)'));
    await until(() => fake.received[0]?.some((m) => m.type === 'Query') ?? false);
    const canceller = await open(fake);
    canceller.send(serialize.cancel(victim.pid, victim.secret));
    expect((await canceller.waitClosed()).length).toBe(0);
    const frames = await victim.client.untilReady();
    expect(errorField(firstError(frames), 'M')).toBe('Job killed. Cancellation request by: crate');
    expect(errorField(firstError(frames), 'C')).toBe('XX000');
    expect(status(frames)).toBe('I');
  });

  it('ignores a CancelRequest with the wrong secret', async () => {
    const fake = await start();
    const victim = await login(fake);
    const canceller = await open(fake);
    canceller.send(serialize.cancel(victim.pid, victim.secret + 1));
    await canceller.waitClosed();
    victim.client.send(serialize.query('SELECT sleep(1)'));
    expect(rows(await victim.client.untilReady())).toEqual([['t']]);
  });

  it('kills a query that outlives statement_timeout with the same error class', async () => {
    const fake = await start();
    const { client } = await login(fake);
    expect(tags(await query(client, "SET statement_timeout = '50ms'"))).toEqual(['SET 0']);
    const frames = await query(client, 'SELECT sleep(60000)');
    expect(errorField(firstError(frames), 'M')).toBe('Job killed. statement_timeout (50ms/execute)');
    expect(errorField(firstError(frames), 'C')).toBe('XX000');
  });
});
