/** TALLY_REDIS_PREFIX: one namespace for everything a deployment keeps in Redis (config/redis.ts). */
import { describe, expect, it } from 'vitest';
import { ConfigError, loadConfig } from '../../../src/config/index.js';

describe('Redis namespaces', () => {
  it('puts the cache, rate limits and live bus under tally: by default', () => {
    const c = loadConfig({});
    expect(c.redisKeys).toEqual({ cache: 'tally:cache:', rateLimits: 'tally:rl', liveBus: 'tally:live:' });
    expect(c.cache.redisPrefix).toBe('tally:cache:');
    // Empty is "not set", as for every variable.
    expect(loadConfig({ TALLY_REDIS_PREFIX: '' }).redisKeys).toEqual(c.redisKeys);
  });

  it('moves all three under TALLY_REDIS_PREFIX', () => {
    const c = loadConfig({ TALLY_REDIS_PREFIX: 'acme-prod:' });
    expect(c.redisKeys).toEqual({ cache: 'acme-prod:cache:', rateLimits: 'acme-prod:rl', liveBus: 'acme-prod:live:' });
    expect(c.cache.redisPrefix).toBe('acme-prod:cache:');
  });

  it.each(['has space', 'x'.repeat(49), 'a/b'])('refuses TALLY_REDIS_PREFIX=%j naming the variable', (value) => {
    expect(() => loadConfig({ TALLY_REDIS_PREFIX: value })).toThrowError(ConfigError);
    expect(() => loadConfig({ TALLY_REDIS_PREFIX: value })).toThrowError(/TALLY_REDIS_PREFIX/);
  });

  it('refuses the old TALLY_CACHE_PREFIX, pointing to its replacement', () => {
    // Left in place it would isolate the cache only: rate limits and live events would be shared.
    expect(() => loadConfig({ TALLY_CACHE_PREFIX: 'mine:' })).toThrowError(/TALLY_CACHE_PREFIX.*TALLY_REDIS_PREFIX/);
  });
});
