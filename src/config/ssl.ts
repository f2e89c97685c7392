/** TLS settings: the sslmode table and the certificate files it needs. */
import { readFileSync } from 'node:fs';
import type { SslConfig } from '../config.js';
import { ConfigError } from '../errors.js';
import { describe } from './checks.js';
import type { Entry, Layer } from './layer.js';
import type { SslMode } from '../types.js';

function readPem(entry: Entry<'sslrootcert' | 'sslcert' | 'sslkey'>): Buffer {
  try {
    return readFileSync(entry.value);
  } catch (err) {
    const reason = (err as NodeJS.ErrnoException).code ?? (err as Error).message;
    throw new ConfigError(entry.name, `cannot read file ${describe(entry.value)} (${reason})`, { cause: err });
  }
}

/**
 * libpq's sslmode table. `require` with a CA verifies the chain (it becomes verify-ca). verify-ca and verify-full
 * without a CA use Node's default store rather than libpq's ~/.postgresql/root.crt. `sslrootcert=system` (libpq 16)
 * means Node's default store and verify-full; asking for a weaker mode with it is an error.
 */
export function resolveSsl(merged: Layer): SslConfig {
  const material = merged.ssl?.value ?? {};
  const rootcert = material.ca === undefined ? merged.sslrootcert : undefined;
  const system = rootcert?.value === 'system';
  const asked = merged.sslmode;
  if (system && asked !== undefined && asked.value !== 'verify-full') {
    throw new ConfigError(
      asked.name,
      `${describe(asked.value)} is too weak with sslrootcert=system; use verify-full (or leave sslmode unset)`,
    );
  }
  const mode: SslMode = system ? 'verify-full' : (asked?.value ?? 'prefer');
  if (mode === 'disable') return Object.freeze({ mode });

  const certFile = material.cert === undefined ? merged.sslcert : undefined;
  const keyFile = material.key === undefined ? merged.sslkey : undefined;
  const hasCert = material.cert !== undefined || certFile !== undefined;
  const hasKey = material.key !== undefined || keyFile !== undefined;
  if (hasCert !== hasKey) {
    const [present, missing] = hasCert ? ['sslcert', 'sslkey'] : ['sslkey', 'sslcert'];
    const name = hasCert ? (certFile?.name ?? 'ssl.cert') : (keyFile?.name ?? 'ssl.key');
    throw new ConfigError(name, `${present} is set but ${missing} is not; a client certificate needs both`);
  }
  const ca = material.ca ?? (rootcert !== undefined && !system ? readPem(rootcert) : undefined);
  const cert = material.cert ?? (certFile === undefined ? undefined : readPem(certFile));
  const key = material.key ?? (keyFile === undefined ? undefined : readPem(keyFile));
  return Object.freeze({
    mode: mode === 'require' && ca !== undefined ? 'verify-ca' : mode,
    ...(ca === undefined ? {} : { ca }),
    ...(cert === undefined ? {} : { cert }),
    ...(key === undefined ? {} : { key }),
    ...(material.servername === undefined ? {} : { servername: material.servername }),
  });
}
