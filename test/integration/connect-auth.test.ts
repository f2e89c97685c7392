import { describe, expect, it } from 'vitest';
import { inspect } from 'node:util';
import { AuthenticationError, ConnectionError, ConnectionRejectedError, ConnectTimeoutError, DatabaseError, TlsError, connect, createPool } from '../../src/index.js';
import { getTestPg } from '../support/pg-env.js';
import { createServer, type Server } from 'node:net';

const pg = getTestPg();

describe('authentication against PostgreSQL', () => {
  it.each([
    ['trust', 'disable'],
    ['md5', 'disable'],
    ['scram', 'disable'],
    ['scram', 'require'],
    ['cleartext', 'require'],
  ] as const)('%s user with sslmode=%s', async (kind, sslmode) => {
    const client = await connect(pg.url(kind, { sslmode }));
    try {
      const res = await client.query<{ who: string; tls: boolean }>('SELECT current_user AS who, ssl AS tls FROM pg_stat_ssl WHERE pid = pg_backend_pid()');
      expect(res.rows[0]?.who).toBe(pg.users[kind].user);
      expect(res.rows[0]?.tls).toBe(sslmode === 'require');
      expect(client.tls).toBe(sslmode === 'require');
      expect(client.serverInfo.isCrate).toBe(false);
      expect(client.serverInfo.serverVersion).toMatch(/^\d+/);
      expect(client.serverInfo.parameters['server_encoding']).toBe('UTF8');
    } finally {
      await client.close();
    }
  });

  it('refuses to send a cleartext password over a plain socket unless allowed', async () => {
    await expect(connect(pg.url('cleartext', { sslmode: 'disable' }))).rejects.toThrow(AuthenticationError);
    await expect(connect(pg.url('cleartext', { sslmode: 'disable' }))).rejects.toThrow(/allowCleartextPasswordWithoutTls/);
    const client = await connect(pg.url('cleartext', { sslmode: 'disable' }), { allowCleartextPasswordWithoutTls: true });
    expect((await client.query('SELECT 1 AS one')).rows).toEqual([{ one: 1 }]);
    await client.close();
  });

  it.each(['md5', 'scram', 'cleartext'] as const)('wrong password for the %s user is an AuthenticationError without the password', async (kind) => {
    const url = pg.url(kind, { sslmode: 'require' }).replace(encodeURIComponent(pg.users[kind].password), 'canary-wrong-pw-71');
    const err = await connect(url).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(AuthenticationError);
    expect((err as AuthenticationError).sqlstate).toBe('28P01');
    expect(String(err)).not.toContain('canary-wrong-pw-71');
    expect(inspect(err, { depth: 5 })).not.toContain('canary-wrong-pw-71');
  });

  it('reports a missing password clearly', async () => {
    const err = await connect({ host: pg.host, port: pg.port, user: pg.users.scram.user, database: pg.database, sslmode: 'disable' }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(AuthenticationError);
    expect(String(err)).toMatch(/no password was given/);
  });
});

describe('TLS modes against PostgreSQL', () => {
  it('verify-full succeeds for the certificate host name with the right CA', async () => {
    const client = await connect({ host: 'localhost', port: pg.port, user: pg.users.trust.user, database: pg.database, sslmode: 'verify-full', sslrootcert: pg.caCertPath });
    expect(client.tls).toBe(true);
    await client.close();
  });

  it('verify-full rejects a host name the certificate does not name', async () => {
    await expect(connect({ host: '127.0.0.1', port: pg.port, user: pg.users.trust.user, database: pg.database, sslmode: 'verify-full', sslrootcert: pg.caCertPath })).rejects.toThrow(TlsError);
  });

  it('verify-ca accepts any host name but checks the chain', async () => {
    const client = await connect({ host: '127.0.0.1', port: pg.port, user: pg.users.trust.user, database: pg.database, sslmode: 'verify-ca', sslrootcert: pg.caCertPath });
    expect(client.tls).toBe(true);
    await client.close();
    await expect(connect({ host: '127.0.0.1', port: pg.port, user: pg.users.trust.user, database: pg.database, sslmode: 'verify-ca', sslrootcert: pg.otherCaCertPath })).rejects.toThrow(TlsError);
  });

  it('prefer uses TLS when the server offers it', async () => {
    const client = await connect(pg.url('trust', { sslmode: 'prefer' }));
    expect(client.tls).toBe(true);
    await client.close();
  });
});

describe('connection failures', () => {
  it('an unknown database (3D000) is a ConnectionError that says so (issue #12, bug 6)', async () => {
    const url = new URL(pg.url('trust', { sslmode: 'disable' }));
    url.pathname = '/no_such_db';
    const err = await connect(url.toString()).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ConnectionRejectedError);
    expect(err).toBeInstanceOf(ConnectionError);
    expect(err).toMatchObject({ sqlstate: '3D000', port: Number(url.port) });
    expect((err as Error).message).toMatch(/refused the connection: database "no_such_db" does not exist \(SQLSTATE 3D000\); check the database name/);
    expect((err as Error).cause).toBeInstanceOf(DatabaseError);
    const pool = createPool(url.toString(), { acquireTimeoutMs: 2_000 });
    try {
      await expect(pool.query('SELECT 1')).rejects.toBeInstanceOf(ConnectionRejectedError);
    } finally {
      await pool.end();
    }
  });

  it('connection refused is a ConnectionError naming host and port', async () => {
    const server = createServer();
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    const port = (server.address() as { port: number }).port;
    await new Promise<void>((r) => server.close(() => r()));
    const err = await connect({ host: '127.0.0.1', port, sslmode: 'disable' }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ConnectionError);
    expect((err as ConnectionError).port).toBe(port);
  });

  it('a server that never answers hits connectTimeoutMs', async () => {
    const server: Server = createServer(() => undefined);
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    const port = (server.address() as { port: number }).port;
    const err = await connect({ host: '127.0.0.1', port, sslmode: 'disable', connectTimeoutMs: 300 }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ConnectTimeoutError);
    server.close();
  });

  it('tries the next host when the first refuses', async () => {
    const client = await connect({ host: ['127.0.0.1', pg.host], port: [1, pg.port], user: pg.users.trust.user, database: pg.database, sslmode: 'disable' });
    expect((await client.query('SELECT 2 AS two')).rows[0]).toEqual({ two: 2 });
    await client.close();
  });
});
