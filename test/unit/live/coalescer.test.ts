import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { Coalescer } from '../../../src/live/coalescer.js';

describe('Coalescer', () => {
  beforeEach(() => vi.useFakeTimers({ now: 0 }));
  afterEach(() => vi.useRealTimers());

  function setup(taskMs = 0) {
    const starts: number[] = [];
    const c = new Coalescer(
      async () => {
        starts.push(Date.now());
        if (taskMs > 0) await new Promise((r) => setTimeout(r, taskMs));
      },
      1000,
      () => Date.now(),
    );
    return { c, starts };
  }

  it('runs the first request at once and folds a burst into one trailing run', async () => {
    const { c, starts } = setup();
    c.request();
    await vi.advanceTimersByTimeAsync(0);
    for (let i = 0; i < 10; i++) {
      c.request();
      await vi.advanceTimersByTimeAsync(50);
    }
    await vi.advanceTimersByTimeAsync(2000);
    expect(starts).toEqual([0, 1000]);
  });

  it('never overlaps runs: a request during a run schedules exactly one more', async () => {
    const { c, starts } = setup(1500);
    c.request();
    await vi.advanceTimersByTimeAsync(100);
    c.request();
    c.request();
    await vi.advanceTimersByTimeAsync(5000);
    expect(starts).toEqual([0, 1500]);
  });

  it('runNow answers at once without delaying the next data-driven run', async () => {
    const { c, starts } = setup();
    c.runNow();
    await vi.advanceTimersByTimeAsync(10);
    c.request();
    await vi.advanceTimersByTimeAsync(0);
    expect(starts).toEqual([0, 10]);
    c.stop();
    c.request();
    await vi.advanceTimersByTimeAsync(5000);
    expect(starts).toEqual([0, 10]);
  });
});
