/**
 * The protocol session under random and mutated recorded transcripts (test/support/session-fuzzer.ts): a fixed seed
 * and a fixed iteration count, so every run checks the same inputs. The long run is `npx tsx bench/fuzz.ts`.
 */
import { describe, expect, it } from 'vitest';
import { checkInput, FUZZ_BASE_INPUT, runSessionFuzz } from '../support/session-fuzzer.js';

const SEED = 20_241_125;
const ITERATIONS = 4_000;

describe('session fuzzing', () => {
  it('the unmutated input passes the oracle cleanly, whole and one byte at a time (the harness itself is sound)', async () => {
    expect(await checkInput(FUZZ_BASE_INPUT)).toBe('clean');
    const bytes = Array.from(FUZZ_BASE_INPUT, (b) => Buffer.from([b]));
    expect(await checkInput(FUZZ_BASE_INPUT, bytes)).toBe('clean');
  });

  it('a truncated input leaves the running operations to fail at the close, and they do', async () => {
    const cut = FUZZ_BASE_INPUT.subarray(0, FUZZ_BASE_INPUT.length - 20);
    expect(await checkInput(cut)).toBe('closed');
  });

  it('an ErrorResponse missing its terminator at the end of the input is a ProtocolError, not an endless loop', async () => {
    const startupEnd = FUZZ_BASE_INPUT.indexOf(Buffer.from('5a0000000549', 'hex')) + 6;
    const broken = Buffer.concat([FUZZ_BASE_INPUT.subarray(0, startupEnd), Buffer.from('450000000b53455252', 'hex'), Buffer.from('4f5200', 'hex')]);
    expect(await checkInput(broken)).toBe('protocol');
  });

  it(`${ITERATIONS} mutated inputs from seed ${SEED}: no oracle violation`, async () => {
    const report = await runSessionFuzz({ seed: SEED, iterations: ITERATIONS });
    expect(report.failures).toEqual([]);
    // The mutations reach past the framing: some inputs still succeed, some end mid-operation, most break the protocol.
    expect(report.outcomes['protocol']).toBeGreaterThan(ITERATIONS / 2);
    expect(report.outcomes['clean']).toBeGreaterThan(0);
    expect(report.outcomes['closed']).toBeGreaterThan(0);
    expect(Object.values(report.outcomes).reduce((a, b) => a + b, 0)).toBe(ITERATIONS);
  });
});
