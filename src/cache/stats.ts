/** GET /cache/stats: API.md's shape (`layers`, `hitRate`) plus the counters behind it. */
import type { LayeredCache } from './layered.js';
import type { InvalidationBus } from './pubsub.js';
import type { Warmer } from './warmer.js';

export interface CacheStats {
  layers: {
    memory: { hits: number; misses: number; entries: number; bytes: number; enabled: boolean; evictions: number };
    redis: { hits: number; misses: number; connected: boolean; enabled: boolean; errors: number; subscribed: boolean };
  };
  /** Share of cached reads answered from L1 or L2, 0–1; null before any read. */
  hitRate: number | null;
  requests: number;
  computes: number;
  coalesced: number;
  peerFills: number;
  stale: number;
  bypassed: number;
  unstored: number;
  buckets: { hits: number; misses: number; hitRate: number | null };
  invalidations: { local: number; remote: number; memoryEntries: number; redisEntries: number; pending: number; resyncs: number; peerAckTimeouts: number };
  warming: { runs: number };
}

function rate(hits: number, total: number): number | null {
  return total === 0 ? null : Math.round((hits / total) * 10_000) / 10_000;
}

export function cacheStats(cache: LayeredCache, bus: InvalidationBus | null, warmer: Warmer): CacheStats {
  const c = cache.counters;
  const memory = cache.memory?.stats() ?? { entries: 0, bytes: 0 };
  const hits = c.memoryHits + c.redisHits;
  return {
    layers: {
      memory: {
        hits: c.memoryHits,
        misses: c.memoryMisses,
        entries: memory.entries,
        bytes: memory.bytes,
        enabled: cache.memory !== null,
        evictions: cache.memory?.evictions ?? 0,
      },
      redis: {
        hits: c.redisHits,
        misses: c.redisMisses,
        connected: cache.redis?.connected ?? false,
        enabled: cache.redis !== null,
        errors: c.redisErrors,
        subscribed: bus?.ready ?? false,
      },
    },
    hitRate: rate(hits, c.requests - c.bypassed),
    requests: c.requests,
    computes: c.computes,
    coalesced: c.coalesced,
    peerFills: c.peerFills,
    stale: c.stale,
    bypassed: c.bypassed,
    unstored: c.unstored,
    buckets: { hits: c.bucketHits, misses: c.bucketMisses, hitRate: rate(c.bucketHits, c.bucketHits + c.bucketMisses) },
    invalidations: {
      local: c.invalidations,
      remote: c.remoteInvalidations,
      memoryEntries: c.memoryInvalidated,
      redisEntries: c.redisInvalidated,
      pending: cache.invalidator.pending,
      resyncs: c.resyncs,
      peerAckTimeouts: bus?.ackTimeouts ?? 0,
    },
    warming: { runs: warmer.runs },
  };
}
