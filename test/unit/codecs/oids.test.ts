import { describe, expect, it } from 'vitest';
import { ARRAY_ELEMENT_OID, OID, nameOfType } from '../../../src/codecs/oids.js';

describe('OID table', () => {
  it('maps every *_ARRAY constant to the constant of its element type (box[] uses ; and is left out)', () => {
    const entries = Object.entries(OID) as Array<[keyof typeof OID, number]>;
    for (const [key, oid] of entries) {
      if (!key.endsWith('_ARRAY') || key === 'BOX_ARRAY') continue;
      const elementKey = key.slice(0, -'_ARRAY'.length) as keyof typeof OID;
      expect(ARRAY_ELEMENT_OID.get(oid), key).toBe(OID[elementKey]);
    }
    expect(ARRAY_ELEMENT_OID.has(OID.BOX_ARRAY)).toBe(false);
  });

  it('has no two names for one OID', () => {
    const values = Object.values(OID);
    expect(new Set(values).size).toBe(values.length);
  });

  it('covers every parameter OID CrateDB accepts in Parse (docs/cratedb-wire.md "Parameter OIDs")', () => {
    const accepted = [
      16, 18, 19, 20, 21, 23, 24, 25, 26, 30, 114, 199, 600, 700, 701, 705, 1000, 1002, 1005, 1007, 1008, 1009, 1014,
      1015, 1016, 1017, 1021, 1022, 1042, 1043, 1082, 1114, 1115, 1182, 1184, 1185, 1186, 1187, 1231, 1266, 1270,
      1560, 1561, 1700, 2205, 2206, 2210, 2211, 2249, 2276, 2277, 2287, 2950, 2951,
    ];
    const known = new Set<number>(Object.values(OID));
    expect(accepted.filter((oid) => !known.has(oid))).toEqual([]);
  });
});

describe('nameOfType', () => {
  it.each([
    [OID.INT4, 'int4'],
    [OID.TIMESTAMPTZ, 'timestamptz'],
    [OID.JSON_ARRAY, 'json[]'],
    [OID.FLOAT4_ARRAY, 'float4[]'],
    [16384, 'oid 16384'],
  ])('%d → %s', (oid, name) => {
    expect(nameOfType(oid)).toBe(name);
  });
});
