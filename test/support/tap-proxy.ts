/**
 * A forwarding TCP proxy that shows the tests every chunk the client writes: the driver's socket writes as the server
 * receives them (how many, and their bytes). Replies pass through untouched; either side closing or failing closes
 * the other.
 */
import { createServer, connect as netConnect, type AddressInfo } from 'node:net';

/** A running tap: the port to connect to instead of the server, and close(). */
export interface TapProxy {
  readonly port: number;
  close(): Promise<void>;
}

/**
 * Listen on 127.0.0.1 (a free port) and forward to `host:port`. `tap` is called once per accepted connection and
 * returns what receives that connection's client→server chunks, in order.
 */
export async function startTapProxy(host: string, port: number, tap: () => (chunk: Buffer) => void): Promise<TapProxy> {
  const server = createServer((downstream) => {
    const upstream = netConnect(port, host);
    const onClientChunk = tap();
    downstream.on('data', (chunk: Buffer) => {
      onClientChunk(chunk);
      upstream.write(chunk);
    });
    upstream.pipe(downstream);
    upstream.on('close', () => downstream.destroy());
    downstream.on('close', () => upstream.destroy());
    upstream.on('error', () => downstream.destroy());
    downstream.on('error', () => upstream.destroy());
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    port: (server.address() as AddressInfo).port,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}
