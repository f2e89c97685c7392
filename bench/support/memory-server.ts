/**
 * The in-memory server of the CPU benches (bench/overhead.ts, bench/read-path.ts, bench/bulk-path.ts): a Duplex that
 * stands in for the socket `net.connect` returns, frames the driver's frontend messages and answers them with
 * precomputed backend bytes on a later turn of the event loop, as a socket would. Each bench subclasses it with what
 * it answers; the backend messages are built with the fake CrateDB's builders (test/crate/fake/backend.ts).
 */
import { syncBuiltinESMExports } from 'node:module';
import net from 'node:net';
import { Duplex } from 'node:stream';
import { authenticationOk, backendKeyData, parameterStatus, readyForQuery } from '../../test/crate/fake/backend.js';

/** The server parameters CrateDB 6.4.3 reports at startup that the driver reads. */
export const CRATEDB_PARAMETERS: Readonly<Record<string, string>> = {
  server_version: '14.6',
  crate_version: '6.4.3',
  client_encoding: 'UTF8',
  integer_datetimes: 'on',
};

/** The answer to a startup message: AuthenticationOk, a ParameterStatus per entry (in order), BackendKeyData 0/0, ReadyForQuery idle. */
export function startupReply(parameters: Readonly<Record<string, string>>): Buffer {
  return Buffer.concat([
    authenticationOk(),
    ...Object.entries(parameters).map(([name, value]) => parameterStatus(name, value)),
    backendKeyData(0, 0),
    readyForQuery('I'),
  ]);
}

/** Where the parameter format codes (their Int16 count) start in the Bind message at `at`: past its portal and statement names. */
export function bindFormatsAt(b: Buffer, at: number): number {
  return b.indexOf(0, b.indexOf(0, at + 5) + 1) + 1;
}

/** A socket to an in-memory server: answers the startup with `startup`, then each whole message through {@link answer}. */
export abstract class MemoryServerSocket extends Duplex {
  readonly #startup: Buffer;
  #started = false;
  #pending = Buffer.alloc(0);

  constructor(startup: Buffer) {
    super();
    this.#startup = startup;
  }

  setNoDelay(): this {
    return this;
  }

  setKeepAlive(): this {
    return this;
  }

  override _read(): void {}

  override _write(chunk: Buffer, _encoding: BufferEncoding, callback: () => void): void {
    const b = this.#pending.length > 0 ? Buffer.concat([this.#pending, chunk]) : chunk;
    let at = 0;
    const out: Buffer[] = [];
    if (!this.#started) {
      at = b.readInt32BE(0);
      this.#started = true;
      out.push(this.#startup);
    }
    while (b.length - at >= 5) {
      const length = b.readInt32BE(at + 1);
      if (b.length - at < length + 1) break;
      this.answer(b[at] as number, b, at, out);
      at += length + 1;
    }
    this.#pending = Buffer.from(b.subarray(at));
    if (out.length > 0) this.deliver(out);
    callback();
  }

  /** Appends to `out` the replies to the frontend message of type byte `type` that starts at `b[at]`. */
  protected abstract answer(type: number, b: Buffer, at: number, out: Buffer[]): void;

  /** Hands the replies of one incoming chunk to the driver: by default as one chunk on the next turn of the event loop. */
  protected deliver(out: Buffer[]): void {
    const data = Buffer.concat(out);
    setImmediate(() => this.push(data));
  }
}

/** Runs `open` while `net.connect` returns a new `create()` socket (connected on the next turn) instead of dialling a server. */
export async function withMemoryServer<T>(create: () => MemoryServerSocket, open: () => Promise<T>): Promise<T> {
  const original = net.connect;
  (net as { connect: unknown }).connect = (): Duplex => {
    const socket = create();
    setImmediate(() => socket.emit('connect'));
    return socket;
  };
  syncBuiltinESMExports();
  try {
    return await open();
  } finally {
    (net as { connect: unknown }).connect = original;
    syncBuiltinESMExports();
  }
}
