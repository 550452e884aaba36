/**
 * Where Tally's state lives in Redis. One prefix (TALLY_REDIS_PREFIX) namespaces everything a
 * deployment keeps there — the answer cache and its invalidation channel, the rate-limit
 * counters and the live bus (channel and sequence counters) — so deployments can share one
 * Redis without seeing each other's cached answers, budgets or events of a same-named org.
 */
import { ConfigError } from './config-error.js';
import type { Env } from './readers.js';
import { readRaw } from './readers.js';

export interface RedisNamespaces {
  /** L2 answers, their tag index and the invalidation channel (cache/redis.ts, cache/pubsub.ts). */
  cache: string;
  /** Rate-limit windows and penalty counters (ops/rate-limit). */
  rateLimits: string;
  /** Live bus channel and per-org sequence counters (live/bus/redis-bus.ts). */
  liveBus: string;
}

export const DEFAULT_REDIS_PREFIX = 'tally:';
const PREFIX_PATTERN = /^[A-Za-z0-9:_.-]{1,48}$/;

export function redisNamespaces(prefix: string): RedisNamespaces {
  return { cache: `${prefix}cache:`, rateLimits: `${prefix}rl`, liveBus: `${prefix}live:` };
}

export function readRedisNamespaces(env: Env): RedisNamespaces {
  // The cache used to have a prefix of its own; a deployment still setting it believes it is
  // isolated while its rate limits and live events are not.
  if (readRaw(env, 'TALLY_CACHE_PREFIX') !== null) {
    throw new ConfigError('TALLY_CACHE_PREFIX', 'was replaced by TALLY_REDIS_PREFIX, which namespaces the cache, rate limits and live events together (TALLY_REDIS_PREFIX=x: puts the cache under x:cache:)');
  }
  const prefix = readRaw(env, 'TALLY_REDIS_PREFIX') ?? DEFAULT_REDIS_PREFIX;
  if (!PREFIX_PATTERN.test(prefix)) throw new ConfigError('TALLY_REDIS_PREFIX', 'must be 1–48 of A-Z a-z 0-9 : _ . -');
  return redisNamespaces(prefix);
}
