/** A layer: the settings one source gave, each with the name the user spelled it with; and how layers combine. */
import type { BinaryResultsMode, ConnectOptions, CustomType, Int8Mode, Notice, NumericMode, PasswordSource, SslMode } from '../types.js';

/** In-memory TLS material as given in the options object. */
export type SslMaterial = NonNullable<ConnectOptions['ssl']>;

/** Every setting in its validated form; hosts and ports are lists from every source. */
export interface Settings {
  host: readonly string[];
  port: readonly (number | undefined)[];
  user: string;
  password: PasswordSource;
  database: string;
  sslmode: SslMode;
  sslrootcert: string;
  sslcert: string;
  sslkey: string;
  ssl: SslMaterial;
  connectTimeoutMs: number;
  keepAlive: boolean;
  keepAliveInitialDelayMs: number;
  applicationName: string;
  options: string;
  allowCleartextPasswordWithoutTls: boolean;
  int8: Int8Mode;
  numeric: NumericMode;
  binaryResults: BinaryResultsMode;
  statementCacheSize: number;
  pipelineDepth: number;
  queryTimeoutMs: number;
  cancelTimeoutMs: number;
  closeTimeoutMs: number;
  maxResultBytes: number;
  maxMessageBytes: number;
  types: Readonly<Record<number, CustomType>>;
  onNotice: (notice: Notice) => void;
}
/** A setting that has an option of the same name. */
export type Field = keyof Settings & keyof ConnectOptions;
/** A value together with the key the user spelled it with (`port`, `PGPORT`, `connect_timeout`), for errors. */
export interface Entry<F extends Field> {
  readonly name: string;
  readonly value: Settings[F];
}
/** The settings one source gave (connection string, options object or environment). */
export type Layer = { [F in Field]?: Entry<F> };

/** Records `value` for `field` in `layer`, spelled `name` by the user. */
export function put<F extends Field>(layer: Layer, field: F, name: string, value: Settings[F]): void {
  (layer as Record<F, Entry<F>>)[field] = { name, value };
}

/** Later layers win; `ssl` material is merged field by field. */
export function merge(layers: readonly Layer[]): Layer {
  const merged: Layer = {};
  for (const layer of layers) {
    for (const field of Object.keys(layer) as Field[]) {
      const entry = layer[field] as Entry<Field>;
      const below = merged.ssl;
      if (field === 'ssl' && below !== undefined) {
        put(merged, 'ssl', entry.name, { ...below.value, ...(entry.value as SslMaterial) });
      } else {
        put(merged, field, entry.name, entry.value);
      }
    }
  }
  return merged;
}
