/**
 * cratewire/drizzle: a Drizzle ORM (pg-core) driver on a cratewire pool, for CrateDB and PostgreSQL. drizzle-orm is a
 * peer dependency loaded only by this entry point.
 */
export { drizzle, CrateDrizzleDatabase } from './driver.js';
export type { CrateDrizzleConfig } from './driver.js';
export { CrateSession, CratePreparedQuery, CrateTransaction } from './session.js';
export type { CrateQueryResultHKT, CrateQueryable, CrateSessionOptions } from './session.js';
export { object, geoPoint, floatVector } from './columns.js';
export type { GeoPoint } from './columns.js';
export { migrate, DRIZZLE_MIGRATOR_ON_CRATEDB } from './migrator.js';
