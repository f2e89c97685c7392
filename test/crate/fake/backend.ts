/**
 * Backend message builders of the fake CrateDB. Layouts follow the PostgreSQL protocol; the places where CrateDB
 * fills them differently carry their docs/cratedb-wire.md topic.
 */

/** One field of a RowDescription (docs/cratedb-wire.md "Result columns and visibility"). */
export interface FieldDescription {
  name: string;
  tableOid: number;
  attnum: number;
  typeOid: number;
  typlen: number;
  typmod: number;
  format: number;
}

function message(type: string, body: Buffer): Buffer {
  const head = Buffer.alloc(5);
  head.write(type, 0, 'latin1');
  head.writeInt32BE(body.length + 4, 1);
  return Buffer.concat([head, body]);
}

function int32(n: number): Buffer {
  const b = Buffer.alloc(4);
  b.writeInt32BE(n | 0);
  return b;
}

function int16(n: number): Buffer {
  const b = Buffer.alloc(2);
  b.writeInt16BE(n);
  return b;
}

function cstring(s: string): Buffer {
  return Buffer.concat([Buffer.from(s, 'utf8'), Buffer.from([0])]);
}

/** R 0. */
export const authenticationOk = (): Buffer => message('R', int32(0));
/** R 3: the only password method CrateDB offers on pgwire ("Authentication"). */
export const authenticationCleartextPassword = (): Buffer => message('R', int32(3));
/** S name value. */
export const parameterStatus = (name: string, value: string): Buffer =>
  message('S', Buffer.concat([cstring(name), cstring(value)]));
/** K pid secret ("Server parameters"). */
export const backendKeyData = (pid: number, secret: number): Buffer =>
  message('K', Buffer.concat([int32(pid), int32(secret)]));
/** Z with the status byte ("Transactions"). */
export const readyForQuery = (status: 'I' | 'T' | 'E'): Buffer => message('Z', Buffer.from(status, 'latin1'));
/** 1 */
export const parseComplete = (): Buffer => message('1', Buffer.alloc(0));
/** 2 */
export const bindComplete = (): Buffer => message('2', Buffer.alloc(0));
/** 3 */
export const closeComplete = (): Buffer => message('3', Buffer.alloc(0));
/** n */
export const noData = (): Buffer => message('n', Buffer.alloc(0));
/** s ("Portals and maxRows"). */
export const portalSuspended = (): Buffer => message('s', Buffer.alloc(0));
/** I ("Simple query"). */
export const emptyQueryResponse = (): Buffer => message('I', Buffer.alloc(0));
/** C tag ("Command tags" builds the tag). */
export const commandComplete = (tag: string): Buffer => message('C', cstring(tag));

/** docs/cratedb-wire.md "First packet and TLS": the version int is the full 196608 (3.0), then the unsupported names. */
export function negotiateProtocolVersion(version: number, names: readonly string[]): Buffer {
  return message('v', Buffer.concat([int32(version), int32(names.length), ...names.map(cstring)]));
}

/** ErrorResponse with the fields in the given order (docs/cratedb-wire.md "Error fields" decides which fields and their order). */
export function errorResponse(fields: ReadonlyArray<readonly [string, string]>): Buffer {
  const parts = fields.map(([code, value]) => Buffer.concat([Buffer.from(code, 'latin1'), cstring(value)]));
  return message('E', Buffer.concat([...parts, Buffer.from([0])]));
}

/** t with one OID per parameter. */
export function parameterDescription(oids: readonly number[]): Buffer {
  return message('t', Buffer.concat([int16(oids.length), ...oids.map(int32)]));
}

/** T ("Result columns and visibility" fills the fields). */
export function rowDescription(fields: readonly FieldDescription[]): Buffer {
  const parts = fields.map((f) =>
    Buffer.concat([
      cstring(f.name),
      int32(f.tableOid),
      int16(f.attnum),
      int32(f.typeOid),
      int16(f.typlen),
      int32(f.typmod),
      int16(f.format),
    ]),
  );
  return message('T', Buffer.concat([int16(fields.length), ...parts]));
}

/** D; null is a NULL column. */
export function dataRow(values: readonly (Buffer | null)[]): Buffer {
  const parts = values.map((v) => (v === null ? int32(-1) : Buffer.concat([int32(v.length), v])));
  return message('D', Buffer.concat([int16(values.length), ...parts]));
}
