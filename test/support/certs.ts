import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { generate } from 'selfsigned';

/** PEM material for the TLS tests, and where it was written. */
export interface TestCerts {
  /** The CA that signed the server certificate: trusting it makes verify-ca/verify-full pass. */
  readonly caCertPath: string;
  readonly caCertPem: string;
  /** A CA unrelated to the server certificate: trusting only it must fail verification. */
  readonly otherCaCertPath: string;
  readonly otherCaCertPem: string;
  /** Server certificate for CN=localhost with SAN DNS:localhost only. */
  readonly serverCertPath: string;
  readonly serverCertPem: string;
  readonly serverKeyPath: string;
  readonly serverKeyPem: string;
}

// EC keys keep generation in the low milliseconds (RSA-2048 costs ~100 ms each on a slow CI core).
const KEY_OPTIONS = { keyType: 'ec', curve: 'P-256', algorithm: 'sha256' } as const;

function validFor(days: number): { notBeforeDate: Date; notAfterDate: Date } {
  const notBeforeDate = new Date(Date.now() - 60_000);
  return { notBeforeDate, notAfterDate: new Date(notBeforeDate.getTime() + days * 86_400_000) };
}

async function generateCa(commonName: string): Promise<{ cert: string; key: string }> {
  const pems = await generate([{ name: 'commonName', value: commonName }], {
    ...KEY_OPTIONS,
    ...validFor(30),
    extensions: [
      { name: 'basicConstraints', cA: true, critical: true },
      { name: 'keyUsage', keyCertSign: true, cRLSign: true, digitalSignature: true, critical: true },
    ],
  });
  return { cert: pems.cert, key: pems.private };
}

/**
 * Generates a test CA, a server certificate it signs, and an unrelated second CA, and writes them as PEM files into
 * `dir` (created if missing). The server SAN deliberately lists `DNS:localhost` and no IP address, so verify-full
 * passes for host `localhost` and fails with a host-name mismatch for `127.0.0.1` against the same server.
 */
export async function generateTestCerts(dir: string): Promise<TestCerts> {
  const [ca, otherCa] = await Promise.all([generateCa('cratewire test CA'), generateCa('cratewire unrelated CA')]);
  // Explicit extensions matter: selfsigned's defaults would add an IP SAN 127.0.0.1 for CN=localhost.
  const server = await generate([{ name: 'commonName', value: 'localhost' }], {
    ...KEY_OPTIONS,
    ...validFor(30),
    ca,
    extensions: [
      { name: 'basicConstraints', cA: false, critical: true },
      { name: 'keyUsage', digitalSignature: true, keyEncipherment: true, critical: true },
      { name: 'extKeyUsage', serverAuth: true },
      { name: 'subjectAltName', altNames: [{ type: 2, value: 'localhost' }] },
    ],
  });

  await mkdir(dir, { recursive: true });
  const files = {
    caCertPath: join(dir, 'ca.crt'),
    otherCaCertPath: join(dir, 'other-ca.crt'),
    serverCertPath: join(dir, 'server.crt'),
    serverKeyPath: join(dir, 'server.key'),
  };
  await Promise.all([
    writeFile(files.caCertPath, ca.cert),
    writeFile(files.otherCaCertPath, otherCa.cert),
    writeFile(files.serverCertPath, server.cert),
    writeFile(files.serverKeyPath, server.private, { mode: 0o600 }),
  ]);
  return {
    ...files,
    caCertPem: ca.cert,
    otherCaCertPem: otherCa.cert,
    serverCertPem: server.cert,
    serverKeyPem: server.private,
  };
}
