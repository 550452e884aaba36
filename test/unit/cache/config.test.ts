/** The cache part of the configuration (config/cache.ts). */
import { describe, expect, it } from 'vitest';
import { endpointPolicy, readCacheConfig } from '../../../src/config/cache.js';
import { ConfigError, loadConfig } from '../../../src/config/index.js';

describe('cache configuration', () => {
  it('has documented defaults and is part of loadConfig', () => {
    const c = loadConfig({}).cache;
    expect(c).toMatchObject({ enabled: true, ttlSeconds: 60, swrSeconds: 0, memoryMaxBytes: 64 * 1024 * 1024, redisPrefix: 'tally:cache:', redisTimeoutMs: 250, peerAckTimeoutMs: 250, warmTop: 20 });
    expect(readCacheConfig({ TALLY_CACHE_PEER_ACK_TIMEOUT_MS: '40' }).peerAckTimeoutMs).toBe(40);
    expect(endpointPolicy(c, 'query')).toEqual({ ttlSeconds: 60, swrSeconds: 0 });
    expect(endpointPolicy(c, 'summary')).toEqual({ ttlSeconds: 60, swrSeconds: 5 });
    expect(endpointPolicy(c, 'realtime')).toEqual({ ttlSeconds: 5, swrSeconds: 0 });
    expect(endpointPolicy(readCacheConfig({ TALLY_CACHE_SWRS: 'summary=0' }), 'summary').swrSeconds).toBe(0);
  });

  it('reads per-endpoint TTLs and stale-while-revalidate', () => {
    const c = readCacheConfig({ TALLY_CACHE_TTL: '30', TALLY_CACHE_TTLS: 'query=120, summary=10', TALLY_CACHE_SWRS: 'summary=5' });
    expect(endpointPolicy(c, 'query')).toEqual({ ttlSeconds: 120, swrSeconds: 0 });
    expect(endpointPolicy(c, 'summary')).toEqual({ ttlSeconds: 10, swrSeconds: 5 });
    expect(endpointPolicy(c, 'breakdown')).toEqual({ ttlSeconds: 30, swrSeconds: 0 });
    expect(endpointPolicy(readCacheConfig({ TALLY_CACHE: 'off' }), 'query').ttlSeconds).toBe(0);
  });

  it.each([
    ['TALLY_CACHE_TTL', 'abc'],
    ['TALLY_CACHE_TTLS', 'query'],
    ['TALLY_CACHE_TTLS', 'Query=5'],
    ['TALLY_CACHE_SWRS', 'summary=-1'],
    ['TALLY_CACHE', 'maybe'],
    ['TALLY_CACHE_REDIS_TIMEOUT_MS', '1'],
    ['TALLY_CACHE_PEER_ACK_TIMEOUT_MS', '-5'],
  ])('rejects %s=%s naming the variable', (name, value) => {
    expect(() => readCacheConfig({ [name]: value })).toThrowError(ConfigError);
    expect(() => readCacheConfig({ [name]: value })).toThrowError(new RegExp(name));
  });
});
