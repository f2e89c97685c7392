/**
 * Security properties: TLS verification, no silent fallback to plaintext, no cleartext password over a plain socket
 * unless the user opted in, and SQL text kept apart from parameter values on the extended path.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { connect } from '../../src/client.js';
import { AuthenticationError, TlsError } from '../../src/errors.js';
import { startFaultProxy, type FaultProxy, type ProxiedConnection } from '../support/fault-proxy.js';
import { failOnStrayErrors, rejection, usePostgres } from './oracle.js';
import { authentication, normalStartup, startScriptedServer, type ScriptedServer } from './scripted-server.js';

failOnStrayErrors();
const pg = usePostgres();

let server: ScriptedServer | undefined;
afterEach(async () => {
  await server?.close();
  server = undefined;
});

describe('TLS verification', () => {
  const url = (host: string, query: Record<string, string>): string => {
    const params = new URLSearchParams(query);
    return `postgres://${pg().users.trust.user}@${host}:${pg().port}/${pg().database}?${params.toString()}`;
  };

  it('verify-full rejects a certificate for another host name (the certificate names only localhost)', async () => {
    const err = await rejection(connect(url('127.0.0.1', { sslmode: 'verify-full', sslrootcert: pg().caCertPath })), TlsError);
    expect(err.message).toMatch(/does not match the host name/);
  });

  it.each(['verify-full', 'verify-ca'])('%s rejects a certificate from an untrusted CA', async (sslmode) => {
    const err = await rejection(connect(url('localhost', { sslmode, sslrootcert: pg().otherCaCertPath })), TlsError);
    expect(err.message).toMatch(/not signed by a trusted CA/);
  });

  it("verify-full without a CA uses Node's default store, which does not trust the test CA", async () => {
    await rejection(connect(url('localhost', { sslmode: 'verify-full' })), TlsError);
  });

  it('verify-full with the right CA and host name connects over TLS (control)', async () => {
    const client = await connect(url('localhost', { sslmode: 'verify-full', sslrootcert: pg().caCertPath }));
    expect(client.tls).toBe(true);
    await client.close();
  });
});

describe('no silent plaintext', () => {
  it.each(['require', 'verify-ca', 'verify-full'])('sslmode=%s against a server without TLS: TlsError, no StartupMessage sent', async (sslmode) => {
    let startups = 0;
    server = await startScriptedServer({
      startup: (p) => {
        startups++;
        return normalStartup(p);
      },
    });
    await rejection(connect({ host: server.host, port: server.port, user: 'u', sslmode: sslmode as 'require' }), TlsError);
    expect(startups).toBe(0);
  });

  it('a cleartext password request over a plain socket is refused unless allowCleartextPasswordWithoutTls', async () => {
    server = await startScriptedServer({ startup: () => authentication(3), request: () => normalStartup() });
    const base = { host: server.host, port: server.port, user: 'u', password: 'secret-pw', sslmode: 'disable' as const };
    const err = await rejection(connect(base), AuthenticationError);
    expect(err.message).toMatch(/refusing to send it.*allowCleartextPasswordWithoutTls/);
    expect(server.received[0]).toBe('');
    const client = await connect({ ...base, allowCleartextPasswordWithoutTls: true });
    expect(server.received[1]).toBe('p');
    await client.close();
  });

  it('a cleartext password goes over TLS without any opt-in', async () => {
    const client = await connect(pg().url('cleartext', { sslmode: 'require' }));
    expect(client.tls).toBe(true);
    await client.close();
  });
});

describe('SQL text and parameters stay separate on the extended path', () => {
  let proxy: FaultProxy | undefined;
  afterEach(async () => {
    await proxy?.close();
    proxy = undefined;
  });

  it.each([true, false])('a hostile value travels in Bind only, never in Parse (prepare: %s)', async (prepare) => {
    proxy = await startFaultProxy({ host: pg().host, port: pg().port });
    const client = await connect({ host: proxy.host, port: proxy.port, user: pg().users.trust.user, database: pg().database, sslmode: 'disable' });
    const hostile = "'); DROP TABLE users; -- \\' $1";
    const result = await client.query<{ v: string }>('SELECT $1::text AS v', [hostile], { prepare });
    expect(result.rows).toEqual([{ v: hostile }]);
    const messages = (proxy.sessions()[0] as ProxiedConnection).clientMessages;
    const parse = messages.filter((m) => m[0] === 0x50);
    const bind = messages.filter((m) => m[0] === 0x42);
    expect(parse).toHaveLength(1);
    expect(parse[0]?.toString('utf8')).toContain('SELECT $1::text AS v');
    expect(parse[0]?.toString('utf8')).not.toContain('DROP TABLE');
    expect(bind[0]?.toString('utf8')).toContain(hostile);
    await client.close();
  });
});
