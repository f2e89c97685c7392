/**
 * CrateDB's types as the fake models them, and their PostgreSQL face (docs/cratedb-wire.md "Types", "Parameter OIDs").
 *
 * Values are plain JS values, by type: boolean → boolean; byte/smallint/integer/real/double → number; bigint → bigint;
 * numeric → {@link Numeric}; text/character/ip/uuid/bit/json → string (json keeps its stored text); timestamp,
 * timestamptz and date → epoch milliseconds (CrateDB stores milliseconds, "Parameter text parsing"); timetz → {@link TimeTz};
 * interval → {@link Period}; object/geo_shape → parsed JSON; geo_point → [lon, lat]; float_vector/oidvector → number[];
 * regproc/regtype → {@link NamedOid}; regclass → number; record → {@link RecordValue}; arrays → JS arrays; NULL → null.
 */

/** CrateDB's scalar types ("Types" rows). */
export type ScalarName =
  | 'boolean' | 'byte' | 'smallint' | 'integer' | 'bigint' | 'real' | 'double' | 'numeric'
  | 'text' | 'character' | 'ip' | 'timestamptz' | 'timestamp' | 'date' | 'timetz' | 'interval'
  | 'object' | 'json' | 'geo_shape' | 'geo_point' | 'float_vector' | 'uuid' | 'bit'
  | 'regproc' | 'regclass' | 'regtype' | 'oidvector' | 'record' | 'undefined';

/** A CrateDB type; `length` is n of bit(n) / float_vector(n) / character(n). */
export type CrateType =
  | { readonly kind: 'scalar'; readonly name: ScalarName; readonly length?: number }
  | { readonly kind: 'array'; readonly element: CrateType };

/** BigDecimal: unscaled × 10^-scale (negative scale = trailing zeros, printed as `1E+3`). */
export interface Numeric { readonly unscaled: bigint; readonly scale: number }
/** time with time zone: microseconds of the day and seconds east of UTC. */
export interface TimeTz { readonly micros: number; readonly offsetSeconds: number }
/** A Joda period as CrateDB keeps intervals (docs/cratedb-wire.md "Types"). */
export interface Period {
  readonly years: number; readonly months: number; readonly weeks: number; readonly days: number;
  readonly hours: number; readonly minutes: number; readonly seconds: number; readonly millis: number;
}
/** regproc / regtype: printed by name, sent in binary by oid. */
export interface NamedOid { readonly oid: number; readonly name: string }
/** A record value with its field types. */
export interface RecordValue { readonly fields: ReadonlyArray<{ readonly type: CrateType; readonly value: unknown }> }

/** A scalar type, with n for bit(n)/float_vector(n)/character(n). */
export const scalar = (name: ScalarName, length?: number): CrateType =>
  length === undefined ? { kind: 'scalar', name } : { kind: 'scalar', name, length };
/** array(T). */
export const arrayOf = (element: CrateType): CrateType => ({ kind: 'array', element });
/** The `undefined` type: an uninferred parameter or NULL (705, "Parameter type inference"). */
export const UNKNOWN = scalar('undefined');

function isScalar(t: CrateType, ...names: ScalarName[]): boolean {
  return t.kind === 'scalar' && names.includes(t.name);
}

/** The PG type a column of this CrateDB type is described as. */
export interface PgType { readonly oid: number; readonly typlen: number; readonly typmod: number }

interface ScalarPg { oid: number; arrayOid: number; typlen: number }

const SCALARS: Record<ScalarName, ScalarPg> = {
  boolean: { oid: 16, arrayOid: 1000, typlen: 1 },
  byte: { oid: 21, arrayOid: 1005, typlen: 2 },
  smallint: { oid: 21, arrayOid: 1005, typlen: 2 },
  integer: { oid: 23, arrayOid: 1007, typlen: 4 },
  bigint: { oid: 20, arrayOid: 1016, typlen: 8 },
  real: { oid: 700, arrayOid: 1021, typlen: 4 },
  double: { oid: 701, arrayOid: 1022, typlen: 8 },
  numeric: { oid: 1700, arrayOid: 1231, typlen: -1 },
  text: { oid: 1043, arrayOid: 1015, typlen: -1 },
  character: { oid: 1042, arrayOid: 1014, typlen: -1 },
  ip: { oid: 1043, arrayOid: 1015, typlen: -1 },
  timestamptz: { oid: 1184, arrayOid: 1185, typlen: 8 },
  timestamp: { oid: 1114, arrayOid: 1115, typlen: 8 },
  date: { oid: 1082, arrayOid: 1182, typlen: 4 },
  timetz: { oid: 1266, arrayOid: 1270, typlen: 12 },
  interval: { oid: 1186, arrayOid: 1187, typlen: 16 },
  object: { oid: 114, arrayOid: 199, typlen: -1 },
  json: { oid: 114, arrayOid: 199, typlen: -1 },
  geo_shape: { oid: 114, arrayOid: 199, typlen: -1 },
  geo_point: { oid: 600, arrayOid: 1017, typlen: 16 },
  float_vector: { oid: 1021, arrayOid: 114, typlen: -1 },
  uuid: { oid: 2950, arrayOid: 2951, typlen: 16 },
  bit: { oid: 1560, arrayOid: 1561, typlen: -1 },
  regproc: { oid: 24, arrayOid: 1008, typlen: 4 },
  regclass: { oid: 2205, arrayOid: 2210, typlen: 4 },
  regtype: { oid: 2206, arrayOid: 2211, typlen: 4 },
  oidvector: { oid: 30, arrayOid: 1013, typlen: -1 },
  record: { oid: 2249, arrayOid: 2287, typlen: -1 },
  undefined: { oid: 705, arrayOid: 199, typlen: -2 },
};

/** Compares dotted versions: negative when a < b. */
export function compareVersions(a: string, b: string): number {
  const pa = a.split(/[.-]/).map((p) => Number.parseInt(p, 10) || 0);
  const pb = b.split(/[.-]/).map((p) => Number.parseInt(p, 10) || 0);
  for (let i = 0; i < 3; i++) {
    const d = (pa[i] ?? 0) - (pb[i] ?? 0);
    if (d !== 0) return d;
  }
  return 0;
}

function scalarPg(name: ScalarName, version: string): ScalarPg {
  // "Types": before 6.5.0 byte was `"char"` (OID 18, array 1002, one byte).
  if (name === 'byte' && compareVersions(version, '6.5.0') < 0) return { oid: 18, arrayOid: 1002, typlen: 1 };
  return SCALARS[name];
}

/** "Types": how a column of type `t` is described; nested arrays are json (114), typmod is −1 except bit(n). */
export function pgTypeOf(t: CrateType, version: string): PgType {
  if (t.kind === 'array') {
    if (t.element.kind === 'array') return { oid: 114, typlen: -1, typmod: -1 };
    return { oid: scalarPg(t.element.name, version).arrayOid, typlen: -1, typmod: -1 };
  }
  const pg = scalarPg(t.name, version);
  return { oid: pg.oid, typlen: pg.typlen, typmod: t.name === 'bit' ? (t.length ?? -1) : -1 };
}

/** True when arrays of this element type are `_json` (199), whose text elements are escaped ("Arrays"). */
export function isJsonElement(t: CrateType): boolean {
  return isScalar(t, 'object', 'json', 'geo_shape', 'undefined');
}

const BY_OID: Record<number, CrateType> = {
  16: scalar('boolean'), 19: scalar('text'), 20: scalar('bigint'), 21: scalar('smallint'), 23: scalar('integer'),
  24: scalar('regproc'), 25: scalar('text'), 26: scalar('integer'), 30: scalar('oidvector'), 114: scalar('object'),
  199: arrayOf(scalar('object')), 600: scalar('geo_point'), 700: scalar('real'), 701: scalar('double'),
  1000: arrayOf(scalar('boolean')), 1005: arrayOf(scalar('smallint')), 1007: arrayOf(scalar('integer')),
  1008: arrayOf(scalar('regproc')), 1009: arrayOf(scalar('text')), 1014: arrayOf(scalar('character')),
  1015: arrayOf(scalar('text')), 1016: arrayOf(scalar('bigint')), 1017: arrayOf(scalar('geo_point')),
  1021: arrayOf(scalar('real')), 1022: arrayOf(scalar('double')), 1042: scalar('character'), 1043: scalar('text'),
  1082: scalar('date'), 1114: scalar('timestamp'), 1115: arrayOf(scalar('timestamp')),
  1182: arrayOf(scalar('date')), 1184: scalar('timestamptz'), 1185: arrayOf(scalar('timestamptz')),
  1186: scalar('interval'), 1187: arrayOf(scalar('interval')), 1231: arrayOf(scalar('numeric')),
  1266: scalar('timetz'), 1270: arrayOf(scalar('timetz')), 1560: scalar('bit'), 1561: arrayOf(scalar('bit')),
  1700: scalar('numeric'), 2205: scalar('regclass'), 2206: scalar('regtype'), 2210: arrayOf(scalar('regclass')),
  2211: arrayOf(scalar('regtype')), 2249: scalar('record'), 2287: arrayOf(scalar('record')),
  2950: scalar('uuid'), 2951: arrayOf(scalar('uuid')),
};

/**
 * "Parameter OIDs" `PGTypes.fromOID`: the CrateDB type for a Parse param OID. `null` = unknown (0, 705, 2276, 2277: inferred from
 * context, "Parameter type inference"); `undefined` = refused (17 bytea, 3802 jsonb, 1083 time, 869 inet, … → `Can't map PGType`).
 */
export function typeForParamOid(oid: number, version: string): CrateType | null | undefined {
  if (oid === 0 || oid === 705 || oid === 2276 || oid === 2277) return null;
  // "Parameter OIDs": 18 "char" is character(1) since 6.5, byte before; 1002 is its array.
  if (oid === 18) return compareVersions(version, '6.5.0') < 0 ? scalar('byte') : scalar('character', 1);
  if (oid === 1002) return arrayOf(compareVersions(version, '6.5.0') < 0 ? scalar('byte') : scalar('character', 1));
  return BY_OID[oid];
}

/** SQL type names accepted in the fake's DDL and casts (a subset of CrateDB's). */
export function parseTypeName(raw: string): CrateType | undefined {
  const s = raw.trim().toLowerCase().replace(/\s+/g, ' ');
  if (s.endsWith('[]')) {
    const inner = parseTypeName(s.slice(0, -2));
    return inner && arrayOf(inner);
  }
  const arr = /^array\s*\((.*)\)$/.exec(s);
  if (arr) {
    const inner = parseTypeName(arr[1] as string);
    return inner && arrayOf(inner);
  }
  const sized = /^(bit|float_vector|character|char)\s*\(\s*(\d+)\s*\)$/.exec(s);
  if (sized) {
    const name = sized[1] === 'char' ? 'character' : (sized[1] as ScalarName);
    return scalar(name, Number(sized[2]));
  }
  if (/^object(\s*\((dynamic|strict|ignored)\))?(\s+as\s*\(.*\))?$/.test(s)) return scalar('object');
  if (/^(varchar|character varying)(\s*\(\s*\d+\s*\))?$/.test(s)) return scalar('text');
  if (/^(numeric|decimal)(\s*\(.*\))?$/.test(s)) return scalar('numeric');
  const names: Record<string, ScalarName> = {
    boolean: 'boolean', bool: 'boolean', byte: 'byte', smallint: 'smallint', short: 'smallint',
    int2: 'smallint', integer: 'integer', int: 'integer', int4: 'integer', bigint: 'bigint', long: 'bigint',
    int8: 'bigint', real: 'real', float: 'real', float4: 'real', double: 'double', 'double precision': 'double',
    float8: 'double', text: 'text', string: 'text', character: 'character', char: 'character', ip: 'ip',
    'timestamp with time zone': 'timestamptz', timestamptz: 'timestamptz', 'timestamp without time zone': 'timestamp',
    timestamp: 'timestamp', date: 'date', 'time with time zone': 'timetz', timetz: 'timetz', interval: 'interval',
    json: 'json', geo_shape: 'geo_shape', geo_point: 'geo_point', uuid: 'uuid', regproc: 'regproc',
    regclass: 'regclass', regtype: 'regtype', oidvector: 'oidvector', record: 'record',
  };
  const name = names[s];
  return name && scalar(name);
}

/** The name CrateDB prints for a type in messages (`integer`, `text`, `integer_array`). */
export function typeDisplayName(t: CrateType): string {
  if (t.kind === 'array') return `${typeDisplayName(t.element)}_array`;
  const names: Partial<Record<ScalarName, string>> = {
    timestamptz: 'timestamp with time zone', timestamp: 'timestamp without time zone', double: 'double precision',
    timetz: 'time with time zone',
  };
  return names[t.name] ?? t.name;
}

/** Stable positive int32 for a name; stands in for CrateDB's OidHash (not the same numbers). */
export function oidHash(text: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) {
    h ^= text.charCodeAt(i);
    h = Math.imul(h, 0x01000193);
  }
  return (h >>> 1) || 1;
}
