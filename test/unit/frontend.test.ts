import { serialize } from 'pg-protocol';
import { describe, expect, it } from 'vitest';
import {
  CLOSE_UNNAMED_PORTAL,
  COPY_DONE,
  DESCRIBE_UNNAMED_PORTAL,
  EXECUTE_UNNAMED,
  FLUSH,
  SYNC,
  TERMINATE,
  encodeBind,
  encodeCloseStatement,
  encodeCopyFail,
  encodeDescribeStatement,
  encodeExecute,
  encodeParse,
  encodePassword,
  encodeQuery,
  encodeSaslInitialResponse,
  encodeSaslResponse,
  encodeStartup,
  encodeUnnamedParse,
} from '../../src/protocol/frontend.js';

/** Reads a frontend message the way a server does: type, Int32 length counting itself, body. */
class Reader {
  pos = 5;
  constructor(readonly b: Buffer) {}
  get type(): string {
    return String.fromCharCode(this.b[0] as number);
  }
  get declaredLength(): number {
    return this.b.readInt32BE(1);
  }
  cstring(): string {
    const end = this.b.indexOf(0, this.pos);
    const s = this.b.toString('utf8', this.pos, end);
    this.pos = end + 1;
    return s;
  }
  int16(): number {
    const v = this.b.readInt16BE(this.pos);
    this.pos += 2;
    return v;
  }
  int32(): number {
    const v = this.b.readInt32BE(this.pos);
    this.pos += 4;
    return v;
  }
  uint32(): number {
    const v = this.b.readUInt32BE(this.pos);
    this.pos += 4;
    return v;
  }
  bytes(n: number): string {
    const s = this.b.toString('utf8', this.pos, this.pos + n);
    this.pos += n;
    return s;
  }
}

function readBind(b: Buffer): { portal: string; statement: string; formats: number[]; values: (string | null)[]; resultFormats: number[]; end: number } {
  const r = new Reader(b);
  expect(r.type).toBe('B');
  const portal = r.cstring();
  const statement = r.cstring();
  const formats = Array.from({ length: r.int16() }, () => r.int16());
  const values = Array.from({ length: r.int16() }, () => {
    const n = r.int32();
    return n < 0 ? null : r.bytes(n);
  });
  const resultFormats = Array.from({ length: r.int16() }, () => r.int16());
  return { portal, statement, formats, values, resultFormats, end: r.pos };
}

describe('encodeParse', () => {
  it('writes name, text and type OIDs with a length that covers exactly the body', () => {
    const b = encodeParse('s7', 'SELECT $1, $2 -- ünïcode ✓', [0, 23]);
    const r = new Reader(b);
    expect(r.type).toBe('P');
    expect(r.declaredLength).toBe(b.length - 1);
    expect(r.cstring()).toBe('s7');
    expect(r.cstring()).toBe('SELECT $1, $2 -- ünïcode ✓');
    expect(r.int16()).toBe(2);
    expect([r.uint32(), r.uint32()]).toEqual([0, 23]);
    expect(r.pos).toBe(b.length);
  });

  it('is byte-identical to pg-protocol for the unnamed statement', () => {
    const text = 'SELECT * FROM t WHERE name = $1 AND note = $2 -- 日本語';
    expect(encodeParse('', text, [25, 0]).equals(serialize.parse({ name: '', text, types: [25, 0] }))).toBe(true);
  });

  it('writes OIDs above 2^31 unsigned', () => {
    const r = new Reader(encodeParse('', 'SELECT $1', [0xfffffffe]));
    r.cstring();
    r.cstring();
    expect(r.int16()).toBe(1);
    expect(r.uint32()).toBe(0xfffffffe);
  });
});

describe('encodeBind', () => {
  it('binds the unnamed portal with text values, NULLs and empty strings, text results', () => {
    const b = encodeBind('stmt_1', ['42', null, '', 'grüße ✓']);
    expect(b.readInt32BE(1)).toBe(b.length - 1);
    const bind = readBind(b);
    expect(bind).toMatchObject({ portal: '', statement: 'stmt_1', formats: [], values: ['42', null, '', 'grüße ✓'], resultFormats: [] });
    expect(bind.end).toBe(b.length);
  });

  it('asks for one result format per column when given', () => {
    const sync = serialize.sync();
    const b = encodeBind('s', ['1'], [], [sync], [1, 0, 1]);
    const bind = readBind(b);
    expect(bind).toMatchObject({ statement: 's', values: ['1'], resultFormats: [1, 0, 1] });
    expect(b.readInt32BE(1)).toBe(bind.end - 1);
    expect(b.subarray(bind.end)).toEqual(sync);
  });

  it('writes long, mixed and non-ASCII values and statement names byte for byte, each in its own length', () => {
    const values = ['a'.repeat(100), `${'b'.repeat(70)}é`, 'abcé', 'é', '\u{1F600}', 'x'.repeat(64), 'lone \uD800'];
    const b = encodeBind('stmt_ü', values, [], [], [1]);
    const bind = readBind(b);
    expect(bind).toMatchObject({ statement: 'stmt_ü', values: values.map((v) => Buffer.from(v).toString()), resultFormats: [1], end: b.length });
    expect(b.readInt32BE(1)).toBe(b.length - 1);
  });

  it('binds no parameters', () => {
    const b = encodeBind('', []);
    expect(readBind(b)).toMatchObject({ statement: '', values: [], end: b.length });
  });

  it('handles more parameters than its reusable length scratch, and stays correct for a smaller bind afterwards', () => {
    const many = Array.from({ length: 1000 }, (_, i) => (i % 7 === 0 ? null : `v${i}`));
    const b = encodeBind('', many);
    expect(readBind(b).values).toEqual(many);
    const small = encodeBind('', ['a', null]);
    expect(readBind(small).values).toEqual(['a', null]);
  });

  it('carries the same parameters as pg-protocol (which repeats a text format code per value)', () => {
    const values = ['1', null, 'x y'];
    const ours = readBind(encodeBind('', values));
    const theirs = readBind(serialize.bind({ statement: '', values }));
    expect(ours.values).toEqual(theirs.values);
    expect(theirs.formats.every((f) => f === 0)).toBe(true);
  });
});

describe('encodeBind with messages before and after it', () => {
  it('writes them around the Bind in one buffer, each byte-identical', () => {
    const parse = encodeParse('', 'SELECT $1', [0]);
    const describePortal = serialize.describe({ type: 'P', name: '' });
    const sync = serialize.sync();
    const b = encodeBind('', ['x'], [parse], [describePortal, sync]);
    const bind = encodeBind('', ['x']);
    expect(b.equals(Buffer.concat([parse, bind, describePortal, sync]))).toBe(true);
  });
});

describe('encodeUnnamedParse', () => {
  it('re-uses the encoded Parse for the same text and types, and encodes again when the types differ', () => {
    const text = `SELECT $1 -- memo ${Math.random()}`;
    const first = encodeUnnamedParse(text, [23]);
    expect(encodeUnnamedParse(text, [23])).toBe(first);
    const other = encodeUnnamedParse(text, [25]);
    expect(other.equals(encodeParse('', text, [25]))).toBe(true);
    expect(encodeUnnamedParse(text, [25, 0]).equals(encodeParse('', text, [25, 0]))).toBe(true);
    expect(first.equals(encodeParse('', text, [23]))).toBe(true);
  });

  it('encodes long texts correctly without keeping them', () => {
    const text = `SELECT '${'x'.repeat(10_000)}', $1`;
    const a = encodeUnnamedParse(text, [0]);
    expect(a.equals(encodeParse('', text, [0]))).toBe(true);
    expect(encodeUnnamedParse(text, [0])).not.toBe(a);
  });
});

describe('the other frontend messages (protocol/frontend.ts is the one place frontend bytes are produced)', () => {
  /** A message read the way a server reads it: type byte, then a length that counts itself and the whole body. */
  function message(b: Buffer, type: string): Reader {
    const r = new Reader(b);
    expect(r.type).toBe(type);
    expect(r.declaredLength).toBe(b.length - 1);
    return r;
  }

  it('constant messages: Sync, Flush, Terminate, CopyDone have no body', () => {
    for (const [b, type] of [[SYNC, 'S'], [FLUSH, 'H'], [TERMINATE, 'X'], [COPY_DONE, 'c']] as const) expect(message(b, type).pos).toBe(b.length);
  });

  it('Describe and Close name a portal or a statement', () => {
    const portal = message(DESCRIBE_UNNAMED_PORTAL, 'D');
    expect([portal.bytes(1), portal.cstring()]).toEqual(['P', '']);
    const statement = message(encodeDescribeStatement('cw_3'), 'D');
    expect([statement.bytes(1), statement.cstring()]).toEqual(['S', 'cw_3']);
    const close = message(encodeCloseStatement('cw_3'), 'C');
    expect([close.bytes(1), close.cstring()]).toEqual(['S', 'cw_3']);
    const closePortal = message(CLOSE_UNNAMED_PORTAL, 'C');
    expect([closePortal.bytes(1), closePortal.cstring()]).toEqual(['P', '']);
  });

  it('Execute of the unnamed portal: all rows, or at most n', () => {
    const all = message(EXECUTE_UNNAMED, 'E');
    expect([all.cstring(), all.int32()]).toEqual(['', 0]);
    const some = message(encodeExecute(250), 'E');
    expect([some.cstring(), some.int32()]).toEqual(['', 250]);
  });

  it('Query, CopyFail and PasswordMessage carry one string', () => {
    expect(message(encodeQuery('SELECT 1; SELECT 2'), 'Q').cstring()).toBe('SELECT 1; SELECT 2');
    expect(message(encodeCopyFail('no COPY here'), 'f').cstring()).toBe('no COPY here');
    expect(message(encodePassword('md5abc'), 'p').cstring()).toBe('md5abc');
  });

  it('StartupMessage: protocol 3.0, then name/value pairs (client_encoding UTF8 always) and a final zero', () => {
    const b = encodeStartup({ user: 'crate', database: 'doc' });
    expect(b.readInt32BE(0)).toBe(b.length);
    expect(b.readInt32BE(4)).toBe(196_608);
    expect(b.toString('utf8', 8)).toBe('user\0crate\0database\0doc\0client_encoding\0UTF8\0\0');
  });

  it('SASLInitialResponse names the mechanism and carries the client-first message; SASLResponse the client-final one', () => {
    const initial = message(encodeSaslInitialResponse('SCRAM-SHA-256', 'n,,n=,r=abc'), 'p');
    expect(initial.cstring()).toBe('SCRAM-SHA-256');
    expect(initial.bytes(initial.int32())).toBe('n,,n=,r=abc');
    expect(message(encodeSaslResponse('c=biws,r=abc,p=xyz'), 'p').bytes(18)).toBe('c=biws,r=abc,p=xyz');
  });
});
