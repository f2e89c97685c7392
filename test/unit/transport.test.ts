import { once } from 'node:events';
import * as net from 'node:net';
import * as tls from 'node:tls';
import { generate } from 'selfsigned';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { ConnectTimeoutError, ConnectionError, ProtocolError, TlsError } from '../../src/errors.js';
import { sendCancelRequest } from '../../src/transport/cancel.js';
import { openTransport, type SslSettings, type TransportOptions } from '../../src/transport/connect.js';

const SSL_REQUEST = Buffer.from([0, 0, 0, 8, 0x04, 0xd2, 0x16, 0x2f]);

interface Pki {
  caCert: string;
  otherCaCert: string;
  /** Signed by the CA; SANs: DNS localhost, IP 127.0.0.1. */
  localhost: { key: string; cert: string };
  /** Signed by the CA; SAN: DNS db.example only. */
  elsewhere: { key: string; cert: string };
}

let pki: Pki;

async function makeCa(name: string): Promise<{ key: string; cert: string }> {
  const ca = await generate([{ name: 'commonName', value: name }], {
    keyType: 'ec',
    algorithm: 'sha256',
    extensions: [
      { name: 'basicConstraints', cA: true, critical: true },
      { name: 'keyUsage', keyCertSign: true, cRLSign: true, critical: true },
    ],
  });
  return { key: ca.private, cert: ca.cert };
}

async function makeLeaf(
  ca: { key: string; cert: string },
  altNames: { type: 2 | 7; value?: string; ip?: string }[],
): Promise<{ key: string; cert: string }> {
  const leaf = await generate([{ name: 'commonName', value: 'cratewire test server' }], {
    keyType: 'ec',
    algorithm: 'sha256',
    ca,
    extensions: [
      { name: 'basicConstraints', cA: false },
      { name: 'keyUsage', digitalSignature: true, keyEncipherment: true },
      { name: 'extKeyUsage', serverAuth: true },
      { name: 'subjectAltName', altNames },
    ],
  });
  return { key: leaf.private, cert: leaf.cert };
}

beforeAll(async () => {
  const ca = await makeCa('cratewire test CA');
  const other = await makeCa('some other CA');
  pki = {
    caCert: ca.cert,
    otherCaCert: other.cert,
    localhost: await makeLeaf(ca, [
      { type: 2, value: 'localhost' },
      { type: 7, ip: '127.0.0.1' },
    ]),
    elsewhere: await makeLeaf(ca, [{ type: 2, value: 'db.example' }]),
  };
});

interface TestServer {
  port: number;
  /** Server-side sockets, in accept order. */
  accepted: net.Socket[];
  /** Resolves with the next accepted socket. */
  nextConnection(): Promise<net.Socket>;
}

const cleanups: (() => Promise<void> | void)[] = [];

afterEach(async () => {
  while (cleanups.length > 0) await cleanups.pop()?.();
});

async function startServer(onConnection: (socket: net.Socket) => void = () => {}): Promise<TestServer> {
  const accepted: net.Socket[] = [];
  const waiters: ((socket: net.Socket) => void)[] = [];
  const server = net.createServer((socket) => {
    socket.on('error', () => {});
    accepted.push(socket);
    waiters.shift()?.(socket);
    onConnection(socket);
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  cleanups.push(async () => {
    for (const socket of accepted) socket.destroy();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  });
  const address = server.address() as net.AddressInfo;
  return {
    port: address.port,
    accepted,
    nextConnection: () => new Promise<net.Socket>((resolve) => waiters.push(resolve)),
  };
}

/** Resolves with exactly `n` bytes from the socket; later bytes stay queued for the next reader. */
function readBytes(socket: net.Socket, n: number): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    let buffered = Buffer.alloc(0);
    const onData = (chunk: Buffer): void => {
      buffered = Buffer.concat([buffered, chunk]);
      if (buffered.length >= n) {
        socket.off('data', onData);
        socket.off('end', onEnd);
        socket.pause();
        if (buffered.length > n) socket.unshift(buffered.subarray(n));
        resolve(buffered.subarray(0, n));
      }
    };
    const onEnd = (): void => reject(new Error(`stream ended after ${buffered.length} of ${n} bytes`));
    socket.on('data', onData);
    socket.once('end', onEnd);
    socket.resume();
  });
}

function closed(socket: net.Socket): Promise<void> {
  if (socket.closed) return Promise.resolve();
  return new Promise((resolve) => socket.once('close', () => resolve()));
}

/** Answers SSLRequest with `answer`, in the same write as `extra`. */
function answerSslRequest(answer: string, extra = ''): (socket: net.Socket) => void {
  return (socket) => {
    void readBytes(socket, 8).then((request) => {
      if (request.equals(SSL_REQUEST)) socket.write(answer + extra);
    });
  };
}

interface TlsServerSide {
  /** The server's view of each completed handshake: the SNI name it received (false when none). */
  servernames: (string | false | null)[];
}

/** Answers SSLRequest with 'S', then runs TLS with `identity` and echoes "echo:" + whatever arrives. */
function tlsAfterS(identity: { key: string; cert: string }, side: TlsServerSide): (socket: net.Socket) => void {
  const secureServer = tls.createServer({ key: identity.key, cert: identity.cert }, (secure) => {
    side.servernames.push(secure.servername);
    secure.on('error', () => {});
    secure.on('data', (chunk: Buffer) => secure.write(Buffer.concat([Buffer.from('echo:'), chunk])));
  });
  return (socket) => {
    void readBytes(socket, 8).then(() => {
      socket.write('S');
      secureServer.emit('connection', socket);
    });
  };
}

function options(port: number, ssl: SslSettings, overrides: Partial<TransportOptions> = {}): TransportOptions {
  return {
    host: '127.0.0.1',
    port,
    ssl,
    keepAlive: true,
    keepAliveInitialDelayMs: 1000,
    signal: new AbortController().signal,
    ...overrides,
  };
}

/** Writes `text`, then resolves with the first `n` bytes read back. */
async function roundTrip(socket: net.Socket, text: string, n: number): Promise<string> {
  const reply = readBytes(socket, n);
  socket.write(text);
  return (await reply).toString();
}

function track(socket: net.Socket): net.Socket {
  cleanups.push(() => {
    socket.destroy();
  });
  return socket;
}

describe('openTransport without TLS', () => {
  it('sslmode=disable sends no SSLRequest and returns a paused plain socket', async () => {
    const server = await startServer();
    const accepted = server.nextConnection();
    const transport = await openTransport(options(server.port, { mode: 'disable' }));
    track(transport.socket);
    expect(transport.tls).toBe(false);
    expect(transport.socket.isPaused()).toBe(true);
    expect(transport.socket.listenerCount('data')).toBe(0);

    const serverSide = await accepted;
    const firstBytes = readBytes(serverSide, 5);
    transport.socket.write('hello');
    expect((await firstBytes).toString()).toBe('hello');
  });

  it("sslmode=prefer continues in plain text after 'N' and keeps bytes that came with it", async () => {
    const server = await startServer(answerSslRequest('N', 'after'));
    const transport = await openTransport(options(server.port, { mode: 'prefer' }));
    track(transport.socket);
    expect(transport.tls).toBe(false);
    expect(transport.socket.isPaused()).toBe(true);
    expect(transport.socket.listenerCount('data')).toBe(0);
    expect(transport.socket.listenerCount('error')).toBe(0);
    expect(transport.socket.listenerCount('close')).toBe(0);
    expect((await readBytes(transport.socket, 5)).toString()).toBe('after');
  });

  it("sends exactly the SSLRequest packet before anything else", async () => {
    const server = await startServer();
    const accepted = server.nextConnection();
    const pending = openTransport(options(server.port, { mode: 'prefer' }));
    const serverSide = await accepted;
    expect(await readBytes(serverSide, 8)).toEqual(SSL_REQUEST);
    serverSide.write('N');
    track((await pending).socket);
  });

  it.each(['require', 'verify-ca', 'verify-full'] as const)(
    "sslmode=%s rejects 'N' with TlsError and closes the socket",
    async (mode) => {
      const server = await startServer(answerSslRequest('N'));
      const accepted = server.nextConnection();
      const error = await openTransport(options(server.port, { mode })).catch((err: unknown) => err);
      expect(error).toBeInstanceOf(TlsError);
      expect((error as TlsError).message).toContain('does not support TLS');
      expect((error as TlsError).message).toContain(`sslmode=${mode}`);
      expect((error as TlsError).port).toBe(server.port);
      await closed(await accepted);
    },
  );

  it("rejects an answer other than 'S'/'N' with ProtocolError", async () => {
    const server = await startServer(answerSslRequest('HTTP/1.1 400 Bad Request\r\n'));
    const error = await openTransport(options(server.port, { mode: 'prefer' })).catch((err: unknown) => err);
    expect(error).toBeInstanceOf(ProtocolError);
    expect((error as ProtocolError).message).toContain("'H'");
  });

  it('rejects a server that closes instead of answering SSLRequest with ConnectionError', async () => {
    const server = await startServer((socket) => {
      void readBytes(socket, 8).then(() => socket.end());
    });
    const error = await openTransport(options(server.port, { mode: 'prefer' })).catch((err: unknown) => err);
    expect(error).toBeInstanceOf(ConnectionError);
    expect(error).not.toBeInstanceOf(TlsError);
  });

  it('maps a refused connection to ConnectionError naming host and port', async () => {
    const server = await startServer();
    const port = server.port;
    await cleanups.pop()?.();
    const error = await openTransport(options(port, { mode: 'disable' })).catch((err: unknown) => err);
    expect(error).toBeInstanceOf(ConnectionError);
    expect(error).not.toBeInstanceOf(TlsError);
    const connectionError = error as ConnectionError;
    expect(connectionError.host).toBe('127.0.0.1');
    expect(connectionError.port).toBe(port);
    expect(connectionError.message).toContain(`127.0.0.1:${port}`);
    expect(connectionError.message).toContain('ECONNREFUSED');
  });
});

describe('openTransport with TLS', () => {
  it("sslmode=require runs TLS after 'S' without verifying the certificate", async () => {
    const side: TlsServerSide = { servernames: [] };
    const server = await startServer(tlsAfterS(pki.elsewhere, side));
    const transport = await openTransport(options(server.port, { mode: 'require' }));
    track(transport.socket);
    expect(transport.tls).toBe(true);
    expect(transport.socket).toBeInstanceOf(tls.TLSSocket);
    expect(transport.socket.isPaused()).toBe(true);
    expect(transport.socket.listenerCount('data')).toBe(0);
    expect(await roundTrip(transport.socket, 'ping', 9)).toBe('echo:ping');
    // RFC 6066: no SNI for an IP address.
    expect(side.servernames).toEqual([false]);
  });

  it('sslmode=verify-ca accepts a certificate from the given CA whatever its host name', async () => {
    const side: TlsServerSide = { servernames: [] };
    const server = await startServer(tlsAfterS(pki.elsewhere, side));
    const transport = await openTransport(options(server.port, { mode: 'verify-ca', ca: pki.caCert }));
    track(transport.socket);
    expect(transport.tls).toBe(true);
    expect(await roundTrip(transport.socket, 'ping', 9)).toBe('echo:ping');
  });

  it('sslmode=verify-full accepts a certificate from the given CA that names the host', async () => {
    const side: TlsServerSide = { servernames: [] };
    const server = await startServer(tlsAfterS(pki.localhost, side));
    const transport = await openTransport(options(server.port, { mode: 'verify-full', ca: pki.caCert }));
    track(transport.socket);
    expect(await roundTrip(transport.socket, 'ping', 9)).toBe('echo:ping');
  });

  it('sends SNI and checks the host name against ssl.servername when given', async () => {
    const side: TlsServerSide = { servernames: [] };
    const server = await startServer(tlsAfterS(pki.elsewhere, side));
    const transport = await openTransport(
      options(server.port, { mode: 'verify-full', ca: pki.caCert, servername: 'db.example' }),
    );
    track(transport.socket);
    expect(await roundTrip(transport.socket, 'ping', 9)).toBe('echo:ping');
    expect(side.servernames).toEqual(['db.example']);
  });

  it('sends the host as SNI when it is a name', async () => {
    const side: TlsServerSide = { servernames: [] };
    const server = await startServer(tlsAfterS(pki.localhost, side));
    const transport = await openTransport(
      options(server.port, { mode: 'verify-full', ca: pki.caCert }, { host: 'localhost' }),
    );
    track(transport.socket);
    expect(transport.socket.listenerCount('data')).toBe(0);
    expect(transport.socket.listenerCount('error')).toBe(0);
    expect(await roundTrip(transport.socket, 'ping', 9)).toBe('echo:ping');
    expect(side.servernames).toEqual(['localhost']);
  });

  it('sslmode=verify-full rejects a host name mismatch with TlsError', async () => {
    const server = await startServer(tlsAfterS(pki.elsewhere, { servernames: [] }));
    const accepted = server.nextConnection();
    const error = await openTransport(options(server.port, { mode: 'verify-full', ca: pki.caCert })).catch(
      (err: unknown) => err,
    );
    expect(error).toBeInstanceOf(TlsError);
    expect((error as TlsError).message).toContain('does not match the host name "127.0.0.1"');
    expect((error as TlsError).host).toBe('127.0.0.1');
    await closed(await accepted);
  });

  it.each(['verify-ca', 'verify-full'] as const)('sslmode=%s rejects a certificate from an untrusted CA', async (mode) => {
    const server = await startServer(tlsAfterS(pki.localhost, { servernames: [] }));
    const error = await openTransport(options(server.port, { mode, ca: pki.otherCaCert })).catch(
      (err: unknown) => err,
    );
    expect(error).toBeInstanceOf(TlsError);
    expect((error as TlsError).message).toContain('not signed by a trusted CA');
  });

  it("rejects unencrypted bytes that arrive with the 'S' answer", async () => {
    const server = await startServer(answerSslRequest('S', 'injected'));
    const error = await openTransport(options(server.port, { mode: 'require' })).catch((err: unknown) => err);
    expect(error).toBeInstanceOf(ProtocolError);
  });
});

describe('openTransport aborts', () => {
  it('rejects with the reason of an already-aborted signal without connecting', async () => {
    const server = await startServer(answerSslRequest('N'));
    const reason = new Error('caller gave up');
    const controller = new AbortController();
    controller.abort(reason);
    await expect(openTransport(options(server.port, { mode: 'prefer' }, { signal: controller.signal }))).rejects.toBe(
      reason,
    );
    // A later connection is the first one the server sees.
    const transport = await openTransport(options(server.port, { mode: 'prefer' }));
    track(transport.socket);
    expect(server.accepted).toHaveLength(1);
  });

  it('rejects with signal.reason unchanged when aborted mid-negotiation and closes the socket', async () => {
    const server = await startServer();
    const accepted = server.nextConnection();
    const controller = new AbortController();
    const pending = openTransport(options(server.port, { mode: 'require' }, { signal: controller.signal }));
    const serverSide = await accepted;
    await readBytes(serverSide, 8);
    const reason = new Error('deadline');
    controller.abort(reason);
    await expect(pending).rejects.toBe(reason);
    serverSide.resume();
    await closed(serverSide);
  });

  it('rejects with signal.reason when aborted during the TLS handshake', async () => {
    const server = await startServer((socket) => {
      void readBytes(socket, 8).then(() => socket.write('S'));
    });
    const accepted = server.nextConnection();
    const controller = new AbortController();
    const pending = openTransport(options(server.port, { mode: 'require' }, { signal: controller.signal }));
    const serverSide = await accepted;
    await readBytes(serverSide, 8);
    // The ClientHello arriving shows the client is inside the handshake.
    await readBytes(serverSide, 1);
    const reason = new Error('deadline during TLS');
    controller.abort(reason);
    await expect(pending).rejects.toBe(reason);
    serverSide.resume();
    await closed(serverSide);
  });
});

describe('sendCancelRequest', () => {
  const cancelBytes = (pid: number, secret: number): Buffer => {
    const expected = Buffer.alloc(16);
    expected.writeInt32BE(16, 0);
    expected.writeInt32BE(80877102, 4);
    expected.writeInt32BE(pid, 8);
    expected.writeInt32BE(secret, 12);
    return expected;
  };

  it('sends the exact CancelRequest and resolves only once the server closes', async () => {
    const server = await startServer();
    const accepted = server.nextConnection();
    let settled = false;
    const pending = sendCancelRequest({
      host: '127.0.0.1',
      port: server.port,
      ssl: { mode: 'disable' },
      keepAlive: false,
      keepAliveInitialDelayMs: 0,
      processId: 4242,
      secretKey: -559038737,
      timeoutMs: 10_000,
    }).finally(() => {
      settled = true;
    });
    const serverSide = await accepted;
    expect(await readBytes(serverSide, 16)).toEqual(cancelBytes(4242, -559038737));
    await new Promise((resolve) => setImmediate(resolve));
    expect(settled).toBe(false);
    serverSide.end();
    await expect(pending).resolves.toBeUndefined();
  });

  it('accepts the secret as an unsigned 32-bit number', async () => {
    const server = await startServer();
    const accepted = server.nextConnection();
    const pending = sendCancelRequest({
      host: '127.0.0.1',
      port: server.port,
      ssl: { mode: 'disable' },
      keepAlive: false,
      keepAliveInitialDelayMs: 0,
      processId: 7,
      secretKey: 0xdeadbeef,
      timeoutMs: 10_000,
    });
    const serverSide = await accepted;
    expect(await readBytes(serverSide, 16)).toEqual(cancelBytes(7, 0xdeadbeef | 0));
    serverSide.end();
    await pending;
  });

  it('goes through SSLRequest and TLS when sslmode asks for it', async () => {
    const received: Buffer[] = [];
    const secureServer = tls.createServer({ key: pki.localhost.key, cert: pki.localhost.cert }, (secure) => {
      secure.on('error', () => {});
      void readBytes(secure, 16).then((bytes) => {
        received.push(bytes);
        secure.end();
      });
    });
    const server = await startServer((socket) => {
      void readBytes(socket, 8).then(() => {
        socket.write('S');
        secureServer.emit('connection', socket);
      });
    });
    await sendCancelRequest({
      host: '127.0.0.1',
      port: server.port,
      ssl: { mode: 'verify-full', ca: pki.caCert },
      keepAlive: false,
      keepAliveInitialDelayMs: 0,
      processId: 1,
      secretKey: 2,
      timeoutMs: 10_000,
    });
    expect(received).toEqual([cancelBytes(1, 2)]);
  });

  it('rejects ConnectTimeoutError and closes its socket when the server never closes', async () => {
    const server = await startServer();
    const accepted = server.nextConnection();
    const pending = sendCancelRequest({
      host: '127.0.0.1',
      port: server.port,
      ssl: { mode: 'disable' },
      keepAlive: false,
      keepAliveInitialDelayMs: 0,
      processId: 1,
      secretKey: 2,
      timeoutMs: 50,
    });
    await expect(pending).rejects.toBeInstanceOf(ConnectTimeoutError);
    const serverSide = await accepted;
    serverSide.resume();
    await closed(serverSide);
  });

  it('rejects ConnectionError when nothing listens', async () => {
    const server = await startServer();
    const port = server.port;
    await cleanups.pop()?.();
    const error = await sendCancelRequest({
      host: '127.0.0.1',
      port,
      ssl: { mode: 'prefer' },
      keepAlive: false,
      keepAliveInitialDelayMs: 0,
      processId: 1,
      secretKey: 2,
      timeoutMs: 10_000,
    }).catch((err: unknown) => err);
    expect(error).toBeInstanceOf(ConnectionError);
    expect(error).not.toBeInstanceOf(ConnectTimeoutError);
    expect((error as ConnectionError).port).toBe(port);
  });
});
