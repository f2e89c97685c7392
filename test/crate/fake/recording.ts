/**
 * The recordings of a real CrateDB 6.4.3 in `test/fixtures/cratedb-6.4.3/` (format in its README.md): loading them,
 * splitting them into replay steps, and reducing backend frames — recorded or sent by the fake — to the content the
 * comparison looks at.
 */
import { readFileSync } from 'node:fs';
import {
  commandTagOf, dataRowBuffers, errorField, parameterOidsOf, parameterStatusOf, rowDescriptionOf, type BackendFrame,
} from './raw-client.js';

/** One entry of `exchanges`. */
export type Exchange =
  | { readonly dir: 'F'; readonly label: string; readonly hex: string }
  | { readonly dir: 'B'; readonly t?: string; readonly hex: string }
  | { readonly dir: 'B'; readonly event: string; readonly ms?: number; readonly [key: string]: unknown };

/** One recording file. */
export interface Recording {
  readonly scenario: string;
  readonly server: Readonly<Record<string, string>>;
  readonly exchanges: readonly Exchange[];
}

/** Frontend bytes sent together, then everything the server answered before the next frontend entry. */
export interface Step {
  readonly sends: ReadonlyArray<{ readonly label: string; readonly bytes: Buffer }>;
  /** Backend frames (type byte + body), in order. */
  readonly frames: readonly BackendFrame[];
  /** `timeout` event after the frames: the server stayed silent. */
  readonly hangs: boolean;
  /** `summary` events after the frames. */
  readonly summaries: ReadonlyArray<Readonly<Record<string, unknown>>>;
}

const FIXTURES = new URL('../../fixtures/cratedb-6.4.3/', import.meta.url);

/** Reads `test/fixtures/cratedb-6.4.3/<scenario>.json`. */
export function loadRecording(scenario: string): Recording {
  return JSON.parse(readFileSync(new URL(`${scenario}.json`, FIXTURES), 'utf8')) as Recording;
}

/** A recorded backend frame as the raw client would have framed it. */
export function frameOf(hex: string): BackendFrame {
  const bytes = Buffer.from(hex, 'hex');
  return { type: String.fromCharCode(bytes[0] as number), body: bytes.subarray(5) };
}

/** Groups the exchanges into steps. */
export function stepsOf(recording: Recording): Step[] {
  const steps: Array<{
    sends: Array<Step['sends'][number]>;
    frames: BackendFrame[];
    hangs: boolean;
    summaries: Array<Record<string, unknown>>;
  }> = [];
  for (const entry of recording.exchanges) {
    const last = steps[steps.length - 1];
    if (entry.dir === 'F') {
      const send = { label: entry.label, bytes: Buffer.from(entry.hex, 'hex') };
      if (last && last.frames.length === 0 && !last.hangs && last.summaries.length === 0) last.sends.push(send);
      else steps.push({ sends: [send], frames: [], hangs: false, summaries: [] });
      continue;
    }
    if (!last) throw new Error(`${recording.scenario}: a backend entry before any frontend entry`);
    if ('event' in entry) {
      if (entry.event === 'timeout') last.hangs = true;
      else if (entry.event === 'summary') last.summaries.push(entry);
    } else last.frames.push(frameOf(entry.hex));
  }
  return steps;
}

/** A RowDescription field as compared: the table OID only as `none` (0) or `table`. */
export interface ShapeField {
  name: string;
  table: 'none' | 'table';
  attnum: number;
  oid: number;
  typlen: number;
  typmod: number;
  format: number;
}

/** What a comparison looks at in one backend frame. */
export type Shape =
  | { type: 'E'; severity: string; code: string; message: string }
  | { type: 'T'; fields: ShapeField[] }
  | { type: 'D'; values: Array<string | null> }
  | { type: 'C'; tag: string }
  | { type: 'Z'; status: string }
  | { type: 't'; oids: number[] }
  | { type: 'S'; name: string; value: string }
  | { type: string };

/** Printable UTF-8 as text, anything else (binary results) as `0x…`. */
function valueText(value: Buffer): string {
  const text = value.toString('utf8');
  const clean = Buffer.from(text, 'utf8').equals(value) && !/[\x00-\x08\x0e-\x1f\ufffd]/.test(text);
  return clean ? text : `0x${value.toString('hex')}`;
}

/**
 * The content of a frame that must match: ErrorResponse by severity, SQLSTATE and message (the F/R/L/W fields are
 * Java internals of the server's build); RowDescription by everything except the table OID's number (OIDs count
 * the node's relations since it was created), only whether it is 0; BackendKeyData not at all (pid and secret).
 */
export function shapeOf(frame: BackendFrame): Shape {
  switch (frame.type) {
    case 'E':
      return {
        type: 'E',
        severity: errorField(frame, 'S') ?? '',
        code: errorField(frame, 'C') ?? '',
        message: errorField(frame, 'M') ?? '',
      };
    case 'T':
      return {
        type: 'T',
        fields: rowDescriptionOf(frame).map((f) => ({
          name: f.name, table: f.tableOid === 0 ? 'none' : 'table', attnum: f.attnum, oid: f.typeOid, typlen: f.typlen,
          typmod: f.typmod, format: f.format,
        })),
      };
    case 'D':
      return { type: 'D', values: dataRowBuffers(frame).map((v) => (v === null ? null : valueText(v))) };
    case 'C':
      return { type: 'C', tag: commandTagOf(frame) };
    case 'Z':
      return { type: 'Z', status: frame.body.toString('latin1') };
    case 't':
      return { type: 't', oids: parameterOidsOf(frame) };
    case 'S': {
      const [name, value] = parameterStatusOf(frame);
      return { type: 'S', name, value };
    }
    default:
      return { type: frame.type };
  }
}
