/**
 * Startup and authentication rules of the fake (docs/cratedb-wire.md "Connecting", "Authentication"), as pure functions used by `connection.ts`.
 *
 * HBA model: when every user is trust (`null` password) the node behaves like the Docker image with HBA off
 * (`AlwaysOKAuthentication`: trust for any existing user). As soon as one user has a password it behaves like the
 * tarball `crate.yml` ("Host-based authentication"): one trust entry per password-less user, then `{method: password}` for everybody else,
 * with `ssl: on` when `requireTlsForPasswords` is set.
 */
import { authenticationOk, backendKeyData, parameterStatus, readyForQuery } from './backend.js';
import { AuthFailure } from './errors.js';
import { compareVersions } from './types.js';

/** "Startup parameters" `SUPPORTED_STARTUP_PROPERTIES`. */
const SUPPORTED = ['user', 'database', 'options', 'application_name', 'client_encoding', 'CrateDBTransport'];

/** "First packet and TLS": the only protocol version CrateDB speaks, 3.0. */
export const PROTOCOL_3_0 = 196608;

/** "First packet and TLS" message for a protocol version other than 3.x (and 3.x≠0 before 6.2.0). */
export const unsupportedProtocol = (major: number, minor: number): string =>
  `Unsupported frontend protocol ${major}.${minor}: server supports 3.0 to 3.0`;

/**
 * "First packet and TLS": major must be 3; minor ≠ 0 is accepted from 6.2.0 on with a NegotiateProtocolVersion listing the
 * unsupported parameter names prefixed `_pq_.` (rejected before 6.2.0).
 */
export function checkProtocol(
  major: number,
  minor: number,
  params: Readonly<Record<string, string>>,
  version: string,
): { fatal: string } | { negotiate: string[] | null } {
  if (major !== 3 || (minor !== 0 && compareVersions(version, '6.2.0') < 0)) return { fatal: unsupportedProtocol(major, minor) };
  if (minor === 0) return { negotiate: null };
  return { negotiate: Object.keys(params).filter((k) => !SUPPORTED.includes(k)).map((k) => `_pq_.${k}`) };
}

/** "Startup parameters": keys or values that are empty strings are dropped. */
export function effectiveParams(params: Readonly<Record<string, string>>): Record<string, string> {
  return Object.fromEntries(Object.entries(params).filter(([k, v]) => k !== '' && v !== ''));
}

/**
 * "Startup parameters" `options`: split on single spaces, parsed like joptsimple with only `-c key=value` / `-ckey=value` known.
 * Anything else throws (→ FATAL 28000 with the parser's message); pairs whose value contains `=` are skipped.
 */
export function parseStartupOptions(value: string): Array<[string, string]> {
  const tokens = value.split(' ');
  const pairs: Array<[string, string]> = [];
  for (let i = 0; i < tokens.length; i++) {
    const token = tokens[i] as string;
    if (token === '') continue;
    let arg: string | undefined;
    if (token === '-c') {
      arg = tokens[++i];
      if (arg === undefined) throw new AuthFailure('Option c requires an argument');
    } else if (token.startsWith('-c') && !token.startsWith('--')) arg = token.slice(2);
    else throw new AuthFailure(`${token.replace(/^-+/, '').split('=')[0]} is not a recognized option`);
    const parts = arg.split('=');
    if (parts.length === 2) pairs.push([parts[0] as string, parts[1] as string]);
  }
  return pairs;
}

/** The outcome of HBA matching: a method, or no matching entry. */
export type AuthMethod = 'trust' | 'password' | 'no-entry';

/** "Host-based authentication": the HBA entry that applies (see the module comment for the model). */
export function chooseAuthMethod(
  user: string | undefined,
  users: Readonly<Record<string, string | null>>,
  tls: boolean,
  requireTlsForPasswords: boolean,
): AuthMethod {
  // "Startup parameters": a missing `user` matches no HBA entry.
  if (user === undefined) return 'no-entry';
  const hbaEnabled = Object.values(users).some((p) => p !== null);
  if (!hbaEnabled || users[user] === null) return 'trust';
  if (requireTlsForPasswords && !tls) return 'no-entry';
  return 'password';
}

/** "Failed login" failure messages. */
export const authMessages = {
  noEntry: (host: string, user: string | undefined): string =>
    `No valid auth.host_based entry found for host "${host}", user "${String(user ?? null)}". Did you enable TLS in your client?`,
  trust: (user: string): string => `trust authentication failed for user "${user}"`,
  password: (user: string): string => `password authentication failed for user "${user}"`,
};

/** "Authentication": trust needs an existing user. */
export function checkTrust(user: string, users: Readonly<Record<string, string | null>>): AuthFailure | null {
  return user in users ? null : new AuthFailure(authMessages.trust(user));
}

/** "Authentication": the password is asked before the user is looked up; an empty password always fails. */
export function checkPassword(user: string, password: string, users: Readonly<Record<string, string | null>>): AuthFailure | null {
  const expected = users[user];
  if (password === '' || typeof expected !== 'string' || expected !== password) return new AuthFailure(authMessages.password(user));
  return null;
}

/** "Server parameters": AuthenticationOk, exactly these eight ParameterStatus in this order, BackendKeyData, RFQ I. */
export function startupReply(version: string, pid: number, secret: number): Buffer[] {
  const status: Array<[string, string]> = [
    ['crate_version', version],
    ['server_version', '14.0'],
    ['server_encoding', 'UTF8'],
    ['client_encoding', 'UTF8'],
    ['datestyle', 'ISO'],
    ['TimeZone', 'UTC'],
    ['integer_datetimes', 'on'],
    ['standard_conforming_strings', 'on'],
  ];
  return [
    authenticationOk(),
    ...status.map(([name, value]) => parameterStatus(name, value)),
    backendKeyData(pid, secret),
    readyForQuery('I'),
  ];
}
