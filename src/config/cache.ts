/**
 * The cache part of the configuration (docs/cache.md): TTLs and stale-while-revalidate per
 * endpoint, the L1 bounds, the Redis key prefix and timeout, and warming. Parsed by loadConfig;
 * every bad value names its variable.
 */
import { ConfigError } from './config-error.js';
import type { Env } from './readers.js';
import { readRaw, readInt } from './readers.js';
import { DEFAULT_REDIS_PREFIX, redisNamespaces } from './redis.js';

export interface CacheConfig {
  /** TALLY_CACHE=off answers every read from the store (the helpers still add meta.cache). */
  enabled: boolean;
  /** Default TTL of a cached answer, seconds; 0 = no caching unless an endpoint sets one. */
  ttlSeconds: number;
  /** Per endpoint (`query`, `summary`, `timeseries`…) TTL overrides. */
  ttls: Record<string, number>;
  swrSeconds: number;
  swrs: Record<string, number>;
  /** How long closed time buckets are kept (they change only through late events); 0 = no bucket cache. */
  bucketTtlSeconds: number;
  /** L1 bound in bytes; 0 = no L1 (every hit from Redis). */
  memoryMaxBytes: number;
  memoryMaxEntries: number;
  redisPrefix: string;
  /** A Redis cache command not answered within this counts as a miss. */
  redisTimeoutMs: number;
  /** How long an invalidation (an ingest's reply) waits for the other instances to drop their L1 copies. */
  peerAckTimeoutMs: number;
  /** Popular answers kept warm per org; 0 = no warming. */
  warmTop: number;
  warmIntervalSeconds: number;
  /** Delay between an invalidation and the refresh of the org's popular answers. */
  warmDelayMs: number;
}

export function defaultCacheConfig(): CacheConfig {
  return {
    enabled: true,
    ttlSeconds: 60,
    // "Last minute" answers age by themselves; new events invalidate them anyway.
    ttls: { realtime: 5 },
    swrSeconds: 0,
    // The KPI summary is the dashboard polled while events arrive: it may answer one refresh
    // behind (flagged stale, at most 5 s) rather than make every viewer wait after each ingest.
    swrs: { summary: 5 },
    bucketTtlSeconds: 6 * 3600,
    memoryMaxBytes: 64 * 1024 * 1024,
    memoryMaxEntries: 10_000,
    redisPrefix: redisNamespaces(DEFAULT_REDIS_PREFIX).cache,
    redisTimeoutMs: 250,
    peerAckTimeoutMs: 250,
    warmTop: 20,
    warmIntervalSeconds: 300,
    warmDelayMs: 250,
  };
}

/** `query=60,summary=30`: endpoint names and whole seconds. */
function perEndpoint(env: Env, name: string, max: number): Record<string, number> {
  const value = readRaw(env, name);
  const out: Record<string, number> = {};
  if (value === null) return out;
  for (const part of value.split(',')) {
    const [endpoint, seconds, extra] = part.split('=').map((s) => s.trim());
    if (!endpoint || !/^[a-z][a-z0-9_-]{0,63}$/.test(endpoint) || seconds === undefined || extra !== undefined || !/^\d+$/.test(seconds)) {
      throw new ConfigError(name, `must be a list of endpoint=seconds pairs like query=60,summary=30, got "${part.trim()}"`);
    }
    if (Number(seconds) > max) throw new ConfigError(name, `${endpoint} must be at most ${max} seconds`);
    out[endpoint] = Number(seconds);
  }
  return out;
}

function enabled(env: Env): boolean {
  const value = readRaw(env, 'TALLY_CACHE')?.toLowerCase() ?? null;
  if (value === null || ['on', 'true', '1', 'yes'].includes(value)) return true;
  if (['off', 'false', '0', 'no'].includes(value)) return false;
  throw new ConfigError('TALLY_CACHE', `must be on or off, got "${value}"`);
}

/** `redisPrefix`: the cache's namespace of TALLY_REDIS_PREFIX (config/redis.ts). */
export function readCacheConfig(env: Env, redisPrefix = defaultCacheConfig().redisPrefix): CacheConfig {
  const d = defaultCacheConfig();
  const day = 86_400;
  return {
    enabled: enabled(env),
    ttlSeconds: readInt(env, 'TALLY_CACHE_TTL', d.ttlSeconds, 0, day),
    ttls: { ...d.ttls, ...perEndpoint(env, 'TALLY_CACHE_TTLS', day) },
    swrSeconds: readInt(env, 'TALLY_CACHE_SWR', d.swrSeconds, 0, day),
    swrs: { ...d.swrs, ...perEndpoint(env, 'TALLY_CACHE_SWRS', day) },
    bucketTtlSeconds: readInt(env, 'TALLY_CACHE_BUCKET_TTL', d.bucketTtlSeconds, 0, 30 * day),
    memoryMaxBytes: readInt(env, 'TALLY_CACHE_MEMORY_BYTES', d.memoryMaxBytes, 0, 64 * 1024 ** 3),
    memoryMaxEntries: readInt(env, 'TALLY_CACHE_MEMORY_ENTRIES', d.memoryMaxEntries, 1, 10_000_000),
    redisPrefix,
    redisTimeoutMs: readInt(env, 'TALLY_CACHE_REDIS_TIMEOUT_MS', d.redisTimeoutMs, 10, 60_000),
    peerAckTimeoutMs: readInt(env, 'TALLY_CACHE_PEER_ACK_TIMEOUT_MS', d.peerAckTimeoutMs, 0, 60_000),
    warmTop: readInt(env, 'TALLY_CACHE_WARM_TOP', d.warmTop, 0, 1000),
    warmIntervalSeconds: readInt(env, 'TALLY_CACHE_WARM_INTERVAL', d.warmIntervalSeconds, 0, day),
    warmDelayMs: readInt(env, 'TALLY_CACHE_WARM_DELAY_MS', d.warmDelayMs, 0, 600_000),
  };
}

/** The TTL and stale-while-revalidate of one endpoint. */
export function endpointPolicy(config: CacheConfig, endpoint: string): { ttlSeconds: number; swrSeconds: number } {
  if (!config.enabled) return { ttlSeconds: 0, swrSeconds: 0 };
  return { ttlSeconds: config.ttls[endpoint] ?? config.ttlSeconds, swrSeconds: config.swrs[endpoint] ?? config.swrSeconds };
}
