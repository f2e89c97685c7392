/**
 * CrateDB's binary result encodings (docs/cratedb-wire.md "Types", "Arrays"), including the array quirks: flags always 1, the lower-bound
 * field holding the dimension size, and an empty array as one dimension of size 0.
 */
import { toJson } from './text-format.js';
import {
  pgTypeOf, type CrateType, type NamedOid, type Numeric, type Period, type RecordValue, type TimeTz,
} from './types.js';

/** Milliseconds between 1970-01-01 and PG's epoch 2000-01-01. */
export const PG_EPOCH_MS = 946_684_800_000;

function int16(n: number): Buffer {
  const b = Buffer.alloc(2);
  b.writeInt16BE(n);
  return b;
}

function int32(n: number): Buffer {
  const b = Buffer.alloc(4);
  b.writeInt32BE(n | 0);
  return b;
}

function int64(n: bigint): Buffer {
  const b = Buffer.alloc(8);
  b.writeBigInt64BE(n);
  return b;
}

function float64(n: number): Buffer {
  const b = Buffer.alloc(8);
  b.writeDoubleBE(n);
  return b;
}

function float32(n: number): Buffer {
  const b = Buffer.alloc(4);
  b.writeFloatBE(n);
  return b;
}

/** "Types": PG numeric layout, base-10000 digits; zero is sent with weight −1. */
function numericBinary(n: Numeric): Buffer {
  const neg = n.unscaled < 0n;
  let unscaled = neg ? -n.unscaled : n.unscaled;
  let scale = n.scale;
  if (scale < 0) {
    unscaled *= 10n ** BigInt(-scale);
    scale = 0;
  }
  if (unscaled === 0n) return Buffer.concat([int16(0), int16(-1), int16(0), int16(scale)]);
  const s = unscaled.toString().padStart(scale + 1, '0');
  let intPart = s.slice(0, s.length - scale);
  let fracPart = s.slice(s.length - scale);
  intPart = intPart.padStart(Math.ceil(intPart.length / 4) * 4, '0');
  fracPart = fracPart.padEnd(Math.ceil(fracPart.length / 4) * 4, '0');
  const groups: number[] = [];
  for (let i = 0; i < intPart.length; i += 4) groups.push(Number(intPart.slice(i, i + 4)));
  let weight = groups.length - 1;
  for (let i = 0; i < fracPart.length; i += 4) groups.push(Number(fracPart.slice(i, i + 4)));
  while (groups.length > 0 && groups[0] === 0) {
    groups.shift();
    weight--;
  }
  while (groups.length > 0 && groups[groups.length - 1] === 0) groups.pop();
  return Buffer.concat([
    int16(groups.length), int16(weight), int16(neg ? 0x4000 : 0), int16(scale), ...groups.map(int16),
  ]);
}

function periodBinary(p: Period): Buffer {
  const micros = BigInt(((p.hours * 60 + p.minutes) * 60 + p.seconds) * 1000 + p.millis) * 1000n;
  return Buffer.concat([int64(micros), int32(p.weeks * 7 + p.days), int32(p.years * 12 + p.months)]);
}

function bitBinary(bits: string): Buffer {
  const bytes = Buffer.alloc(Math.ceil(bits.length / 8));
  for (let i = 0; i < bits.length; i++) if (bits[i] === '1') bytes[i >> 3] = (bytes[i >> 3] as number) | (0x80 >> (i & 7));
  return Buffer.concat([int32(bits.length), bytes]);
}

/** "Arrays": ndim, flags = 1, element oid, then size and lower bound = size (!); empty → 1 dim, size 0, lbound 0. */
function arrayBinary(element: CrateType, values: unknown[], version: string, flags = 1): Buffer {
  const elementOid = pgTypeOf(element, version).oid;
  const items = values.map((v) => {
    if (v === null) return int32(-1);
    const data = formatBinary(element, v, version);
    return Buffer.concat([int32(data.length), data]);
  });
  return Buffer.concat([int32(1), int32(flags), int32(elementOid), int32(values.length), int32(values.length), ...items]);
}

/** The binary form CrateDB sends for `value` of type `t` (never called with null). */
export function formatBinary(t: CrateType, value: unknown, version: string): Buffer {
  if (t.kind === 'array') {
    if (t.element.kind === 'array') return Buffer.from(toJson(value), 'utf8');
    return arrayBinary(t.element, value as unknown[], version);
  }
  switch (t.name) {
    case 'boolean':
      return Buffer.from([value ? 1 : 0]);
    case 'byte':
      return pgTypeOf(t, version).typlen === 1 ? Buffer.from([(value as number) & 0xff]) : int16(value as number);
    case 'smallint':
      return int16(value as number);
    case 'integer':
    case 'regclass':
      return int32(value as number);
    case 'bigint':
      return int64(value as bigint);
    case 'real':
      return float32(value as number);
    case 'double':
      return float64(value as number);
    case 'numeric':
      return numericBinary(value as Numeric);
    case 'timestamptz':
    case 'timestamp':
      // "Types": µs since 2000-01-01, computed from milliseconds.
      return int64(BigInt((value as number) - PG_EPOCH_MS) * 1000n);
    case 'date':
      return int32(Math.floor(((value as number) - PG_EPOCH_MS) / 86_400_000));
    case 'timetz': {
      // "Types": int64 µs, then int32 seconds east of UTC.
      const tz = value as TimeTz;
      return Buffer.concat([int64(BigInt(tz.micros)), int32(tz.offsetSeconds)]);
    }
    case 'interval':
      return periodBinary(value as Period);
    case 'object':
    case 'geo_shape':
      return Buffer.from(toJson(value), 'utf8');
    case 'geo_point': {
      const [lon, lat] = value as [number, number];
      return Buffer.concat([float64(lon), float64(lat)]);
    }
    case 'float_vector':
      // A 1-dim float4 array with flags 0; like other arrays its lower-bound field holds the dimension size
      // (test/fixtures/cratedb-6.4.3/types_text.json).
      return arrayBinary({ kind: 'scalar', name: 'real' }, value as number[], version, 0);
    case 'uuid':
      return Buffer.from((value as string).replace(/-/g, ''), 'hex');
    case 'bit':
      return bitBinary(value as string);
    case 'regproc':
    case 'regtype':
      return int32((value as NamedOid).oid);
    case 'oidvector':
      return arrayBinary({ kind: 'scalar', name: 'integer' }, value as number[], version);
    case 'record': {
      const fields = (value as RecordValue).fields;
      const parts = fields.map((f) => {
        const oid = int32(pgTypeOf(f.type, version).oid);
        if (f.value === null) return Buffer.concat([oid, int32(-1)]);
        const data = formatBinary(f.type, f.value, version);
        return Buffer.concat([oid, int32(data.length), data]);
      });
      return Buffer.concat([int32(fields.length), ...parts]);
    }
    default:
      // text, character, ip, json and unknown (705, "Types": sent as text) are their UTF-8 bytes.
      return Buffer.from(String(value), 'utf8');
  }
}
