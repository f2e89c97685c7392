/**
 * OID → decoder for results, JS value → (text, OID) for parameters, for one server kind and one set of options.
 * Resolve decoders once per RowDescription (docs/design.md "One query end to end"); the registry caches them per OID.
 */
import { ArrayElementError, parseArray } from './array.js';
import {
  POSTGRES_DECODING,
  builtinDecoders,
  decodeText,
  type DecodeDialect,
  type Decoder,
} from './builtin.js';
import { CRATE_DECODING, CRATE_ENCODING } from './crate.js';
import {
  EncodeFailure,
  POSTGRES_ENCODING,
  arrayEncoder,
  describeValue,
  encodePrimitive,
  encodeUntyped,
  typedEncoder,
  type EncodeDialect,
  type EncodedParam,
  type ValueEncoder,
} from './encode.js';
import { binaryArrayDecoder, binaryDecoders } from './binary.js';
import { ARRAY_ELEMENT_OID, nameOfType } from './oids.js';
import { rawDecoderFor, type RawDecoder } from './raw.js';
import { ParameterError } from '../errors.js';
import type { CustomType, Int8Mode, NumericMode } from '../types.js';

export type { Decoder } from './builtin.js';
export type { EncodedParam } from './encode.js';
export type { RawDecoder } from './raw.js';
export { needsDescribe } from './encode.js';

/** What the registry's codecs depend on. */
export interface RegistryOptions {
  /** How int8 values are returned; `number` throws DecodeError for values beyond ±(2^53-1). */
  int8: Int8Mode;
  /** How numeric values are returned. */
  numeric: NumericMode;
  /** The server is CrateDB: apply `crate.ts` (geo_point as `[lon, lat]`, lenient arrays, no bytea, ...). */
  isCrate: boolean;
  /** Custom codecs by type OID; they win over the built-in ones. */
  types?: Readonly<Record<number, CustomType>>;
}

function errorMessage(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

/** The codecs of one connection (or one pool): built-ins, CrateDB overrides when `isCrate`, then custom types. */
export class TypeRegistry {
  readonly #scalarDecoders: Map<number, Decoder>;
  readonly #decoding: DecodeDialect;
  readonly #encoding: EncodeDialect;
  readonly #types: Readonly<Record<number, CustomType>>;
  readonly #decoders = new Map<number, Decoder>();
  readonly #rawDecoders = new Map<number, RawDecoder>();
  readonly #scalarBinary: Map<number, RawDecoder>;
  readonly #binaryDecoders = new Map<number, RawDecoder | null>();
  readonly #encoders = new Map<number, ValueEncoder>();
  /** The server is CrateDB (its SQL also takes `?` placeholders). */
  readonly isCrate: boolean;

  constructor(options: RegistryOptions) {
    this.isCrate = options.isCrate;
    this.#decoding = options.isCrate ? CRATE_DECODING : POSTGRES_DECODING;
    this.#encoding = options.isCrate ? CRATE_ENCODING : POSTGRES_ENCODING;
    this.#types = options.types ?? {};
    this.#scalarDecoders = builtinDecoders(options);
    for (const [oid, decoder] of this.#decoding.decoders) this.#scalarDecoders.set(oid, decoder);
    this.#scalarBinary = binaryDecoders(options);
  }

  /**
   * The decoder for a result column; never undefined (unknown OIDs → the text itself).
   * Resolve once per RowDescription.
   */
  decoder(typeOid: number): Decoder {
    let decoder = this.#decoders.get(typeOid);
    if (decoder === undefined) {
      decoder = this.#buildDecoder(typeOid);
      this.#decoders.set(typeOid, decoder);
    }
    return decoder;
  }

  /** The decoder for a result column that reads the field's bytes in place (see raw.ts); same values as decoder(). */
  rawDecoder(typeOid: number): RawDecoder {
    let raw = this.#rawDecoders.get(typeOid);
    if (raw === undefined) {
      raw = rawDecoderFor(this.decoder(typeOid));
      this.#rawDecoders.set(typeOid, raw);
    }
    return raw;
  }

  /**
   * The binary-format decoder for a result column (binary.ts), or undefined when the column must be read as text:
   * a type without one on this server, or a custom type (custom decoders read text), or an array of those.
   */
  binaryDecoder(typeOid: number): RawDecoder | undefined {
    let decoder = this.#binaryDecoders.get(typeOid);
    if (decoder === undefined) {
      decoder = this.#buildBinaryDecoder(typeOid) ?? null;
      this.#binaryDecoders.set(typeOid, decoder);
    }
    return decoder ?? undefined;
  }

  #buildBinaryDecoder(typeOid: number): RawDecoder | undefined {
    if (this.#custom(typeOid)?.decode !== undefined) return undefined;
    const elementOid = ARRAY_ELEMENT_OID.get(typeOid);
    if (elementOid === undefined) return this.#scalarBinary.get(typeOid);
    const element = this.binaryDecoder(elementOid);
    return element === undefined ? undefined : binaryArrayDecoder(element);
  }

  #custom(typeOid: number): CustomType | undefined {
    return Object.hasOwn(this.#types, typeOid) ? this.#types[typeOid] : undefined;
  }

  #buildDecoder(typeOid: number): Decoder {
    const custom = this.#custom(typeOid);
    if (custom?.decode !== undefined) return custom.decode.bind(custom);
    const elementOid = ARRAY_ELEMENT_OID.get(typeOid);
    if (elementOid !== undefined) {
      const element = this.decoder(elementOid);
      const quoting = this.#decoding.arrayQuoting(typeOid);
      return (text) => parseArray(text, element, quoting);
    }
    return this.#scalarDecoders.get(typeOid) ?? decodeText;
  }

  /**
   * Encode one parameter. `typeOid` is the type from ParameterDescription, or 0 when the statement was not described
   * (then the value is encoded by its JS type and the returned OID is the one to declare in Parse). `index` is
   * zero-based, for error messages. Throws ParameterError naming the position and what to do, before anything is sent.
   */
  encode(value: unknown, typeOid: number, index: number): EncodedParam {
    if (value === null || value === undefined) return { text: null, oid: typeOid };
    if (typeOid === 0) {
      try {
        return encodeUntyped(value, this.#encoding);
      } catch (error) {
        throw parameterError(error, typeOid, index);
      }
    }
    return { text: this.encodeText(value, typeOid, index), oid: typeOid };
  }

  /**
   * {@link encode} for a parameter of a known type (`typeOid` ≠ 0): the text alone, null for SQL NULL. The per-row
   * path of executeMany(), which needs no OID back.
   */
  encodeText(value: unknown, typeOid: number, index: number): string | null {
    if (value === null || value === undefined) return null;
    try {
      // A primitive has one text form whatever the described type (encode.ts): the server judges it on every run.
      switch (typeof value) {
        case 'string':
        case 'number':
        case 'bigint':
        case 'boolean':
          return encodePrimitive(value);
        case 'object':
          return this.#encoder(typeOid)(value);
        default:
          return encodeUntyped(value, this.#encoding).text;
      }
    } catch (error) {
      throw parameterError(error, typeOid, index);
    }
  }

  /** The encoder of values of `typeOid`: objects by the type, primitives (also inside arrays) by their one text form. */
  #encoder(typeOid: number): ValueEncoder {
    let encoder = this.#encoders.get(typeOid);
    if (encoder === undefined) {
      const typed = this.#buildEncoder(typeOid);
      const dialect = this.#encoding;
      encoder = (value) => (typeof value === 'object' ? typed(value) : encodeUntyped(value, dialect).text);
      this.#encoders.set(typeOid, encoder);
    }
    return encoder;
  }

  #buildEncoder(typeOid: number): ValueEncoder {
    const custom = this.#custom(typeOid);
    if (custom?.encode !== undefined) {
      const encode = custom.encode.bind(custom);
      const type = nameOfType(typeOid);
      return (value) => {
        const text = encode(value);
        if (typeof text !== 'string') {
          throw new EncodeFailure(`the custom encoder for ${type} returned ${describeValue(text)} instead of a string`);
        }
        return text;
      };
    }
    const elementOid = ARRAY_ELEMENT_OID.get(typeOid);
    if (elementOid !== undefined) return arrayEncoder(typeOid, this.#encoder(elementOid), elementOid);
    return typedEncoder(typeOid, this.#encoding);
  }
}

/** Any failure to encode parameter `index` as a ParameterError naming it and what to do. */
function parameterError(error: unknown, typeOid: number, index: number): ParameterError {
  if (error instanceof EncodeFailure) return new ParameterError(index, error.message, { cause: error.cause });
  if (error instanceof ArrayElementError) return new ParameterError(index, error.message, { cause: error.reason.cause ?? error.reason });
  return new ParameterError(index, `could not be encoded as ${nameOfType(typeOid)}: ${errorMessage(error)}`, { cause: error });
}
