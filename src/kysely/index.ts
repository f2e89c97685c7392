/**
 * cratewire/kysely: a Kysely dialect on a cratewire pool, for CrateDB and PostgreSQL. Kysely is a peer dependency
 * loaded only by this entry point.
 */
export { CrateDialect } from './dialect.js';
export type { CrateDialectConfig } from './config.js';
export { CrateDriver, NO_TRANSACTIONS_ON_CRATEDB } from './driver.js';
export { CrateConnection } from './connection.js';
export { CrateAdapter } from './adapter.js';
export { CrateIntrospector } from './introspector.js';
export { withSignal } from './signal.js';
export type { GeoPoint, FloatVector } from './types.js';
