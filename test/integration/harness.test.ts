import { once } from 'node:events';
import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { connect as netConnect, type Socket } from 'node:net';
import { dirname } from 'node:path';
import { connect as tlsConnect, type TLSSocket } from 'node:tls';
import { describe, expect, it } from 'vitest';
import { getTestPg } from '../support/pg-env.js';
import { startTestPostgres } from '../support/postgres.js';

// These tests check the harness itself (server config, users, certificates) with hand-built protocol bytes, so that
// the driver's own integration tests can rely on it.

const pg = getTestPg();

const SSL_REQUEST = Buffer.from([0, 0, 0, 8, 0x04, 0xd2, 0x16, 0x2f]);

function startupMessage(user: string, database: string): Buffer {
  const params = Buffer.from(`user\0${user}\0database\0${database}\0\0`, 'utf8');
  const head = Buffer.alloc(8);
  head.writeInt32BE(8 + params.length, 0);
  head.writeInt32BE(196_608, 4);
  return Buffer.concat([head, params]);
}

async function firstMessage(stream: Socket): Promise<{ type: string; body: Buffer }> {
  let received = Buffer.alloc(0);
  for await (const chunk of stream as AsyncIterable<Buffer>) {
    received = Buffer.concat([received, chunk]);
    if (received.length >= 5 && received.length >= 1 + received.readInt32BE(1)) {
      return { type: String.fromCharCode(received[0] ?? 0), body: received.subarray(5, 1 + received.readInt32BE(1)) };
    }
  }
  throw new Error(`connection closed after ${received.length} bytes`);
}

/** The server's first reply to a startup message: the authentication request code, or the error's SQLSTATE. */
async function authReply(user: string): Promise<string> {
  const socket = netConnect({ host: pg.host, port: pg.port });
  try {
    socket.write(startupMessage(user, pg.database));
    const message = await firstMessage(socket);
    if (message.type === 'R') return `R${message.body.readInt32BE(0)}`;
    const code = /C([0-9A-Z]{5})\0/.exec(message.body.toString('latin1'))?.[1];
    return `${message.type}${code ?? ''}`;
  } finally {
    socket.destroy();
  }
}

/** Plain TCP socket after the server answered an SSLRequest, plus that one-byte answer. */
async function afterSslRequest(): Promise<{ socket: Socket; answer: string }> {
  const socket = netConnect({ host: pg.host, port: pg.port });
  socket.write(SSL_REQUEST);
  const [chunk] = (await once(socket, 'data')) as [Buffer];
  return { socket, answer: chunk.toString('latin1') };
}

async function tlsHandshake(options: { servername?: string; host?: string; ca: string }): Promise<TLSSocket> {
  const { socket } = await afterSslRequest();
  const secure = tlsConnect({ socket, ...options });
  try {
    await once(secure, 'secureConnect');
    return secure;
  } catch (error) {
    secure.destroy();
    throw error;
  }
}

describe('test PostgreSQL harness', () => {
  it('answers an SSLRequest with S', async () => {
    const { socket, answer } = await afterSslRequest();
    socket.destroy();
    expect(answer).toBe('S');
  });

  it('has ssl switched on', async () => {
    expect(await pg.psql('SHOW ssl')).toBe('on');
  });

  it('serves a certificate that verifies for localhost with the test CA and authenticates over TLS', async () => {
    const secure = await tlsHandshake({ servername: 'localhost', ca: pg.caCertPem });
    try {
      expect(secure.authorized).toBe(true);
      secure.write(startupMessage(pg.users.trust.user, pg.database));
      const reply = await firstMessage(secure);
      expect(`${reply.type}${reply.body.readInt32BE(0)}`).toBe('R0');
    } finally {
      secure.destroy();
    }
  });

  it('serves a certificate without an IP SAN, so verify-full against 127.0.0.1 fails', async () => {
    await expect(tlsHandshake({ host: '127.0.0.1', ca: pg.caCertPem })).rejects.toMatchObject({
      code: 'ERR_TLS_CERT_ALTNAME_INVALID',
    });
  });

  it('serves a certificate the unrelated CA does not vouch for', async () => {
    const otherCa = await readFile(pg.otherCaCertPath, 'utf8');
    await expect(tlsHandshake({ servername: 'localhost', ca: otherCa })).rejects.toMatchObject({
      code: 'UNABLE_TO_VERIFY_LEAF_SIGNATURE',
    });
  });

  it('asks each user for the authentication method of its pg_hba line', async () => {
    const replies = {
      trust: await authReply(pg.users.trust.user),
      cleartext: await authReply(pg.users.cleartext.user),
      md5: await authReply(pg.users.md5.user),
      scram: await authReply(pg.users.scram.user),
      superuser: await authReply(pg.users.superuser.user),
      unknown: await authReply('nobody_here'),
    };
    // R0 AuthenticationOk, R3 cleartext, R5 MD5, R10 SASL; 28000 = no pg_hba.conf entry.
    expect(replies).toEqual({
      trust: 'R0',
      cleartext: 'R3',
      md5: 'R5',
      scram: 'R10',
      superuser: 'R10',
      unknown: 'E28000',
    });
  });

  it('stores the md5 user password as md5 and the scram user password as SCRAM-SHA-256', async () => {
    const md5 = await pg.psql(`SELECT rolpassword FROM pg_authid WHERE rolname = '${pg.users.md5.user}'`);
    const scram = await pg.psql(`SELECT rolpassword FROM pg_authid WHERE rolname = '${pg.users.scram.user}'`);
    expect(md5).toMatch(/^md5[0-9a-f]{32}$/);
    expect(scram.startsWith('SCRAM-SHA-256$')).toBe(true);
  });

  it('lets every test user create tables in the test database', async () => {
    const users = [pg.users.trust, pg.users.cleartext, pg.users.md5, pg.users.scram].map((u) => `'${u.user}'`);
    const rows = await pg.psql(
      `SELECT u, has_database_privilege(u, current_database(), 'CONNECT'), has_schema_privilege(u, 'public', 'CREATE')
       FROM unnest(ARRAY[${users.join(', ')}]) AS u ORDER BY u`,
    );
    expect(rows).toBe(['cleartext_user|t|t', 'md5_user|t|t', 'scram_user|t|t', 'trust_user|t|t'].join('\n'));
  });

  it('builds URLs with encoded credentials and query parameters', () => {
    const url = new URL(pg.url('scram', { sslmode: 'verify-full', application_name: 'a b' }));
    expect(url.protocol).toBe('postgres:');
    expect(decodeURIComponent(url.username)).toBe(pg.users.scram.user);
    expect(decodeURIComponent(url.password)).toBe(pg.users.scram.password);
    expect(url.hostname).toBe(pg.host);
    expect(Number(url.port)).toBe(pg.port);
    expect(url.pathname).toBe(`/${pg.database}`);
    expect(Object.fromEntries(url.searchParams)).toEqual({ sslmode: 'verify-full', application_name: 'a b' });
    expect(new URL(pg.url('trust')).password).toBe('');
  });

  it('reports SQL errors from psql with their SQLSTATE', async () => {
    await expect(pg.psql('SELECT 1/0')).rejects.toMatchObject({ code: '22012' });
  });
});

describe('a private TestPostgres', () => {
  it('restarts on the same port with the same data, and destroy removes its directory', async () => {
    const own = await startTestPostgres();
    try {
      await own.psql('CREATE TABLE kept (n int); INSERT INTO kept VALUES (1), (2)');
      await own.stop();
      await expect(own.psql('SELECT 1')).rejects.toThrow();
      await own.start();
      expect(await own.psql('SELECT sum(n) FROM kept')).toBe('3');
      expect(own.port).not.toBe(pg.port);
    } finally {
      await own.destroy();
    }
    expect(existsSync(dirname(own.socketDir))).toBe(false);
  });
});
