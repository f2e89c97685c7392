/**
 * libpq keyword/value strings: key = value pairs separated by whitespace; values may be 'single quoted', and a
 * backslash escapes the next character (quoted or not).
 */
import { ConfigError } from '../errors.js';
import { describe } from './checks.js';
import type { Layer } from './layer.js';
import { applyStringKey } from './string-keys.js';

const isSpace = (c: string | undefined): boolean => c !== undefined && /\s/.test(c);

/** Parses `host=a port=5432 password='x y'` into a layer; throws ConfigError without quoting passwords. */
export function parseKeywordValue(input: string): Layer {
  const layer: Layer = {};
  let i = 0;
  let afterBarePassword = false;
  const skipSpace = (): void => {
    while (isSpace(input[i])) i++;
  };
  const readPair = (): void => {
    const start = i;
    while (i < input.length && !isSpace(input[i]) && input[i] !== '=') i++;
    const name = input.slice(start, i);
    skipSpace();
    if (input[i] !== '=' || name === '') {
      throw new ConfigError('connectionString', `expected key=value but found ${describe(name)}`);
    }
    i++;
    skipSpace();
    const quoted = input[i] === "'";
    let value = '';
    if (quoted) {
      i++;
      for (;;) {
        if (i >= input.length) throw new ConfigError(name, 'the quoted value has no closing single quote');
        const c = input[i++] as string;
        if (c === "'") break;
        value += c === '\\' && i < input.length ? input[i++] : c;
      }
    } else {
      while (i < input.length && !isSpace(input[i])) {
        const c = input[i++] as string;
        if (c !== '\\') value += c;
        else if (i < input.length) value += input[i++];
      }
    }
    applyStringKey(layer, name, value);
    afterBarePassword = name === 'password' && !quoted;
  };
  for (skipSpace(); i < input.length; skipSpace()) {
    try {
      readPair();
    } catch (err) {
      // The words after an unquoted password are most likely the rest of it (a password with spaces): hide them.
      if (!afterBarePassword || !(err instanceof ConfigError)) throw err;
      throw new ConfigError(
        'connectionString',
        'cannot parse the text after password=… (not shown: it may be part of the password); ' +
          "quote values containing spaces with single quotes, like password='a b'",
      );
    }
  }
  return layer;
}
