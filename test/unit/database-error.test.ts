/** ErrorResponse → the public error class: cancels, and CrateDB's "a node left the cluster" errors. */
import { describe, expect, it } from 'vitest';
import { DatabaseError, NodeUnavailableError, QueryCanceledError } from '../../src/index.js';
import { toDatabaseError } from '../../src/protocol/database-error.js';
import type { ErrorMessage } from '../../src/protocol/wire.js';

function response(code: string, message: string): ErrorMessage {
  return { name: 'error', length: 0, severity: 'ERROR', code, message } as unknown as ErrorMessage;
}

describe('toDatabaseError', () => {
  it.each([
    'Job killed. Participating node nkmzKQc8RZefR-oRYi-RHQ disconnected',
    '[c2][127.0.0.1:4311] Node not connected',
  ])('CrateDB XX000 %s: NodeUnavailableError (seen on 6.4.3 when a cluster node was killed)', (message) => {
    const err = toDatabaseError(response('XX000', message));
    expect(err).toBeInstanceOf(NodeUnavailableError);
    expect(err).not.toBeInstanceOf(QueryCanceledError);
    expect(err.message).toBe(message);
  });

  it('a CancelRequest on CrateDB stays a QueryCanceledError', () => {
    expect(toDatabaseError(response('XX000', 'Job killed. Cancellation request by: crate'))).toBeInstanceOf(QueryCanceledError);
  });

  it('other XX000 errors stay plain DatabaseErrors', () => {
    const err = toDatabaseError(response('XX000', 'Only write operations are allowed in Batch statements'));
    expect(err).toBeInstanceOf(DatabaseError);
    expect(err).not.toBeInstanceOf(NodeUnavailableError);
    expect(err).not.toBeInstanceOf(QueryCanceledError);
  });
});
