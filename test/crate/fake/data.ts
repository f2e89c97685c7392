/**
 * Built-in tables of the fake: a few rows of CrateDB's `sys.summits`, and `doc.types_demo` with one column of every
 * type in docs/cratedb-wire.md "Types" so a driver test can check each text/binary encoding.
 */
import { arrayOf, oidHash, scalar, type CrateType, type Numeric, type Period, type RecordValue, type TimeTz } from './types.js';

/** A table the fake creates at start. */
export interface BuiltInTable {
  schema: string;
  name: string;
  columns: Array<{ name: string; type: CrateType }>;
  primaryKey: string[];
  rows: unknown[][];
}

/**
 * `sys.summits` (columns in CrateDB's alphabetical order). Heights, prominences, coordinates, countries and first
 * ascents are real; the real table holds ~1600 Alpine summits, of which these are the highest.
 */
export const SUMMITS: BuiltInTable = {
  schema: 'sys',
  name: 'summits',
  columns: [
    { name: 'classification', type: scalar('text') },
    { name: 'coordinates', type: scalar('geo_point') },
    { name: 'country', type: scalar('text') },
    { name: 'first_ascent', type: scalar('integer') },
    { name: 'height', type: scalar('integer') },
    { name: 'mountain', type: scalar('text') },
    { name: 'prominence', type: scalar('integer') },
    { name: 'range', type: scalar('text') },
    { name: 'region', type: scalar('text') },
  ],
  primaryKey: [],
  rows: [
    ['I/B-07.V-B', [6.86444, 45.8325], 'FR/IT', 1786, 4808, 'Mont Blanc', 4695, 'U-Savoy/Aosta', 'Mont Blanc massif'],
    ['I/B-09.III-A', [7.86694, 45.93694], 'CH', 1855, 4634, 'Monte Rosa', 2165, 'Valais', 'Monte Rosa Alps'],
    ['I/B-09.V-A', [7.85861, 46.09389], 'CH', 1858, 4545, 'Dom', 1046, 'Valais', 'Mischabel'],
    ['I/B-09.III-A', [7.83556, 45.9225], 'CH/IT', 1861, 4527, 'Liskamm', 376, 'Valais/Aosta', 'Monte Rosa Alps'],
    ['I/B-09.II-D', [7.71639, 46.10111], 'CH', 1861, 4506, 'Weisshorn', 1235, 'Valais', 'Weisshorn-Matterhorn'],
    ['I/B-09.II-A', [7.65861, 45.97639], 'CH/IT', 1865, 4478, 'Matterhorn', 1042, 'Valais/Aosta', 'Weisshorn-Matterhorn'],
  ],
};

const AT = Date.UTC(2024, 0, 2, 3, 4, 5, 678);

/** One column per "Types" row, with a value whose text form shows CrateDB's formatting quirk for that type. */
const TYPES_DEMO_COLUMNS: Array<[string, CrateType, unknown]> = [
  ['bool_col', scalar('boolean'), true],
  ['byte_col', scalar('byte'), 42],
  ['smallint_col', scalar('smallint'), 32767],
  ['int_col', scalar('integer'), 2147483647],
  ['bigint_col', scalar('bigint'), 9007199254740993n],
  ['real_col', scalar('real'), Math.fround(1e10)],
  ['double_col', scalar('double'), 0.0001],
  ['numeric_col', scalar('numeric'), { unscaled: 1n, scale: -3 } satisfies Numeric],
  ['text_col', scalar('text'), 'hello'],
  ['char_col', scalar('character', 5), 'abcde'],
  ['ip_col', scalar('ip'), '192.168.0.1'],
  ['timestamptz_col', scalar('timestamptz'), AT],
  ['timestamp_col', scalar('timestamp'), AT],
  ['date_col', scalar('date'), Date.UTC(2024, 0, 2)],
  ['timetz_col', scalar('timetz'), { micros: (3 * 3600 + 4 * 60 + 5) * 1_000_000 + 123_456, offsetSeconds: 0 } satisfies TimeTz],
  [
    'interval_col',
    scalar('interval'),
    { years: 1, months: 2, weeks: 0, days: 3, hours: 4, minutes: 5, seconds: 6, millis: 789 } satisfies Period,
  ],
  ['object_col', scalar('object'), { a: 1, b: [1, 2], c: { d: 'x' } }],
  ['json_col', scalar('json'), '{"x": 1}'],
  ['geo_shape_col', scalar('geo_shape'), { type: 'Point', coordinates: [9.7419, 47.4048] }],
  ['geo_point_col', scalar('geo_point'), [9.7419, 47.4048]],
  ['float_vector_col', scalar('float_vector', 2), [1.0, 2.5]],
  ['uuid_col', scalar('uuid'), '9b2d3f5e-2a4c-4f1e-9d3b-7c8a6e5f4d21'],
  ['bit_col', scalar('bit', 4), '0101'],
  ['regproc_col', scalar('regproc'), { oid: oidHash('abs'), name: 'abs' }],
  ['regclass_col', scalar('regclass'), oidHash('doc.types_demo')],
  ['regtype_col', scalar('regtype'), { oid: 23, name: 'integer' }],
  ['oidvector_col', scalar('oidvector'), [23, 25, 1043]],
  [
    'record_col',
    scalar('record'),
    {
      fields: [
        { type: scalar('integer'), value: 10 },
        { type: scalar('text'), value: '' },
        { type: scalar('text'), value: null },
        { type: scalar('text'), value: 'foo' },
      ],
    } satisfies RecordValue,
  ],
  ['null_col', scalar('undefined'), null],
  ['int_array_col', arrayOf(scalar('integer')), [10, 20]],
  ['text_array_col', arrayOf(scalar('text')), ['a"b', 'c\\d', null]],
  ['nested_array_col', arrayOf(arrayOf(scalar('integer'))), [[1, 2], [3]]],
  ['object_array_col', arrayOf(scalar('object')), [{ a: 1 }]],
  ['empty_array_col', arrayOf(scalar('integer')), []],
  ['bool_array_col', arrayOf(scalar('boolean')), [true, false]],
];

/** `doc.types_demo`: one row, one column per CrateDB type. */
export const TYPES_DEMO: BuiltInTable = {
  schema: 'doc',
  name: 'types_demo',
  columns: TYPES_DEMO_COLUMNS.map(([name, type]) => ({ name, type })),
  primaryKey: [],
  rows: [TYPES_DEMO_COLUMNS.map(([, , value]) => value)],
};
