/**
 * The cache service the app uses: policies per endpoint, keys, serve (through the warmer's
 * bookkeeping), ingest-aware invalidation, warming, stats and Redis health. One per process.
 */
import type { Redis } from 'ioredis';
import type { CacheConfig } from '../config/cache.js';
import { endpointPolicy } from '../config/cache.js';
import type { ExpiredEvents } from '../domain/event.js';
import type { AppendedNotice, ErasedNotice } from '../ingest/ingest-service.js';
import { closeRedis, probeRedis } from '../ops/redis.js';
import { Throttle } from './counters.js';
import { KeyMemo } from './keys.js';
import type { Compute, LayeredCache, ServeRequest, Served } from './layered.js';
import type { Encode, HitVariant, MemoryRecord } from './memory.js';
import type { CachePolicy } from './policy.js';
import type { InvalidationBus } from './pubsub.js';
import { eventsRule } from './tags.js';
import type { InvalidationRule } from './tags.js';
import type { InvalidationResult } from './invalidator.js';
import type { WarmReport } from './warmer.js';
import { Warmer } from './warmer.js';
import { cacheStats } from './stats.js';
import type { CacheStats } from './stats.js';

export interface CacheLogger {
  warn(obj: object, msg: string): void;
  info(obj: object, msg: string): void;
}

export interface RedisHealth {
  /** `degraded`: Redis is configured but not answering; reads go on from L1 and the store. */
  status: 'ok' | 'degraded' | 'disabled';
  latencyMs?: number;
  error?: string;
}

export interface CacheParts {
  config: CacheConfig;
  layered: LayeredCache;
  /** The semantic model version, part of every key. */
  version: string;
  clients: { main: Redis; subscriber: Redis } | null;
  bus: InvalidationBus | null;
}

const SILENT: CacheLogger = { warn: () => undefined, info: () => undefined };

export class TallyCache {
  readonly config: CacheConfig;
  readonly layered: LayeredCache;
  readonly warmer: Warmer;
  readonly version: string;
  private logger: CacheLogger = SILENT;
  private readonly errorThrottle = new Throttle(30_000);
  private readonly parts: CacheParts;
  private readonly replayTimer: NodeJS.Timeout | null;
  private readonly keys = new KeyMemo();
  private readonly policies = new Map<string, CachePolicy>();

  constructor(parts: CacheParts) {
    this.parts = parts;
    this.config = parts.config;
    this.layered = parts.layered;
    this.version = parts.version;
    this.warmer = new Warmer(parts.layered, {
      top: parts.config.warmTop,
      delayMs: parts.config.warmDelayMs,
      intervalMs: parts.config.warmIntervalSeconds * 1000,
      onError: (err) => this.logger.warn({ err }, 'cache: warming a query failed'),
    });
    this.layered.invalidator.onApplied = (rule) => this.warmer.afterInvalidation(rule.org);
    this.layered.onBackgroundError = (err) => this.logger.warn({ err }, 'cache: background refresh failed');
    // Invalidations Redis missed are replayed when it answers again, even if no new one comes.
    this.replayTimer = parts.clients
      ? setInterval(() => {
          if (this.layered.invalidator.pending > 0) void this.layered.invalidator.replay();
        }, 1000).unref()
      : null;
  }

  /** The command and pub/sub connections (null without Redis); tests hold the pub/sub one back. */
  get redisClients(): { main: Redis; subscriber: Redis } | null {
    return this.parts.clients;
  }

  setLogger(logger: CacheLogger): void {
    this.logger = logger;
  }

  policy(endpoint: string): CachePolicy {
    let policy = this.policies.get(endpoint);
    if (policy === undefined) this.policies.set(endpoint, (policy = Object.freeze(endpointPolicy(this.config, endpoint))));
    return policy;
  }

  key(endpoint: string, org: string, input: unknown): string {
    return this.keys.key({ endpoint, org, version: this.version, input });
  }

  /** A fresh L1 answer for the HTTP hit lane (counted as a hit, and as interest for warming). */
  freshMemoryHit(org: string, key: string): MemoryRecord | null {
    const record = this.layered.freshMemoryHit(key);
    if (record !== null) this.warmer.touch(org, key);
    return record;
  }

  /** An L1 hit's reply (fresh or stale) in a content coding, compressed once per answer (MemoryLayer.encoded). */
  encodedMemoryHit(key: string, record: MemoryRecord, variant: HitVariant, coding: string, encode: Encode): Buffer | null {
    return this.layered.encodedMemoryHit(key, record, variant, coding, encode);
  }

  /** A fresh L2 answer for the HTTP hit lane when L1 holds none (see LayeredCache.freshRedisHit). */
  async freshRedisHit(org: string, key: string): Promise<Served | null> {
    const served = await this.layered.freshRedisHit(key);
    if (served !== null) this.warmer.touch(org, key);
    return served;
  }

  get hasRedis(): boolean {
    return this.layered.redis !== null;
  }

  async serve(req: ServeRequest, compute: Compute): Promise<Served> {
    this.warmer.record(req, compute);
    return this.layered.serve(req, compute);
  }

  /** IngestService.onAppended: resolves once L1, L2 and the other instances were told. */
  readonly onAppended = async (notice: AppendedNotice): Promise<void> => {
    await this.invalidate(eventsRule(notice.org, notice.events));
  };

  /**
   * IngestService.onErased: answers that read the erased events' names over their span are dropped
   * everywhere — as an admin's invalidation, never served stale afterwards (stale-while-revalidate
   * keeps an answer after an ingest; an erased actor must not be shown again).
   */
  readonly onErased = async (notice: ErasedNotice): Promise<void> => {
    await this.invalidate({ kind: 'manual', org: notice.org, all: false, metrics: [], events: notice.eventNames, range: [notice.minTime, notice.maxTime + 1] });
  };

  /** The retention sweep deleted an org's events before `before`: every answer that read that span goes. */
  readonly onExpired = async (expired: ExpiredEvents): Promise<void> => {
    await this.invalidate({ kind: 'manual', org: expired.org, all: true, metrics: [], events: [], range: [0, expired.before] });
  };

  invalidate(rule: InvalidationRule): Promise<InvalidationResult> {
    return this.layered.invalidator.apply(rule);
  }

  warm(org: string | null): Promise<WarmReport> {
    return this.warmer.warm(org, false);
  }

  stats(): CacheStats {
    return cacheStats(this.layered, this.parts.bus, this.warmer);
  }

  async redisHealth(): Promise<RedisHealth> {
    if (this.parts.clients === null) return { status: 'disabled' };
    const check = await probeRedis(this.parts.clients.main);
    if (check.status === 'ok') return check.latencyMs === undefined ? { status: 'ok' } : { status: 'ok', latencyMs: check.latencyMs };
    return { status: 'degraded', ...(check.error ? { error: check.error } : {}) };
  }

  /** Redis failures are expected in a degraded mode: counted always, logged at most every 30 s. */
  redisError(err: unknown): void {
    this.layered.counters.redisErrors++;
    const swallowed = this.errorThrottle.pass();
    if (swallowed !== null) this.logger.warn({ err, suppressed: swallowed }, 'cache: Redis unavailable, serving from memory');
  }

  redisUp(): void {
    this.logger.info({}, 'cache: Redis is back; replaying invalidations it missed');
    void this.layered.invalidator.replay();
  }

  async close(): Promise<void> {
    this.warmer.stop();
    if (this.replayTimer) clearInterval(this.replayTimer);
    await this.layered.memory?.clear();
    if (this.parts.clients) {
      await Promise.all([closeRedis(this.parts.clients.main), closeRedis(this.parts.clients.subscriber)]);
    }
  }
}
