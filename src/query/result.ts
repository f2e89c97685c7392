/**
 * Query results: building the public Result and Field shapes (types.ts), command-tag parsing, and the per-statement row shape
 * (decoders resolved once per RowDescription, docs/design.md "Benchmarks").
 */
import type { RawDecoder, TypeRegistry } from '../codecs/registry.js';
import { typeNameOf } from '../codecs/oids.js';
import { DecodeError, ProtocolError } from '../errors.js';
import type { DataRow, RowDescriptionMessage, WireField } from '../protocol/wire.js';
import { chooseResultFormats, formatsOf, sameFormats, TEXT_RESULTS, unreadableBinary } from './result-formats.js';
import type { BinaryResultsMode, Field, RowMode } from '../types.js';

/** Parsed CommandComplete tag. */
export interface CommandTag {
  readonly command: string;
  readonly count: number | null;
}

/** The last tag parsed and its result: executeMany() gets the same tag (`INSERT 0 1`) for row after row. */
let lastTag = '';
let lastParsed: CommandTag = { command: '', count: null };

/** Row count = last whitespace-separated token, signed; never trust the verb (docs/cratedb-wire.md "Command tags"). */
export function parseCommandTag(tag: string): CommandTag {
  if (tag === lastTag) return lastParsed;
  const parsed = parseTag(tag);
  lastTag = tag;
  lastParsed = parsed;
  return parsed;
}

function parseTag(tag: string): CommandTag {
  const trimmed = tag.trim();
  const firstSpace = trimmed.search(/\s/);
  const command = firstSpace < 0 ? trimmed : trimmed.slice(0, firstSpace);
  const lastSpace = Math.max(trimmed.lastIndexOf(' '), trimmed.lastIndexOf('\n'), trimmed.lastIndexOf('\t'));
  const last = trimmed.slice(lastSpace + 1);
  const count = lastSpace >= 0 && /^-?\d+$/.test(last) ? Number(last) : null;
  return { command, count };
}

type RowBuilder = (bytes: Buffer, pos: number, decoders: readonly RawDecoder[]) => unknown;

/** Column metadata and decoders for one row description, built once and reused for every row. */
export class RowShape {
  readonly fields: readonly Field[];
  /** The registry the decoders came from. */
  readonly registry: TypeRegistry;
  /** Result format code per column (0 text, 1 binary), as sent in Bind; [] when every column is text. */
  readonly formats: readonly number[];
  readonly #decoders: readonly RawDecoder[];
  #buildObject: RowBuilder | undefined;
  #buildArray: RowBuilder | undefined;
  /** The shape last chosen by {@link forBind}, and for which mode. */
  #bound: { readonly mode: BinaryResultsMode; readonly shape: RowShape } | undefined;

  constructor(fields: readonly Field[], registry: TypeRegistry, formats: readonly number[] = TEXT_RESULTS) {
    this.fields = fields;
    this.registry = registry;
    this.formats = formats;
    this.#decoders = fields.map((f, i) =>
      formats[i] === 1 ? (registry.binaryDecoder(f.typeOid) ?? unreadableBinary(f.name, f.typeOid)) : registry.rawDecoder(f.typeOid),
    );
  }

  /**
   * The shape to Bind with for these columns: per column binary or text as `mode` chooses (result-formats.ts). Its
   * `formats` go into Bind and its decoders read the rows. Memoised: a cached statement chooses once.
   */
  forBind(mode: BinaryResultsMode): RowShape {
    const bound = this.#bound;
    if (bound !== undefined && bound.mode === mode) return bound.shape;
    const formats = chooseResultFormats(this.fields, this.registry, mode);
    const shape = sameFormats(formats, this.formats) ? this : new RowShape(this.fields, this.registry, formats);
    this.#bound = { mode, shape };
    return shape;
  }

  /** Whether a RowDescription describes exactly these columns (same names, types, origins and formats). */
  matches(wire: readonly WireField[]): boolean {
    if (wire.length !== this.fields.length) return false;
    if (!sameFormats(formatsOf(wire), this.formats)) return false;
    for (let i = 0; i < wire.length; i++) {
      const w = wire[i] as WireField;
      const f = this.fields[i] as Field;
      if (
        w.name !== f.name ||
        w.dataTypeID !== f.typeOid ||
        w.tableID !== f.tableOid ||
        w.columnID !== f.columnId ||
        w.dataTypeSize !== f.typeSize ||
        w.dataTypeModifier !== f.typeModifier
      ) {
        return false;
      }
    }
    return true;
  }

  /**
   * Build one row from its DataRow bytes; a decode failure becomes a DecodeError naming the column. A row of the
   * wrong width is a ProtocolError: the server broke the protocol, so the connection cannot be trusted further.
   */
  decodeRow(row: DataRow, mode: RowMode): unknown {
    const count = row.columnCount;
    if (count !== this.fields.length) {
      throw new ProtocolError(`DataRow has ${count} columns but RowDescription announced ${this.fields.length}`);
    }
    try {
      const build = mode === 'array' ? (this.#buildArray ??= this.#compile('array')) : (this.#buildObject ??= this.#compile('object'));
      return build(row.bytes, row.start + 2, this.#decoders);
    } catch (err) {
      throw this.#explain(row, err);
    }
  }

  #compile(mode: RowMode): RowBuilder {
    return rowBuilder(
      this.fields.map((f) => f.name),
      mode,
    );
  }

  /** Find the column whose decoder failed, for the error message. */
  #explain(row: DataRow, err: unknown): Error {
    const b = row.bytes;
    let pos = row.start + 2;
    for (let i = 0; i < this.fields.length; i++) {
      const len = b.readInt32BE(pos);
      pos += 4;
      if (len < 0) continue;
      try {
        (this.#decoders[i] as RawDecoder)(b, pos, pos + len);
      } catch (inner) {
        const field = this.fields[i] as Field;
        return new DecodeError(`Column "${field.name}" (type OID ${field.typeOid}): ${(inner as Error).message}`, { cause: inner });
      }
      pos += len;
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
    typeName: typeNameOf(f.dataTypeID),
    typeSize: f.dataTypeSize,
    typeModifier: f.dataTypeModifier,
  }));
}

/**
 * The last RowShape per SQL text of unnamed statements on one connection: the server describes the columns on every
 * run, and while the description is unchanged the shape (decoders, compiled builder) is reused instead of rebuilt.
 */
export class ShapeMemo {
  readonly #shapes = new Map<string, RowShape>();

  /** The shape for `text`'s RowDescription `msg`, reused when it describes the same columns as last time. */
  shapeFor(text: string, msg: RowDescriptionMessage, registry: TypeRegistry): RowShape {
    const known = this.#shapes.get(text);
    if (known !== undefined && known.registry === registry && known.matches(msg.fields)) return known;
    const shape = new RowShape(fieldsFrom(msg), registry, formatsOf(msg.fields));
    if (text.length <= MEMO_MAX_TEXT) {
      if (this.#shapes.size >= MEMO_ENTRIES) this.#shapes.clear();
      this.#shapes.set(text, shape);
    }
    return shape;
  }
}

const MEMO_ENTRIES = 256;
/** Longer statements are not remembered, so the memo never pins large SQL texts. */
const MEMO_MAX_TEXT = 4_096;

/** Compiled builders by row mode and column-name list, shared by all connections: compiling costs far more than a query. */
const BUILDERS = new Map<string, RowBuilder>();
const MAX_BUILDERS = 1_000;

function rowBuilder(names: readonly string[], mode: RowMode): RowBuilder {
  const key = `${mode}\u0000${names.join('\u0000')}`;
  let builder = BUILDERS.get(key);
  if (builder === undefined) {
    if (BUILDERS.size >= MAX_BUILDERS) BUILDERS.clear();
    builder = compileRowBuilder(names, mode);
    BUILDERS.set(key, builder);
  }
  return builder;
}

/**
 * A row builder specialised to the column list: it walks the DataRow's length-prefixed fields once and returns an
 * object literal (V8 gives every row the same hidden class) or an array literal. Names are embedded with
 * JSON.stringify, so any column name is a safe property key (`__proto__` as a computed key, so it is an own property
 * and not the prototype); with duplicate names the last column wins, as in node-postgres.
 */
function compileRowBuilder(names: readonly string[], mode: RowMode): RowBuilder {
  const body: string[] = ['let l;'];
  names.forEach((_, i) => {
    body.push(
      `l = (b[p] << 24) | (b[p + 1] << 16) | (b[p + 2] << 8) | b[p + 3]; p += 4;`,
      `let v${i} = null; if (l >= 0) { v${i} = d[${i}](b, p, p + l); p += l; }`,
    );
  });
  const values = names.map((name, i) => {
    if (mode === 'array') return `v${i}`;
    return `${name === '__proto__' ? '["__proto__"]' : JSON.stringify(name)}: v${i}`;
  });
  body.push(mode === 'array' ? `return [${values.join(', ')}];` : `return {${values.join(',\n')}};`);
  return new Function('b', 'p', 'd', body.join('\n')) as RowBuilder;
}
