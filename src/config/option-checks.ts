/** Checks for values of the options object, which (unlike strings) may hold numbers, booleans, functions, objects. */
import { ConfigError } from '../errors.js';
import { checkInt, checkText, describe, RANGES, type IntField } from './checks.js';
import type { SslMaterial } from './layer.js';
import type { CustomType, PasswordSource } from '../types.js';

const MAX_OID = 4_294_967_295;

/** A checker for the integer option `field`, within its range. */
export function checkIntOption(field: IntField): (value: unknown, name: string) => number {
  return (value, name) => {
    if (typeof value !== 'number') throw new ConfigError(name, `must be a number, got ${describe(value)}`);
    return checkInt(value, name, RANGES[field]);
  };
}

/** A real boolean (no strings such as "false" in the options object). */
export function checkBooleanOption(value: unknown, name: string): boolean {
  if (typeof value !== 'boolean') throw new ConfigError(name, `must be true or false, got ${describe(value)}`);
  return value;
}

/** A string that is not empty. */
export function checkNonEmptyText(value: unknown, name: string): string {
  if (checkText(value, name) === '') throw new ConfigError(name, 'must not be empty');
  return value as string;
}

/** A function (its signature cannot be checked). */
export function checkFunction<T>(value: unknown, name: string): T {
  if (typeof value !== 'function') throw new ConfigError(name, `must be a function, got ${describe(value)}`);
  return value as T;
}

/** An object that is not an array or a Buffer. */
export function checkPlainObject(value: unknown, name: string): Record<string, unknown> {
  if (typeof value !== 'object' || value === null || Array.isArray(value) || Buffer.isBuffer(value)) {
    throw new ConfigError(name, `must be an object, got ${describe(value)}`);
  }
  return value as Record<string, unknown>;
}

function checkPem(value: unknown, name: string): string | Buffer {
  if (typeof value !== 'string' && !Buffer.isBuffer(value)) {
    throw new ConfigError(name, `must be a PEM string or Buffer, got ${describe(value)}`);
  }
  return value;
}

const SSL_MATERIAL_KEYS = ['ca', 'cert', 'key', 'servername'];

/** The `ssl` option: ca/cert/key PEM and servername only; a boolean is refused (TLS is chosen by sslmode). */
export function checkSslMaterial(value: unknown, name: string): SslMaterial {
  if (typeof value === 'boolean') {
    throw new ConfigError(name, `must be an object with ca/cert/key/servername, got ${value}; choose TLS with sslmode`);
  }
  const object = checkPlainObject(value, name);
  const out: { -readonly [K in keyof SslMaterial]: SslMaterial[K] } = {};
  for (const key of Object.keys(object)) {
    const item = object[key];
    const itemName = `${name}.${key}`;
    if (!SSL_MATERIAL_KEYS.includes(key)) {
      throw new ConfigError(
        itemName,
        `unknown TLS option; only ${SSL_MATERIAL_KEYS.join(', ')} are accepted, and verification is chosen with ` +
          'sslmode (require = no verification, verify-ca, verify-full)',
      );
    }
    if (item === undefined) continue;
    if (key === 'servername') out.servername = checkNonEmptyText(item, itemName);
    else out[key as 'ca' | 'cert' | 'key'] = checkPem(item, itemName);
  }
  return out;
}

/** The `types` option: a frozen copy keyed by type OID, each with decode and/or encode. */
export function checkTypes(value: unknown, name: string): Readonly<Record<number, CustomType>> {
  const object = checkPlainObject(value, name);
  const out: Record<number, CustomType> = {};
  for (const key of Object.keys(object)) {
    const itemName = `${name}.${key}`;
    if (!/^[0-9]+$/.test(key) || Number(key) < 1 || Number(key) > MAX_OID) {
      throw new ConfigError(itemName, `${describe(key)} is not a type OID (an integer from 1 to ${MAX_OID})`);
    }
    const codec = checkPlainObject(object[key], itemName);
    const copy: CustomType = {};
    for (const part of Object.keys(codec)) {
      if (part !== 'decode' && part !== 'encode') {
        throw new ConfigError(`${itemName}.${part}`, 'unknown codec member; only decode and encode are accepted');
      }
      if (codec[part] !== undefined) copy[part] = checkFunction(codec[part], `${itemName}.${part}`);
    }
    if (copy.decode === undefined && copy.encode === undefined) {
      throw new ConfigError(itemName, 'a custom type needs a decode or an encode function');
    }
    out[Number(key)] = Object.freeze(copy);
  }
  return Object.freeze(out);
}

/** A password string or a function returning one. */
export function checkPassword(value: unknown, name: string): PasswordSource {
  if (typeof value === 'function') return value as PasswordSource;
  if (typeof value !== 'string') {
    throw new ConfigError(name, `must be a string or a function returning one, got ${typeof value}`);
  }
  return checkText(value, name, true);
}
