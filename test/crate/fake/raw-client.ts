/**
 * A driver-free pgwire client for testing the fake server byte by byte: frames what the server sends and decodes the
 * few message bodies tests look at. Frontend messages come from `pg-protocol`'s `serialize`.
 */
import { connect, type Socket } from 'node:net';
import { connect as tlsConnect } from 'node:tls';

/** One backend message: its type byte and body (without the length). */
export interface BackendFrame {
  readonly type: string;
  readonly body: Buffer;
}

/** A raw pgwire socket with frame-level helpers. */
export class RawClient {
  #socket: Socket;
  #buffer = Buffer.alloc(0);
  #closed = false;
  #wake: () => void = () => undefined;

  private constructor(socket: Socket) {
    this.#socket = socket;
    this.#listen(socket);
  }

  /** Opens a TCP connection to the fake. */
  static async connect(port: number): Promise<RawClient> {
    const socket = connect(port, '127.0.0.1');
    await new Promise<void>((resolve, reject) => {
      socket.once('connect', resolve);
      socket.once('error', reject);
    });
    return new RawClient(socket);
  }

  readonly #onData = (chunk: Buffer): void => {
    this.#buffer = Buffer.concat([this.#buffer, chunk]);
    this.#wake();
  };

  #listen(socket: Socket): void {
    socket.on('data', this.#onData);
    socket.on('close', () => {
      this.#closed = true;
      this.#wake();
    });
    socket.on('error', () => undefined);
  }

  /** True once the server closed the socket. */
  get closed(): boolean {
    return this.#closed;
  }

  /** Stops reading the socket (TCP backpressure reaches the server once the buffers are full). */
  pause(): void {
    this.#socket.pause();
  }

  resume(): void {
    this.#socket.resume();
  }

  send(...messages: Buffer[]): void {
    this.#socket.write(Buffer.concat(messages));
  }

  async #waitForData(): Promise<void> {
    await new Promise<void>((resolve) => {
      this.#wake = resolve;
    });
  }

  /** The single unframed byte answering SSLRequest (`S` or `N`). */
  async readByte(): Promise<string> {
    while (this.#buffer.length === 0) {
      if (this.#closed) throw new Error('socket closed before the SSL response');
      await this.#waitForData();
    }
    const byte = String.fromCharCode(this.#buffer[0] as number);
    this.#buffer = this.#buffer.subarray(1);
    return byte;
  }

  /** Switches to TLS on the same socket (after `S`). */
  async startTls(): Promise<void> {
    this.#socket.off('data', this.#onData);
    const secure = tlsConnect({ socket: this.#socket, rejectUnauthorized: false });
    await new Promise<void>((resolve, reject) => {
      secure.once('secureConnect', resolve);
      secure.once('error', reject);
    });
    this.#socket = secure;
    this.#listen(secure);
  }

  #nextFrame(): BackendFrame | null {
    if (this.#buffer.length < 5) return null;
    const length = this.#buffer.readInt32BE(1);
    if (this.#buffer.length < 1 + length) return null;
    const frame = { type: String.fromCharCode(this.#buffer[0] as number), body: Buffer.from(this.#buffer.subarray(5, 1 + length)) };
    this.#buffer = this.#buffer.subarray(1 + length);
    return frame;
  }

  /** Frames up to and including the first one matching `done`; rejects if the socket closes first. */
  async until(done: (frame: BackendFrame) => boolean): Promise<BackendFrame[]> {
    const frames: BackendFrame[] = [];
    for (;;) {
      const frame = this.#nextFrame();
      if (frame) {
        frames.push(frame);
        if (done(frame)) return frames;
        continue;
      }
      if (this.#closed) throw new Error(`socket closed; got ${frames.map((f) => f.type).join(',')}`);
      await this.#waitForData();
    }
  }

  /** The next `count` frames; rejects when they have not all arrived within `timeoutMs`. */
  async frames(count: number, timeoutMs: number): Promise<BackendFrame[]> {
    let seen = 0;
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new Error(`only ${seen} of ${count} frames within ${timeoutMs} ms`)), timeoutMs);
    });
    try {
      return count === 0 ? [] : await Promise.race([this.until(() => ++seen === count), timeout]);
    } finally {
      clearTimeout(timer);
    }
  }

  /** Waits `ms` and returns whatever arrived meanwhile (a hang is an empty array). */
  async quietFor(ms: number): Promise<BackendFrame[]> {
    await new Promise((resolve) => setTimeout(resolve, ms));
    return this.drainReceived();
  }

  /** Frames up to and including the next ReadyForQuery. */
  untilReady(): Promise<BackendFrame[]> {
    return this.until((f) => f.type === 'Z');
  }

  /** Resolves when the server has closed the socket; returns any bytes it sent before. */
  async waitClosed(): Promise<Buffer> {
    while (!this.#closed) await this.#waitForData();
    return this.#buffer;
  }

  /** Frames already received, without waiting. */
  drainReceived(): BackendFrame[] {
    const frames: BackendFrame[] = [];
    for (let f = this.#nextFrame(); f; f = this.#nextFrame()) frames.push(f);
    return frames;
  }

  close(): void {
    this.#socket.destroy();
  }
}

function cstrings(body: Buffer, start = 0): string[] {
  const out: string[] = [];
  let i = start;
  while (i < body.length) {
    const end = body.indexOf(0, i);
    if (end < 0) break;
    out.push(body.toString('utf8', i, end));
    i = end + 1;
  }
  return out;
}

/** ErrorResponse fields in wire order, e.g. `[['S','ERROR'], ['M', '…'], …]`. */
export function errorFields(frame: BackendFrame): Array<[string, string]> {
  const fields: Array<[string, string]> = [];
  let i = 0;
  while (i < frame.body.length && frame.body[i] !== 0) {
    const code = String.fromCharCode(frame.body[i] as number);
    const end = frame.body.indexOf(0, i + 1);
    fields.push([code, frame.body.toString('utf8', i + 1, end)]);
    i = end + 1;
  }
  return fields;
}

/** One ErrorResponse field. */
export function errorField(frame: BackendFrame, code: string): string | undefined {
  return errorFields(frame).find(([c]) => c === code)?.[1];
}

/** CommandComplete tag. */
export function commandTagOf(frame: BackendFrame): string {
  return cstrings(frame.body)[0] ?? '';
}

/** ParameterStatus name and value. */
export function parameterStatusOf(frame: BackendFrame): [string, string] {
  const [name, value] = cstrings(frame.body);
  return [name ?? '', value ?? ''];
}

/** DataRow values as UTF-8 text (null for NULL). */
export function dataRowValues(frame: BackendFrame): Array<string | null> {
  const n = frame.body.readInt16BE(0);
  const values: Array<string | null> = [];
  let i = 2;
  for (let k = 0; k < n; k++) {
    const len = frame.body.readInt32BE(i);
    i += 4;
    if (len === -1) values.push(null);
    else {
      values.push(frame.body.toString('utf8', i, i + len));
      i += len;
    }
  }
  return values;
}

/** DataRow values as raw bytes (null for NULL). */
export function dataRowBuffers(frame: BackendFrame): Array<Buffer | null> {
  const n = frame.body.readInt16BE(0);
  const values: Array<Buffer | null> = [];
  let i = 2;
  for (let k = 0; k < n; k++) {
    const len = frame.body.readInt32BE(i);
    i += 4;
    values.push(len === -1 ? null : frame.body.subarray(i, (i += len)));
  }
  return values;
}

/** A RowDescription field. */
export interface RowField {
  name: string;
  tableOid: number;
  attnum: number;
  typeOid: number;
  typlen: number;
  typmod: number;
  format: number;
}

/** RowDescription fields. */
export function rowDescriptionOf(frame: BackendFrame): RowField[] {
  const n = frame.body.readInt16BE(0);
  const fields: RowField[] = [];
  let i = 2;
  for (let k = 0; k < n; k++) {
    const end = frame.body.indexOf(0, i);
    const name = frame.body.toString('utf8', i, end);
    i = end + 1;
    fields.push({
      name,
      tableOid: frame.body.readInt32BE(i),
      attnum: frame.body.readInt16BE(i + 4),
      typeOid: frame.body.readInt32BE(i + 6),
      typlen: frame.body.readInt16BE(i + 10),
      typmod: frame.body.readInt32BE(i + 12),
      format: frame.body.readInt16BE(i + 16),
    });
    i += 18;
  }
  return fields;
}

/** ParameterDescription OIDs. */
export function parameterOidsOf(frame: BackendFrame): number[] {
  const n = frame.body.readInt16BE(0);
  return Array.from({ length: n }, (_, k) => frame.body.readInt32BE(2 + k * 4));
}

/** A StartupMessage with an explicit protocol minor version and exactly these parameters, in order. */
export function startupPacket(params: Record<string, string>, major = 3, minor = 0): Buffer {
  const pairs = Object.entries(params).flatMap(([k, v]) => [Buffer.from(`${k}\0`), Buffer.from(`${v}\0`)]);
  const body = Buffer.concat([Buffer.from([major >> 8, major & 0xff, minor >> 8, minor & 0xff]), ...pairs, Buffer.from([0])]);
  const head = Buffer.alloc(4);
  head.writeInt32BE(body.length + 4);
  return Buffer.concat([head, body]);
}

/** A typed frontend message with an arbitrary body (FunctionCall, CopyData, …). */
export function rawMessage(type: string, body: Buffer = Buffer.alloc(0)): Buffer {
  const head = Buffer.alloc(5);
  head.write(type, 0, 'latin1');
  head.writeInt32BE(body.length + 4, 1);
  return Buffer.concat([head, body]);
}
