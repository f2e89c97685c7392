/** Column types for a Kysely `DB` interface, in the shapes cratewire returns for CrateDB values. */

/** A CrateDB `geo_point`: `[longitude, latitude]` (CrateDB's own order; insert it in the same shape). */
export type GeoPoint = [lon: number, lat: number];

/** A CrateDB `float_vector(n)`: plain numbers. */
export type FloatVector = number[];
