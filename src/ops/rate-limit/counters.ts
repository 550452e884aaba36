/**
 * Where rate-limit counts live: Redis (shared by every instance) with rate-limiter-flexible's
 * in-memory insurance limiter taking over while Redis fails, or memory alone without Redis.
 * Callers get the same interface either way and never branch on "is Redis configured".
 */
import type { RateLimiterAbstract } from 'rate-limiter-flexible';
import { RateLimiterMemory, RateLimiterRedis } from 'rate-limiter-flexible';
import type { Redis } from '../redis.js';

export interface CounterOptions {
  keyPrefix: string;
  /** Lifetime of a key from its first count, in whole seconds. */
  durationSeconds: number;
}

/**
 * The counters never reject by themselves: Tally's sliding windows and penalties make the
 * decisions; the library stores, increments and expires the counts atomically.
 */
const UNBOUNDED = 2 ** 30;

export type CounterFactory = (options: CounterOptions) => RateLimiterAbstract;

export function counterFactory(redis: Redis | null): CounterFactory {
  return ({ keyPrefix, durationSeconds }) => {
    const memory = new RateLimiterMemory({ keyPrefix, points: UNBOUNDED, duration: durationSeconds });
    if (redis === null) return memory;
    return new RateLimiterRedis({
      storeClient: redis,
      keyPrefix,
      points: UNBOUNDED,
      duration: durationSeconds,
      insuranceLimiter: memory,
      // Straight to the insurance limiter while disconnected, instead of a failing round trip.
      rejectIfRedisNotReady: true,
    });
  };
}
