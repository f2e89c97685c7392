import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { inspect } from 'node:util';
import { afterAll, describe, expect, it } from 'vitest';
import { resolveConfig, resolvePassword, type ResolvedConfig } from '../../src/config.js';
import { ConfigError, UsageError } from '../../src/errors.js';
import type { ConnectOptions } from '../../src/types.js';

const CANARY = 'canary-pw-8c1f';
const NO_ENV: NodeJS.ProcessEnv = {};

const dir = mkdtempSync(join(tmpdir(), 'cratewire-config-'));
const CA = join(dir, 'root.crt');
const CERT = join(dir, 'client.crt');
const KEY = join(dir, 'client.key');
const MISSING = join(dir, 'missing.pem');
const DIRECTORY = join(dir, 'a-directory');
writeFileSync(CA, 'ca-file-contents');
writeFileSync(CERT, 'cert-file-contents');
writeFileSync(KEY, 'key-file-contents');
mkdirSync(DIRECTORY);
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function resolve(input?: string | ConnectOptions, options?: ConnectOptions, env: NodeJS.ProcessEnv = NO_ENV) {
  return resolveConfig(input, options, env);
}

/** Runs `fn`, which must throw a ConfigError, and returns that error. */
function configError(fn: () => unknown): ConfigError {
  let thrown: unknown;
  try {
    fn();
  } catch (err) {
    thrown = err;
  }
  expect(thrown).toBeInstanceOf(ConfigError);
  return thrown as ConfigError;
}

/** Loose option objects for tests of wrong types and unknown keys. */
function loose(value: Record<string, unknown>): ConnectOptions {
  return value as ConnectOptions;
}

describe('defaults', () => {
  it('uses CrateDB defaults when nothing is given: user crate, database doc (never the user name)', async () => {
    const config = resolve();
    expect(config).toEqual({
      hosts: [{ host: 'localhost', port: 5432 }],
      user: 'crate',
      database: 'doc',
      ssl: { mode: 'prefer' },
      connectTimeoutMs: 10_000,
      keepAlive: true,
      keepAliveInitialDelayMs: 30_000,
      applicationName: undefined,
      options: undefined,
      allowCleartextPasswordWithoutTls: false,
      int8: 'number',
      numeric: 'string',
      binaryResults: 'auto',
      statementCacheSize: 100,
      pipelineDepth: 16,
      cancelTimeoutMs: 5000,
      queryTimeoutMs: 0,
      closeTimeoutMs: 5_000,
      maxResultBytes: 0,
      maxMessageBytes: 1_073_741_824,
      types: {},
      onNotice: undefined,
      hasPassword: false,
    });
    expect(await resolvePassword(config)).toBeUndefined();
  });

  it('keeps the database default at doc when only a user is given', () => {
    expect(resolve('postgres://alice@h').database).toBe('doc');
    expect(resolve({ user: 'alice' }).database).toBe('doc');
  });

  it('treats an empty or blank connection string as no string', () => {
    expect(resolve('').hosts).toEqual([{ host: 'localhost', port: 5432 }]);
    expect(resolve('   ').user).toBe('crate');
  });
});

describe('URLs', () => {
  const cases: [string, Partial<ResolvedConfig>][] = [
    ['postgres://h', { hosts: [{ host: 'h', port: 5432 }], user: 'crate', database: 'doc' }],
    ['postgresql://u@h:6543/db', { hosts: [{ host: 'h', port: 6543 }], user: 'u', database: 'db' }],
    ['crate://u@h:6543/db', { hosts: [{ host: 'h', port: 6543 }], user: 'u', database: 'db' }],
    ['POSTGRES://u@H/db', { hosts: [{ host: 'H', port: 5432 }], user: 'u' }],
    ['postgres:///db', { hosts: [{ host: 'localhost', port: 5432 }], database: 'db' }],
    ['postgres://:6000', { hosts: [{ host: 'localhost', port: 6000 }] }],
    ['postgres://h/', { database: 'doc' }],
    ['postgres://us%40er@h/my%2Fdb%20x', { user: 'us@er', database: 'my/db x' }],
    ['postgres://h%2Dx/db', { hosts: [{ host: 'h-x', port: 5432 }] }],
    [
      'postgres://u:p@h1:5432,h2,h3:5433/db',
      {
        hosts: [
          { host: 'h1', port: 5432 },
          { host: 'h2', port: 5432 },
          { host: 'h3', port: 5433 },
        ],
      },
    ],
    [
      'postgres://h1,h2/db',
      {
        hosts: [
          { host: 'h1', port: 5432 },
          { host: 'h2', port: 5432 },
        ],
      },
    ],
    ['postgres://[::1]:5433/db', { hosts: [{ host: '::1', port: 5433 }] }],
    ['postgres://[2001:db8::1]/db', { hosts: [{ host: '2001:db8::1', port: 5432 }] }],
    [
      'postgres://u@[::1],h2:7,[fe80::2]:8/db',
      {
        hosts: [
          { host: '::1', port: 5432 },
          { host: 'h2', port: 7 },
          { host: 'fe80::2', port: 8 },
        ],
      },
    ],
    ['postgres://h1:1/db?host=q&port=7', { hosts: [{ host: 'q', port: 7 }] }],
    [
      'postgres://h/db?host=a,b&port=1,2',
      {
        hosts: [
          { host: 'a', port: 1 },
          { host: 'b', port: 2 },
        ],
      },
    ],
    ['postgres://u@h/db?dbname=other&user=v', { user: 'v', database: 'other' }],
    ['postgres://h?database=x', { database: 'x' }],
    [
      'postgres://h/db?connect_timeout=3&keepalives=0&keepalives_idle=7&application_name=a+b&options=-c%20statement_timeout%3D1000',
      {
        connectTimeoutMs: 3000,
        keepAlive: false,
        keepAliveInitialDelayMs: 7000,
        applicationName: 'a+b',
        options: '-c statement_timeout=1000',
      },
    ],
    ['postgres://h?keepalives=1', { keepAlive: true }],
    ['postgres://u:pw@h/db?application_name=me@laptop', { user: 'u', applicationName: 'me@laptop' }],
    [
      'postgres://h/db?connectTimeoutMs=1500&int8=bigint&numeric=number&statementCacheSize=0&allowCleartextPasswordWithoutTls=true',
      {
        connectTimeoutMs: 1500,
        int8: 'bigint',
        numeric: 'number',
        statementCacheSize: 0,
        allowCleartextPasswordWithoutTls: true,
      },
    ],
    [
      'postgres://h?queryTimeoutMs=250&closeTimeoutMs=0&maxResultBytes=1048576&maxMessageBytes=65536&keepAlive=false&keepAliveInitialDelayMs=0&applicationName=app',
      {
        queryTimeoutMs: 250,
        closeTimeoutMs: 0,
        maxResultBytes: 1_048_576,
        maxMessageBytes: 65_536,
        keepAlive: false,
        keepAliveInitialDelayMs: 0,
        applicationName: 'app',
      },
    ],
    [
      'postgres://h?int8=string&allowCleartextPasswordWithoutTls=0',
      { int8: 'string', allowCleartextPasswordWithoutTls: false },
    ],
    ['postgres://h/db?sslmode=disable&', { ssl: { mode: 'disable' } }],
    [
      'postgres://h/db?client_encoding=UTF8&gssencmode=disable&channel_binding=prefer&sslnegotiation=postgres&target_session_attrs=any',
      { hosts: [{ host: 'h', port: 5432 }], database: 'db' },
    ],
  ];

  it.each(cases)('%s', (url, expected) => {
    expect(resolve(url)).toMatchObject(expected);
  });

  const passwords: [string, string][] = [
    ['postgres://u:p%40ss%2Fw%3F%25@h/db', 'p@ss/w?%'],
    ['postgres://u:p@ss@h/db', 'p@ss'],
    ['postgres://u:a#b@h/db', 'a#b'],
    ['postgres://u:a+b@h/db', 'a+b'],
    ['postgres://u:x:y@h/db', 'x:y'],
    ['postgres://u@h/db?password=q%26r', 'q&r'],
    ['crate://u:%E2%82%AC@h', '€'],
  ];

  it.each(passwords)('percent-decodes the password of %s', async (url, password) => {
    const config = resolve(url);
    expect(config.hasPassword).toBe(true);
    expect(await resolvePassword(config)).toBe(password);
    expect(config.hosts[0]?.host).toBe('h');
  });

  it('treats an empty URL password as none, overriding PGPASSWORD (libpq)', async () => {
    const config = resolve('postgres://u:@h', undefined, { PGPASSWORD: 'from-env' });
    expect(config.hasPassword).toBe(false);
    expect(await resolvePassword(config)).toBeUndefined();
  });
});

describe('keyword/value strings', () => {
  const cases: [string, Partial<ResolvedConfig>, string | undefined][] = [
    [
      'host=h port=6000 user=u password=p dbname=d',
      { hosts: [{ host: 'h', port: 6000 }], user: 'u', database: 'd' },
      'p',
    ],
    ["user='x y' password='it\\'s \\\\ ok'", { user: 'x y' }, "it's \\ ok"],
    ['user=a\\ b password=c\\\\d', { user: 'a b' }, 'c\\d'],
    [
      'host = h   port= 7\tuser =u\ndatabase=x',
      { hosts: [{ host: 'h', port: 7 }], user: 'u', database: 'x' },
      undefined,
    ],
    [
      "application_name='' options='-c search_path=a'",
      { applicationName: undefined, options: '-c search_path=a' },
      undefined,
    ],
    [
      'host=h1,h2 port=5432,5433',
      {
        hosts: [
          { host: 'h1', port: 5432 },
          { host: 'h2', port: 5433 },
        ],
      },
      undefined,
    ],
    [
      'host=h1,h2,h3 port=7',
      {
        hosts: [
          { host: 'h1', port: 7 },
          { host: 'h2', port: 7 },
          { host: 'h3', port: 7 },
        ],
      },
      undefined,
    ],
    [
      'host=h1,h2 port=6000,',
      {
        hosts: [
          { host: 'h1', port: 6000 },
          { host: 'h2', port: 5432 },
        ],
      },
      undefined,
    ],
    ['host=::1 port=5433', { hosts: [{ host: '::1', port: 5433 }] }, undefined],
    ['host=[::1]', { hosts: [{ host: '::1', port: 5432 }] }, undefined],
    [
      'sslmode=require connect_timeout=2 keepalives=0 keepalives_idle=3 int8=bigint numeric=number',
      {
        ssl: { mode: 'require' },
        connectTimeoutMs: 2000,
        keepAlive: false,
        keepAliveInitialDelayMs: 3000,
        int8: 'bigint',
        numeric: 'number',
      },
      undefined,
    ],
    [
      'statementCacheSize=5 queryTimeoutMs=9 allowCleartextPasswordWithoutTls=yes',
      { statementCacheSize: 5, queryTimeoutMs: 9, allowCleartextPasswordWithoutTls: true },
      undefined,
    ],
  ];

  it.each(cases)('%s', async (input, expected, password) => {
    const config = resolve(input);
    expect(config).toMatchObject(expected);
    expect(config.hasPassword).toBe(password !== undefined);
    expect(await resolvePassword(config)).toBe(password);
  });

  it('keeps libpq\'s quirk: whitespace after = is skipped, so `host= port=1` sets host to "port=1"', () => {
    expect(resolve('host= port=1').hosts).toEqual([{ host: 'port=1', port: 5432 }]);
  });

  it("treats password='' as an explicit empty password that overrides PGPASSWORD", async () => {
    const config = resolve("host=h password=''", undefined, { PGPASSWORD: 'env-pw' });
    expect(config.hasPassword).toBe(false);
    expect(await resolvePassword(config)).toBeUndefined();
  });
});

describe('options object', () => {
  it('maps every option', () => {
    const onNotice = (): void => undefined;
    const decode = (text: string): unknown => text.length;
    const config = resolve({
      host: ['a', 'b'],
      port: [1, 2],
      user: 'u',
      database: 'd',
      sslmode: 'disable',
      connectTimeoutMs: 1,
      keepAlive: false,
      keepAliveInitialDelayMs: 2,
      applicationName: 'app',
      options: '-c x=1',
      allowCleartextPasswordWithoutTls: true,
      int8: 'string',
      numeric: 'number',
      binaryResults: 'never',
      statementCacheSize: 3,
      pipelineDepth: 8,
      queryTimeoutMs: 4,
      cancelTimeoutMs: 9,
      closeTimeoutMs: 5,
      maxResultBytes: 6,
      maxMessageBytes: 7,
      types: { 23: { decode } },
      onNotice,
    });
    expect(config).toEqual({
      hosts: [
        { host: 'a', port: 1 },
        { host: 'b', port: 2 },
      ],
      user: 'u',
      database: 'd',
      ssl: { mode: 'disable' },
      connectTimeoutMs: 1,
      keepAlive: false,
      keepAliveInitialDelayMs: 2,
      applicationName: 'app',
      options: '-c x=1',
      allowCleartextPasswordWithoutTls: true,
      int8: 'string',
      numeric: 'number',
      binaryResults: 'never',
      statementCacheSize: 3,
      pipelineDepth: 8,
      queryTimeoutMs: 4,
      cancelTimeoutMs: 9,
      closeTimeoutMs: 5,
      maxResultBytes: 6,
      maxMessageBytes: 7,
      types: { 23: { decode } },
      onNotice,
      hasPassword: false,
    });
  });

  it('splits a comma-separated host string, pairs a single port with every host, and strips IPv6 brackets', () => {
    expect(resolve({ host: 'a,[::1]', port: 9 }).hosts).toEqual([
      { host: 'a', port: 9 },
      { host: '::1', port: 9 },
    ]);
  });

  it('ignores options whose value is undefined', () => {
    expect(resolve('postgres://u@h', { user: undefined }).user).toBe('u');
  });

  it('accepts an options object as the first argument, overridden by a second one (ssl merged per field)', () => {
    const config = resolve(
      { host: 'first', user: 'first', sslmode: 'require', ssl: { ca: 'ca-a', servername: 'sni-a' } },
      { user: 'second', ssl: { servername: 'sni-b' } },
    );
    expect(config.hosts).toEqual([{ host: 'first', port: 5432 }]);
    expect(config.user).toBe('second');
    expect(config.ssl).toEqual({ mode: 'verify-ca', ca: 'ca-a', servername: 'sni-b' });
  });

  it('copies custom types so later changes to the caller object have no effect', () => {
    const decode = (text: string): unknown => Number(text);
    const types: Record<number, { decode?: (text: string) => unknown }> = { 700: { decode } };
    const config = resolve({ types });
    types[701] = { decode };
    (types[700] as { decode?: unknown }).decode = undefined;
    expect(Object.keys(config.types)).toEqual(['700']);
    expect(config.types[700]?.decode).toBe(decode);
  });
});

describe('precedence: options > connection string > PG* env > defaults', () => {
  const env: NodeJS.ProcessEnv = {
    PGHOST: 'env-host',
    PGPORT: '1111',
    PGUSER: 'env-user',
    PGPASSWORD: 'env-pw',
    PGDATABASE: 'env-db',
    PGSSLMODE: 'disable',
    PGAPPNAME: 'env-app',
    PGCONNECT_TIMEOUT: '5',
    PGOPTIONS: '-c env=1',
  };
  const url =
    'postgres://url-user:url-pw@url-host:2222/url-db?sslmode=require&application_name=url-app&connect_timeout=6&options=-c%20url%3D1';
  const options: ConnectOptions = {
    host: 'opt-host',
    port: 3333,
    user: 'opt-user',
    password: 'opt-pw',
    database: 'opt-db',
    sslmode: 'verify-full',
    applicationName: 'opt-app',
    connectTimeoutMs: 7000,
    options: '-c opt=1',
  };
  const layers: [string, string | undefined, ConnectOptions | undefined, Partial<ResolvedConfig>, string][] = [
    [
      'env only',
      undefined,
      undefined,
      {
        hosts: [{ host: 'env-host', port: 1111 }],
        user: 'env-user',
        database: 'env-db',
        ssl: { mode: 'disable' },
        applicationName: 'env-app',
        connectTimeoutMs: 5000,
        options: '-c env=1',
      },
      'env-pw',
    ],
    [
      'string over env',
      url,
      undefined,
      {
        hosts: [{ host: 'url-host', port: 2222 }],
        user: 'url-user',
        database: 'url-db',
        ssl: { mode: 'require' },
        applicationName: 'url-app',
        connectTimeoutMs: 6000,
        options: '-c url=1',
      },
      'url-pw',
    ],
    [
      'options over string',
      url,
      options,
      {
        hosts: [{ host: 'opt-host', port: 3333 }],
        user: 'opt-user',
        database: 'opt-db',
        ssl: { mode: 'verify-full' },
        applicationName: 'opt-app',
        connectTimeoutMs: 7000,
        options: '-c opt=1',
      },
      'opt-pw',
    ],
  ];

  it.each(layers)('%s', async (_name, input, opts, expected, password) => {
    const config = resolve(input, opts, env);
    expect(config).toMatchObject(expected);
    expect(await resolvePassword(config)).toBe(password);
  });

  it('resolves host and port independently, like libpq keywords', () => {
    expect(resolve('postgres://url-host:2222', { host: 'opt-host' }).hosts).toEqual([{ host: 'opt-host', port: 2222 }]);
    expect(resolve('postgres://url-host', undefined, { PGPORT: '1111' }).hosts).toEqual([
      { host: 'url-host', port: 1111 },
    ]);
  });

  it('reads lists from PGHOST and PGPORT', () => {
    expect(resolve(undefined, undefined, { PGHOST: 'a,b', PGPORT: '1,2' }).hosts).toEqual([
      { host: 'a', port: 1 },
      { host: 'b', port: 2 },
    ]);
  });

  it('reads the ssl file variables', () => {
    const config = resolve(undefined, undefined, {
      PGSSLROOTCERT: CA,
      PGSSLCERT: CERT,
      PGSSLKEY: KEY,
      PGSSLMODE: 'require',
    });
    expect(config.ssl).toEqual({
      mode: 'verify-ca',
      ca: Buffer.from('ca-file-contents'),
      cert: Buffer.from('cert-file-contents'),
      key: Buffer.from('key-file-contents'),
    });
  });

  it('ignores empty env variables', () => {
    expect(resolve(undefined, undefined, { PGHOST: '', PGPORT: '', PGUSER: '' })).toMatchObject({
      hosts: [{ host: 'localhost', port: 5432 }],
      user: 'crate',
    });
  });

  it('does not validate env variables that a higher layer overrides', () => {
    const env = { PGPORT: 'not-a-port', PGHOST: '/var/run/postgresql', PGSSLROOTCERT: MISSING };
    expect(resolve('postgres://h:5432?sslrootcert=system', undefined, env).hosts).toEqual([{ host: 'h', port: 5432 }]);
  });

  it('reports an invalid env variable that wins under its own name', () => {
    const cases: [NodeJS.ProcessEnv, string, string][] = [
      [{ PGPORT: 'abc' }, 'PGPORT', '"abc"'],
      [{ PGCONNECT_TIMEOUT: '1.5' }, 'PGCONNECT_TIMEOUT', '"1.5"'],
      [{ PGSSLMODE: 'strict' }, 'PGSSLMODE', '"strict"'],
      [{ PGHOST: '/var/run/postgresql' }, 'PGHOST', '/var/run/postgresql'],
      [{ PGSSLROOTCERT: MISSING }, 'PGSSLROOTCERT', MISSING],
    ];
    for (const [env, key, value] of cases) {
      const err = configError(() => resolve(undefined, undefined, env));
      expect(err.key).toBe(key);
      expect(err.message).toContain(value);
    }
  });
});

describe('TLS: sslmode table and files', () => {
  const ca = Buffer.from('ca-file-contents');
  const cert = Buffer.from('cert-file-contents');
  const key = Buffer.from('key-file-contents');
  const cases: [string, string | undefined, ConnectOptions | undefined, object][] = [
    ['default is prefer', undefined, undefined, { mode: 'prefer' }],
    [
      'disable reads no files',
      `postgres://h?sslmode=disable&sslrootcert=${MISSING}&sslcert=${MISSING}`,
      undefined,
      { mode: 'disable' },
    ],
    [
      'prefer with a CA keeps prefer (no verification)',
      `postgres://h?sslrootcert=${CA}`,
      undefined,
      { mode: 'prefer', ca },
    ],
    ['require without a CA', 'postgres://h?sslmode=require', undefined, { mode: 'require' }],
    [
      'require with a CA file verifies the chain (libpq)',
      `postgres://h?sslmode=require&sslrootcert=${CA}`,
      undefined,
      { mode: 'verify-ca', ca },
    ],
    [
      'require with ssl.ca verifies the chain',
      undefined,
      { sslmode: 'require', ssl: { ca: 'pem' } },
      { mode: 'verify-ca', ca: 'pem' },
    ],
    [
      'verify-ca without a CA uses the default store',
      'postgres://h?sslmode=verify-ca',
      undefined,
      { mode: 'verify-ca' },
    ],
    ['verify-ca with a CA', `sslmode=verify-ca sslrootcert=${CA}`, undefined, { mode: 'verify-ca', ca }],
    ['verify-full without a CA', 'postgres://h?sslmode=verify-full', undefined, { mode: 'verify-full' }],
    [
      'verify-full with a CA',
      `postgres://h?sslmode=verify-full&sslrootcert=${CA}`,
      undefined,
      { mode: 'verify-full', ca },
    ],
    ['sslrootcert=system forces verify-full', 'postgres://h?sslrootcert=system', undefined, { mode: 'verify-full' }],
    [
      'sslrootcert=system with verify-full',
      'postgres://h?sslrootcert=system&sslmode=verify-full',
      undefined,
      { mode: 'verify-full' },
    ],
    [
      'ssl.ca wins over sslrootcert (the file is not read)',
      `postgres://h?sslrootcert=${MISSING}`,
      { ssl: { ca: 'pem' } },
      { mode: 'prefer', ca: 'pem' },
    ],
    [
      'ssl.ca wins over sslrootcert=system',
      'postgres://h?sslrootcert=system',
      { ssl: { ca: 'pem' } },
      { mode: 'prefer', ca: 'pem' },
    ],
    [
      'client cert and key files',
      `postgres://h?sslcert=${CERT}&sslkey=${KEY}`,
      undefined,
      { mode: 'prefer', cert, key },
    ],
    [
      'in-memory cert with a key file',
      `postgres://h?sslkey=${KEY}`,
      { ssl: { cert: 'c' } },
      { mode: 'prefer', cert: 'c', key },
    ],
    [
      'in-memory cert and key win over files',
      `postgres://h?sslcert=${MISSING}&sslkey=${MISSING}`,
      { ssl: { cert: 'c', key: 'k' } },
      { mode: 'prefer', cert: 'c', key: 'k' },
    ],
    [
      'servername is passed through',
      undefined,
      { sslmode: 'verify-full', ssl: { servername: 'db.example' } },
      { mode: 'verify-full', servername: 'db.example' },
    ],
    [
      'file options from the options object',
      undefined,
      { sslmode: 'verify-full', sslrootcert: CA, sslcert: CERT, sslkey: KEY },
      { mode: 'verify-full', ca, cert, key },
    ],
  ];

  it.each(cases)('%s', (_name, input, opts, expected) => {
    expect(resolve(input, opts).ssl).toEqual(expected);
  });

  it.each(['disable', 'prefer', 'require', 'verify-ca'])('refuses sslmode=%s with sslrootcert=system', (mode) => {
    const err = configError(() => resolve(`postgres://h?sslrootcert=system&sslmode=${mode}`));
    expect(err.key).toBe('sslmode');
    expect(err.message).toContain(`"${mode}"`);
    expect(err.message).toContain('verify-full');
  });

  it('names PGSSLMODE when the weak mode comes from the environment', () => {
    const err = configError(() => resolve('postgres://h?sslrootcert=system', undefined, { PGSSLMODE: 'require' }));
    expect(err.key).toBe('PGSSLMODE');
  });

  const fileErrors: [string, string | undefined, ConnectOptions | undefined, string, string][] = [
    ['missing root cert', `postgres://h?sslrootcert=${MISSING}`, undefined, 'sslrootcert', 'ENOENT'],
    ['root cert is a directory', undefined, { sslrootcert: DIRECTORY }, 'sslrootcert', 'EISDIR'],
    ['missing client cert', `sslcert=${MISSING} sslkey=${KEY}`, undefined, 'sslcert', 'ENOENT'],
    ['missing client key', `postgres://h?sslcert=${CERT}&sslkey=${MISSING}`, undefined, 'sslkey', 'ENOENT'],
  ];

  it.each(fileErrors)('%s is a ConfigError naming the key and path', (_name, input, opts, key, code) => {
    const err = configError(() => resolve(input, opts));
    expect(err.key).toBe(key);
    expect(err.message).toContain(code);
    expect(err.message).toContain(key === 'sslrootcert' && opts !== undefined ? DIRECTORY : MISSING);
  });

  const pairErrors: [string, string | undefined, ConnectOptions | undefined, NodeJS.ProcessEnv, string][] = [
    ['sslcert without sslkey', `postgres://h?sslcert=${CERT}`, undefined, NO_ENV, 'sslcert'],
    ['sslkey without sslcert', `postgres://h?sslkey=${KEY}`, undefined, NO_ENV, 'sslkey'],
    ['ssl.cert without a key', undefined, { ssl: { cert: 'c' } }, NO_ENV, 'ssl.cert'],
    ['ssl.key without a cert', undefined, { ssl: { key: 'k' } }, NO_ENV, 'ssl.key'],
    ['PGSSLCERT without a key', undefined, undefined, { PGSSLCERT: CERT }, 'PGSSLCERT'],
  ];

  it.each(pairErrors)('%s is a ConfigError', (_name, input, opts, env, key) => {
    const err = configError(() => resolve(input, opts, env));
    expect(err.key).toBe(key);
    expect(err.message).toMatch(/sslcert.*sslkey|sslkey.*sslcert/);
  });
});

describe('errors', () => {
  const cases: [string, string | ConnectOptions | undefined, ConnectOptions | undefined, string, string[]][] = [
    ['unknown sslmode', 'postgres://h?sslmode=requir', undefined, 'sslmode', ['"requir"', 'verify-full']],
    ['sslmode allow', 'sslmode=allow', undefined, 'sslmode', ['"allow"', 'prefer']],
    ['sslmode no-verify', undefined, { sslmode: 'no-verify' as 'require' }, 'sslmode', ['"no-verify"', 'require']],
    ['port 0', 'postgres://h:0', undefined, 'port', ['0', '1 to 65535']],
    ['port 65536', undefined, { port: 65536 }, 'port', ['65536', '1 to 65535']],
    ['port not a number', 'postgres://h:abc/db', undefined, 'port', ['"abc"']],
    ['fractional port', undefined, { port: 5432.5 }, 'port', ['5432.5']],
    ['port as a string', undefined, loose({ port: '5432' }), 'port', ['"5432"', 'number']],
    ['bad port in a list', undefined, { port: [1, 0] }, 'port[1]', ['0']],
    ['bad port in keyword/value', 'host=a port=x', undefined, 'port', ['"x"']],
    ['more ports than hosts', 'host=a,b,c port=1,2', undefined, 'port', ['2 ports for 3 hosts']],
    [
      'non-numeric connect_timeout',
      'postgres://h?connect_timeout=abc',
      undefined,
      'connect_timeout',
      ['"abc"', 'seconds'],
    ],
    ['zero connect_timeout', 'connect_timeout=0', undefined, 'connect_timeout', ['0 is not', '1 to']],
    ['negative connectTimeoutMs', undefined, { connectTimeoutMs: -1 }, 'connectTimeoutMs', ['-1']],
    ['timer overflow', undefined, { queryTimeoutMs: 2 ** 31 }, 'queryTimeoutMs', ['2147483648', '2147483647']],
    ['closeTimeoutMs as text', undefined, loose({ closeTimeoutMs: '5' }), 'closeTimeoutMs', ['"5"']],
    ['non-numeric keepalives_idle', 'postgres://h?keepalives_idle=soon', undefined, 'keepalives_idle', ['"soon"']],
    ['negative statementCacheSize', undefined, { statementCacheSize: -1 }, 'statementCacheSize', ['-1', '0 to']],
    ['negative maxResultBytes', 'postgres://h?maxResultBytes=-5', undefined, 'maxResultBytes', ['"-5"']],
    ['zero maxMessageBytes', undefined, { maxMessageBytes: 0 }, 'maxMessageBytes', ['0', '1 to']],
    ['bad int8', 'postgres://h?int8=bignum', undefined, 'int8', ['"bignum"', 'bigint']],
    ['bad numeric', undefined, loose({ numeric: 'float' }), 'numeric', ['"float"', 'string, number']],
    ['keepalives=2', 'keepalives=2', undefined, 'keepalives', ['"2"', '0 or 1']],
    [
      'boolean text',
      'postgres://h?allowCleartextPasswordWithoutTls=maybe',
      undefined,
      'allowCleartextPasswordWithoutTls',
      ['"maybe"', 'true or false'],
    ],
    ['boolean type', undefined, loose({ keepAlive: 'yes' }), 'keepAlive', ['"yes"']],
    ['unknown scheme', 'mysql://u@h/db', undefined, 'connectionString', ['mysql://', 'postgres://']],
    ['http scheme', 'http://h:4200', undefined, 'connectionString', ['"http://"', 'crate://']],
    ['unterminated IPv6 bracket', 'postgres://[::1/db', undefined, 'host', ['"[::1"', '"]"']],
    ['unbracketed IPv6', 'postgres://::1:5432/db', undefined, 'host', ['"::1:5432"', 'brackets']],
    ['junk after IPv6', 'postgres://[::1]x/db', undefined, 'host', ['"[::1]x"']],
    ['empty host in a list', 'postgres://a,,b/db', undefined, 'host', ['"a,,b"']],
    ['bad percent-encoding in database', 'postgres://h/d%zz', undefined, 'database', ['"d%zz"', '%25']],
    ['bad percent-encoding in user', 'postgres://u%zz@h', undefined, 'user', ['"u%zz"']],
    ['invalid UTF-8 escape', 'postgres://h/%C3', undefined, 'database', ['"%C3"']],
    ['NUL in user', 'postgres://us%00er@h', undefined, 'user', ['NUL']],
    ['unencoded @ in database', 'postgres://h/my@db', undefined, 'database', ['%40']],
    ['URL parameter without =', 'postgres://h/db?sslmode', undefined, 'connectionString', ['"sslmode"', '"="']],
    ['unknown URL parameter', 'postgres://h/db?sslmod=require', undefined, 'sslmod', ['"sslmod"', '"sslmode"']],
    ['node-postgres ssl parameter', 'postgres://h/db?ssl=true', undefined, 'ssl', ['"ssl"', 'sslmode']],
    ['neither URL nor key/value', 'localhost', undefined, 'connectionString', ['"localhost"']],
    ['scheme without //', 'postgres:h/db', undefined, 'connectionString', ['"postgres:h/db"']],
    ['unknown keyword', 'host=h hostaddr=1.2.3.4', undefined, 'hostaddr', ['"hostaddr"']],
    ['misspelt keyword', 'host=h sslmdoe=require', undefined, 'sslmdoe', ['"sslmdoe"', 'did you mean "sslmode"']],
    ['keyword without =', 'host=h port', undefined, 'connectionString', ['"port"', 'key=value']],
    ['unterminated quote', "host='abc", undefined, 'host', ['closing single quote']],
    ['gssencmode=require', 'gssencmode=require', undefined, 'gssencmode', ['"require"', 'disable, prefer']],
    ['channel_binding=require', 'postgres://h?channel_binding=require', undefined, 'channel_binding', ['"require"']],
    ['direct TLS', 'sslnegotiation=direct', undefined, 'sslnegotiation', ['"direct"', 'SSLRequest']],
    [
      'primary-only session',
      'target_session_attrs=read-write',
      undefined,
      'target_session_attrs',
      ['"read-write"', 'any'],
    ],
    ['client_encoding', 'client_encoding=LATIN1', undefined, 'client_encoding', ['"LATIN1"', 'utf8']],
    ['unknown option key', undefined, loose({ hots: 'h' }), 'hots', ['"hots"', 'did you mean "host"']],
    ['wrong-case option key', undefined, loose({ sslMode: 'require' }), 'sslMode', ['did you mean "sslmode"']],
    ['libpq name in options', undefined, loose({ connect_timeout: 5 }), 'connect_timeout', ['"connectTimeoutMs"']],
    [
      'node-postgres option',
      undefined,
      loose({ connectionTimeoutMillis: 5 }),
      'connectionTimeoutMillis',
      ['"connectTimeoutMs"'],
    ],
    [
      'far-off option key',
      undefined,
      loose({ zzzzzzzz: 1 }),
      'zzzzzzzz',
      ['"zzzzzzzz"', 'valid options:', 'statementCacheSize'],
    ],
    ['user of wrong type', undefined, loose({ user: 5 }), 'user', ['5', 'string']],
    ['empty user', undefined, { user: '' }, 'user', ['empty']],
    ['empty database', undefined, { database: '' }, 'database', ['empty']],
    ['password of wrong type', undefined, loose({ password: 5 }), 'password', ['number']],
    ['onNotice not a function', undefined, loose({ onNotice: 'log' }), 'onNotice', ['"log"', 'function']],
    ['host:port in host', undefined, { host: 'db:5433' }, 'host', ['"db:5433"', 'port separately']],
    ['Unix socket host', undefined, { host: '/tmp' }, 'host', ['"/tmp"', 'TCP']],
    ['empty host array', undefined, { host: [] }, 'host', ['non-empty']],
    ['host array of wrong type', undefined, loose({ host: ['a', 7] }), 'host[1]', ['7']],
    ['ssl: true', undefined, loose({ ssl: true }), 'ssl', ['true', 'sslmode']],
    [
      'unknown ssl member',
      undefined,
      loose({ ssl: { rejectUnauthorized: false } }),
      'ssl.rejectUnauthorized',
      ['sslmode'],
    ],
    ['ssl.ca of wrong type', undefined, loose({ ssl: { ca: 5 } }), 'ssl.ca', ['5', 'PEM']],
    ['types not an object', undefined, loose({ types: 'x' }), 'types', ['"x"']],
    [
      'types with a non-OID key',
      undefined,
      loose({ types: { abc: { decode: String } } }),
      'types.abc',
      ['"abc"', 'OID'],
    ],
    ['types with OID 0', undefined, loose({ types: { 0: { decode: String } } }), 'types.0', ['"0"']],
    ['codec without functions', undefined, loose({ types: { 23: {} } }), 'types.23', ['decode or an encode']],
    ['codec decode not a function', undefined, loose({ types: { 23: { decode: 'x' } } }), 'types.23.decode', ['"x"']],
    [
      'unknown codec member',
      undefined,
      loose({ types: { 23: { parse: String } } }),
      'types.23.parse',
      ['decode and encode'],
    ],
    [
      'first argument of wrong type',
      loose(42 as unknown as Record<string, unknown>),
      undefined,
      'connectionString',
      ['42'],
    ],
    [
      'options argument of wrong type',
      undefined,
      loose('x' as unknown as Record<string, unknown>),
      'connectOptions',
      ['"x"'],
    ],
  ];

  it.each(cases)('%s', (_name, input, opts, key, fragments) => {
    const err = configError(() => resolve(input, opts));
    expect(err.key).toBe(key);
    expect(err.code).toBe('CONFIG');
    expect(err.message.startsWith(`Invalid ${key}: `)).toBe(true);
    for (const fragment of fragments) expect(err.message).toContain(fragment);
  });
});

/**
 * Why config/ parses connection strings itself instead of using pg-connection-string (2.14.1, the parser of
 * node-postgres): each case below is one it gets wrong, checked here against our parser.
 */
describe('cases pg-connection-string gets wrong', () => {
  it('multi-host URLs with ports (it throws "Invalid URL")', () => {
    expect(resolve('postgres://u@h1:5432,h2:5433/db').hosts).toEqual([
      { host: 'h1', port: 5432 },
      { host: 'h2', port: 5433 },
    ]);
  });

  it('keyword/value strings (it takes the whole string as the database name)', () => {
    const config = resolve('host=db1 port=5433 user=alice dbname=app');
    expect(config).toMatchObject({ hosts: [{ host: 'db1', port: 5433 }], user: 'alice', database: 'app' });
  });

  it('ports are numbers (it returns strings)', () => {
    expect(typeof resolve('postgres://h:6000/db').hosts[0]?.port).toBe('number');
  });

  it("sslmode=require without a CA encrypts without verifying, as libpq (it verifies like verify-full unless uselibpqcompat=true)", () => {
    expect(resolve('postgres://h?sslmode=require').ssl).toEqual({ mode: 'require' });
    expect(resolve('postgres://h?sslmode=prefer').ssl).toEqual({ mode: 'prefer' });
  });

  it('sslrootcert=system means Node\'s CA store with verify-full (it reads a file named "system")', () => {
    expect(resolve('postgres://h?sslrootcert=system').ssl).toEqual({ mode: 'verify-full' });
  });

  it('PG* environment variables apply (it reads none)', () => {
    const config = resolve(undefined, undefined, { PGHOST: 'envhost', PGPORT: '6543', PGDATABASE: 'envdb', PGSSLMODE: 'disable' });
    expect(config).toMatchObject({ hosts: [{ host: 'envhost', port: 6543 }], database: 'envdb', ssl: { mode: 'disable' } });
  });
});

describe('the password never leaks', () => {
  const sources: [string, () => ResolvedConfig][] = [
    ['URL', () => resolve(`postgres://u:${CANARY}@h/db`)],
    ['URL parameter', () => resolve(`postgres://u@h/db?password=${CANARY}`)],
    ['keyword/value', () => resolve(`host=h password='${CANARY}'`)],
    ['options', () => resolve({ password: CANARY })],
    ['env', () => resolve(undefined, undefined, { PGPASSWORD: CANARY })],
    ['async function', () => resolve({ password: async () => CANARY })],
  ];

  it.each(sources)(
    'from %s: absent from inspect, JSON and own properties; returned by resolvePassword',
    async (_name, make) => {
      const config = make();
      expect(config.hasPassword).toBe(true);
      expect(inspect(config, { showHidden: true, depth: Infinity })).not.toContain(CANARY);
      expect(JSON.stringify(config)).not.toContain(CANARY);
      expect(Reflect.ownKeys(config)).not.toContain('password');
      expect(await resolvePassword(config)).toBe(CANARY);
    },
  );

  const malformed: [string, string | undefined, ConnectOptions | undefined, NodeJS.ProcessEnv][] = [
    ['unknown scheme', `mysql://u:${CANARY}@h/db`, undefined, NO_ENV],
    ['bad port', `postgres://u:${CANARY}@h:99999/db`, undefined, NO_ENV],
    ['bad sslmode', `postgres://u:${CANARY}@h/db?sslmode=bad`, undefined, NO_ENV],
    ['unencoded / in the password', `postgres://u:${CANARY}/x@h/db`, undefined, NO_ENV],
    ['unencoded / in the password, digits before it', 'postgres://u:8c1f/canary-pw@h/db', undefined, NO_ENV],
    ['unencoded ? in the password', `postgres://u:${CANARY}?x@h/db`, undefined, NO_ENV],
    ['unencoded ? in the password, digits before it', 'postgres://u:81?canary-pw@h/db', undefined, NO_ENV],
    ['unencoded @ and ? in the password', 'postgres://u:x@h?canary-pw@h/db', undefined, NO_ENV],
    ['bad escape in the password', `postgres://u:${CANARY}%zz@h/db`, undefined, NO_ENV],
    ['NUL in the password', `postgres://u:${CANARY}%00@h/db`, undefined, NO_ENV],
    ['bad IPv6 after the password', `postgres://u:${CANARY}@[::1/db`, undefined, NO_ENV],
    ['@ in the database', `postgres://u:${CANARY}@h/d@b`, undefined, NO_ENV],
    ['missing scheme', `u:${CANARY}@h/db`, undefined, NO_ENV],
    ['password parameter and a bad one', `postgres://u@h/db?password=${CANARY}&sslmode=bad`, undefined, NO_ENV],
    ['keyword/value with a bad key', `password=${CANARY} sslmode=bad`, undefined, NO_ENV],
    ['unterminated quoted password', `host=h password='${CANARY}`, undefined, NO_ENV],
    ['unquoted password with a space', `password=${CANARY} ${CANARY}`, undefined, NO_ENV],
    ['unquoted password with a space and =', `password=x ${CANARY}=y`, undefined, NO_ENV],
    ['options with a bad port', undefined, loose({ password: CANARY, port: 'x' }), NO_ENV],
    ['options with a NUL in the password', undefined, { password: `${CANARY}\0` }, NO_ENV],
    ['env with a bad port', undefined, undefined, { PGPASSWORD: CANARY, PGPORT: 'x' }],
    ['missing cert file', `postgres://u:${CANARY}@h/db?sslcert=${MISSING}&sslkey=${KEY}`, undefined, NO_ENV],
  ];

  it.each(malformed)('%s: the ConfigError does not contain it', (_name, input, opts, env) => {
    const err = configError(() => resolve(input, opts, env));
    for (const text of [err.message, String(err), inspect(err, { depth: Infinity }), JSON.stringify(err)]) {
      expect(text).not.toContain(CANARY);
      expect(text).not.toContain('canary-pw');
    }
  });

  it('calls a password function at each resolvePassword and checks its result', async () => {
    let calls = 0;
    const config = resolve({ password: () => `pw-${++calls}` });
    expect(await resolvePassword(config)).toBe('pw-1');
    expect(await resolvePassword(config)).toBe('pw-2');
    const bad = resolve(loose({ password: () => 42 }));
    const err = await resolvePassword(bad).then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(err).toBeInstanceOf(ConfigError);
    expect((err as ConfigError).key).toBe('password');
  });

  it('refuses a copy of a config that had a password instead of silently losing it', async () => {
    const copy = { ...resolve({ password: CANARY }) };
    await expect(resolvePassword(copy)).rejects.toBeInstanceOf(UsageError);
    expect(await resolvePassword({ ...resolve() })).toBeUndefined();
  });
});

describe('immutability', () => {
  it('freezes the config and every nested object', () => {
    const config = resolve(
      { host: ['a', 'b'], types: { 23: { decode: String } }, sslmode: 'verify-full', ssl: { ca: 'pem' } },
      undefined,
    );
    for (const part of [config, config.hosts, config.hosts[0], config.ssl, config.types, config.types[23]]) {
      expect(Object.isFrozen(part)).toBe(true);
    }
    expect(() => {
      (config as { user: string }).user = 'x';
    }).toThrow(TypeError);
  });
});
