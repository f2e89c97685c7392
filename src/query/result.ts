/**
 * Query results: the public Result and Field shapes, command-tag parsing, and the per-statement row shape
 * (decoders resolved once per RowDescription, DESIGN.md §7).
 */
import type { Decoder, TypeRegistry } from '../codecs/registry.js';
import { DecodeError, ProtocolError } from '../errors.js';
import type { RowDescriptionMessage, WireField } from '../protocol/wire.js';

/** How rows are returned: objects keyed by column name (default) or arrays in column order. */
export type RowMode = 'object' | 'array';

/** One result column. */
export interface Field {
  readonly name: string;
  /** OID of the column's table, or 0. */
  readonly tableOid: number;
  /** Column number within its table, or 0. */
  readonly columnId: number;
  /** OID of the column's type (CrateDB's mapping: WIRE.md §5.1). */
  readonly typeOid: number;
  readonly typeSize: number;
  readonly typeModifier: number;
}

/** The result of one statement. */
export interface Result<R = Record<string, unknown>> {
  readonly rows: R[];
  readonly fields: readonly Field[];
  /**
   * Rows affected or returned: the last token of the command tag as a signed integer (CrateDB's bulk items report
   * -2 for unknown and -3 for failed, WIRE.md §4.2/§4.10), the number of rows when the tag has none, else null.
   */
  readonly rowCount: number | null;
  /**
   * The first word of the command tag, e.g. `SELECT`. CrateDB builds it from the SQL text up to the first space
   * (WIRE.md §4.10), so it can be junk; do not branch on it.
   */
  readonly command: string;
}

/** Parsed CommandComplete tag. */
export interface CommandTag {
  readonly command: string;
  readonly count: number | null;
}

/** Row count = last whitespace-separated token, signed; never trust the verb (WIRE.md §4.10, §10.8). */
export function parseCommandTag(tag: string): CommandTag {
  const trimmed = tag.trim();
  const firstSpace = trimmed.search(/\s/);
  const command = firstSpace < 0 ? trimmed : trimmed.slice(0, firstSpace);
  const lastSpace = Math.max(trimmed.lastIndexOf(' '), trimmed.lastIndexOf('\n'), trimmed.lastIndexOf('\t'));
  const last = trimmed.slice(lastSpace + 1);
  const count = lastSpace >= 0 && /^-?\d+$/.test(last) ? Number(last) : null;
  return { command, count };
}

type RowBuilder = (values: readonly (string | null)[], decoders: readonly Decoder[]) => unknown;

/** Column metadata and decoders for one row description, built once and reused for every row. */
export class RowShape {
  readonly fields: readonly Field[];
  readonly decoders: readonly Decoder[];
  readonly #buildObject: RowBuilder;

  constructor(fields: readonly Field[], registry: TypeRegistry) {
    this.fields = fields;
    this.decoders = fields.map((f) => registry.decoder(f.typeOid));
    this.#buildObject = objectBuilder(fields.map((f) => f.name));
  }

  /**
   * Build one row; a decode failure becomes a DecodeError naming the column. A row of the wrong width is a
   * ProtocolError: the server broke the protocol, so the connection cannot be trusted further.
   */
  decode(values: readonly (string | null)[], mode: RowMode): unknown {
    if (values.length !== this.fields.length) {
      throw new ProtocolError(`DataRow has ${values.length} columns but RowDescription announced ${this.fields.length}`);
    }
    try {
      return mode === 'array' ? decodeArray(values, this.decoders) : this.#buildObject(values, this.decoders);
    } catch (err) {
      throw this.#explain(values, err);
    }
  }

  #explain(values: readonly (string | null)[], err: unknown): Error {
    for (let i = 0; i < values.length; i++) {
      const v = values[i];
      if (v === null || v === undefined) continue;
      try {
        (this.decoders[i] as Decoder)(v);
      } catch (inner) {
        const field = this.fields[i] as Field;
        return new DecodeError(`Column "${field.name}" (type OID ${field.typeOid}): ${(inner as Error).message}`, { cause: inner });
      }
    }
    return err instanceof Error ? err : new DecodeError(String(err));
  }
}

/** Fields from a RowDescription message. */
export function fieldsFrom(msg: RowDescriptionMessage): Field[] {
  return msg.fields.map((f: WireField) => ({
    name: f.name,
    tableOid: f.tableID,
    columnId: f.columnID,
    typeOid: f.dataTypeID,
    typeSize: f.dataTypeSize,
    typeModifier: f.dataTypeModifier,
  }));
}

function decodeArray(values: readonly (string | null)[], decoders: readonly Decoder[]): unknown[] {
  const n = values.length;
  const row = new Array<unknown>(n);
  for (let i = 0; i < n; i++) {
    const v = values[i];
    row[i] = v === null || v === undefined ? null : (decoders[i] as Decoder)(v);
  }
  return row;
}

/** Compiled builders by column-name list, shared by all connections: compiling costs far more than a query. */
const BUILDERS = new Map<string, RowBuilder>();
const MAX_BUILDERS = 1_000;

function objectBuilder(names: readonly string[]): RowBuilder {
  const key = names.join('\u0000');
  let builder = BUILDERS.get(key);
  if (builder === undefined) {
    if (BUILDERS.size >= MAX_BUILDERS) BUILDERS.clear();
    builder = compileObjectBuilder(names);
    BUILDERS.set(key, builder);
  }
  return builder;
}

/**
 * An object-literal builder specialised to the column names: V8 gives every row the same hidden class and the
 * literal avoids per-property dictionary transitions. Names are embedded with JSON.stringify, so any column name is
 * a safe property key (`__proto__` as a computed key, so it is an own property and not the prototype); with
 * duplicate names the last column wins, as in node-postgres.
 */
function compileObjectBuilder(names: readonly string[]): RowBuilder {
  const props = names.map((name, i) => {
    const key = name === '__proto__' ? `["__proto__"]` : JSON.stringify(name);
    return `${key}: v[${i}] === null ? null : d[${i}](v[${i}])`;
  });
  return new Function('v', 'd', `return {${props.join(',\n')}};`) as RowBuilder;
}
