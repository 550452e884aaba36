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

/**
 * `n` requests of one key counted with one counter operation (SlidingWindow.hitMany), each
 * decided as if they had come one after another: the i-th sees the i requests before it counted.
 * Decided on demand, so the requests a caller only asks `allowed`/`remaining` of cost no object.
 */
export class WindowCount {
  constructor(
    private readonly counts: RateLimiterAbstract,
    private readonly currentKey: string,
    readonly limit: number,
    /** The previous window's count. */
    private readonly before: number,
    /** The current window's count once the first of the n requests is counted. */
    private readonly first: number,
    private readonly elapsedMs: number,
    private readonly windowMs: number,
  ) {}

  /** Until the current fixed window rolls over. */
  get resetMs(): number {
    return this.windowMs - this.elapsedMs;
  }

  allowed(i: number): boolean {
    return this.estimate(i) <= this.limit;
  }

  remaining(i: number): number {
    const estimate = this.estimate(i);
    return estimate <= this.limit ? Math.max(0, Math.floor(this.limit - estimate)) : 0;
  }

  hit(i: number): WindowHit {
    const allowed = this.allowed(i);
    const retryMs = allowed ? 0 : msUntilAllowed(this.before, this.first + i - 1, this.limit, this.elapsedMs, this.windowMs);
    return new CountedHit(this.counts, this.currentKey, allowed, this.limit, this.remaining(i), this.resetMs, retryMs);
  }

  private estimate(i: number): number {
    return this.before * (1 - this.elapsedMs / this.windowMs) + this.first + i;
  }
}

class CountedHit implements WindowHit {
  private undone = false;

  constructor(
    private readonly counts: RateLimiterAbstract,
    private readonly currentKey: string,
    readonly allowed: boolean,
    readonly limit: number,
    readonly remaining: number,
    readonly resetMs: number,
    readonly retryMs: number,
  ) {}

  async undo(): Promise<void> {
    if (this.undone) return;
    this.undone = true;
    await this.counts.reward(this.currentKey, 1);
  }
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
    return (await this.hitMany(key, limit, 1)).hit(0);
  }

  /** Counts `n` requests of one key with one counter operation (WindowCount decides each). */
  async hitMany(key: string, limit: number, n: number): Promise<WindowCount> {
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
    return new WindowCount(this.counts, currentKey, limit, before, counted - n + 1, elapsedMs, this.windowMs);
  }
}
