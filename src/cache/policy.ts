/**
 * How long an answer is served, from the endpoint's policy and what the answer read.
 *
 * - Every answer lives at most `ttlSeconds`; one read relative to now (a `7d` preset) also ends
 *   at its `validUntil` (the next bucket or day), so `today` never survives midnight.
 * - Stale-while-revalidate (`swrSeconds`): past `freshUntil` the answer is still served, once
 *   refreshed in the background. For absolute windows that is after the TTL; for answers relative
 *   to now it is the last `swr` seconds *within* the TTL (refresh ahead), so that no answer
 *   computed for an older "now" is ever served beyond the TTL. An ingest that invalidates such an
 *   entry makes it stale (in L1) for at most `swr` seconds instead of dropping it, so a dashboard
 *   polled under live ingest answers at once, one refresh behind at most (meta.cache.stale).
 */
import type { InvalidationRule, ReadTag } from './tags.js';
import { validUntilOf } from './tags.js';

export interface CachePolicy {
  /** 0 = do not cache this endpoint. */
  ttlSeconds: number;
  swrSeconds: number;
}

export interface EntryTimes {
  ttlSeconds: number;
  freshUntil: number;
  expiresAt: number;
}

export function isRelative(reads: readonly ReadTag[]): boolean {
  return reads.some((r) => r.validUntil !== null || r.ranges.some(([, to]) => to === null));
}

export function entryTimes(generatedAt: number, policy: CachePolicy, reads: readonly ReadTag[]): EntryTimes {
  const validUntil = validUntilOf(reads);
  const end = Math.min(generatedAt + policy.ttlSeconds * 1000, validUntil ?? Infinity);
  const ttlSeconds = Math.max(0, Math.round((end - generatedAt) / 1000));
  const swr = policy.swrSeconds * 1000;
  if (isRelative(reads)) return { ttlSeconds, freshUntil: end - Math.min(swr, (end - generatedAt) / 2), expiresAt: end };
  return { ttlSeconds, freshUntil: end, expiresAt: end + swr };
}

/**
 * Invalidations Redis could not take (down, timing out), replayed when it is back so that L2 and
 * the other instances do not keep answers this instance knew to be stale. Bounded: past the cap,
 * the orgs involved are invalidated entirely on replay.
 */
export class DeferredRules {
  private rules: InvalidationRule[] = [];
  private wholeOrgs = new Set<string | null>();

  constructor(private readonly cap = 1000) {}

  get size(): number {
    return this.rules.length + this.wholeOrgs.size;
  }

  add(rule: InvalidationRule): void {
    if (this.wholeOrgs.has(null) || this.wholeOrgs.has(rule.org)) return;
    if (this.rules.length < this.cap) {
      this.rules.push(rule);
      return;
    }
    this.wholeOrgs.add(rule.org);
    for (const r of this.rules) this.wholeOrgs.add(r.org);
    this.rules = [];
  }

  take(): InvalidationRule[] {
    const out: InvalidationRule[] = [...this.rules, ...[...this.wholeOrgs].map((org): InvalidationRule => ({ kind: 'org', org }))];
    this.rules = [];
    this.wholeOrgs = new Set();
    return out;
  }
}
