/**
 * Applies invalidations to both layers and to the other instances.
 *
 * Local (an ingest here, an admin request): log it (so running computations will not store what
 * it makes stale) → drop from L1 at once → drop from L2 through the org's index → publish the
 * rule. Remote (a notice from another instance): log it → drop from L1 → drop from L2 what this
 * instance wrote in the last seconds: an answer computed here before that ingest committed may
 * have been written to L2 after the other instance's L2 pass.
 */
import type { CacheCounters } from './counters.js';
import type { InvalidationLog } from './invalidation-log.js';
import type { MemoryLayer } from './memory.js';
import { DeferredRules } from './policy.js';
import type { InvalidationBus } from './pubsub.js';
import type { RedisLayer } from './redis.js';
import type { EntryTags, InvalidationRule } from './tags.js';
import { matches } from './tags.js';

/** How far back this instance's own L2 writes are re-checked against a remote notice. */
const RECENT_WRITE_MS = 10_000;
const RECENT_WRITE_CAP = 4096;

interface Write {
  key: string;
  tags: EntryTags;
  at: number;
}

export interface InvalidationResult {
  memory: number;
  redis: number;
}

export class Invalidator {
  private readonly deferred = new DeferredRules();
  private recent: Write[] = [];
  bus: InvalidationBus | null = null;
  /** Called after every applied rule (the warmer refreshes that org's popular answers). */
  onApplied: ((rule: InvalidationRule) => void) | null = null;

  constructor(
    private readonly memory: MemoryLayer | null,
    private readonly redis: RedisLayer | null,
    private readonly log: InvalidationLog,
    private readonly counters: CacheCounters,
    private readonly now: () => number,
  ) {}

  get pending(): number {
    return this.deferred.size;
  }

  wrote(key: string, tags: EntryTags): void {
    this.recent.push({ key, tags, at: this.now() });
    if (this.recent.length > RECENT_WRITE_CAP) this.recent = this.recent.slice(-RECENT_WRITE_CAP / 2);
  }

  /** The L1 part, synchronous: this instance is fresh before the caller goes on. */
  private local(rule: InvalidationRule): number {
    this.log.push(rule);
    const n = this.memory?.invalidateNow(rule) ?? 0;
    this.counters.memoryInvalidated += n;
    return n;
  }

  async apply(rule: InvalidationRule): Promise<InvalidationResult> {
    this.counters.invalidations++;
    const memory = this.local(rule);
    const redis = this.redis ? await this.toRedis(rule) : 0;
    this.onApplied?.(rule);
    return { memory, redis };
  }

  private async toRedis(rule: InvalidationRule): Promise<number> {
    const redis = this.redis as RedisLayer;
    // Rules Redis missed go first, so that it never holds an answer older than one it dropped.
    if (this.deferred.size > 0 && redis.connected) await this.replay();
    const n = await redis.invalidate(rule);
    // With a bus, this waits until the other instances dropped their L1 copies (pubsub.ts).
    const sent = n >= 0 && (this.bus === null || (await this.bus.announce(rule, (text) => redis.publish(text))));
    if (n < 0 || !sent) this.deferred.add(rule);
    if (n > 0) this.counters.redisInvalidated += n;
    return Math.max(0, n);
  }

  applyRemote(rule: InvalidationRule): void {
    this.counters.remoteInvalidations++;
    this.local(rule);
    const since = this.now() - RECENT_WRITE_MS;
    const doomed = this.recent.filter((w) => w.at >= since && matches(w.tags, rule)).map((w) => w.key);
    if (doomed.length && this.redis) void this.redis.delete(doomed);
    this.onApplied?.(rule);
  }

  /** After missing notices (subscriber reconnect): nothing in L1 can be trusted. */
  resync(): void {
    this.counters.resyncs++;
    this.log.push({ kind: 'org', org: null });
    this.memory?.invalidateNow({ kind: 'org', org: null });
  }

  /** Redis is back: send what it missed (no-op while it is still away). */
  async replay(): Promise<void> {
    if (!this.redis?.connected) return;
    for (const rule of this.deferred.take()) await this.toRedis(rule);
  }
}
