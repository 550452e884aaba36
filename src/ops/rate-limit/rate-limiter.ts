/**
 * Per-tenant rate limits. A request of a route class is checked against every subject it
 * belongs to — its org (shared budget), its credential (user or ingest key) and, without a
 * credential, its client IP — each in its own sliding window, so one org at 10× its limit never
 * spends another org's budget. Org tiers multiply the org and credential limits.
 *
 * Penalty blocks cost nothing on the normal path: each instance remembers the blocks it applied
 * or has seen, and asks the shared store only for subjects that are over their limit — which an
 * abusive subject is, so every instance learns of a block as soon as the abuse reaches it.
 */
import type { RateClass, RateLimitConfig } from '../../config/ops.js';
import { RATE_CLASSES } from '../../config/ops.js';
import type { CounterFactory } from './counters.js';
import { Penalties } from './penalties.js';
import type { WindowHit } from './sliding-window.js';
import { SlidingWindow } from './sliding-window.js';

export type Scope = 'org' | 'credential' | 'ip';

export interface Subject {
  scope: Scope;
  id: string;
  limit: number;
}

export interface Caller {
  org: string | null;
  /** `user:<sub>` or `key:<id>`; null without a credential. */
  credential: string | null;
  ip: string;
}

export interface RateDecision {
  allowed: boolean;
  /** The binding subject's numbers: the one with the fewest requests left (or that refused). */
  limit: number;
  remaining: number;
  resetSeconds: number;
  retryAfterSeconds: number;
  reason: 'ok' | 'limit' | 'penalty';
  scope: Scope;
  /** The subjects that refused (for the log and the 429's detail). */
  refusedBy: Scope[];
}

export interface RateLimiterOptions {
  /** Namespaces the counters (e.g. per test run, per deployment sharing one Redis). */
  prefix: string;
  now?: () => number;
}

const seconds = (ms: number): number => Math.max(1, Math.ceil(ms / 1000));

const MAX_LOCAL_BLOCKS = 10_000;
/** Callers whose subjects are remembered; the map starts afresh when full. */
const MAX_PLANS = 10_000;

interface SubjectPlan {
  subjects: Subject[];
  keys: string[];
}

export class RateLimiter {
  private readonly windows: Record<RateClass, SlidingWindow>;
  private readonly penalties: Penalties;
  /** Subject key → end of its block (epoch ms), as applied or seen by this instance. */
  private readonly blocks = new Map<string, number>();
  private readonly plans = new Map<string, SubjectPlan>();
  private readonly now: () => number;

  constructor(
    readonly config: RateLimitConfig,
    counters: CounterFactory,
    options: RateLimiterOptions,
  ) {
    const entries = RATE_CLASSES.map((c) => {
      const windowSeconds = config.classes[c].windowSeconds;
      // Keys live two windows: the current one is still the weighted "previous" one next window.
      const store = counters({ keyPrefix: `${options.prefix}:w:${c}`, durationSeconds: 2 * windowSeconds });
      return [c, new SlidingWindow(store, windowSeconds * 1000, options.now)] as const;
    });
    this.windows = Object.fromEntries(entries) as Record<RateClass, SlidingWindow>;
    this.penalties = new Penalties(counters, config.penalty, `${options.prefix}:p`);
    this.now = options.now ?? Date.now;
  }

  /** The tier multiplier of an org (1 for orgs without a tier). */
  multiplier(org: string): number {
    const tier = this.config.orgTiers[org] ?? 'standard';
    return this.config.tiers[tier] ?? 1;
  }

  subjects(rateClass: RateClass, caller: Caller): Subject[] {
    const limits = this.config.classes[rateClass];
    const out: Subject[] = [];
    if (caller.org !== null) {
      const m = this.multiplier(caller.org);
      const scaled = (n: number): number => (n === 0 ? 0 : Math.max(1, Math.round(n * m)));
      if (limits.org > 0) out.push({ scope: 'org', id: caller.org, limit: scaled(limits.org) });
      if (caller.credential !== null && limits.credential > 0) {
        out.push({ scope: 'credential', id: `${caller.org}/${caller.credential}`, limit: scaled(limits.credential) });
      }
    } else if (limits.ip > 0) {
      out.push({ scope: 'ip', id: caller.ip, limit: limits.ip });
    }
    return out;
  }

  /** The subjects of a caller and their counter keys, worked out once per (class, caller). */
  private planFor(rateClass: RateClass, caller: Caller): SubjectPlan {
    const id = `${rateClass}\n${caller.org ?? ''}\n${caller.credential ?? ''}\n${caller.org === null ? caller.ip : ''}`;
    let plan = this.plans.get(id);
    if (plan === undefined) {
      if (this.plans.size >= MAX_PLANS) this.plans.clear();
      const subjects = this.subjects(rateClass, caller);
      plan = { subjects, keys: subjects.map((s) => `${rateClass}:${s.scope}:${s.id}`) };
      this.plans.set(id, plan);
    }
    return plan;
  }

  /** null when no limit applies to this caller and class. */
  async check(rateClass: RateClass, caller: Caller): Promise<RateDecision | null> {
    if (!this.config.enabled) return null;
    const { subjects, keys } = this.planFor(rateClass, caller);
    if (subjects.length === 0) return null;
    const now = this.now();
    const local = keys.map((k) => this.blockedFor(k, now));
    if (local.some((ms) => ms > 0)) return this.penalized(subjects, local);

    const window = this.windows[rateClass];
    const hits = await Promise.all(subjects.map((s, i) => window.hit(keys[i] as string, s.limit)));
    if (hits.every((h) => h.allowed)) return this.allowed(hits, subjects);
    const refused = hits.flatMap((hit, i) => (hit.allowed ? [] : [{ hit, subject: subjects[i] as Subject, key: keys[i] as string }]));

    // A refused request spends no budget anywhere, so Retry-After is truthful for a client that waits.
    await Promise.all(hits.map((h) => h.undo()));
    // Blocked by another instance? Then this is not a fresh strike.
    const shared = await Promise.all(keys.map((k, i) => (hits[i]?.allowed ? 0 : this.penalties.blockedMs(k))));
    if (shared.some((ms) => ms > 0)) {
      keys.forEach((k, i) => this.remember(k, now, shared[i] ?? 0));
      return this.penalized(subjects, shared);
    }
    const penaltyMs = await Promise.all(refused.map((r) => this.penalties.strike(r.key)));
    refused.forEach((r, i) => this.remember(r.key, now, penaltyMs[i] ?? 0));
    const retryMs = Math.max(...refused.map((r) => r.hit.retryMs), ...penaltyMs);
    const first = refused.reduce((a, b) => (b.hit.retryMs > a.hit.retryMs ? b : a));
    const wait = seconds(retryMs);
    return {
      allowed: false,
      limit: first.hit.limit,
      remaining: 0,
      resetSeconds: wait,
      retryAfterSeconds: wait,
      reason: penaltyMs.some((ms) => ms > 0) ? 'penalty' : 'limit',
      scope: first.subject.scope,
      refusedBy: refused.map((r) => r.subject.scope),
    };
  }

  private blockedFor(key: string, now: number): number {
    const until = this.blocks.get(key);
    if (until === undefined) return 0;
    if (until > now) return until - now;
    this.blocks.delete(key);
    return 0;
  }

  private remember(key: string, now: number, ms: number): void {
    if (ms <= 0) return;
    if (this.blocks.size >= MAX_LOCAL_BLOCKS) {
      for (const [k, until] of this.blocks) if (until <= now) this.blocks.delete(k);
    }
    this.blocks.set(key, now + ms);
  }

  private penalized(subjects: Subject[], blockedMs: number[]): RateDecision {
    const worst = Math.max(...blockedMs);
    const s = subjects[blockedMs.indexOf(worst)] as Subject;
    const wait = seconds(worst);
    return {
      allowed: false,
      limit: s.limit,
      remaining: 0,
      resetSeconds: wait,
      retryAfterSeconds: wait,
      reason: 'penalty',
      scope: s.scope,
      refusedBy: subjects.filter((_, i) => (blockedMs[i] ?? 0) > 0).map((x) => x.scope),
    };
  }

  private allowed(hits: WindowHit[], subjects: Subject[]): RateDecision {
    let binding = 0;
    hits.forEach((h, i) => {
      const b = hits[binding] as WindowHit;
      if (h.remaining < b.remaining || (h.remaining === b.remaining && h.limit < b.limit)) binding = i;
    });
    const h = hits[binding] as WindowHit;
    return {
      allowed: true,
      limit: h.limit,
      remaining: h.remaining,
      resetSeconds: seconds(h.resetMs),
      retryAfterSeconds: 0,
      reason: 'ok',
      scope: (subjects[binding] as Subject).scope,
      refusedBy: [],
    };
  }
}
