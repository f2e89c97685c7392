/**
 * One client socket of the fake: SSLRequest/TLS, CancelRequest, startup, authentication (docs/cratedb-wire.md "Connecting", "Authentication"), then a
 * {@link CrateSession}.
 */
import { randomInt } from 'node:crypto';
import type { Socket } from 'node:net';
import { TLSSocket } from 'node:tls';
import { authenticationCleartextPassword, errorResponse, negotiateProtocolVersion } from './backend.js';
import { AuthFailure, startupFatal, type FakeCrateError } from './errors.js';
import { decodeMessage, decodeStartupPacket, FrameReader, type FrontendMessage } from './frontend.js';
import { Output } from './output.js';
import { CrateSession, type BulkEnding } from './session.js';
import type { Catalog } from './sql/catalog.js';
import { SessionSettings } from './sql/settings.js';
import {
  authMessages, checkPassword, checkProtocol, checkTrust, chooseAuthMethod, effectiveParams, parseStartupOptions,
  PROTOCOL_3_0, startupReply, unsupportedProtocol,
} from './startup.js';
import { compareVersions } from './types.js';

/** Server-wide state a connection uses. */
export interface ServerContext {
  readonly users: Readonly<Record<string, string | null>>;
  readonly tls: { key: string; cert: string } | undefined;
  readonly requireTlsForPasswords: boolean;
  readonly version: string;
  readonly statementMaxLength: number;
  readonly bulkEndings: Readonly<Record<string, BulkEnding>>;
  readonly ignoresMaxRows: (sql: string) => boolean;
  readonly catalog: Catalog;
  /** "Server parameters": session ids increment per node from 1. */
  nextPid(): number;
  register(pid: number, secret: number, session: CrateSession): void;
  unregister(pid: number): void;
  /** "Cancel and statement timeout": kills the matching session's job; no reply on the cancel socket. */
  cancel(pid: number, secret: number): void;
  recordStartup(params: Readonly<Record<string, string>>): void;
  /** Counts bytes handed to a socket (FakeCrate.bytesWritten). */
  countWritten(bytes: number): void;
}

/** "First packet and TLS": a connection without a session is closed after 30 s (`AUTH_TIMEOUT_SEC`). */
const AUTH_TIMEOUT_MS = 30_000;

type Phase = 'startup' | 'password' | 'failed' | 'session' | 'closed';

/** One accepted socket, from the first byte to close. */
export class Connection {
  #socket: Socket;
  #reader = new FrameReader();
  #phase: Phase = 'startup';
  #tls = false;
  #params: Record<string, string> = {};
  #session: CrateSession | null = null;
  #pid = 0;
  #authTimer: NodeJS.Timeout;
  readonly #onData = (chunk: Buffer): void => {
    this.#reader.push(chunk);
    this.#drain();
  };

  constructor(
    socket: Socket,
    private readonly ctx: ServerContext,
    private readonly log: FrontendMessage[],
  ) {
    this.#socket = socket;
    socket.on('data', this.#onData);
    socket.on('error', () => this.destroy());
    socket.on('close', () => this.destroy());
    this.#authTimer = setTimeout(() => this.destroy(), AUTH_TIMEOUT_MS);
    this.#authTimer.unref();
  }

  destroy(): void {
    this.#phase = 'closed';
    clearTimeout(this.#authTimer);
    if (this.#session) {
      this.#session.close();
      this.ctx.unregister(this.#pid);
      this.#session = null;
    }
    this.#socket.destroy();
  }

  #send(data: Buffer): boolean {
    if (this.#socket.destroyed) return true;
    this.ctx.countWritten(data.length);
    return this.#socket.write(data);
  }

  /** Resolves on 'drain', or when the socket goes away (nothing will be written any more). */
  #drained(): Promise<void> {
    const socket = this.#socket;
    if (socket.destroyed || !socket.writableNeedDrain) return Promise.resolve();
    return new Promise((resolve) => {
      const done = (): void => {
        socket.off('drain', done);
        socket.off('close', done);
        resolve();
      };
      socket.on('drain', done);
      socket.on('close', done);
    });
  }

  /** FATAL before a session: send, then close ("First packet and TLS"). */
  #fatal(err: FakeCrateError): void {
    this.#send(errorResponse(err.fields()));
    this.#phase = 'closed';
    clearTimeout(this.#authTimer);
    this.#socket.end();
  }

  /** "Failed login": FATAL 28000, but the socket stays open until the client closes it or the 30 s timer fires. */
  #authFail(failure: AuthFailure): void {
    this.#send(errorResponse(failure.fields()));
    this.#phase = 'failed';
  }

  #drain(): void {
    for (;;) {
      if (this.#phase === 'closed') return;
      if (this.#phase === 'startup') {
        if (!this.#startupStep()) return;
        continue;
      }
      // "First packet and TLS" (6.4.3+): before authentication completes, messages may carry at most 10 000 payload bytes.
      const limit = this.#phase === 'password' && compareVersions(this.ctx.version, '6.4.3') >= 0 ? 10_000 : undefined;
      const frame = this.#reader.nextMessage(limit);
      if (!frame) return;
      if (frame.kind !== 'frame') {
        this.#fatal(startupFatal('Message too large for unauthenticated user'));
        return;
      }
      const message = decodeMessage(frame.code, frame.body);
      this.log.push(message);
      if (this.#phase === 'session') (this.#session as CrateSession).receive(message);
      else if (message.type === 'Terminate') this.destroy();
      else if (this.#phase === 'password' && message.type === 'Password') this.#password(message.password);
    }
  }

  /** Handles one startup-phase packet; false when more bytes are needed or the socket changed hands. */
  #startupStep(): boolean {
    const frame = this.#reader.nextStartup();
    if (!frame) return false;
    if (frame.kind !== 'frame') {
      this.#fatal(startupFatal('invalid length of startup packet'));
      return false;
    }
    const message = decodeStartupPacket(frame.body);
    this.log.push(message);
    switch (message.type) {
      case 'SSLRequest':
        // "First packet and TLS": `N` when ssl.psql.enabled is false; `S` then a TLS handshake on the same socket.
        if (this.ctx.tls && !this.#tls) {
          this.#send(Buffer.from('S'));
          this.#upgrade(this.ctx.tls);
          return false;
        }
        this.#send(Buffer.from('N'));
        return true;
      case 'GSSENCRequest':
        // "First packet and TLS": read as protocol 1234.5680 → FATAL XX000 and close.
        this.#fatal(startupFatal(unsupportedProtocol(1234, 5680)));
        return false;
      case 'CancelRequest':
        this.ctx.cancel(message.pid, message.secret);
        this.#phase = 'closed';
        clearTimeout(this.#authTimer);
        this.#socket.end();
        return false;
      case 'Startup':
        this.#startup(message.major, message.minor, message.params);
        return true;
      default:
        return true;
    }
  }

  #upgrade(tls: { key: string; cert: string }): void {
    this.#socket.off('data', this.#onData);
    const secure = new TLSSocket(this.#socket, { isServer: true, key: tls.key, cert: tls.cert });
    this.#socket = secure;
    this.#tls = true;
    secure.on('data', this.#onData);
    secure.on('error', () => this.destroy());
  }

  #startup(major: number, minor: number, raw: Record<string, string>): void {
    this.ctx.recordStartup(raw);
    const protocol = checkProtocol(major, minor, raw, this.ctx.version);
    if ('fatal' in protocol) {
      this.#fatal(startupFatal(protocol.fatal));
      return;
    }
    if (protocol.negotiate) this.#send(negotiateProtocolVersion(PROTOCOL_3_0, protocol.negotiate));
    this.#params = effectiveParams(raw);
    const user = this.#params.user;
    const method = chooseAuthMethod(user, this.ctx.users, this.#tls, this.ctx.requireTlsForPasswords);
    if (method === 'no-entry' || user === undefined) {
      const host = (this.#socket.remoteAddress ?? '127.0.0.1').replace(/^::ffff:/, '');
      this.#authFail(new AuthFailure(authMessages.noEntry(host, user)));
    } else if (method === 'password') {
      // "Authentication": the password is requested before the user is looked up.
      this.#send(authenticationCleartextPassword());
      this.#phase = 'password';
    } else {
      const failure = checkTrust(user, this.ctx.users);
      if (failure) this.#authFail(failure);
      else this.#finish(user);
    }
  }

  #password(password: string): void {
    const user = this.#params.user as string;
    const failure = checkPassword(user, password, this.ctx.users);
    if (failure) this.#authFail(failure);
    else this.#finish(user);
  }

  /** "Startup parameters", "Server parameters": the session gets `database` as default schema and the `-c` options; then the startup reply. */
  #finish(user: string): void {
    const settings = new SessionSettings(this.#params.database ?? 'doc');
    try {
      for (const [key, value] of parseStartupOptions(this.#params.options ?? '')) {
        if (settings.isKnown(key)) settings.apply(key, [value]);
      }
    } catch (err) {
      this.#authFail(err instanceof AuthFailure ? err : new AuthFailure(err instanceof Error ? err.message : String(err)));
      return;
    }
    const pid = this.ctx.nextPid();
    const secret = randomInt(-(2 ** 31), 2 ** 31 - 1);
    const output = new Output({ write: (data) => this.#send(data), drained: () => this.#drained() });
    const session = new CrateSession({
      user,
      version: this.ctx.version,
      catalog: this.ctx.catalog,
      settings,
      statementMaxLength: this.ctx.statementMaxLength,
      bulkEndings: this.ctx.bulkEndings,
      ignoresMaxRows: this.ctx.ignoresMaxRows,
      output,
      terminate: () => this.destroy(),
      unregister: () => this.ctx.unregister(pid),
    });
    this.#session = session;
    this.#pid = pid;
    this.#phase = 'session';
    clearTimeout(this.#authTimer);
    this.ctx.register(pid, secret, session);
    for (const message of startupReply(this.ctx.version, pid, secret)) output.write(message);
    output.flush();
  }
}
