import { connect, type Socket } from 'node:net';
import { join } from 'node:path';

/**
 * Where the admin helper connects: the server's Unix socket, authenticated by the `local ... trust` line of the
 * harness's pg_hba.conf. The embedded package ships no `psql` binary and `pg` is not our dependency, so this tiny
 * simple-query client stands in for `psql -At` during setup and inspection. It is deliberately independent of the
 * driver under test.
 */
export interface AdminTarget {
  readonly socketDir: string;
  readonly port: number;
  readonly user: string;
  readonly database: string;
}

/** One result row in text format; `null` is SQL NULL. */
export type AdminRow = readonly (string | null)[];

interface BackendMessage {
  readonly type: string;
  readonly body: Buffer;
}

const PROTOCOL_3_0 = 196_608;

function startupMessage(user: string, database: string): Buffer {
  const params = Buffer.from(`user\0${user}\0database\0${database}\0\0`, 'utf8');
  const head = Buffer.alloc(8);
  head.writeInt32BE(8 + params.length, 0);
  head.writeInt32BE(PROTOCOL_3_0, 4);
  return Buffer.concat([head, params]);
}

function frontendMessage(type: string, payload: Buffer): Buffer {
  const head = Buffer.alloc(5);
  head.write(type, 0, 'latin1');
  head.writeInt32BE(4 + payload.length, 1);
  return Buffer.concat([head, payload]);
}

async function* backendMessages(socket: Socket): AsyncGenerator<BackendMessage> {
  let pending: Buffer = Buffer.alloc(0);
  for await (const chunk of socket as AsyncIterable<Buffer>) {
    pending = pending.length === 0 ? chunk : Buffer.concat([pending, chunk]);
    while (pending.length >= 5) {
      const end = 1 + pending.readInt32BE(1);
      if (pending.length < end) break;
      yield { type: String.fromCharCode(pending[0] ?? 0), body: pending.subarray(5, end) };
      pending = pending.subarray(end);
    }
  }
}

function parseDataRow(body: Buffer): AdminRow {
  const row: (string | null)[] = [];
  let offset = 2;
  for (let i = body.readInt16BE(0); i > 0; i--) {
    const length = body.readInt32BE(offset);
    offset += 4;
    if (length < 0) {
      row.push(null);
    } else {
      row.push(body.toString('utf8', offset, offset + length));
      offset += length;
    }
  }
  return row;
}

function parseError(body: Buffer): Error {
  const fields = new Map<string, string>();
  let offset = 0;
  while (offset < body.length && body[offset] !== 0) {
    const end = body.indexOf(0, offset + 1);
    fields.set(String.fromCharCode(body[offset] ?? 0), body.toString('utf8', offset + 1, end));
    offset = end + 1;
  }
  const error = new Error(`${fields.get('S') ?? 'ERROR'} ${fields.get('C') ?? '?????'}: ${fields.get('M') ?? ''}`);
  return Object.assign(error, { code: fields.get('C') });
}

/**
 * Runs `sql` (one or more statements, as one simple Query) and resolves with the rows of every result set, in order.
 * Rejects with the server's error (message `SEVERITY SQLSTATE: text`, `code` property set) after the server is ready
 * again, so a failed statement never leaves a half-read connection behind.
 */
export async function adminQuery(target: AdminTarget, sql: string): Promise<AdminRow[]> {
  const socket = connect({ path: join(target.socketDir, `.s.PGSQL.${target.port}`) });
  socket.write(startupMessage(target.user, target.database));
  const rows: AdminRow[] = [];
  let queried = false;
  let failure: Error | undefined;
  try {
    for await (const message of backendMessages(socket)) {
      switch (message.type) {
        case 'R':
          if (message.body.readInt32BE(0) !== 0) {
            throw new Error(`admin connection as ${target.user} was asked for a password; it needs trust auth`);
          }
          break;
        case 'D':
          rows.push(parseDataRow(message.body));
          break;
        case 'E':
          failure ??= parseError(message.body);
          if (!queried) throw failure;
          break;
        case 'Z':
          if (queried) {
            socket.end(frontendMessage('X', Buffer.alloc(0)));
            if (failure) throw failure;
            return rows;
          }
          queried = true;
          socket.write(frontendMessage('Q', Buffer.from(`${sql}\0`, 'utf8')));
          break;
        default:
          break;
      }
    }
    throw failure ?? new Error('admin connection closed before the query finished');
  } finally {
    socket.destroy();
  }
}

/** Formats rows like `psql -At`: one line per row, columns joined by `|`, NULL as the empty string. */
export function formatRows(rows: readonly AdminRow[]): string {
  return rows.map((row) => row.map((value) => value ?? '').join('|')).join('\n');
}
