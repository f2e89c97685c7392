/** Which result columns a Bind asks for in binary, per binaryResults mode and server. */
import { describe, expect, it } from 'vitest';
import { OID } from '../../src/codecs/oids.js';
import { TypeRegistry } from '../../src/codecs/registry.js';
import { chooseResultFormats, TEXT_RESULTS } from '../../src/query/result-formats.js';
import type { Field } from '../../src/types.js';

const field = (typeOid: number): Field => ({ name: `c${typeOid}`, tableOid: 0, columnId: 0, typeOid, typeName: undefined, typeSize: -1, typeModifier: -1 });
const pg = new TypeRegistry({ int8: 'number', numeric: 'string', isCrate: false });
const crate = new TypeRegistry({ int8: 'number', numeric: 'string', isCrate: true });

const COLUMNS = [
  OID.INT4, OID.INT8, OID.FLOAT8, OID.TIMESTAMPTZ, OID.INT4_ARRAY, OID.TIMESTAMP_ARRAY, OID.BYTEA, OID.POINT,
  OID.TEXT, OID.BOOL, OID.FLOAT4, OID.NUMERIC, OID.DATE, OID.INTERVAL, OID.UUID, OID.JSON, OID.TEXT_ARRAY, 999_999,
].map(field);

describe('chooseResultFormats', () => {
  it('auto: binary where it is cheaper (numbers, timestamps, points, bytea and their arrays), text elsewhere', () => {
    expect(chooseResultFormats(COLUMNS, pg, 'auto')).toEqual([1, 1, 1, 1, 1, 1, 1, 1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0]);
  });

  it('always: binary for every type with a binary decoder on that server', () => {
    expect(chooseResultFormats(COLUMNS, pg, 'always')).toEqual([1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 0]);
    // CrateDB: no bytea; numeric, date and interval stay text (their text cannot be rebuilt from binary there).
    expect(chooseResultFormats(COLUMNS, crate, 'always')).toEqual([1, 1, 1, 1, 1, 1, 0, 1, 1, 1, 1, 0, 0, 0, 1, 1, 1, 0]);
  });

  it('never, or nothing to gain: every column text (no format codes in Bind)', () => {
    expect(chooseResultFormats(COLUMNS, pg, 'never')).toBe(TEXT_RESULTS);
    expect(chooseResultFormats([field(OID.TEXT), field(OID.JSON)], pg, 'auto')).toBe(TEXT_RESULTS);
  });

  it('custom types and arrays of them stay text', () => {
    const custom = new TypeRegistry({ int8: 'number', numeric: 'string', isCrate: false, types: { [OID.INT4]: { decode: Number } } });
    expect(chooseResultFormats([field(OID.INT4), field(OID.INT4_ARRAY), field(OID.INT8)], custom, 'always')).toEqual([0, 0, 1]);
  });
});
