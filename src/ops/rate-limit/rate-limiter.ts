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
import type { WindowCount, WindowHit } from './sliding-window.js';
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
  refusedBy: readonly Scope[];
}

export interface RateLimiterOptions {
  /** Namespaces the counters (e.g. per test run, per deployment sharing one Redis). */
  prefix: string;
  now?: () => number;
}

const seconds = (ms: number): number => Math.max(1, Math.ceil(ms / 1000));

const MAX_LOCAL_BLOCKS = 10_000;
/** refusedBy of every allowed request: one frozen empty list rather than one per request. */
const NOT_REFUSED: readonly Scope[] = Object.freeze([]);
/** Callers whose subjects are remembered; the map starts afresh when full. */
const MAX_PLANS = 10_000;

/** A caller's subjects and their counter keys for one class (RateLimiter.plan). */
export interface SubjectPlan {
  rateClass: RateClass;
  subjects: Subject[];
  keys: string[];
}

/** Receives a decision (err undefined) or what made deciding fail. */
export type Settle = (err: unknown, decision: RateDecision | null) => void;

/** Settles one request; a callback that throws must not leave the rest of its group waiting. */
function settleSafely(settle: Settle, err: unknown, decision: RateDecision | null): void {
  try {
    settle(err, decision);
  } catch (thrown) {
    queueMicrotask(() => {
      throw thrown;
    });
  }
}

export class RateLimiter {
  private readonly windows: Record<RateClass, SlidingWindow>;
  private readonly penalties: Penalties;
  /** Subject key → end of its block (epoch ms), as applied or seen by this instance. */
  private readonly blocks = new Map<string, number>();
  private readonly plans = new Map<string, SubjectPlan>();
  /** This turn's checks, by caller: counted together at the end of the turn. */
  private turn = new Map<SubjectPlan, Settle[]>();
  private turnScheduled = false;
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

  /**
   * The subjects of a caller and their counter keys, worked out once per (class, caller). A
   * caller with an org is planned without its IP, so a plan may be kept for the caller's later
   * requests (the hit lane keeps one per token and URL).
   */
  plan(rateClass: RateClass, caller: Caller): SubjectPlan {
    const id = `${rateClass}\n${caller.org ?? ''}\n${caller.credential ?? ''}\n${caller.org === null ? caller.ip : ''}`;
    let plan = this.plans.get(id);
    if (plan === undefined) {
      if (this.plans.size >= MAX_PLANS) this.plans.clear();
      const subjects = this.subjects(rateClass, caller);
      plan = { rateClass, subjects, keys: subjects.map((s) => `${rateClass}:${s.scope}:${s.id}`) };
      this.plans.set(id, plan);
    }
    return plan;
  }

  /**
   * null when no limit applies to this caller and class. Checks made during one event-loop turn
   * are counted together when the turn's I/O is done: one counter operation per subject and turn
   * (for Redis, one round trip), each request decided as if they had come one after another.
   */
  check(rateClass: RateClass, caller: Caller): Promise<RateDecision | null> {
    if (!this.config.enabled) return Promise.resolve(null);
    const plan = this.plan(rateClass, caller);
    return new Promise((resolve, reject) => this.decide(plan, (err, decision) => (err === undefined ? resolve(decision) : reject(err))));
  }

  /**
   * check() for a caller planned before, with a callback, called once: synchronously when no limit applies or a block
   * this instance knows of refuses at once, else when the turn's checks have been counted. (The
   * hit lane: no promise per request.)
   */
  decide(plan: SubjectPlan, settle: Settle): void {
    if (!this.config.enabled || plan.subjects.length === 0) return settle(undefined, null);
    const blocked = this.localBlocks(plan.keys, this.now());
    if (blocked !== null) return settle(undefined, this.penalized(plan.subjects, blocked));
    let group = this.turn.get(plan);
    if (group === undefined) {
      group = [];
      this.turn.set(plan, group);
    }
    group.push(settle);
    if (this.turnScheduled) return;
    this.turnScheduled = true;
    setImmediate(this.countTurn);
  }

  private readonly countTurn = (): void => {
    const groups = this.turn;
    this.turn = new Map();
    this.turnScheduled = false;
    for (const [plan, waiting] of groups) {
      this.decideGroup(plan, waiting).catch((err: unknown) => {
        for (const settle of waiting) settleSafely(settle, err, null);
      });
    }
  };

  /** The blocks this instance knows of, per subject (ms left), or null when none applies. */
  private localBlocks(keys: string[], now: number): number[] | null {
    let blocked: number[] | null = null;
    for (let i = 0; i < keys.length; i++) {
      const ms = this.blockedFor(keys[i] as string, now);
      if (ms > 0) (blocked ??= keys.map(() => 0))[i] = ms;
    }
    return blocked;
  }

  /**
   * The requests of one caller in one turn, in arrival order. Counts only grow, so the allowed
   * ones come first; from the first refusal on each is settled in turn, as it would have been
   * alone (a block the previous one earned refuses the next without a strike).
   */
  private async decideGroup(plan: SubjectPlan, waiting: Settle[]): Promise<void> {
    const { subjects, keys } = plan;
    const window = this.windows[plan.rateClass];
    const n = waiting.length;
    const counted = await Promise.all(subjects.map((s, i) => window.hitMany(keys[i] as string, s.limit, n)));
    let j = 0;
    for (; j < n && allAllow(counted, j); j++) settleSafely(waiting[j] as Settle, undefined, this.allowed(counted, j, subjects));
    for (; j < n; j++) {
      const settle = waiting[j] as Settle;
      let decision: RateDecision;
      try {
        decision = await this.refuse(plan, counted.map((c) => c.hit(j)));
      } catch (err) {
        settleSafely(settle, err, null);
        continue;
      }
      settleSafely(settle, undefined, decision);
    }
  }

  /** A request some subject refused: nothing spent anywhere, maybe a penalty earned. */
  private async refuse({ subjects, keys }: SubjectPlan, hits: WindowHit[]): Promise<RateDecision> {
    // A refused request spends no budget anywhere, so Retry-After is truthful for a client that waits.
    await Promise.all(hits.map((h) => h.undo()));
    const now = this.now();
    const local = this.localBlocks(keys, now);
    if (local !== null) return this.penalized(subjects, local);
    const refused = hits.flatMap((hit, i) => (hit.allowed ? [] : [{ hit, subject: subjects[i] as Subject, key: keys[i] as string }]));
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

  /** The decision of the j-th request of a turn every subject allowed: the binding subject's numbers. */
  private allowed(counted: WindowCount[], j: number, subjects: Subject[]): RateDecision {
    let binding = 0;
    let remaining = Number.POSITIVE_INFINITY;
    for (let i = 0; i < counted.length; i++) {
      const c = counted[i] as WindowCount;
      const r = c.remaining(j);
      if (r < remaining || (r === remaining && c.limit < (counted[binding] as WindowCount).limit)) {
        binding = i;
        remaining = r;
      }
    }
    const c = counted[binding] as WindowCount;
    return {
      allowed: true,
      limit: c.limit,
      remaining,
      resetSeconds: seconds(c.resetMs),
      retryAfterSeconds: 0,
      reason: 'ok',
      scope: (subjects[binding] as Subject).scope,
      refusedBy: NOT_REFUSED,
    };
  }
}

function allAllow(counted: WindowCount[], j: number): boolean {
  for (const c of counted) if (!c.allowed(j)) return false;
  return true;
}
