/**
 * Result messages: CommandComplete tags (docs/cratedb-wire.md "Command tags"), RowDescription fields ("Result columns and visibility") and DataRows ("Types and values").
 */
import { dataRow, rowDescription, type FieldDescription } from './backend.js';
import { formatBinary } from './binary-format.js';
import { formatCodeAt } from './frontend.js';
import type { ResultColumn } from './sql/analyzer.js';
import { formatText } from './text-format.js';
import { pgTypeOf } from './types.js';

/** Java `String.trim()`: strips code points ≤ U+0020 only. */
const javaTrim = (s: string): string => s.replace(/^[\x00-\x20]+|[\x00-\x20]+$/g, '');

/**
 * "Command tags" `Messages.sendCommandComplete`: the raw SQL is trimmed, cut at the first space and upper-cased; `BEGIN` alone,
 * `INSERT 0 n`, else `<VERB> n`. A newline after the verb, a leading comment, or a multi-statement string (whose every
 * tag is built from the whole string) give junk verbs such as `SELECT\n 5` or `BEGIN;INSERT 1` — reproduced on purpose.
 */
export function commandTag(sql: string, rowCount: number): string {
  const verb = (javaTrim(sql).split(' ')[0] ?? '').toUpperCase();
  if (verb === 'BEGIN') return 'BEGIN';
  if (verb === 'INSERT') return `INSERT 0 ${rowCount}`;
  return `${verb} ${rowCount}`;
}

/** "Result columns and visibility": typmod −1 except bit(n); format codes from Bind (Describe S always reports 0). */
export function describeColumns(columns: readonly ResultColumn[], formats: readonly number[], version: string): Buffer {
  const fields: FieldDescription[] = columns.map((c, i) => {
    const pg = pgTypeOf(c.type, version);
    return {
      name: c.name,
      tableOid: c.tableOid,
      attnum: c.attnum,
      typeOid: pg.oid,
      typlen: pg.typlen,
      typmod: pg.typmod,
      format: formatCodeAt(formats, i),
    };
  });
  return rowDescription(fields);
}

/** One DataRow in the requested per-column formats. */
export function encodeRow(
  columns: readonly ResultColumn[],
  row: readonly unknown[],
  formats: readonly number[],
  version: string,
): Buffer {
  return dataRow(
    columns.map((c, i) => {
      const v = row[i];
      if (v === null || v === undefined) return null;
      return formatCodeAt(formats, i) === 1 ? formatBinary(c.type, v, version) : Buffer.from(formatText(c.type, v, version), 'utf8');
    }),
  );
}
