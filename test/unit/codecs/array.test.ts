import { describe, expect, it } from 'vitest';
import { ArrayElementError, parseArray, quoteElement, serializeArray } from '../../../src/codecs/array.js';
import { DecodeError } from '../../../src/errors.js';

const text = (s: string): string => s;

describe('parseArray (escaped, PostgreSQL)', () => {
  it.each<[string, unknown[]]>([
    ['{}', []],
    ['{a,b}', ['a', 'b']],
    ['{"a","b"}', ['a', 'b']],
    ['{NULL,null,"NULL"}', [null, null, 'NULL']],
    ['{""}', ['']],
    ['{"a\\"b","c\\\\d"}', ['a"b', 'c\\d']],
    ['{"a,b","{x}"," sp "}', ['a,b', '{x}', ' sp ']],
    ['{ a , b }', ['a', 'b']],
    ['{{a,b},{c,d}}', [['a', 'b'], ['c', 'd']]],
    ['{{{1}},{{2}}}', [[['1']], [['2']]]],
    ['{{},{}}', [[], []]],
    ['[0:1]={a,b}', ['a', 'b']],
    ['[1:1][1:2]={{a,b}}', [['a', 'b']]],
    ['{"ü€😀"}', ['ü€😀']],
    ['{a\\,b}', ['a,b']],
  ])('%s', (input, expected) => {
    expect(parseArray(input, text)).toEqual(expected);
  });

  it('decodes every non-NULL element and leaves NULL alone', () => {
    expect(parseArray('{1,NULL,"3"}', Number)).toEqual([1, null, 3]);
    expect(parseArray('{{1,2},{3,NULL}}', Number)).toEqual([[1, 2], [3, null]]);
  });

  it.each(['', '1,2', '{1,2', '{1,,2}', '{"a}', '{1}x', '{a"b}', '[0:1]{1}', '{,}', '{1 2'])(
    'throws DecodeError for %j',
    (input) => {
      expect(() => parseArray(input, text)).toThrow(DecodeError);
    },
  );
});

describe('parseArray (unescaped, CrateDB text arrays, docs/cratedb-wire.md "Arrays")', () => {
  const crate = (input: string): unknown[] => parseArray(input, text, 'unescaped');

  it.each<[string, unknown[], string]>([
    ['{}', [], 'empty'],
    ['{"a","b"}', ['a', 'b'], 'plain'],
    ['{"a",NULL}', ['a', null], 'NULL is bare'],
    ['{"NULL"}', ['NULL'], 'quoted NULL is text'],
    ['{""}', [''], 'empty string'],
    ['{"",""}', ['', ''], 'two empty strings'],
    ['{"a"b"}', ['a"b'], 'inner quote'],
    ['{"a\\b"}', ['a\\b'], 'backslash is literal'],
    ['{"\\"}', ['\\'], 'lone backslash'],
    ['{"a"",NULL}', ['a"', null], 'quote at the end, then NULL'],
    ['{"x"}"}', ['x"}'], '"} inside the last element'],
    ['{"a,b","c}d"}', ['a,b', 'c}d'], 'delimiters inside quotes'],
    ['{"say "hi"","x"}', ['say "hi"', 'x'], 'quoted word'],
    ['{"a",null,"b"}', ['a', null, 'b'], 'lowercase null'],
  ])('%s → %j (%s)', (input, expected) => {
    expect(crate(input)).toEqual(expected);
  });

  it('decodes quoted numbers (every CrateDB element is quoted)', () => {
    expect(parseArray('{"10","-20",NULL}', Number, 'unescaped')).toEqual([10, -20, null]);
    expect(parseArray('{"1.0","2.5","1.0E10"}', Number, 'unescaped')).toEqual([1, 2.5, 1e10]);
  });

  it('documented ambiguity: an element containing "," reads as two elements', () => {
    // ['a","b'] is sent as {"a","b"}, the same text as ['a', 'b'].
    expect(crate('{"a","b"}')).toEqual(['a', 'b']);
  });

  it('throws DecodeError when no quote can close the element', () => {
    expect(() => crate('{"abc}')).toThrow(DecodeError);
    expect(() => crate('{"a"b}')).toThrow(DecodeError);
  });
});

describe('serializeArray', () => {
  it('quotes every element and escapes only " and \\', () => {
    expect(serializeArray(['a', 'b"c', 'd\\e', 'f,g{}', ''], String)).toBe(
      '{"a","b\\"c","d\\\\e","f,g{}",""}',
    );
  });

  it('writes NULL for null and undefined', () => {
    expect(serializeArray([null, undefined, 'x'], String)).toBe('{NULL,NULL,"x"}');
  });

  it('nests arrays and typed arrays as dimensions', () => {
    expect(serializeArray([[1, 2], [3, null]], String)).toBe('{{"1","2"},{"3",NULL}}');
    expect(serializeArray([new Float32Array([1.5, 2])], String)).toBe('{{"1.5","2"}}');
    expect(serializeArray([], String)).toBe('{}');
  });

  it('hands inner arrays to the encoder when nest is false', () => {
    expect(serializeArray([[1, 2], { a: 1 }], (v) => JSON.stringify(v), false)).toBe('{"[1,2]","{\\"a\\":1}"}');
  });

  it('names the path of a rejected element', () => {
    const reject = (v: unknown): string => {
      if (v === 'bad') throw new Error('no');
      return String(v);
    };
    let caught: unknown;
    try {
      serializeArray([['ok'], ['ok', 'bad']], reject);
    } catch (error) {
      caught = error;
    }
    expect(caught).toBeInstanceOf(ArrayElementError);
    expect((caught as ArrayElementError).path).toBe('[1][1]');
    expect((caught as Error).message).toBe('element [1][1]: no');
  });

  it('round-trips through parseArray', () => {
    const values = ['plain', 'with "quotes"', 'back\\slash', 'NULL', '', ' spaced ', null];
    expect(parseArray(serializeArray(values, String), text)).toEqual(values);
  });

  it('quoteElement', () => {
    expect(quoteElement('x')).toBe('"x"');
    expect(quoteElement('"\\')).toBe('"\\"\\\\"');
  });
});
