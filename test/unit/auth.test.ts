import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { AuthenticationError } from '../../src/errors.js';
import { MAX_SCRAM_ITERATIONS, createScramClient, md5PasswordResponse } from '../../src/protocol/auth.js';

const md5hex = (data: Buffer | string): string => createHash('md5').update(data).digest('hex');

describe('md5PasswordResponse', () => {
  it("is 'md5' + md5hex(md5hex(password + user) + salt)", () => {
    const salt = Buffer.from([0x01, 0xff, 0x80, 0x7f]);
    const expected = 'md5' + md5hex(Buffer.concat([Buffer.from(md5hex('secretalice')), salt]));
    expect(md5PasswordResponse('alice', 'secret', salt)).toBe(expected);
  });

  it('matches the well-known stored hash for postgres/postgres', () => {
    // pg_authid stores 'md5' + md5('postgres' + 'postgres') = md53175bce1d3201d16594cebf9d7eb3f9d.
    const salt = Buffer.from('abcd');
    const expected = 'md5' + md5hex(Buffer.concat([Buffer.from('3175bce1d3201d16594cebf9d7eb3f9d'), salt]));
    expect(md5PasswordResponse('postgres', 'postgres', salt)).toBe(expected);
  });

  it('depends on the order of user and password', () => {
    const salt = Buffer.from([1, 2, 3, 4]);
    expect(md5PasswordResponse('alice', 'secret', salt)).not.toBe(md5PasswordResponse('secret', 'alice', salt));
  });
});

// RFC 7677 §3 test vector.
const RFC_NONCE = 'rOprNGfwEbeRWgbNEkqO';
const RFC_SERVER_FIRST = 'r=rOprNGfwEbeRWgbNEkqO%hvYDpWUa2RaTCAfuxFIlj)hNlF$k0,s=W22ZaJ0SNY7soEsUEjb6gQ==,i=4096';
const RFC_CLIENT_FINAL =
  'c=biws,r=rOprNGfwEbeRWgbNEkqO%hvYDpWUa2RaTCAfuxFIlj)hNlF$k0,p=dHzbZapWIk4jUhN+Ute9ytag9zjfMHgsqmmiz7AndVQ=';
const RFC_SERVER_FINAL = 'v=6rriTRBi23WpRR/wtup+mMhUZUn/dB5nLTJRsjl95G4=';

function rfcClient(password = 'pencil'): ReturnType<typeof createScramClient> {
  return createScramClient(password, ['SCRAM-SHA-256'], RFC_NONCE, 'user');
}

/** The client proof for `password` against the RFC server-first message. */
function proofFor(password: string): string {
  const client = rfcClient(password);
  client.clientFirstMessage();
  return client.clientFinalMessage(RFC_SERVER_FIRST);
}

function authError(run: () => void): AuthenticationError {
  try {
    run();
  } catch (err) {
    expect(err).toBeInstanceOf(AuthenticationError);
    return err as AuthenticationError;
  }
  throw new Error('expected an AuthenticationError');
}

describe('SCRAM-SHA-256', () => {
  it('reproduces the RFC 7677 exchange', () => {
    const client = rfcClient();
    expect(client.mechanism).toBe('SCRAM-SHA-256');
    expect(client.clientFirstMessage()).toBe('n,,n=user,r=rOprNGfwEbeRWgbNEkqO');
    expect(client.clientFinalMessage(RFC_SERVER_FIRST)).toBe(RFC_CLIENT_FINAL);
    expect(() => client.verifyServerFinal(RFC_SERVER_FINAL)).not.toThrow();
  });

  it("sends n=* and a fresh random nonce by default", () => {
    const first = createScramClient('pencil', ['SCRAM-SHA-256']).clientFirstMessage();
    const second = createScramClient('pencil', ['SCRAM-SHA-256']).clientFirstMessage();
    expect(first).toMatch(/^n,,n=\*,r=[\x21-\x2B\x2D-\x7E]{16,}$/);
    expect(first).not.toBe(second);
  });

  it('escapes , and = in the user name', () => {
    const client = createScramClient('pencil', ['SCRAM-SHA-256'], RFC_NONCE, 'a,b=c');
    expect(client.clientFirstMessage()).toBe(`n,,n=a=2Cb=3Dc,r=${RFC_NONCE}`);
  });

  it('rejects a server signature that does not match', () => {
    const client = rfcClient();
    client.clientFirstMessage();
    client.clientFinalMessage(RFC_SERVER_FIRST);
    const error = authError(() => client.verifyServerFinal('v=' + Buffer.alloc(32, 7).toString('base64')));
    expect(error.message).toContain('server signature does not match');
  });

  it('rejects the right signature computed for a different password', () => {
    const client = rfcClient('not-pencil');
    client.clientFirstMessage();
    client.clientFinalMessage(RFC_SERVER_FIRST);
    authError(() => client.verifyServerFinal(RFC_SERVER_FINAL));
  });

  it('reports e=<error> from the server', () => {
    const client = rfcClient();
    client.clientFirstMessage();
    client.clientFinalMessage(RFC_SERVER_FIRST);
    expect(authError(() => client.verifyServerFinal('e=invalid-proof')).message).toContain('invalid-proof');
  });

  it.each([
    ['a nonce that does not start with the client nonce', 'r=XXXXNGfwEbeRWgbNEkqO%hvYDpWUa2,s=W22ZaJ0SNY7soEsUEjb6gQ==,i=4096'],
    ['a nonce equal to the client nonce', 'r=rOprNGfwEbeRWgbNEkqO,s=W22ZaJ0SNY7soEsUEjb6gQ==,i=4096'],
    ['a missing nonce', 's=W22ZaJ0SNY7soEsUEjb6gQ==,i=4096'],
    ['a missing salt', 'r=rOprNGfwEbeRWgbNEkqOabc,i=4096'],
    ['a missing iteration count', 'r=rOprNGfwEbeRWgbNEkqOabc,s=W22ZaJ0SNY7soEsUEjb6gQ=='],
    ['attributes out of order', 's=W22ZaJ0SNY7soEsUEjb6gQ==,r=rOprNGfwEbeRWgbNEkqOabc,i=4096'],
    ['a mandatory extension', 'm=ext,r=rOprNGfwEbeRWgbNEkqOabc,s=W22ZaJ0SNY7soEsUEjb6gQ==,i=4096'],
    ['an attribute after i=', 'r=rOprNGfwEbeRWgbNEkqOabc,s=W22ZaJ0SNY7soEsUEjb6gQ==,i=4096,x=1'],
    ['a salt that is not base64', 'r=rOprNGfwEbeRWgbNEkqOabc,s=not*base64,i=4096'],
    ['an empty salt', 'r=rOprNGfwEbeRWgbNEkqOabc,s=,i=4096'],
    ['a zero iteration count', 'r=rOprNGfwEbeRWgbNEkqOabc,s=W22ZaJ0SNY7soEsUEjb6gQ==,i=0'],
    ['a non-numeric iteration count', 'r=rOprNGfwEbeRWgbNEkqOabc,s=W22ZaJ0SNY7soEsUEjb6gQ==,i=4k'],
    [
      'an iteration count above the cap',
      `r=rOprNGfwEbeRWgbNEkqOabc,s=W22ZaJ0SNY7soEsUEjb6gQ==,i=${MAX_SCRAM_ITERATIONS + 1}`,
    ],
    ['something that is not attribute=value', 'garbage'],
  ])('rejects a server-first-message with %s', (_label, serverFirst) => {
    const client = rfcClient();
    client.clientFirstMessage();
    authError(() => client.clientFinalMessage(serverFirst));
  });

  it.each([
    ['no v=', 'x=abc'],
    ['v= that is not base64', 'v=***'],
    ['an attribute after v=', `${RFC_SERVER_FINAL},x=1`],
  ])('rejects a server-final-message with %s', (_label, serverFinal) => {
    const client = rfcClient();
    client.clientFirstMessage();
    client.clientFinalMessage(RFC_SERVER_FIRST);
    authError(() => client.verifyServerFinal(serverFinal));
  });

  it('refuses steps out of order', () => {
    const client = rfcClient();
    authError(() => client.clientFinalMessage(RFC_SERVER_FIRST));
    client.clientFirstMessage();
    authError(() => client.verifyServerFinal(RFC_SERVER_FINAL));
  });

  it('requires SCRAM-SHA-256 among the offered mechanisms and explains channel binding', () => {
    const error = authError(() => createScramClient('pencil', ['SCRAM-SHA-256-PLUS']));
    expect(error.message).toContain('SCRAM-SHA-256-PLUS');
    expect(error.message).toContain('channel binding');
    expect(() => createScramClient('pencil', ['SCRAM-SHA-256-PLUS', 'SCRAM-SHA-256'])).not.toThrow();
  });

  it('never puts the password in an error message', () => {
    const password = 'Tr0ub4dor&3-unique';
    const messages: string[] = [];
    messages.push(authError(() => createScramClient(password, [])).message);
    for (const serverFirst of [password, `r=${RFC_NONCE}x,s=${password},i=4096`, `r=${password},s=QQ==,i=1`]) {
      const client = createScramClient(password, ['SCRAM-SHA-256'], RFC_NONCE);
      client.clientFirstMessage();
      messages.push(authError(() => client.clientFinalMessage(serverFirst)).message);
    }
    const client = createScramClient(password, ['SCRAM-SHA-256'], RFC_NONCE);
    client.clientFirstMessage();
    client.clientFinalMessage(RFC_SERVER_FIRST);
    messages.push(authError(() => client.verifyServerFinal(RFC_SERVER_FINAL)).message);
    const echoing = createScramClient(password, ['SCRAM-SHA-256'], RFC_NONCE);
    echoing.clientFirstMessage();
    echoing.clientFinalMessage(RFC_SERVER_FIRST);
    messages.push(authError(() => echoing.verifyServerFinal(`e=${password}`)).message);
    expect(messages).toHaveLength(6);
    for (const message of messages) expect(message).not.toContain(password);
  });
});

describe('SCRAM password preparation (SASLprep as PostgreSQL applies it)', () => {
  it('maps non-ASCII spaces to a space', () => {
    expect(proofFor('pen\u00A0cil')).toBe(proofFor('pen cil'));
  });

  it('drops characters mapped to nothing', () => {
    expect(proofFor('pen\u00ADcil')).toBe(proofFor('pencil'));
  });

  it('applies NFKC', () => {
    expect(proofFor('\u2168pencil')).toBe(proofFor('IXpencil'));
    expect(proofFor('pe\uFB00')).toBe(proofFor('peff'));
  });

  it('uses the raw password when the prepared one would contain a prohibited character', () => {
    // \u0007 is prohibited, so the \u00A0 is not mapped and the proofs differ.
    expect(proofFor('pen\u00A0cil\u0007')).not.toBe(proofFor('pen cil\u0007'));
  });

  it('leaves ASCII passwords, control characters included, unchanged', () => {
    expect(proofFor('pencil')).toBe(RFC_CLIENT_FINAL);
    expect(proofFor('pencil\u0007')).not.toBe(RFC_CLIENT_FINAL);
  });
});
