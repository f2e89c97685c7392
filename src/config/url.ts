/** URLs: scheme://[user[:password]@][host[:port][,host[:port]...]][/database][?key=value&...] */
import { ConfigError } from '../errors.js';
import { checkHost, checkText, describe, parseInt10, PORT_RANGE } from './checks.js';
import { put, type Layer } from './layer.js';
import { applyStringKey } from './string-keys.js';

const URL_SCHEMES = ['postgres', 'postgresql', 'crate'];

/** Hides `:password@` and `password=` values before a URL is quoted in an error. */
function redactUrl(url: string): string {
  let out = url;
  const start = url.indexOf('://');
  const at = url.lastIndexOf('@');
  if (start >= 0 && at > start) {
    const userinfo = url.slice(start + 3, at);
    const colon = userinfo.indexOf(':');
    if (colon >= 0) out = `${url.slice(0, start + 3)}${userinfo.slice(0, colon)}:***${url.slice(at)}`;
  }
  return out.replace(/([?&]password=)[^&]*/gi, '$1***');
}

/** libpq decodes every URL component and rejects bad escapes; `+` stays a plus. */
function percentDecode(raw: string, name: string, secret = false): string {
  if (!raw.includes('%')) return raw;
  if (!/%(?![0-9a-fA-F]{2})/.test(raw)) {
    try {
      return decodeURIComponent(raw);
    } catch {
      // falls through to the error below: the escapes are not UTF-8
    }
  }
  const shown = secret ? 'the value' : describe(raw);
  throw new ConfigError(name, `${shown} has an invalid percent-encoding; write a literal "%" as %25`);
}

function parseUrlHosts(hostPart: string, layer: Layer): void {
  const specs = hostPart.split(',');
  const hosts: string[] = [];
  const ports: (number | undefined)[] = [];
  for (const spec of specs) {
    let host: string;
    let portText: string | undefined;
    if (spec.startsWith('[')) {
      const close = spec.indexOf(']');
      if (close < 0) throw new ConfigError('host', `${describe(spec)} has "[" without "]"`);
      host = spec.slice(1, close);
      const after = spec.slice(close + 1);
      if (after !== '' && !after.startsWith(':')) {
        throw new ConfigError('host', `${describe(spec)} has text after "]" that is not ":port"`);
      }
      portText = after === '' ? undefined : after.slice(1);
    } else {
      const colon = spec.indexOf(':');
      if (colon >= 0 && spec.indexOf(':', colon + 1) >= 0) {
        throw new ConfigError(
          'host',
          `${describe(spec)}: an IPv6 address must be written in brackets, like [::1]:5432`,
        );
      }
      host = percentDecode(colon < 0 ? spec : spec.slice(0, colon), 'host');
      portText = colon < 0 ? undefined : spec.slice(colon + 1);
    }
    if (host === '' && specs.length > 1) throw new ConfigError('host', `empty host name in ${describe(hostPart)}`);
    if (host !== '') hosts.push(checkHost(host, 'host'));
    ports.push(portText === undefined || portText === '' ? undefined : parseInt10(portText, 'port', PORT_RANGE));
  }
  if (hosts.length > 0) put(layer, 'host', 'host', hosts);
  if (ports.some((port) => port !== undefined)) put(layer, 'port', 'port', ports);
}

/** Parses a postgres://, postgresql:// or crate:// URL into a layer; throws ConfigError without quoting passwords. */
export function parseUrl(url: string): Layer {
  const match = /^([A-Za-z][A-Za-z0-9+.-]*):\/\//.exec(url) as RegExpExecArray;
  const scheme = (match[1] as string).toLowerCase();
  if (!URL_SCHEMES.includes(scheme)) {
    throw new ConfigError(
      'connectionString',
      `unknown URL scheme "${scheme}://" in ${describe(redactUrl(url))}; use postgres://, postgresql:// or crate://`,
    );
  }
  const rest = url.slice(match[0].length);
  const slashOrQuery = rest.search(/[/?]/);
  const authorityEnd = slashOrQuery < 0 ? rest.length : slashOrQuery;
  const authority = rest.slice(0, authorityEnd);
  const at = authority.lastIndexOf('@');
  const layer: Layer = {};
  if (at >= 0) {
    const userinfo = authority.slice(0, at);
    const colon = userinfo.indexOf(':');
    if (colon >= 0) {
      const password = percentDecode(userinfo.slice(colon + 1), 'password', true);
      put(layer, 'password', 'password', checkText(password, 'password', true));
    }
    const user = percentDecode(colon < 0 ? userinfo : userinfo.slice(0, colon), 'user');
    if (user !== '') put(layer, 'user', 'user', checkText(user, 'user'));
  }
  // An "@" past the host part may mean a password holding an unencoded "/" or "?": the text before that "@" would
  // then be parsed as host, port, database or parameters, so no part of it may be quoted in an error.
  const suspicious = rest.includes('@', authorityEnd);
  try {
    parseUrlRest(rest, authority.slice(at + 1), authorityEnd, layer);
  } catch (err) {
    if (!suspicious || !(err instanceof ConfigError)) throw err;
    const shown = `***${url.slice(url.lastIndexOf('@'))}`;
    throw new ConfigError(
      err.key,
      `cannot parse the URL "${scheme}://${shown}" (details hidden: the part before "@" may hold a password). ` +
        'Percent-encode "/", "?" and "@" in passwords and "@" in database names (%2F, %3F, %40)',
    );
  }
  return layer;
}

function parseUrlRest(rest: string, hostPart: string, authorityEnd: number, layer: Layer): void {
  if (hostPart !== '') parseUrlHosts(hostPart, layer);
  const queryStart = rest.indexOf('?', authorityEnd);
  const pathEnd = queryStart < 0 ? rest.length : queryStart;
  if (rest[authorityEnd] === '/') {
    const raw = rest.slice(authorityEnd + 1, pathEnd);
    // Not quoted: with an unencoded "/" in the password, the end of the password lands here.
    if (raw.includes('@')) {
      throw new ConfigError('database', 'contains an unencoded "@"; write it as %40 (and "/" in a password as %2F)');
    }
    const database = percentDecode(raw, 'database');
    if (database !== '') put(layer, 'database', 'database', checkText(database, 'database'));
  }
  if (queryStart < 0) return;
  for (const pair of rest.slice(queryStart + 1).split('&')) {
    if (pair === '') continue;
    const eq = pair.indexOf('=');
    if (eq < 0) throw new ConfigError('connectionString', `URL parameter ${describe(pair)} has no "="`);
    const name = percentDecode(pair.slice(0, eq), 'connectionString');
    applyStringKey(layer, name, percentDecode(pair.slice(eq + 1), name, name === 'password'));
  }
}
