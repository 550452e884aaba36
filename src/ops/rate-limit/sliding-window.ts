/**
 * A sliding-window counter (the weighted two-window estimate): the count of the previous fixed
 * window, weighted by how much of it still overlaps the sliding window, plus the current
 * window's count. Smooth like a log of timestamps, at the cost of two counters per key, and no
 * burst of 2× the limit at a window boundary as with plain fixed windows.
 *
 * A finished window's count no longer changes, so each instance reads it once per key and keeps
 * it until the window slides on: one counter operation per request, not two.
 */
import type { RateLimiterAbstract } from 'rate-limiter-flexible';

export interface WindowHit {
  allowed: boolean;
  limit: number;
  remaining: number;
  /** Until the current fixed window rolls over. */
  resetMs: number;
  /** When rejected: until one more request would be allowed (0 when allowed). */
  retryMs: number;
  /** Takes this request back out of the count (it was rejected here or by another scope). */
  undo(): Promise<void>;
}

/**
 * Milliseconds from now until one more request fits, if no other request arrives: `previous` and
 * `current` are the two windows' counts (without the request being decided), `elapsedMs` how far
 * into the current window we are.
 */
export function msUntilAllowed(previous: number, current: number, limit: number, elapsedMs: number, windowMs: number): number {
  if (limit < 1) return Number.POSITIVE_INFINITY;
  const left = windowMs - elapsedMs;
  if (current + 1 <= limit) {
    if (previous <= 0) return 0;
    // previous · (1 − (elapsed + t) / window) + current + 1 ≤ limit
    const t = windowMs * (1 - (limit - current - 1) / previous) - elapsedMs;
    if (t < left) return Math.max(0, Math.ceil(t));
  }
  // Only in the next window, where this window's count becomes the weighted one.
  if (current <= 0) return Math.ceil(left);
  const u = windowMs * (1 - (limit - 1) / current);
  return Math.ceil(left + Math.max(0, u));
}

export class SlidingWindow {
  /** Counts of the previous window by key, valid while `settledIndex` is the current window. */
  private readonly settled = new Map<string, number>();
  private settledIndex = Number.NaN;

  constructor(
    private readonly counts: RateLimiterAbstract,
    readonly windowMs: number,
    private readonly now: () => number = Date.now,
  ) {}

  async hit(key: string, limit: number): Promise<WindowHit> {
    const [hit] = await this.hitMany(key, limit, 1);
    return hit as WindowHit;
  }

  /**
   * Counts `n` requests of one key with one counter operation, and decides each as if they had
   * come one after another: the i-th sees the i requests before it counted.
   */
  async hitMany(key: string, limit: number, n: number): Promise<WindowHit[]> {
    const now = this.now();
    const index = Math.floor(now / this.windowMs);
    const elapsedMs = now - index * this.windowMs;
    const currentKey = `${key}:${index}`;
    if (index !== this.settledIndex) {
      this.settled.clear();
      this.settledIndex = index;
    }
    let before = this.settled.get(key);
    let counted: number;
    if (before === undefined) {
      const [current, previous] = await Promise.all([this.counts.consume(currentKey, n), this.counts.get(`${key}:${index - 1}`)]);
      before = previous?.consumedPoints ?? 0;
      this.settled.set(key, before);
      counted = current.consumedPoints;
    } else {
      counted = (await this.counts.consume(currentKey, n)).consumedPoints;
    }
    const hits: WindowHit[] = [];
    for (let i = 0; i < n; i++) hits.push(this.decide(currentKey, limit, counted - n + 1 + i, before, elapsedMs));
    return hits;
  }

  private decide(currentKey: string, limit: number, counted: number, before: number, elapsedMs: number): WindowHit {
    const estimate = before * (1 - elapsedMs / this.windowMs) + counted;
    const allowed = estimate <= limit;
    let undone = false;
    return {
      allowed,
      limit,
      remaining: allowed ? Math.max(0, Math.floor(limit - estimate)) : 0,
      resetMs: this.windowMs - elapsedMs,
      retryMs: allowed ? 0 : msUntilAllowed(before, counted - 1, limit, elapsedMs, this.windowMs),
      undo: async () => {
        if (undone) return;
        undone = true;
        await this.counts.reward(currentKey, 1);
      },
    };
  }
}
