import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { IdleDeadline, idleTimeoutError } from '../../src/query/idle-deadline.js';

describe('IdleDeadline', () => {
  beforeEach(() => {
    vi.useFakeTimers();
  });
  afterEach(() => {
    vi.useRealTimers();
  });

  it('fires once when nothing was pulled for the whole period', () => {
    const onIdle = vi.fn();
    const d = new IdleDeadline(100, () => false, onIdle);
    d.arm();
    vi.advanceTimersByTime(99);
    expect(onIdle).not.toHaveBeenCalled();
    vi.advanceTimersByTime(1);
    expect(onIdle).toHaveBeenCalledTimes(1);
    vi.advanceTimersByTime(1_000);
    expect(onIdle).toHaveBeenCalledTimes(1);
  });

  it('a pull during the period starts a new one', () => {
    const onIdle = vi.fn();
    const d = new IdleDeadline(100, () => false, onIdle);
    d.arm();
    vi.advanceTimersByTime(60);
    d.pulled();
    vi.advanceTimersByTime(40);
    expect(onIdle).not.toHaveBeenCalled();
    vi.advanceTimersByTime(100);
    expect(onIdle).toHaveBeenCalledTimes(1);
  });

  it('never fires while busy (a pull waits for rows), and fires a period after it stops being busy', () => {
    const onIdle = vi.fn();
    let busy = true;
    const d = new IdleDeadline(100, () => busy, onIdle);
    d.arm();
    vi.advanceTimersByTime(1_000);
    expect(onIdle).not.toHaveBeenCalled();
    busy = false;
    vi.advanceTimersByTime(100);
    expect(onIdle).toHaveBeenCalledTimes(1);
  });

  it('clear() stops it, and 0 never arms', () => {
    const onIdle = vi.fn();
    const cleared = new IdleDeadline(100, () => false, onIdle);
    cleared.arm();
    cleared.clear();
    new IdleDeadline(0, () => false, onIdle).arm();
    vi.advanceTimersByTime(10_000);
    expect(onIdle).not.toHaveBeenCalled();
  });

  it('its error names the deadline, what was freed, and carries STREAM_IDLE_TIMEOUT', () => {
    const err = idleTimeoutError(250, 'its portal was closed');
    expect(err.message).toContain('idleTimeoutMs=250; its portal was closed.');
    expect(err.code).toBe('STREAM_IDLE_TIMEOUT');
  });
});
