/**
 * CrateDB's differences from PostgreSQL in value text (docs/cratedb-wire.md "Types and values"), applied by the registry when the server is
 * CrateDB. Everything CrateDB-specific about values is here.
 *
 * Handled by the shared codecs, with no override needed:
 * - object, geo_shape, json and nested arrays (`array(array(T))`) arrive as json 114 → `JSON.parse`, which gives an
 *   array for nested arrays (docs/cratedb-wire.md "Types");
 * - timestamps are always UTC `+00` with 3 fraction digits, `timestamp` carried a `+00` before 6.3.3, BC dates get
 *   ` BC` → `parseTimestamp` reads all of these;
 * - float_vector arrives as float4[] 1021 `{"1.0","2.5"}` → number[];
 * - numeric may be scientific (`1E+3`): kept as sent in `numeric: 'string'` mode, read by `Number` otherwise;
 * - timetz omits a zero offset, interval uses Joda's format: both stay text;
 * - array(object) is json[] 199, whose elements CrateDB does escape → parsed with escapes, then `JSON.parse`.
 */
import type { ArrayQuoting } from './array.js';
import { decodeNumber, parsePointText, type DecodeDialect, type Decoder } from './builtin.js';
import { EncodeFailure, describeValue, type EncodeDialect } from './encode.js';
import { OID } from './oids.js';

/** geo_point `(lon,lat)` → `[lon, lat]`, the shape CrateDB's HTTP endpoint and its SQL literals use (docs/cratedb-wire.md "Types"). */
export function decodeGeoPoint(text: string): [number, number] {
  return parsePointText(text);
}

/**
 * `"char"` (18) was CrateDB's `byte` type before 6.5.0 and prints as a decimal (docs/cratedb-wire.md "Types"): integer text becomes
 * a number, anything else stays text.
 */
export function decodeLegacyByte(text: string): number | string {
  const len = text.length;
  let i = text.charCodeAt(0) === 45 ? 1 : 0;
  if (i === len) return text;
  for (; i < len; i++) {
    const d = text.charCodeAt(i) - 48;
    if (!(d >= 0 && d <= 9)) return text;
  }
  return Number(text);
}

/** CrateDB escapes `"` and `\` only inside json[] elements; every other array's text is unescaped (docs/cratedb-wire.md "Arrays"). */
function crateArrayQuoting(arrayOid: number): ArrayQuoting {
  return arrayOid === OID.JSON_ARRAY ? 'escaped' : 'unescaped';
}

/** How CrateDB prints values, on top of PostgreSQL's. */
export const CRATE_DECODING: DecodeDialect = {
  decoders: new Map<number, Decoder>([
    [OID.POINT, decodeGeoPoint],
    // CrateDB prints regclass as the oid number; PostgreSQL prints the relation name (docs/cratedb-wire.md "Types").
    [OID.REGCLASS, decodeNumber],
    [OID.CHAR, decodeLegacyByte],
  ]),
  arrayQuoting: crateArrayQuoting,
};

function refuseBytes(): never {
  throw new EncodeFailure(
    "CrateDB has no binary (bytea) type and refuses OID 17; send the bytes as text, e.g. buffer.toString('base64')",
  );
}

/** CrateDB's object/json parser takes only a JSON object or array (docs/cratedb-wire.md "Parameter text parsing"). */
function checkObjectJson(text: string, value: unknown): void {
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c === 123 || c === 91) return;
    if (c !== 32 && c !== 9 && c !== 10 && c !== 13) break;
  }
  throw new EncodeFailure(
    `${describeValue(value)} cannot be sent as a CrateDB object/json value, which must be a JSON object or array; ` +
      'wrap it, e.g. { value: x }',
  );
}

/** What CrateDB accepts in parameters, on top of PostgreSQL's. */
export const CRATE_ENCODING: EncodeDialect = {
  encodeBytes: refuseBytes,
  checkJson: checkObjectJson,
};
