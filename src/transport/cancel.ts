/**
 * CancelRequest on a fresh connection (docs/cratedb-wire.md "Cancel and statement timeout"): CrateDB and PostgreSQL both close it without a reply.
 */
import type { Socket } from 'node:net';
import { ConnectionError, ConnectTimeoutError, UsageError } from '../errors.js';
import { connectFailure, formatAddress, openTransport, type TransportOptions } from './connect.js';

/** Options of {@link sendCancelRequest}: where to connect, and the BackendKeyData of the session to cancel. */
export interface CancelRequestOptions extends Omit<TransportOptions, 'signal'> {
  /** BackendKeyData process id. */
  processId: number;
  /** BackendKeyData secret key. */
  secretKey: number;
  /** Bounds the whole attempt: DNS, TCP, TLS, the write and the wait for the server to close. */
  timeoutMs: number;
}

const CANCEL_REQUEST_CODE = 80877102;

/**
 * Send a CancelRequest (Int32 16, Int32 80877102, Int32 pid, Int32 secret) on a fresh socket, through SSLRequest/TLS
 * when `ssl.mode` says so, then wait for the server to close the socket (it sends no reply), bounded by `timeoutMs`.
 * Resolves when the cancel socket has closed; rejects ConnectionError/ConnectTimeoutError on failure. Never leaves a
 * socket open.
 */
export async function sendCancelRequest(options: CancelRequestOptions): Promise<void> {
  const packet = encodeCancelRequest(options.processId, options.secretKey);
  const { host, port, timeoutMs } = options;
  const controller = new AbortController();
  const timer = setTimeout(() => {
    controller.abort(
      new ConnectTimeoutError(`CancelRequest to ${formatAddress(host, port)} did not finish within timeoutMs=${timeoutMs}`, {
        host,
        port,
      }),
    );
  }, timeoutMs);
  try {
    const { socket } = await openTransport({ ...options, signal: controller.signal });
    await writeAndAwaitClose(socket, packet, host, port, controller.signal);
  } finally {
    clearTimeout(timer);
  }
}

function encodeCancelRequest(processId: number, secretKey: number): Buffer {
  const packet = Buffer.alloc(16);
  packet.writeInt32BE(16, 0);
  packet.writeInt32BE(CANCEL_REQUEST_CODE, 4);
  // BackendKeyData fields are 32-bit; accept them read as signed or unsigned, the bits on the wire are the same.
  packet.writeUInt32BE(toUint32('processId', processId), 8);
  packet.writeUInt32BE(toUint32('secretKey', secretKey), 12);
  return packet;
}

function toUint32(name: string, value: number): number {
  if (!Number.isInteger(value) || value < -0x8000_0000 || value > 0xffff_ffff) {
    throw new UsageError(`CancelRequest ${name} must be a 32-bit integer, got ${value}`);
  }
  return value >>> 0;
}

function writeAndAwaitClose(
  socket: Socket,
  packet: Buffer,
  host: string,
  port: number,
  signal: AbortSignal,
): Promise<void> {
  return new Promise<void>((resolve, reject) => {
    let written = false;
    const settle = (err?: unknown): void => {
      socket.off('close', onClose);
      socket.off('error', onError);
      socket.off('data', ignore);
      signal.removeEventListener('abort', onAbort);
      if (err === undefined) {
        resolve();
      } else {
        socket.on('error', ignore);
        socket.destroy();
        reject(err);
      }
    };
    // Once the packet is out, a reset instead of a clean close still means the server got it (libpq ignores it too).
    const onError = (err: Error): void => {
      if (!written) settle(connectFailure(err, host, port));
    };
    const onClose = (): void => {
      if (written) {
        settle();
      } else {
        const message = `The server at ${formatAddress(host, port)} closed the connection before the CancelRequest was sent`;
        settle(new ConnectionError(message, { host, port }));
      }
    };
    const onAbort = (): void => settle(signal.reason);
    if (signal.aborted) {
      onAbort();
      return;
    }
    socket.on('error', onError);
    socket.once('close', onClose);
    signal.addEventListener('abort', onAbort, { once: true });
    // The server never replies; reading is needed to notice its end of stream.
    socket.on('data', ignore);
    socket.resume();
    socket.write(packet, (err) => {
      if (err === undefined || err === null) written = true;
    });
  });
}

function ignore(): void {}
