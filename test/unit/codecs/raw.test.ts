/** The in-place byte decoders must give exactly what the text decoders give, values and errors alike. */
import { describe, expect, it } from 'vitest';
import { decodeBool, decodeNumber, decodeText, decodeTimestamp, int8Decoder, type Decoder } from '../../../src/codecs/builtin.js';
import { rawDecoderFor } from '../../../src/codecs/raw.js';

/** Decode `text` placed in the middle of a larger buffer, so a decoder that reads past `end` is caught. */
function viaBytes(decoder: Decoder, text: string): unknown {
  const field = Buffer.from(text, 'utf8');
  const bytes = Buffer.concat([Buffer.from('99:'), field, Buffer.from('777.5')]);
  return rawDecoderFor(decoder)(bytes, 3, 3 + field.length);
}

function outcome(fn: () => unknown): unknown {
  try {
    return { value: fn() };
  } catch (err) {
    return { error: (err as Error).message };
  }
}

const NUMBERS = [
  '0', '-0', '7', '-7', '42', '2147483647', '-2147483648', '123456789012345', '1234567890123456', '9007199254740993',
  '1.5', '-1.5', '0.1', '0.30000000000000004', '123.456', '1.0E10', '1.0E-4', '1e+300', 'NaN', 'Infinity', '-Infinity',
  '007', '1.', '.5', '1.2.3', '', '-', '12a', '3.14159265358979', '0.000001', '99999999999999.9', '1.7976931348623157e308',
];

describe('raw decoders match the text decoders', () => {
  it.each(NUMBERS)('number %j', (text) => {
    expect(outcome(() => viaBytes(decodeNumber, text))).toEqual(outcome(() => decodeNumber(text)));
  });

  it.each(NUMBERS)('int8 (number mode) %j', (text) => {
    const dec = int8Decoder('number');
    expect(outcome(() => viaBytes(dec, text))).toEqual(outcome(() => dec(text)));
  });

  it('random decimals round-trip exactly', () => {
    let seed = 12345;
    const next = (): number => (seed = (seed * 1103515245 + 12345) % 2 ** 31) / 2 ** 31;
    for (let i = 0; i < 20_000; i++) {
      const digits = 1 + Math.floor(next() * 15);
      const scale = Math.floor(next() * digits);
      const int = String(Math.floor(next() * 10 ** digits)).padStart(scale + 1, '0');
      const text = `${next() < 0.5 ? '-' : ''}${scale === 0 ? int : `${int.slice(0, -scale)}.${int.slice(-scale)}`}`;
      expect(Object.is(viaBytes(decodeNumber, text), Number(text)), text).toBe(true);
    }
  });

  it.each(['t', 'f', 'true', 'x', ''])('bool %j', (text) => {
    expect(viaBytes(decodeBool, text)).toEqual(decodeBool(text));
  });

  it.each(['héllo wörld', '', '😀', 'a"b'])('text %j', (text) => {
    expect(viaBytes(decodeText, text)).toBe(text);
  });

  it.each([
    '2024-02-29 23:59:58.123456+00', '2024-01-02 03:04:05.678+00', '2024-01-02 03:04:05', '2024-01-02T03:04:05Z',
    '0044-03-15 12:00:00+00 BC', 'infinity', '-infinity', '2024-13-01 00:00:00', '2024-01-02 03:04', 'garbage', '',
    '2024-01-02 03:04:05+05:30', '2024-01-02 03:04:05-08', '2024-01-02',
  ])('timestamp %j', (text) => {
    expect(outcome(() => viaBytes(decodeTimestamp, text))).toEqual(outcome(() => decodeTimestamp(text)));
  });

  it('custom decoders get the UTF-8 text', () => {
    expect(viaBytes((t) => `<${t}>`, 'zürich')).toBe('<zürich>');
  });
});
