/**
 * pg-core column types for CrateDB's own types, usable in `pgTable(...)` next to pg-core's CrateDB-valid ones
 * (integer, bigint, text, varchar, boolean, real, doublePrecision, numeric, timestamp, date, json). They decode what
 * cratewire returns and also read PostgreSQL's nearest types (jsonb, point, real[]), so one schema can serve both.
 */
import { customType } from 'drizzle-orm/pg-core';
import { UsageError } from '../index.js';

/** A CrateDB `geo_point`: `[longitude, latitude]`. */
export type GeoPoint = [lon: number, lat: number];

/**
 * A CrateDB `OBJECT(DYNAMIC)` column (PostgreSQL: use a json/jsonb column of the same name). Type its content with
 * `.$type<MyShape>()`. The SQL name `object` is reserved in CrateDB: name the column something else (`details`).
 */
export const object = customType<{ data: Record<string, unknown>; driverData: unknown }>({
  dataType: () => 'object(dynamic)',
  toDriver: (value) => value,
  fromDriver: (value) => (typeof value === 'string' ? (JSON.parse(value) as Record<string, unknown>) : (value as Record<string, unknown>)),
});

/** A CrateDB `geo_point` as `[lon, lat]` (PostgreSQL: a `point` column, read as `[x, y]`). */
export const geoPoint = customType<{ data: GeoPoint; driverData: unknown }>({
  dataType: () => 'geo_point',
  toDriver: (value) => value,
  fromDriver: (value) => toGeoPoint(value),
});

/** A CrateDB `float_vector(dimensions)` as numbers (PostgreSQL: a `real[]` column). */
export const floatVector = customType<{ data: number[]; driverData: unknown; config: { dimensions: number }; configRequired: true }>({
  dataType: (config) => {
    if (!Number.isInteger(config.dimensions) || config.dimensions < 1) {
      throw new UsageError(`floatVector(name, { dimensions }): dimensions must be a positive integer, got ${String(config.dimensions)}`);
    }
    return `float_vector(${config.dimensions})`;
  },
  toDriver: (value) => value,
  fromDriver: (value) => value as number[],
});

function toGeoPoint(value: unknown): GeoPoint {
  if (Array.isArray(value) && value.length === 2) return [Number(value[0]), Number(value[1])];
  if (typeof value === 'object' && value !== null && 'x' in value && 'y' in value) return [Number(value.x), Number(value.y)];
  if (typeof value === 'string') {
    const [x, y] = value.replace(/[()]/g, '').split(',');
    return [Number(x), Number(y)];
  }
  throw new UsageError(`geoPoint: cannot read ${JSON.stringify(value)} as [lon, lat]`);
}
