/**
 * cache/: every read endpoint answers from here when it can (docs/cache.md, README.md here).
 *
 * port.ts (the layer contract) · memory.ts (L1) · redis.ts (L2) · layered.ts (lookup order,
 * single-flight, stale-while-revalidate) · keys.ts (normalized keys) · tags.ts (what an answer
 * read; which ingests invalidate it) · invalidator.ts + pubsub.ts (both layers, all instances) ·
 * warmer.ts · read-scope.ts (the engine reports reads) · body.ts (reply bytes) ·
 * cached-read.ts (the one helper routes use) · tally-cache.ts (the service).
 */
import type { Redis } from 'ioredis';
import type { CacheConfig } from '../config/cache.js';
import { createRedis } from '../ops/redis.js';
import { LayeredCache } from './layered.js';
import { MemoryLayer } from './memory.js';
import { InvalidationBus } from './pubsub.js';
import { RedisLayer } from './redis.js';
import { TallyCache } from './tally-cache.js';

export { TallyCache } from './tally-cache.js';
export type { CacheLogger, RedisHealth } from './tally-cache.js';
export { cachedRead, wantsBypass } from './cached-read.js';
export { normalizeQuerySpec, canonicalJson, cacheKey } from './keys.js';
export { noteRead, withReadTag, markUncacheable, collectReads } from './read-scope.js';
export type { ReadTag, EntryTags, InvalidationRule } from './tags.js';

export interface OpenCacheOptions {
  config: CacheConfig;
  /** REDIS_URL; null = L1 only. */
  redisUrl: string | null;
  /** catalog.version: a model change never serves answers of the old model. */
  version: string;
  now?: () => number;
  /** How long opening waits for Redis before going on degraded (it keeps reconnecting). */
  connectWaitMs?: number;
}

function whenReady(client: Redis, ms: number): Promise<boolean> {
  if (client.status === 'ready') return Promise.resolve(true);
  return new Promise((resolve) => {
    const done = (ok: boolean): void => {
      clearTimeout(timer);
      client.off('ready', onReady);
      resolve(ok);
    };
    const onReady = (): void => done(true);
    const timer = setTimeout(() => done(false), ms);
    client.on('ready', onReady);
  });
}

export async function openCache(options: OpenCacheOptions): Promise<TallyCache> {
  const { config } = options;
  const now = options.now ?? Date.now;
  const memory = config.memoryMaxBytes > 0 ? new MemoryLayer({ maxBytes: config.memoryMaxBytes, maxEntries: config.memoryMaxEntries, now }) : null;
  if (options.redisUrl === null || !config.enabled) {
    const layered = new LayeredCache({ memory, redis: null, now });
    return new TallyCache({ config, layered, version: options.version, clients: null, bus: null });
  }

  // Late-bound: the clients report to the service, which needs the clients to exist first.
  let cache: TallyCache | null = null;
  const onError = (err: unknown): void => cache?.redisError(err);
  const clientOptions = { commandTimeoutMs: config.redisTimeoutMs, connectTimeoutMs: 1000, onDown: onError, onUp: () => cache?.redisUp() };
  const main = createRedis(options.redisUrl, { ...clientOptions, autoPipelining: true });
  const subscriber = createRedis(options.redisUrl, { ...clientOptions, onUp: undefined });
  const longest = Math.max(config.ttlSeconds, config.bucketTtlSeconds, ...Object.values(config.ttls)) + Math.max(config.swrSeconds, ...Object.values(config.swrs));
  const redis = new RedisLayer(main, { prefix: config.redisPrefix, indexTtlMs: (longest + 60) * 1000, now, onError });
  const layered = new LayeredCache({ memory, redis, now });
  const bus = new InvalidationBus(subscriber, redis.channel, layered.instanceId, {
    onRule: (rule) => layered.invalidator.applyRemote(rule),
    onResync: () => layered.invalidator.resync(),
    onError,
    sendAck: (channel, text) => void redis.publish(text, channel),
  }, config.peerAckTimeoutMs);
  layered.invalidator.bus = bus;
  cache = new TallyCache({ config, layered, version: options.version, clients: { main, subscriber }, bus });
  const wait = options.connectWaitMs ?? 2000;
  if ((await whenReady(main, wait)) && (await whenReady(subscriber, wait))) await bus.subscribe();
  return cache;
}
