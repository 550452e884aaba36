/**
 * The layered cache: L1 (memory) in front of L2 (Redis), single-flight, stale-while-revalidate.
 *
 * serve(): L1 fresh → send its bytes as they are. L1 stale → send, refresh once in the background.
 * L2 → promote to L1 (unless an invalidation matching it came in while it was fetched) and send.
 * Miss → one computation per key in this process; with Redis also a short lock (SET NX PX) so
 * that instances do not stampede: the losers poll L2 briefly, then compute anyway.
 */
import { randomUUID } from 'node:crypto';
import type { CacheMeta } from '../domain/query.js';
import { metaOf, render, replyTag, serializeBody } from './body.js';
import type { CacheCounters } from './counters.js';
import { newCounters } from './counters.js';
import { InvalidationLog } from './invalidation-log.js';
import { Invalidator } from './invalidator.js';
import type { Encode, HitVariant, MemoryLayer, MemoryRecord } from './memory.js';
import type { CachePolicy } from './policy.js';
import { entryTimes } from './policy.js';
import type { CacheEntry } from './port.js';
import { collectReads } from './read-scope.js';
import type { RedisLayer } from './redis.js';
import { entryTags } from './tags.js';

export type Layer = Exclude<CacheMeta['layer'], null>;

export interface ServeRequest {
  key: string;
  org: string;
  policy: CachePolicy;
  /** `?refresh=true` / `Cache-Control: no-cache`: compute now and store the answer. */
  bypass?: boolean;
}

export interface Served {
  bytes: Buffer;
  hit: boolean;
  layer: Layer | null;
  stale: boolean;
  entry: CacheEntry;
  /** The L1 record of a memory hit, and which of its replies `bytes` is, for a compressed reply of them. */
  record?: MemoryRecord;
  variant?: HitVariant;
  /** The reply's weak ETag when known without hashing (L1 hits); cachedRead hashes otherwise. */
  etag?: string | null;
}

/** Produces the reply body (a JSON value); reads it reports become the entry's tags. */
export type Compute = () => Promise<unknown>;

export interface LayeredOptions {
  memory: MemoryLayer | null;
  redis: RedisLayer | null;
  now?: () => number;
  /** The Redis lock's lifetime: longer than a typical computation, short enough to not matter if one dies. */
  lockMs?: number;
  /** How long a lock loser polls L2 before computing itself. */
  lockWaitMs?: number;
  lockPollMs?: number;
}

interface Outcome {
  entry: CacheEntry;
  layer: Layer | null;
}

const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

export class LayeredCache {
  readonly memory: MemoryLayer | null;
  readonly redis: RedisLayer | null;
  readonly counters: CacheCounters = newCounters();
  readonly log = new InvalidationLog();
  readonly invalidator: Invalidator;
  readonly instanceId = randomUUID();
  readonly now: () => number;
  private readonly flights = new Map<string, Promise<Outcome>>();
  /** Background refreshes have no caller to tell: their failures go here (the service logs them). */
  onBackgroundError: ((err: unknown) => void) | null = null;
  private readonly options: Required<Pick<LayeredOptions, 'lockMs' | 'lockWaitMs' | 'lockPollMs'>>;

  constructor(options: LayeredOptions) {
    this.memory = options.memory;
    this.redis = options.redis;
    this.now = options.now ?? Date.now;
    this.options = { lockMs: options.lockMs ?? 2000, lockWaitMs: options.lockWaitMs ?? 1000, lockPollMs: options.lockPollMs ?? 20 };
    this.invalidator = new Invalidator(this.memory, this.redis, this.log, this.counters, this.now);
  }

  async serve(req: ServeRequest, compute: Compute): Promise<Served> {
    const c = this.counters;
    c.requests++;
    if (req.bypass) {
      c.bypassed++;
      return this.answer(await this.computeAndStore(req, compute), false);
    }
    const memory = this.memory;
    const record = memory?.peek(req.key);
    if (memory && record) {
      c.memoryHits++;
      if (this.now() < record.entry.freshUntil) return { bytes: record.hitBytes, hit: true, layer: 'memory', stale: false, entry: record.entry, etag: record.etag, record, variant: 'fresh' };
      this.refresh(req, compute);
      c.stale++;
      const bytes = memory.replyBytes(req.key, record, 'stale');
      return { bytes, hit: true, layer: 'memory', stale: true, entry: record.entry, etag: record.etag, record, variant: 'stale' };
    }
    if (this.memory) c.memoryMisses++;
    if (this.redis) {
      const mark = this.log.mark;
      const entry = await this.redis.get(req.key);
      if (entry) {
        c.redisHits++;
        if (!this.log.stale(mark, entry.tags)) this.memory?.put(req.key, entry);
        const stale = this.now() >= entry.freshUntil;
        if (stale) this.refresh(req, compute);
        return this.answer({ entry, layer: 'redis' }, stale);
      }
      c.redisMisses++;
    }
    let flight = this.flights.get(req.key);
    if (flight) c.coalesced++;
    else flight = this.startFlight(req, compute);
    return this.answer(await flight, false);
  }

  /**
   * An L1 answer that serve() would send as it is (present, fresh, no bypass), counted as serve()
   * counts it; null otherwise, with nothing counted. The HTTP hit lane's one call into the cache.
   */
  freshMemoryHit(key: string): MemoryRecord | null {
    const record = this.memory?.freshHit(key, this.now()) ?? null;
    if (record !== null) {
      this.counters.requests++;
      this.counters.memoryHits++;
    }
    return record;
  }

  /** An L1 hit's reply in a content coding (MemoryLayer.encoded). */
  encodedMemoryHit(key: string, record: MemoryRecord, variant: HitVariant, coding: string, encode: Encode): Buffer | null {
    return this.memory?.encoded(key, record, variant, coding, encode) ?? null;
  }

  /**
   * An L2 answer that serve() would send as it is: L1 holds nothing for the key (a stale L1 entry
   * is serve()'s to refresh) and Redis has a fresh one. Counted and promoted as serve() does;
   * null with nothing counted otherwise.
   */
  async freshRedisHit(key: string): Promise<Served | null> {
    if (this.redis === null || this.memory?.holds(key)) return null;
    const mark = this.log.mark;
    const entry = await this.redis.get(key);
    if (entry === null || this.now() >= entry.freshUntil) return null;
    const c = this.counters;
    c.requests++;
    if (this.memory) c.memoryMisses++;
    c.redisHits++;
    if (this.memory && !this.log.stale(mark, entry.tags)) this.memory.put(key, entry);
    return { ...this.answer({ entry, layer: 'redis' }, false), etag: replyTag(entry) };
  }

  private answer(out: Outcome, stale: boolean): Served {
    if (stale) this.counters.stale++;
    const ready = out.layer === 'redis' && !stale ? out.entry.l2HitBytes : undefined;
    const bytes = ready ?? render(out.entry, metaOf(out.entry, out.layer !== null, out.layer, stale));
    return { bytes, hit: out.layer !== null, layer: out.layer, stale, entry: out.entry };
  }

  private startFlight(req: ServeRequest, compute: Compute): Promise<Outcome> {
    const flight = this.fill(req, compute).finally(() => this.flights.delete(req.key));
    this.flights.set(req.key, flight);
    return flight;
  }

  /** Stale-while-revalidate: one background refresh per key; failures keep the stale answer. */
  private refresh(req: ServeRequest, compute: Compute): void {
    if (this.flights.has(req.key)) return;
    // On failure the stale answer stays until it expires; the next miss reports to its caller.
    this.startFlight(req, compute).catch((err: unknown) => this.onBackgroundError?.(err));
  }

  private async fill(req: ServeRequest, compute: Compute): Promise<Outcome> {
    const redis = this.redis;
    if (!redis?.connected) return this.computeAndStore(req, compute);
    const token = `${this.instanceId}:${randomUUID()}`;
    const won = await redis.tryLock(req.key, token, this.options.lockMs);
    if (won === false) {
      const found = await this.awaitPeer(req);
      if (found) return found;
    }
    try {
      return await this.computeAndStore(req, compute);
    } finally {
      if (won) void redis.unlock(req.key, token);
    }
  }

  /** Another instance holds the lock: its answer usually lands in L2 within milliseconds. */
  private async awaitPeer(req: ServeRequest): Promise<Outcome | null> {
    const redis = this.redis as RedisLayer;
    const deadline = this.now() + this.options.lockWaitMs;
    while (this.now() < deadline && redis.connected) {
      await sleep(this.options.lockPollMs);
      const mark = this.log.mark;
      const entry = await redis.get(req.key);
      if (entry) {
        this.counters.peerFills++;
        if (!this.log.stale(mark, entry.tags)) this.memory?.put(req.key, entry);
        return { entry, layer: 'redis' };
      }
    }
    return null;
  }

  private async computeAndStore(req: ServeRequest, compute: Compute): Promise<Outcome> {
    const mark = this.log.mark;
    const generatedAt = this.now();
    this.counters.computes++;
    const { value, reads, cacheable } = await collectReads(compute);
    const tags = entryTags(req.org, reads);
    const times = entryTimes(generatedAt, req.policy, reads);
    const graceMs = req.policy.swrSeconds * 1000;
    let entry: CacheEntry = { ...serializeBody(value), generatedAt, ...times, graceMs, tags };
    const now = this.now();
    let storable = cacheable && req.policy.ttlSeconds > 0 && entry.expiresAt > now;
    if (storable && this.log.stale(mark, tags)) {
      // An ingest came in while computing. Strict endpoints drop the answer; with grace it is
      // still newer than what is cached, so it is kept as stale (the next read refreshes).
      if (graceMs > 0) entry = { ...entry, freshUntil: now, expiresAt: Math.min(entry.expiresAt, now + graceMs) };
      else storable = false;
    }
    if (storable) await this.store([[req.key, entry]]);
    else this.counters.unstored++;
    return { entry, layer: null };
  }

  private async store(items: ReadonlyArray<[string, CacheEntry]>): Promise<void> {
    for (const [key, entry] of items) this.memory?.put(key, entry);
    if (!this.redis?.connected) return;
    await this.redis.setMany(items);
    for (const [key, entry] of items) this.invalidator.wrote(key, entry.tags);
  }

  /** Entries for many keys at once (bucket rows): L1, then one L2 round trip for the rest. */
  async getEntries(keys: readonly string[]): Promise<Array<CacheEntry | null>> {
    const out = keys.map((k) => this.memory?.peek(k)?.entry ?? null);
    const missing = keys.filter((_, i) => out[i] === null);
    if (this.redis && missing.length > 0) {
      const mark = this.log.mark;
      const found = await this.redis.getMany(missing);
      let j = 0;
      out.forEach((e, i) => {
        if (e !== null) return;
        const entry = found[j++] ?? null;
        if (entry && !this.log.stale(mark, entry.tags)) this.memory?.put(keys[i] as string, entry);
        out[i] = entry;
      });
    }
    for (const e of out) {
      if (e) this.counters.bucketHits++;
      else this.counters.bucketMisses++;
    }
    return out;
  }

  /** Stores entries computed since `mark` (this.log.mark when their reads began), minus those invalidated meanwhile. */
  async putEntries(items: ReadonlyArray<[string, CacheEntry]>, mark: number): Promise<void> {
    const keep = items.filter(([, e]) => !this.log.stale(mark, e.tags));
    if (keep.length) await this.store(keep);
  }

  /**
   * For the warmer: does nothing when L1 holds a fresh answer, takes one from L2 when another
   * instance already refreshed it, and computes otherwise (`force`: compute even if fresh).
   */
  async warmKey(req: ServeRequest, compute: Compute, force: boolean): Promise<'fresh' | 'computed'> {
    const now = this.now();
    const held = this.memory?.inspect(req.key);
    if (!force && held && now < held.freshUntil) return 'fresh';
    if (!force && this.redis) {
      const mark = this.log.mark;
      const entry = await this.redis.get(req.key);
      if (entry && now < entry.freshUntil) {
        if (!this.log.stale(mark, entry.tags)) this.memory?.put(req.key, entry);
        return 'fresh';
      }
    }
    if (force) await this.computeAndStore(req, compute);
    else await (this.flights.get(req.key) ?? this.startFlight(req, compute));
    return 'computed';
  }
}
