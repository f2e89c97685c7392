/**
 * TCP connect and SSLRequest/TLS negotiation. With cancel.ts, the only place in src/ that imports `net` or `tls`.
 */
import { connect as netConnect, isIP, type Socket } from 'node:net';
import { connect as tlsConnect, type ConnectionOptions, type TLSSocket } from 'node:tls';
import { ConnectionError, ProtocolError, TlsError } from '../errors.js';

/** TLS settings; structurally the same as `SslConfig` in config.ts. */
export interface SslSettings {
  /** libpq's sslmode; `allow` is not offered because it would retry the connection without TLS. */
  mode: 'disable' | 'prefer' | 'require' | 'verify-ca' | 'verify-full';
  /** Trusted CA certificate(s) in PEM; Node's default store when absent. */
  ca?: string | Buffer;
  /** Client certificate in PEM, for CrateDB's `cert` auth method (docs/cratedb-wire.md "Authentication"). */
  cert?: string | Buffer;
  /** Private key of the client certificate, in PEM. */
  key?: string | Buffer;
  /** SNI name, also the name checked by verify-full; defaults to `host` unless `host` is an IP address. */
  servername?: string;
}

/** Options of {@link openTransport}. */
export interface TransportOptions {
  host: string;
  port: number;
  ssl: SslSettings;
  keepAlive: boolean;
  keepAliveInitialDelayMs: number;
  /** Aborts DNS+TCP+TLS; the caller builds one deadline signal that also covers auth. */
  signal: AbortSignal;
}

/** A connected socket, ready for the StartupMessage. */
export interface Transport {
  /** Paused and without a 'data' listener: attach one, then call `resume()`. */
  readonly socket: Socket;
  readonly tls: boolean;
}

const SSL_REQUEST = Buffer.from([0, 0, 0, 8, 0x04, 0xd2, 0x16, 0x2f]);
const BYTE_S = 0x53;
const BYTE_N = 0x4e;
const BYTE_E = 0x45;

/**
 * TCP connect (noDelay, keepalive), then per sslmode: 'disable' → plain; otherwise SSLRequest and read exactly one
 * byte: 'S' → TLS handshake on the same socket; 'N' → plain if mode is 'prefer', else TlsError; any other byte →
 * ProtocolError. Never direct TLS, never GSSENCRequest (docs/cratedb-wire.md "First packet and TLS").
 *
 * Verification: prefer/require accept any certificate; verify-ca checks the chain against `ssl.ca` (or Node's default
 * store) but not the host name; verify-full checks both. An abort rejects with `signal.reason` unchanged and destroys
 * the socket. Network failures reject with ConnectionError, certificate problems with TlsError.
 */
export async function openTransport(options: TransportOptions): Promise<Transport> {
  const { host, port, ssl, signal } = options;
  signal.throwIfAborted();
  const socket = netConnect({ host, port });
  let secure: TLSSocket | undefined;
  try {
    await step(socket, signal, (done, fail) => {
      const onConnect = (): void => done(undefined);
      const onError = (err: Error): void => fail(connectFailure(err, host, port));
      socket.once('connect', onConnect);
      socket.once('error', onError);
      return () => {
        socket.off('connect', onConnect);
        socket.off('error', onError);
      };
    });
    socket.setNoDelay(true);
    socket.setKeepAlive(options.keepAlive, options.keepAliveInitialDelayMs);

    if (ssl.mode === 'disable') {
      socket.pause();
      return { socket, tls: false };
    }

    socket.write(SSL_REQUEST);
    const answer = await readSslAnswer(socket, host, port, signal);
    if (answer === BYTE_N) {
      if (ssl.mode !== 'prefer') {
        throw new TlsError(
          `The server at ${formatAddress(host, port)} does not support TLS; sslmode=${ssl.mode} requires it. ` +
            'Enable TLS on the server (CrateDB: ssl.psql.enabled) or use sslmode=prefer/disable',
          { host, port },
        );
      }
      return { socket, tls: false };
    }

    secure = tlsConnect(tlsOptions(socket, options));
    const tlsSocket = secure;
    await step(tlsSocket, signal, (done, fail) => {
      const onSecure = (): void => done(undefined);
      const onError = (err: Error): void => fail(tlsFailure(err, options));
      const onClose = (): void =>
        fail(new TlsError(`The server at ${formatAddress(host, port)} closed the connection during the TLS handshake`, {
          host,
          port,
        }));
      tlsSocket.once('secureConnect', onSecure);
      tlsSocket.once('error', onError);
      tlsSocket.once('close', onClose);
      return () => {
        tlsSocket.off('secureConnect', onSecure);
        tlsSocket.off('error', onError);
        tlsSocket.off('close', onClose);
      };
    });
    tlsSocket.pause();
    return { socket: tlsSocket, tls: true };
  } catch (err) {
    discard(secure);
    discard(socket);
    throw err;
  }
}

/**
 * Runs one negotiation step: `attach` registers its listeners and returns their removal, which runs however the
 * step ends (done, fail or abort), so nothing stays attached to the socket afterwards.
 */
function step<T>(
  socket: Socket,
  signal: AbortSignal,
  attach: (done: (value: T) => void, fail: (err: unknown) => void) => () => void,
): Promise<T> {
  return new Promise<T>((resolve, reject) => {
    let detach: (() => void) | undefined;
    let settled = false;
    const finish = (): boolean => {
      if (settled) return false;
      settled = true;
      detach?.();
      signal.removeEventListener('abort', onAbort);
      return true;
    };
    const onAbort = (): void => {
      if (finish()) {
        socket.destroy();
        reject(signal.reason);
      }
    };
    detach = attach(
      (value) => {
        if (finish()) resolve(value);
      },
      (err) => {
        if (finish()) reject(err);
      },
    );
    if (settled) {
      detach();
      return;
    }
    signal.addEventListener('abort', onAbort, { once: true });
  });
}

/** Reads the single-byte answer to SSLRequest; leaves the socket paused with any later bytes put back. */
function readSslAnswer(socket: Socket, host: string, port: number, signal: AbortSignal): Promise<number> {
  return step<number>(socket, signal, (done, fail) => {
    const onData = (chunk: Buffer): void => {
      if (chunk.length === 0) return;
      socket.off('data', onData);
      socket.pause();
      const byte = chunk[0] ?? 0;
      const rest = chunk.subarray(1);
      if (byte === BYTE_N) {
        if (rest.length > 0) socket.unshift(rest);
        done(byte);
      } else if (byte === BYTE_S) {
        // Plaintext after 'S' would be read as if it came through TLS (CVE-2021-23222); libpq refuses it too.
        if (rest.length > 0) {
          fail(new ProtocolError(`The server at ${formatAddress(host, port)} sent unencrypted data after accepting TLS`));
        } else {
          done(byte);
        }
      } else {
        fail(new ProtocolError(unexpectedAnswer(byte, host, port)));
      }
    };
    const onError = (err: Error): void => fail(connectFailure(err, host, port));
    const onClose = (): void =>
      fail(
        new ConnectionError(
          `The server at ${formatAddress(host, port)} closed the connection in answer to SSLRequest; ` +
            'check that the port is a PostgreSQL/CrateDB pgwire port',
          { host, port },
        ),
      );
    socket.on('data', onData);
    socket.once('error', onError);
    socket.once('close', onClose);
    return () => {
      socket.off('data', onData);
      socket.off('error', onError);
      socket.off('close', onClose);
    };
  });
}

function unexpectedAnswer(byte: number, host: string, port: number): string {
  const where = formatAddress(host, port);
  if (byte === BYTE_E) {
    return `The server at ${where} answered SSLRequest with an error message instead of 'S' or 'N' (it may be overloaded or too old)`;
  }
  const shown = byte >= 0x20 && byte < 0x7f ? `'${String.fromCharCode(byte)}'` : `0x${byte.toString(16).padStart(2, '0')}`;
  return (
    `The server at ${where} answered SSLRequest with ${shown} instead of 'S' or 'N'; is this a pgwire port ` +
    "(CrateDB's psql.port, 5432 by default) rather than the HTTP port (4200)?"
  );
}

function tlsOptions(socket: Socket, options: TransportOptions): ConnectionOptions {
  const { host, ssl } = options;
  // RFC 6066 forbids an IP address as SNI; verify-full then matches the IP against the certificate's IP SANs.
  const servername = ssl.servername ?? (isIP(host) === 0 ? host : undefined);
  const verify = ssl.mode === 'verify-ca' || ssl.mode === 'verify-full';
  return {
    socket,
    host: servername ?? host,
    ...(servername === undefined ? {} : { servername }),
    rejectUnauthorized: verify,
    ...(ssl.mode === 'verify-ca' ? { checkServerIdentity: () => undefined } : {}),
    ...(ssl.ca === undefined ? {} : { ca: ssl.ca }),
    ...(ssl.cert === undefined ? {} : { cert: ssl.cert }),
    ...(ssl.key === undefined ? {} : { key: ssl.key }),
  };
}

const UNTRUSTED_CODES = new Set([
  'DEPTH_ZERO_SELF_SIGNED_CERT',
  'SELF_SIGNED_CERT_IN_CHAIN',
  'UNABLE_TO_VERIFY_LEAF_SIGNATURE',
  'UNABLE_TO_GET_ISSUER_CERT',
  'UNABLE_TO_GET_ISSUER_CERT_LOCALLY',
  'CERT_UNTRUSTED',
  'CERT_SIGNATURE_FAILURE',
]);

function tlsFailure(err: Error, options: TransportOptions): TlsError {
  const { host, port, ssl } = options;
  const where = formatAddress(host, port);
  const code = errorCode(err);
  let reason: string;
  if (code === 'ERR_TLS_CERT_ALTNAME_INVALID') {
    reason =
      `the server certificate does not match the host name "${ssl.servername ?? host}" (${err.message}); ` +
      'connect using a name the certificate lists, set ssl.servername, or use sslmode=verify-ca';
  } else if (code !== undefined && UNTRUSTED_CODES.has(code)) {
    reason =
      `the server certificate is not signed by a trusted CA (${err.message}, ${code}); ` +
      `pass the server's CA certificate as ssl.ca${ssl.ca === undefined ? '' : ' (the given one does not match)'}`;
  } else if (code === 'CERT_HAS_EXPIRED' || code === 'CERT_NOT_YET_VALID') {
    reason = `the server certificate is outside its validity period (${err.message}, ${code})`;
  } else {
    reason = `the TLS handshake failed (${err.message}${code === undefined ? '' : `, ${code}`})`;
  }
  return new TlsError(`TLS connection to ${where} failed (sslmode=${ssl.mode}): ${reason}`, { host, port, cause: err });
}

const CONNECT_HINTS: Record<string, string> = {
  ECONNREFUSED: 'connection refused; check that the server is running and listening on that host and port',
  ENOTFOUND: 'the host name was not found; check the host name and DNS',
  EAI_AGAIN: 'the host name could not be resolved right now (temporary DNS failure); check DNS',
  ETIMEDOUT: 'the TCP connection timed out; check the address and any firewall in between',
  EHOSTUNREACH: 'the host is unreachable; check the address and the network route',
  ENETUNREACH: 'the network is unreachable; check the address and the network route',
  ECONNRESET: 'the connection was reset by the server or a proxy; check the server log and that the port speaks pgwire',
  EPIPE: 'the server closed the connection; check the server log and that the port speaks pgwire',
};

/** Exported for cancel.ts, which maps socket errors of its own write the same way. */
export function connectFailure(err: Error, host: string, port: number): ConnectionError {
  const code = errorCode(err);
  const hint = (code === undefined ? undefined : CONNECT_HINTS[code]) ?? err.message;
  return new ConnectionError(
    `Could not connect to ${formatAddress(host, port)}: ${hint}${code === undefined ? '' : ` (${code})`}`,
    { host, port, cause: err },
  );
}

/** `host:port`, with IPv6 addresses in brackets. */
export function formatAddress(host: string, port: number): string {
  return isIP(host) === 6 ? `[${host}]:${port}` : `${host}:${port}`;
}

function errorCode(err: Error): string | undefined {
  const code: unknown = (err as { code?: unknown }).code;
  return typeof code === 'string' ? code : undefined;
}

/** Destroys a socket that failed negotiation; a late error from it must not crash the process. */
function discard(socket: Socket | undefined): void {
  if (socket === undefined) return;
  socket.on('error', ignore);
  socket.destroy();
}

function ignore(): void {}
