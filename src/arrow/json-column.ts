/**
 * A json / jsonb / CrateDB OBJECT, geo_shape or nested-array column (all OID 114 on CrateDB) built as the Arrow type
 * the caller gave in `schema` — a Struct for an OBJECT, nested Lists for a nested array: each value's JSON text is
 * parsed, shaped for that type (json-values.ts: BigInts for Int64, words for Decimal, exact long numbers) and appended
 * through apache-arrow's own builder for it. One parse and one JS value per row: the cost of a typed view of JSON;
 * without a schema such columns stay Utf8 JSON text (text-columns.ts) and cost no parse.
 */
import { makeBuilder, type Builder, type Data, type DataType } from 'apache-arrow';
import { badValue, type ColumnBuilder } from './column.js';
import { JsonMismatch, parseJson, toArrowValue } from './json-values.js';

/** JSON text parsed into the Arrow type `type`. */
export class JsonColumn implements ColumnBuilder {
  readonly type: DataType;
  readonly #column: string;
  readonly #builder: Builder;
  #rows = 0;

  constructor(column: string, type: DataType) {
    this.#column = column;
    this.type = type;
    this.#builder = makeBuilder({ type, nullValues: [null, undefined] });
  }

  get length(): number {
    return this.#builder.length;
  }

  get byteLength(): number {
    return this.#builder.byteLength;
  }

  append(b: Buffer, p: number, len: number): void {
    let value: unknown;
    try {
      value = parseJson(b.toString('utf8', p, p + len));
    } catch (err) {
      throw badValue(this.#column, `row ${this.#rows + this.length + 1} is not JSON: ${(err as Error).message}`);
    }
    try {
      value = toArrowValue(this.type, value, '');
    } catch (err) {
      if (!(err instanceof JsonMismatch)) throw err;
      throw badValue(this.#column, `row ${this.#rows + this.length + 1} does not fit ${String(this.type)}: ${err.message}`);
    }
    this.#builder.append(value);
  }

  appendNull(): void {
    this.#builder.append(null);
  }

  flush(): Data {
    this.#rows += this.length;
    return this.#builder.flush();
  }
}
