/**
 * Drizzle's timestamp columns parse the server's text themselves (`timestamp` without time zone appends `+0000`), as
 * its node-postgres driver hands them raw strings. cratewire decodes timestamps to Dates, so array-mode rows get
 * PostgreSQL's text shape back for those columns: `2026-01-02 03:04:05.678` and `…678+00` (millisecond precision,
 * which is CrateDB's own; PostgreSQL microseconds are cut to milliseconds by the Date).
 */
import { OID, type Field } from '../index.js';

const WITHOUT_ZONE = new Set<number>([OID.TIMESTAMP, OID.TIMESTAMP_ARRAY]);
const WITH_ZONE = new Set<number>([OID.TIMESTAMPTZ, OID.TIMESTAMPTZ_ARRAY]);

/** Replace Dates by timestamp text, in place, in the timestamp columns of array-mode rows. */
export function timestampsAsText(fields: readonly Field[], rows: unknown[][]): unknown[][] {
  fields.forEach((field, column) => {
    const zone = WITH_ZONE.has(field.typeOid) ? '+00' : WITHOUT_ZONE.has(field.typeOid) ? '' : undefined;
    if (zone === undefined) return;
    for (const row of rows) row[column] = toText(row[column], zone);
  });
  return rows;
}

function toText(value: unknown, zone: string): unknown {
  if (value instanceof Date) return `${value.toISOString().replace('T', ' ').slice(0, -1)}${zone}`;
  if (value === Infinity) return 'infinity';
  if (value === -Infinity) return '-infinity';
  if (Array.isArray(value)) return value.map((v) => toText(v, zone));
  return value;
}
