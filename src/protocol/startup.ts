/**
 * Startup and authentication as a session operation: StartupMessage, the auth exchange, ParameterStatus and
 * BackendKeyData, up to the first ReadyForQuery.
 */
import { AuthenticationError, ConnectionClosedError, ConnectionRejectedError, DatabaseError, ProtocolError } from '../errors.js';
import { createScramClient, md5PasswordResponse, type ScramClient } from './auth.js';
import { toDatabaseError } from './database-error.js';
import { encodePassword, encodeSaslInitialResponse, encodeSaslResponse, encodeStartup } from './frontend.js';
import type { OperationIO, SessionOperation } from './session.js';
import type { AuthenticationMD5Password, BackendKeyDataMessage, BackendMessage, ErrorMessage, SaslMessage } from './wire.js';

/** What the startup exchange needs to know. */
export interface StartupOptions {
  readonly user: string;
  readonly database: string;
  readonly applicationName: string | undefined;
  /** libpq-style `options` (`-c k=v ...`). */
  readonly options: string | undefined;
  readonly password: string | undefined;
  /** Whether the socket is TLS; a cleartext password is refused on a plain socket unless allowed. */
  readonly tls: boolean;
  readonly allowCleartextPasswordWithoutTls: boolean;
  readonly host: string;
  readonly port: number;
}

/** The cancel key from BackendKeyData. */
export interface BackendKey {
  readonly processId: number;
  readonly secretKey: number;
}

/**
 * Startup parameters. `application_name` goes both as a bare parameter (PostgreSQL) and as `-c application_name=`
 * inside `options`, because CrateDB ignores the bare parameter (docs/cratedb-wire.md "Startup parameters"). CrateDB's `options` parser has
 * no escaping, so a name with whitespace is only sent bare. `DateStyle=ISO` and `extra_float_digits=3` make
 * PostgreSQL print what our decoders parse exactly (CrateDB ignores both and always prints ISO, docs/cratedb-wire.md "Startup parameters").
 */
export function buildStartupParameters(o: StartupOptions): Record<string, string> {
  const params: Record<string, string> = { user: o.user, database: o.database, DateStyle: 'ISO', extra_float_digits: '3' };
  const opts: string[] = [];
  if (o.options !== undefined && o.options.trim() !== '') opts.push(o.options.trim());
  if (o.applicationName !== undefined && o.applicationName !== '') {
    params['application_name'] = o.applicationName;
    if (!/\s/.test(o.applicationName)) opts.push(`-c application_name=${o.applicationName}`);
  }
  if (opts.length > 0) params['options'] = opts.join(' ');
  return params;
}

/** Runs the startup exchange; `promise` settles at the first ReadyForQuery or the first error. */
export class StartupOperation implements SessionOperation {
  readonly promise: Promise<BackendKey>;
  readonly #options: StartupOptions;
  #resolve!: (key: BackendKey) => void;
  #reject!: (err: Error) => void;
  #key: BackendKey = { processId: 0, secretKey: 0 };
  #scram: ScramClient | undefined;
  #settled = false;

  constructor(options: StartupOptions) {
    this.#options = options;
    this.promise = new Promise<BackendKey>((resolve, reject) => {
      this.#resolve = resolve;
      this.#reject = reject;
    });
  }

  start(io: OperationIO): void {
    io.send(encodeStartup(buildStartupParameters(this.#options)));
  }

  handle(msg: BackendMessage, io: OperationIO): boolean {
    try {
      return this.#handle(msg, io);
    } catch (err) {
      this.#settle(err as Error);
      return true;
    }
  }

  fail(err: Error): void {
    const serverError = err instanceof ConnectionClosedError && err.cause instanceof DatabaseError ? err.cause : undefined;
    this.#settle(serverError === undefined ? err : this.#startupError(serverError));
  }

  #settle(err: Error): void {
    if (this.#settled) return;
    this.#settled = true;
    this.#reject(err);
  }

  #handle(msg: BackendMessage, io: OperationIO): boolean {
    switch (msg.name) {
      case 'authenticationCleartextPassword':
        this.#refuseCleartextWithoutTls();
        io.send(encodePassword(this.#requirePassword('a cleartext password')));
        return false;
      case 'authenticationMD5Password': {
        const salt = (msg as AuthenticationMD5Password).salt;
        io.send(encodePassword(md5PasswordResponse(this.#options.user, this.#requirePassword('an MD5 password'), salt)));
        return false;
      }
      case 'authenticationSASL': {
        const mechanisms = (msg as SaslMessage).mechanisms ?? [];
        this.#scram = createScramClient(this.#requirePassword('a SCRAM-SHA-256 password'), mechanisms);
        io.send(encodeSaslInitialResponse(this.#scram.mechanism, this.#scram.clientFirstMessage()));
        return false;
      }
      case 'authenticationSASLContinue':
        io.send(encodeSaslResponse(this.#requireScram().clientFinalMessage((msg as SaslMessage).data ?? '')));
        return false;
      case 'authenticationSASLFinal':
        this.#requireScram().verifyServerFinal((msg as SaslMessage).data ?? '');
        return false;
      case 'authenticationOk':
        return false;
      case 'backendKeyData': {
        const k = msg as BackendKeyDataMessage;
        this.#key = { processId: k.processID, secretKey: k.secretKey };
        return false;
      }
      case 'error':
        this.#settle(this.#startupError(toDatabaseError(msg as ErrorMessage)));
        return true;
      case 'readyForQuery':
        this.#settled = true;
        this.#resolve(this.#key);
        return true;
      default:
        throw new ProtocolError(`Unexpected '${msg.name}' message during startup`);
    }
  }

  /**
   * Startup failures. CrateDB answers an `options` value its parser rejects with FATAL 28000 (docs/cratedb-wire.md "Startup parameters"),
   * so an error that is not about credentials says which `options` value was sent.
   */
  #startupError(dbError: DatabaseError): Error {
    const options = buildStartupParameters(this.#options)['options'];
    const aboutCredentials = /authentication|auth\.host_based|certificate|password/i.test(dbError.message);
    const hint = options !== undefined && !aboutCredentials
      ? ` (the connection sent options="${options}"; CrateDB understands only "-c name=value" pairs without spaces in values)`
      : '';
    if (dbError.sqlstate === '28000' || dbError.sqlstate === '28P01') {
      return new AuthenticationError(`Authentication failed for user "${this.#options.user}": ${dbError.message}${hint}`, {
        host: this.#options.host,
        port: this.#options.port,
        sqlstate: dbError.sqlstate,
        cause: dbError,
      });
    }
    const { host, port } = this.#options;
    const advice = dbError.sqlstate === '3D000' ? '; check the database name (on CrateDB it names the default schema)' : '';
    return new ConnectionRejectedError(`The server at ${host}:${port} refused the connection: ${dbError.message} (SQLSTATE ${dbError.sqlstate})${hint}${advice}`, {
      host,
      port,
      sqlstate: dbError.sqlstate,
      cause: dbError,
    });
  }


  #requirePassword(what: string): string {
    const pw = this.#options.password;
    if (pw === undefined || pw === '') {
      throw new AuthenticationError(
        `The server asked for ${what} for user "${this.#options.user}", but no password was given; set \`password\` in the options or the URL`,
        { host: this.#options.host, port: this.#options.port },
      );
    }
    return pw;
  }

  #requireScram(): ScramClient {
    if (this.#scram === undefined) throw new ProtocolError('SASL continuation received before AuthenticationSASL');
    return this.#scram;
  }

  /** CrateDB only offers cleartext passwords (docs/cratedb-wire.md "Authentication"); never send one unencrypted unless the user opted in. */
  #refuseCleartextWithoutTls(): void {
    if (this.#options.tls || this.#options.allowCleartextPasswordWithoutTls) return;
    throw new AuthenticationError(
      `The server asked for a cleartext password over a connection without TLS; refusing to send it. ` +
        `Use sslmode=require (or verify-full), or set allowCleartextPasswordWithoutTls: true if the network is trusted`,
      { host: this.#options.host, port: this.#options.port },
    );
  }
}
