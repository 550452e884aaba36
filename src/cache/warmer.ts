/**
 * Warming: remembers the most requested answers per org (with the computation that produces
 * them) and refreshes them in the background, so the next dashboard read is a hit:
 * - shortly after an invalidation of that org (debounced: a burst of ingests costs one refresh);
 * - on a schedule, for answers about to expire (scores halve each round, so interest fades);
 * - now, on POST /cache/warm.
 * A refresh goes through the cache's single-flight and Redis lock, so instances do not duplicate it.
 */
import type { Compute, LayeredCache, ServeRequest } from './layered.js';

interface Recipe {
  req: ServeRequest;
  compute: Compute;
  score: number;
}

export interface WarmerOptions {
  /** Answers kept warm per org; 0 = warming off. */
  top: number;
  /** Delay after an invalidation before refreshing (debounce). */
  delayMs: number;
  /** Scheduled refresh interval; 0 = no schedule. */
  intervalMs: number;
  onError?: (err: unknown) => void;
}

export interface WarmReport {
  warmed: number;
  fresh: number;
  failed: number;
}

export class Warmer {
  private readonly byOrg = new Map<string, Map<string, Recipe>>();
  private readonly pending = new Map<string, NodeJS.Timeout>();
  private timer: NodeJS.Timeout | null = null;
  private closed = false;
  runs = 0;

  constructor(
    private readonly cache: LayeredCache,
    private readonly options: WarmerOptions,
  ) {
    if (options.top > 0 && options.intervalMs > 0) {
      this.timer = setInterval(() => void this.tick(), options.intervalMs);
      this.timer.unref();
    }
  }

  /** Called for every cached read (hits too): cheap, a map lookup and an increment. */
  record(req: ServeRequest, compute: Compute): void {
    if (this.options.top <= 0 || req.policy.ttlSeconds <= 0) return;
    let recipes = this.byOrg.get(req.org);
    if (!recipes) this.byOrg.set(req.org, (recipes = new Map()));
    const known = recipes.get(req.key);
    if (known) {
      known.score++;
      known.compute = compute;
      return;
    }
    recipes.set(req.key, { req: { ...req, bypass: false }, compute, score: 1 });
    // Keep a few times `top` candidates so that a rising query can overtake; drop the weakest.
    if (recipes.size > this.options.top * 4) {
      let weakest: string | null = null;
      let low = Infinity;
      for (const [k, r] of recipes) if (k !== req.key && r.score < low) [weakest, low] = [k, r.score];
      if (weakest !== null) recipes.delete(weakest);
    }
  }

  /** A read of a known answer served without its computation at hand (the HTTP hit lane). */
  touch(org: string, key: string): void {
    const known = this.byOrg.get(org)?.get(key);
    if (known) known.score++;
  }

  /** After an invalidation of `org` (null = every org): refresh its popular answers soon. */
  afterInvalidation(org: string | null): void {
    if (this.options.top <= 0 || this.closed) return;
    for (const o of org === null ? [...this.byOrg.keys()] : [org]) {
      if (!this.byOrg.has(o) || this.pending.has(o)) continue;
      const t = setTimeout(() => {
        this.pending.delete(o);
        void this.warm(o, false);
      }, this.options.delayMs);
      t.unref();
      this.pending.set(o, t);
    }
  }

  private topOf(org: string): Recipe[] {
    const recipes = [...(this.byOrg.get(org)?.values() ?? [])];
    return recipes.sort((a, b) => b.score - a.score).slice(0, this.options.top);
  }

  /** Refreshes the org's top answers that are missing (or, with `expiringWithinMs`, about to expire). */
  async warm(org: string | null, force: boolean, expiringWithinMs = 0): Promise<WarmReport> {
    const report: WarmReport = { warmed: 0, fresh: 0, failed: 0 };
    if (this.options.top <= 0) return report;
    this.runs++;
    for (const o of org === null ? [...this.byOrg.keys()] : [org]) {
      for (const recipe of this.topOf(o)) {
        if (this.closed) return report;
        const held = this.cache.memory?.inspect(recipe.req.key);
        const expiring = expiringWithinMs > 0 && held !== null && held !== undefined && held.freshUntil < this.cache.now() + expiringWithinMs;
        try {
          const result = await this.cache.warmKey(recipe.req, recipe.compute, force || expiring);
          if (result === 'fresh') report.fresh++;
          else report.warmed++;
        } catch (err) {
          report.failed++;
          this.options.onError?.(err);
        }
      }
    }
    return report;
  }

  private async tick(): Promise<void> {
    await this.warm(null, false, this.options.intervalMs);
    for (const recipes of this.byOrg.values()) {
      for (const [k, r] of recipes) {
        r.score /= 2;
        if (r.score < 0.05) recipes.delete(k);
      }
    }
  }

  stop(): void {
    this.closed = true;
    if (this.timer) clearInterval(this.timer);
    for (const t of this.pending.values()) clearTimeout(t);
    this.pending.clear();
  }
}
