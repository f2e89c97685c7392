/**
 * The one drizzle-orm helper its drivers use that its type declarations leave out: mapResultRow (array rows →
 * nested objects through each column's decoder). It is a runtime export of `drizzle-orm` 0.45.
 */
import * as drizzleOrm from 'drizzle-orm';
import type { SelectedFieldsOrdered } from 'drizzle-orm/pg-core';

type MapResultRow = (columns: SelectedFieldsOrdered, row: unknown[], joinsNotNullableMap: Record<string, boolean> | undefined) => unknown;

const exported: unknown = (drizzleOrm as Record<string, unknown>)['mapResultRow'];
if (typeof exported !== 'function') {
  throw new Error('cratewire/drizzle needs drizzle-orm 0.45.x (its mapResultRow export is missing): npm install drizzle-orm@0.45');
}

/** drizzle-orm's row mapper. */
export const mapResultRow = exported as MapResultRow;
