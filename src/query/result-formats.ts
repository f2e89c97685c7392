/**
 * Which result columns to ask for in binary (the format codes of Bind). Binary and text give the same values
 * (codecs/binary.ts); the choice is about cost. Client decoding per value, text → binary, measured by
 * bench/binary-decode.ts on constructed DataRows (ns per one-column row, one run on the shared 2-core machine):
 * int4 52 → 46, int8 97 → 56, float8 135 → 44, timestamptz 186 → 86, point 665 → 150, int4[5] 477 → 82,
 * float8[5] 637 → 166, timestamptz[3] 1716 → 559 — binary, which also spares the server its text formatting
 * (CrateDB formats timestamps as text about twice as slowly as it sends them in binary: bench/'s CrateDB floors).
 * About equal: bool, text, json, bytea, text[]; dearer in binary: uuid 114 → 191, date 80 → 119, numeric 82 → 475,
 * interval 92 → 661, float4 46 → 592 (its exact text value needs a shortest-decimal search) — text. bytea stays
 * binary: its hex text doubles the bytes on the wire.
 */
import { ARRAY_ELEMENT_OID, OID } from '../codecs/oids.js';
import type { RawDecoder, TypeRegistry } from '../codecs/registry.js';
import { DecodeError } from '../errors.js';
import type { WireField } from '../protocol/wire.js';
import type { BinaryResultsMode, Field } from '../types.js';

/** Format codes for a result read entirely as text (Bind's format-code count 0). */
export const TEXT_RESULTS: readonly number[] = Object.freeze([]);

/** Scalar types (and element types of arrays) that `auto` reads in binary. */
const BINARY_PAYS: ReadonlySet<number> = new Set<number>([
  OID.INT2,
  OID.INT4,
  OID.INT8,
  OID.OID,
  OID.FLOAT8,
  OID.TIMESTAMP,
  OID.TIMESTAMPTZ,
  OID.BYTEA,
  OID.POINT,
]);

function pays(typeOid: number): boolean {
  return BINARY_PAYS.has(ARRAY_ELEMENT_OID.get(typeOid) ?? typeOid);
}

/**
 * Format codes for these columns under `mode`: binary where the registry has a binary decoder (never for custom
 * types) and, in `auto`, where binary pays; {@link TEXT_RESULTS} when every column is text.
 */
export function chooseResultFormats(fields: readonly Field[], registry: TypeRegistry, mode: BinaryResultsMode): readonly number[] {
  if (mode === 'never') return TEXT_RESULTS;
  let any = false;
  const formats = fields.map((f) => {
    const binary = (mode === 'always' || pays(f.typeOid)) && registry.binaryDecoder(f.typeOid) !== undefined;
    any ||= binary;
    return binary ? 1 : 0;
  });
  return any ? formats : TEXT_RESULTS;
}

/** The format codes a RowDescription reports; {@link TEXT_RESULTS} when all are text. */
export function formatsOf(wire: readonly WireField[]): readonly number[] {
  if (wire.every((w) => w.format !== 'binary')) return TEXT_RESULTS;
  return wire.map((w) => (w.format === 'binary' ? 1 : 0));
}

/** Whether two format-code lists ask for the same formats ([] = all text). */
export function sameFormats(a: readonly number[], b: readonly number[]): boolean {
  const n = Math.max(a.length, b.length);
  for (let i = 0; i < n; i++) if ((a[i] ?? 0) !== (b[i] ?? 0)) return false;
  return true;
}

/**
 * The decoder for a column the server sent in binary although its type has no binary decoder. Formats are chosen
 * from the columns described for the same Bind, so this means the server answered with columns other than those it
 * described; the error says so instead of returning garbage.
 */
export function unreadableBinary(column: string, typeOid: number): RawDecoder {
  return () => {
    throw new DecodeError(`Column "${column}" (type OID ${typeOid}) arrived in binary format, for which cratewire has no decoder`);
  };
}
