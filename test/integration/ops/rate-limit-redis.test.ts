/**
 * The limiter on Redis: counts shared by every instance, and the in-memory insurance limiter
 * keeping the limits when Redis is unreachable or dies mid-run.
 */
import { afterAll, describe, expect, it } from 'vitest';
import type { RateLimitConfig } from '../../../src/config/ops.js';
import { defaultOpsConfig } from '../../../src/config/ops.js';
import { counterFactory } from '../../../src/ops/rate-limit/counters.js';
import type { Caller } from '../../../src/ops/rate-limit/rate-limiter.js';
import { RateLimiter } from '../../../src/ops/rate-limit/rate-limiter.js';
import type { Redis } from '../../../src/ops/redis.js';
import { closeRedis, createRedis, probeRedis } from '../../../src/ops/redis.js';
import { CLOSED_REDIS_URL, SHARED_REDIS_URL, dropPrefix, privateRedis, testPrefix } from '../../fixtures/redis.js';

const prefix = testPrefix('ops');
const clients: Redis[] = [];

afterAll(async () => {
  await Promise.all(clients.map((c) => closeRedis(c)));
  await dropPrefix(prefix);
});

function client(url: string): Redis {
  const c = createRedis(url, { commandTimeoutMs: 200, connectTimeoutMs: 200 });
  clients.push(c);
  return c;
}

async function ready(c: Redis): Promise<void> {
  if (c.status === 'ready') return;
  await new Promise<void>((resolve) => c.once('ready', () => resolve()));
}

function config(org: number): RateLimitConfig {
  const base = defaultOpsConfig().rateLimits;
  return { ...base, classes: { ...base.classes, query: { org, credential: 0, ip: 0, windowSeconds: 60 } }, penalty: { ...base.penalty, strikes: 0 } };
}

const caller = (org: string): Caller => ({ org, credential: 'user:u', ip: '10.0.0.1' });

async function allowed(l: RateLimiter, org: string, n: number): Promise<boolean[]> {
  const out: boolean[] = [];
  for (let i = 0; i < n; i++) out.push((await l.check('query', caller(org)))?.allowed ?? true);
  return out;
}

describe('rate limits on Redis', () => {
  it('share one budget across instances and keep orgs apart', async () => {
    const redis = client(SHARED_REDIS_URL);
    await ready(redis);
    const p = `${prefix}:shared`;
    const instanceA = new RateLimiter(config(5), counterFactory(redis), { prefix: p });
    const instanceB = new RateLimiter(config(5), counterFactory(redis), { prefix: p });
    expect(await allowed(instanceA, 'acme', 3)).toEqual([true, true, true]);
    expect(await allowed(instanceB, 'acme', 3)).toEqual([true, true, false]);
    expect(await allowed(instanceB, 'globex', 5)).toEqual([true, true, true, true, true]);
    expect((await probeRedis(redis)).status).toBe('ok');
  });

  it('keeps limiting with the insurance limiter when Redis cannot be reached', async () => {
    const redis = client(CLOSED_REDIS_URL);
    const l = new RateLimiter(config(3), counterFactory(redis), { prefix: `${prefix}:closed` });
    const started = performance.now();
    expect(await allowed(l, 'acme', 5)).toEqual([true, true, true, false, false]);
    expect(performance.now() - started).toBeLessThan(2_000);
    expect(await probeRedis(redis)).toMatchObject({ status: 'down' });
  });

  it('falls back to the insurance limiter when Redis dies mid-run, without hanging', async () => {
    const own = await privateRedis();
    try {
      const redis = client(own.url);
      await ready(redis);
      const l = new RateLimiter(config(4), counterFactory(redis), { prefix: `${prefix}:killed` });
      expect(await allowed(l, 'acme', 2)).toEqual([true, true]);
      await own.stop();
      const started = performance.now();
      // The memory counts start afresh, and they limit all the same.
      expect(await allowed(l, 'acme', 6)).toEqual([true, true, true, true, false, false]);
      expect(performance.now() - started).toBeLessThan(3_000);
    } finally {
      await own.stop();
    }
  });
});
