/**
 * MessageReader's framing: messages read straight from each chunk, and those split across chunks assembled in a
 * buffer of its own. Whatever the chunking, the same messages come out, and a bad header is refused as soon as its
 * five bytes are in.
 */
import { describe, expect, it } from 'vitest';
import { ProtocolError } from '../../src/errors.js';
import { DataRow, MessageReader, type BackendMessage, type RowDescriptionMessage } from '../../src/protocol/wire.js';
import { FUZZ_BASE_INPUT } from '../support/session-fuzzer.js';

/** What a message says, copied out while it is valid (a DataRow's bytes only live during the callback). */
function describeMessage(msg: BackendMessage): string {
  if (msg instanceof DataRow) return `dataRow ${msg.bytes.subarray(msg.start, msg.end).toString('hex')}`;
  return JSON.stringify(msg);
}

function read(chunks: readonly Buffer[], maxMessageBytes = 65_536): string[] {
  const reader = new MessageReader(maxMessageBytes);
  const out: string[] = [];
  for (const chunk of chunks) reader.parse(chunk, (msg) => out.push(describeMessage(msg)));
  return out;
}

function chunked(bytes: Buffer, size: number): Buffer[] {
  const chunks: Buffer[] = [];
  for (let at = 0; at < bytes.length; at += size) chunks.push(bytes.subarray(at, at + size));
  return chunks;
}

function dataRow(values: (string | null)[]): Buffer {
  const parts = values.map((v) => {
    if (v === null) return Buffer.from([0xff, 0xff, 0xff, 0xff]);
    const b = Buffer.from(v);
    const len = Buffer.alloc(4);
    len.writeInt32BE(b.length);
    return Buffer.concat([len, b]);
  });
  const body = Buffer.concat([Buffer.from([0, values.length]), ...parts]);
  const header = Buffer.alloc(5);
  header[0] = 0x44;
  header.writeInt32BE(body.length + 4, 1);
  return Buffer.concat([header, body]);
}

/** A RowDescription of text columns `names` (type OID 25, no table), as the server sends it. */
function rowDescription(names: readonly string[]): Buffer {
  const fields = names.map((name) => {
    const attributes = Buffer.alloc(18);
    attributes.writeInt32BE(25, 6);
    attributes.writeInt16BE(-1, 10);
    attributes.writeInt32BE(-1, 12);
    return Buffer.concat([Buffer.from(`${name}\0`), attributes]);
  });
  const body = Buffer.concat([Buffer.from([0, names.length]), ...fields]);
  const header = Buffer.alloc(5);
  header[0] = 0x54;
  header.writeInt32BE(body.length + 4, 1);
  return Buffer.concat([header, body]);
}

describe('MessageReader', () => {
  const whole = read([FUZZ_BASE_INPUT]);

  it('reads the recorded input into its messages, DataRows as views of their bytes', () => {
    expect(whole.length).toBeGreaterThan(20);
    expect(whole.some((m) => m.startsWith('dataRow '))).toBe(true);
    expect(whole.some((m) => m.includes('"readyForQuery"'))).toBe(true);
  });

  it('gives the same messages for every chunk size from 1 to 97 bytes', () => {
    for (let size = 1; size <= 97; size++) expect(read(chunked(FUZZ_BASE_INPUT, size))).toEqual(whole);
  });

  it('assembles a message larger than many chunks, and a header split across three chunks', () => {
    const big = dataRow(['é'.repeat(30_000), null, '', 'x']);
    const bytes = Buffer.concat([dataRow(['a']), big, dataRow(['b', null])]);
    const expected = read([bytes]);
    expect(expected).toHaveLength(3);
    expect(read(chunked(bytes, 4_096))).toEqual(expected);
    const at = dataRow(['a']).length;
    expect(read([bytes.subarray(0, at + 1), bytes.subarray(at + 1, at + 3), bytes.subarray(at + 3)])).toEqual(expected);
  });

  it('refuses a length above maxMessageBytes as soon as the header is in, before any of the body', () => {
    const header = Buffer.from([0x44, 0x00, 0x10, 0x00, 0x00]);
    for (const chunks of [[header], [header.subarray(0, 2), header.subarray(2)]]) {
      const reader = new MessageReader(1_000);
      expect(() => {
        for (const chunk of chunks) reader.parse(chunk, () => undefined);
      }).toThrow(/declares 1048576 bytes, more than maxMessageBytes=1000/);
    }
  });

  it('refuses an unknown type, a length below 4, and a DataRow whose columns overrun it', () => {
    expect(() => read([Buffer.from([0x01, 0, 0, 0, 4])])).toThrow(/Unknown backend message type 0x01/);
    expect(() => read([Buffer.from([0x44, 0, 0, 0, 3])])).toThrow(/invalid length 3/);
    const bad = dataRow(['abc']);
    bad.writeInt32BE(4, 7); // the column claims 4 bytes, the message holds 3
    expect(() => read([bad])).toThrow(ProtocolError);
    expect(() => read(chunked(bad, 3))).toThrow(/does not fit its declared length/);
    const negative = dataRow(['abc']);
    negative.writeInt32BE(-2, 7);
    expect(() => read([negative])).toThrow(/does not fit its declared length/);
  });

  it('hands on the same RowDescription again for the same bytes, and decodes changed ones afresh', () => {
    const reader = new MessageReader(65_536);
    const seen: BackendMessage[] = [];
    const onMessage = (msg: BackendMessage): void => void seen.push(msg);
    const ab = rowDescription(['a', 'b']);
    reader.parse(Buffer.concat([ab, dataRow(['1', '2'])]), onMessage);
    // The same description again, split across chunks, as an unnamed statement's next run gets it.
    reader.parse(ab.subarray(0, 9), onMessage);
    reader.parse(ab.subarray(9), onMessage);
    reader.parse(rowDescription(['a', 'c']), onMessage);
    reader.parse(rowDescription(['a']), onMessage);
    const descriptions = seen.filter((m) => m.name === 'rowDescription') as RowDescriptionMessage[];
    expect(descriptions.map((d) => d.fields.map((f) => f.name))).toEqual([['a', 'b'], ['a', 'b'], ['a', 'c'], ['a']]);
    expect(descriptions[1]).toBe(descriptions[0]);
    expect(descriptions[2]).not.toBe(descriptions[0]);
    expect(descriptions[2]?.fields[1]?.dataTypeID).toBe(25);
  });
});
