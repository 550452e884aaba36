import { RateLimiterMemory } from 'rate-limiter-flexible';
import { describe, expect, it } from 'vitest';
import { msUntilAllowed, SlidingWindow } from '../../../src/ops/rate-limit/sliding-window.js';

describe('msUntilAllowed', () => {
  it('is 0 when one more request fits now', () => {
    expect(msUntilAllowed(0, 4, 10, 500, 1000)).toBe(0);
  });

  it('waits until the previous window has slid out enough', () => {
    // 10 of the previous window, 0 now, limit 5, 0 ms in: 10·(1 − t/1000) + 1 ≤ 5 → t ≥ 600.
    expect(msUntilAllowed(10, 0, 5, 0, 1000)).toBe(600);
    // Same, 200 ms into the window: 400 ms more.
    expect(msUntilAllowed(10, 0, 5, 200, 1000)).toBe(400);
  });

  it('waits into the next window when the current one is full', () => {
    // 5 of 5 used now, 300 ms in: the window ends in 700 ms, then 5·(1 − u/1000) + 1 ≤ 5 → u ≥ 200.
    expect(msUntilAllowed(0, 5, 5, 300, 1000)).toBe(900);
  });

  it('never allows with a zero limit', () => {
    expect(msUntilAllowed(0, 0, 0, 0, 1000)).toBe(Number.POSITIVE_INFINITY);
  });
});

describe('SlidingWindow', () => {
  function window(now: { t: number }) {
    const counts = new RateLimiterMemory({ keyPrefix: `sw-${Math.random()}`, points: 2 ** 30, duration: 20 });
    return new SlidingWindow(counts, 10_000, () => now.t);
  }

  it('allows the limit, refuses the next, and a refused request spends nothing', async () => {
    const now = { t: 1_000_000_000 };
    const w = window(now);
    for (let i = 0; i < 3; i++) expect((await w.hit('k', 3)).allowed).toBe(true);
    const refused = await w.hit('k', 3);
    expect(refused).toMatchObject({ allowed: false, remaining: 0, limit: 3 });
    expect(refused.retryMs).toBeGreaterThan(0);
    await refused.undo();
    await refused.undo(); // idempotent
    // The next window: the 3 earlier requests still weigh in, fully at its start.
    now.t += 10_000;
    expect((await w.hit('k', 3)).allowed).toBe(false);
  });

  it('weights the previous window by its overlap, so no double burst at a boundary', async () => {
    const now = { t: 2_000_000_000 };
    const w = window(now);
    for (let i = 0; i < 10; i++) await w.hit('k', 10);
    // Halfway through the next window, half of the previous 10 still count: 5 more fit.
    now.t += 15_000;
    const results = [];
    for (let i = 0; i < 6; i++) results.push((await w.hit('k', 10)).allowed);
    expect(results).toEqual([true, true, true, true, true, false]);
  });

  it('keeps keys apart', async () => {
    const now = { t: 3_000_000_000 };
    const w = window(now);
    expect((await w.hit('a', 1)).allowed).toBe(true);
    expect((await w.hit('a', 1)).allowed).toBe(false);
    expect((await w.hit('b', 1)).allowed).toBe(true);
  });
});
