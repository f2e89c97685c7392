/**
 * Pure authentication steps: the MD5 password response and a SCRAM-SHA-256 client (RFC 5802 / RFC 7677).
 * No I/O: the startup flow feeds server messages in and sends what comes out.
 *
 * CrateDB never offers MD5 or SCRAM (docs/cratedb-wire.md "Authentication"); these exist for PostgreSQL.
 */
import { createHash, createHmac, pbkdf2Sync, randomBytes, timingSafeEqual } from 'node:crypto';
import { AuthenticationError } from '../errors.js';

/**
 * Highest iteration count accepted from a server. PBKDF2 runs synchronously, so a hostile or misconfigured server
 * could block the event loop for minutes with a huge count; PostgreSQL's default is 4096 (`scram_iterations`) and
 * one million takes about a second.
 */
export const MAX_SCRAM_ITERATIONS = 1_000_000;

const SCRAM_SHA_256 = 'SCRAM-SHA-256';
/** GS2 header "n,,": this client does not support channel binding (RFC 5802 §6). */
const GS2_HEADER = 'n,,';

/** md5 password response: 'md5' + md5hex(md5hex(password + user) + salt) — PostgreSQL's AuthenticationMD5Password. */
export function md5PasswordResponse(user: string, password: string, salt: Buffer): string {
  const inner = createHash('md5').update(password, 'utf8').update(user, 'utf8').digest('hex');
  return 'md5' + createHash('md5').update(inner, 'utf8').update(salt).digest('hex');
}

/** One SCRAM-SHA-256 exchange, driven by the startup flow. Each method is called once, in order. */
export interface ScramClient {
  readonly mechanism: 'SCRAM-SHA-256';
  /** client-first-message, e.g. 'n,,n=*,r=<nonce>' */
  clientFirstMessage(): string;
  /**
   * Takes server-first-message, returns client-final-message. Throws AuthenticationError on a malformed message,
   * a server nonce that does not extend the client nonce, an iteration count outside 1..MAX_SCRAM_ITERATIONS,
   * or an attribute this client does not support (a mandatory `m=` extension, anything after `i=`).
   */
  clientFinalMessage(serverFirst: string): string;
  /**
   * Verifies the server signature in server-final-message; throws AuthenticationError if it does not match or the
   * server sent e=<error>.
   */
  verifyServerFinal(serverFinal: string): void;
}

/**
 * `mechanisms` from AuthenticationSASL; throws AuthenticationError if SCRAM-SHA-256 is not offered
 * (SCRAM-SHA-256-PLUS / channel binding is not supported). `nonce` is injectable for tests; `username` goes into the
 * client-first-message, which PostgreSQL ignores (it uses the startup user), so the default is `*`.
 */
export function createScramClient(
  password: string,
  mechanisms: readonly string[],
  nonce: string = randomBytes(18).toString('base64'),
  username = '*',
): ScramClient {
  if (!mechanisms.includes(SCRAM_SHA_256)) {
    const offered = mechanisms.length === 0 ? 'none' : mechanisms.join(', ');
    throw new AuthenticationError(
      `The server offered SASL mechanisms [${offered}], but cratewire supports only ${SCRAM_SHA_256}; ` +
        'SCRAM-SHA-256-PLUS (channel binding) is not supported',
    );
  }
  if (!isPrintableNonce(nonce)) {
    throw new AuthenticationError('SCRAM client nonce must be non-empty printable ASCII without commas');
  }
  return new ScramSha256Client(password, nonce, username);
}

type ScramState = 'initial' | 'first-sent' | 'final-sent' | 'done';

class ScramSha256Client implements ScramClient {
  readonly mechanism = SCRAM_SHA_256;
  #state: ScramState = 'initial';
  /** Dropped as soon as the proof is computed so the password does not outlive the exchange. */
  #password: string | undefined;
  readonly #nonce: string;
  readonly #clientFirstBare: string;
  #expectedServerSignature: Buffer | undefined;

  constructor(password: string, nonce: string, username: string) {
    this.#password = password;
    this.#nonce = nonce;
    this.#clientFirstBare = `n=${encodeSaslName(username)},r=${nonce}`;
  }

  clientFirstMessage(): string {
    this.#expectState('initial', 'clientFirstMessage');
    this.#state = 'first-sent';
    return GS2_HEADER + this.#clientFirstBare;
  }

  clientFinalMessage(serverFirst: string): string {
    this.#expectState('first-sent', 'clientFinalMessage');
    const { nonce, salt, iterations } = parseServerFirst(serverFirst, this.#nonce);
    const password = this.#password ?? '';
    this.#password = undefined;

    const clientFinalWithoutProof = `c=${Buffer.from(GS2_HEADER).toString('base64')},r=${nonce}`;
    const authMessage = `${this.#clientFirstBare},${serverFirst},${clientFinalWithoutProof}`;
    const saltedPassword = pbkdf2Sync(Buffer.from(saslPrep(password), 'utf8'), salt, iterations, 32, 'sha256');
    const clientKey = hmac(saltedPassword, 'Client Key');
    const storedKey = createHash('sha256').update(clientKey).digest();
    const clientSignature = hmac(storedKey, authMessage);
    const proof = Buffer.alloc(clientKey.length);
    for (let i = 0; i < proof.length; i++) proof[i] = (clientKey[i] ?? 0) ^ (clientSignature[i] ?? 0);
    this.#expectedServerSignature = hmac(hmac(saltedPassword, 'Server Key'), authMessage);

    this.#state = 'final-sent';
    return `${clientFinalWithoutProof},p=${proof.toString('base64')}`;
  }

  verifyServerFinal(serverFinal: string): void {
    this.#expectState('final-sent', 'verifyServerFinal');
    this.#state = 'done';
    const attributes = parseAttributes(serverFinal, 'server-final-message');
    const first = attributes[0];
    if (first?.name === 'e') {
      // Only RFC 5802 server-error-value tokens are shown: the text comes from the server and must not smuggle secrets.
      const reason = /^[a-z-]{1,64}$/.test(first.value) ? `"${first.value}"` : 'an error';
      throw new AuthenticationError(`SCRAM authentication failed: the server reported ${reason}`);
    }
    if (first?.name !== 'v' || attributes.length !== 1 || !isBase64(first.value)) {
      throw malformed('server-final-message', 'expected a single v=<server signature> attribute');
    }
    const received = Buffer.from(first.value, 'base64');
    const expected = this.#expectedServerSignature;
    this.#expectedServerSignature = undefined;
    if (expected === undefined || received.length !== expected.length || !timingSafeEqual(received, expected)) {
      throw new AuthenticationError(
        'SCRAM server signature does not match: the server could not prove it knows the password (possible impostor)',
      );
    }
  }

  #expectState(state: ScramState, step: string): void {
    if (this.#state !== state) {
      throw new AuthenticationError(`SCRAM step ${step}() called out of order (exchange is in state "${this.#state}")`);
    }
  }
}

interface ServerFirst {
  nonce: string;
  salt: Buffer;
  iterations: number;
}

function parseServerFirst(message: string, clientNonce: string): ServerFirst {
  const attributes = parseAttributes(message, 'server-first-message');
  if (attributes[0]?.name === 'm') {
    throw new AuthenticationError('SCRAM server-first-message requires an extension (m=) that cratewire does not support');
  }
  const [r, s, i, ...rest] = attributes;
  if (r?.name !== 'r' || s?.name !== 's' || i?.name !== 'i') {
    throw malformed('server-first-message', 'expected attributes r=, s=, i= in that order');
  }
  // Like libpq, nothing may follow i=: an unknown attribute is a protocol we do not speak.
  if (rest.length > 0) {
    throw malformed('server-first-message', `unsupported attribute "${rest[0]?.name ?? ''}=" after i=`);
  }
  if (!r.value.startsWith(clientNonce) || r.value.length <= clientNonce.length || !isPrintableNonce(r.value)) {
    throw new AuthenticationError(
      'SCRAM server nonce does not extend the client nonce; the exchange was tampered with or the server is broken',
    );
  }
  if (s.value.length === 0 || !isBase64(s.value)) {
    throw malformed('server-first-message', 'the salt is not valid base64');
  }
  if (!/^[1-9][0-9]*$/.test(i.value)) {
    throw malformed('server-first-message', 'the iteration count is not a positive integer');
  }
  const iterations = Number(i.value);
  if (iterations > MAX_SCRAM_ITERATIONS) {
    throw new AuthenticationError(
      `SCRAM iteration count ${i.value} exceeds the maximum of ${MAX_SCRAM_ITERATIONS} accepted by cratewire`,
    );
  }
  return { nonce: r.value, salt: Buffer.from(s.value, 'base64'), iterations };
}

interface Attribute {
  name: string;
  value: string;
}

function parseAttributes(message: string, what: string): Attribute[] {
  return message.split(',').map((part) => {
    const match = /^([A-Za-z])=(.*)$/s.exec(part);
    if (match === null) throw malformed(what, 'expected comma-separated attribute=value pairs');
    return { name: match[1] ?? '', value: match[2] ?? '' };
  });
}

function malformed(what: string, detail: string): AuthenticationError {
  return new AuthenticationError(`Malformed SCRAM ${what}: ${detail}`);
}

function hmac(key: Buffer, data: string): Buffer {
  return createHmac('sha256', key).update(data, 'utf8').digest();
}

function isBase64(text: string): boolean {
  return /^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$/.test(text);
}

/** RFC 5802 `printable`: %x21-2B / %x2D-7E, i.e. visible ASCII except ','. */
function isPrintableNonce(text: string): boolean {
  return /^[\x21-\x2B\x2D-\x7E]+$/.test(text);
}

/** RFC 5802 saslname: ',' and '=' are escaped. */
function encodeSaslName(name: string): string {
  return name.replace(/=/g, '=3D').replace(/,/g, '=2C');
}

/** RFC 3454 C.1.2 non-ASCII space characters, mapped to U+0020 (RFC 4013 §2.1). */
const NON_ASCII_SPACE = /[\u00A0\u1680\u2000-\u200B\u202F\u205F\u3000]/gu;
/** RFC 3454 B.1 "commonly mapped to nothing". */
const MAPPED_TO_NOTHING = /[\u00AD\u034F\u1806\u180B-\u180D\u200C\u200D\u2060\uFE00-\uFE0F\uFEFF]/gu;
/**
 * RFC 4013 §2.3 prohibited output (RFC 3454 C.1.2, C.2.1, C.2.2, C.3–C.9) plus unassigned code points. Unassigned is
 * judged by the running engine's Unicode version, not Unicode 3.2 as the RFC says: close enough for passwords.
 */
const PROHIBITED =
  /[\u0000-\u001F\u007F-\u00A0\u0340\u0341\u06DD\u070F\u1680\u180E\u2000-\u200F\u2028-\u202F\u205F-\u2063\u206A-\u206F\u2FF0-\u2FFB\u3000\uE000-\uF8FF\uFDD0-\uFDEF\uFEFF\uFFF9-\uFFFF\u{1D173}-\u{1D17A}\u{E0001}\u{E0020}-\u{E007F}\u{F0000}-\u{10FFFF}\p{Cn}\p{Cs}]/u;
/** RFC 3454 D.1: characters with bidirectional property R or AL. */
const RAND_AL_CAT =
  /[\u05BE\u05C0\u05C3\u05D0-\u05EA\u05F0-\u05F4\u061B\u061F\u0621-\u063A\u0640-\u064A\u066D-\u066F\u0671-\u06D5\u06DD\u06E5\u06E6\u06FA-\u06FE\u0700-\u070D\u0710\u0712-\u072C\u0780-\u07A5\u07B1\u200F\uFB1D\uFB1F-\uFB28\uFB2A-\uFB36\uFB38-\uFB3C\uFB3E\uFB40\uFB41\uFB43\uFB44\uFB46-\uFBB1\uFBD3-\uFD3D\uFD50-\uFD8F\uFD92-\uFDC7\uFDF0-\uFDFC\uFE70-\uFE74\uFE76-\uFEFC]/u;
/** Approximates RFC 3454 D.2 (bidi property L) as "a letter that is not R/AL"; the full table is large. */
const L_CAT = /\p{L}/u;

/**
 * SASLprep (RFC 4013) the way PostgreSQL's pg_saslprep applies it: ASCII passwords pass unchanged; otherwise map,
 * NFKC-normalise and check; if the result is not a valid SASLprep string, the server hashed the raw password, so
 * the raw password is used here too.
 */
function saslPrep(password: string): string {
  if (/^[\x00-\x7F]*$/.test(password)) return password;
  const prepared = password.replace(NON_ASCII_SPACE, ' ').replace(MAPPED_TO_NOTHING, '').normalize('NFKC');
  if (prepared.length === 0 || PROHIBITED.test(prepared)) return password;
  if (RAND_AL_CAT.test(prepared)) {
    const chars = [...prepared];
    const isRandAl = (c: string | undefined): boolean => c !== undefined && RAND_AL_CAT.test(c);
    const hasLCat = chars.some((c) => L_CAT.test(c) && !RAND_AL_CAT.test(c));
    if (hasLCat || !isRandAl(chars[0]) || !isRandAl(chars[chars.length - 1])) return password;
  }
  return prepared;
}
