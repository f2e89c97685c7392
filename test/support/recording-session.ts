/**
 * A sans-IO Session whose outgoing bytes are decoded back into frontend messages, for unit tests that drive one
 * operation by hand with backend messages built by test/crate/fake/backend.ts.
 */
import { Session } from '../../src/protocol/session.js';
import { FrameReader, decodeMessage, type FrontendMessage } from '../crate/fake/frontend.js';

/** What {@link recordingSession} hands a test. */
export interface RecordingSession {
  readonly session: Session;
  /** Every frontend message sent so far, decoded. */
  readonly sent: FrontendMessage[];
  /** Feed backend messages to the session as one chunk. */
  receive(...messages: Buffer[]): void;
  /** Labels of the messages sent since the last call. */
  newlySent(): string[];
}

/** A session that records what it sends; `label` names a message in newlySent() (default: its type). */
export function recordingSession(label: (m: FrontendMessage) => string = (m) => m.type): RecordingSession {
  const sent: FrontendMessage[] = [];
  const reader = new FrameReader();
  const session = new Session(
    {
      send: (buffers) => {
        for (const b of buffers) reader.push(b);
        for (let f = reader.nextMessage(); f !== null && f.kind === 'frame'; f = reader.nextMessage()) sent.push(decodeMessage(f.code, f.body));
      },
      onNotice: () => undefined,
      onParameterStatus: () => undefined,
      onFatal: (err) => {
        throw err;
      },
      onIdle: () => undefined,
    },
    1 << 20,
  );
  let seen = 0;
  return {
    session,
    sent,
    receive: (...messages) => session.receive(Buffer.concat(messages)),
    newlySent: () => {
      const labels = sent.slice(seen).map(label);
      seen = sent.length;
      return labels;
    },
  };
}
