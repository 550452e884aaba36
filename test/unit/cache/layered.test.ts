/**
 * The layered cache: L2 → L1 promotion, TTL and validUntil expiry, single-flight (in process and
 * across instances through the Redis lock), stale-while-revalidate, and the invalidation log that
 * keeps an answer computed before an ingest from being stored after it.
 */
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { LayeredCache } from '../../../src/cache/layered.js';
import type { Compute, ServeRequest } from '../../../src/cache/layered.js';
import { MemoryLayer } from '../../../src/cache/memory.js';
import { noteRead } from '../../../src/cache/read-scope.js';
import { RedisLayer } from '../../../src/cache/redis.js';
import type { ReadTag } from '../../../src/cache/tags.js';
import { eventsRule } from '../../../src/cache/tags.js';
import { FakeClock } from '../../contract/cache.contract.js';
import { SHARED_REDIS_URL, dropPrefix, testPrefix } from '../../fixtures/redis.js';

const DAY = 86_400_000;
const prefix = testPrefix('layered');
let client: Redis;

beforeAll(async () => {
  client = new Redis(SHARED_REDIS_URL, { maxRetriesPerRequest: 1 });
  await new Promise((resolve) => client.once('ready', resolve));
});
afterAll(async () => {
  await dropPrefix(prefix);
  client.disconnect();
});

function build(clock: FakeClock, opts: { memory?: boolean; redis?: boolean } = {}): LayeredCache {
  const memory = opts.memory === false ? null : new MemoryLayer({ maxBytes: 1 << 20, maxEntries: 1000, now: clock.now });
  const redis = opts.redis ? new RedisLayer(client, { prefix, indexTtlMs: 600_000, now: clock.now }) : null;
  return new LayeredCache({ memory, redis, now: clock.now, lockPollMs: 5 });
}

const fixedRead = (clock: FakeClock): ReadTag => ({ events: ['a'], metrics: ['m'], ranges: [[clock.t - 30 * DAY, clock.t - DAY]], validUntil: null });

function counter(clock: FakeClock, read: () => ReadTag = () => fixedRead(clock), delayMs = 0): { compute: Compute; calls: () => number } {
  let n = 0;
  return {
    compute: async () => {
      n++;
      noteRead(read());
      if (delayMs) await new Promise((r) => setTimeout(r, delayMs));
      return { rows: [n], meta: { durationMs: 1 } };
    },
    calls: () => n,
  };
}

let seq = 0;
const req = (over: Partial<ServeRequest> = {}): ServeRequest => ({ key: `k${++seq}`, org: 'acme', policy: { ttlSeconds: 60, swrSeconds: 0 }, ...over });
const body = (bytes: Buffer): { rows: number[]; meta: { cache: { hit: boolean; layer: string | null; stale?: boolean } } } => JSON.parse(bytes.toString());

describe('layered cache', () => {
  it('answers a miss, then L1 hits with meta.cache filled in', async () => {
    const clock = new FakeClock();
    const cache = build(clock);
    const { compute, calls } = counter(clock);
    const r = req();
    const first = await cache.serve(r, compute);
    expect(body(first.bytes).meta.cache).toMatchObject({ hit: false, layer: null, ttlSeconds: 60 });
    const second = await cache.serve(r, compute);
    expect(body(second.bytes)).toMatchObject({ rows: [1], meta: { cache: { hit: true, layer: 'memory' } } });
    expect(calls()).toBe(1);
  });

  it('promotes L2 hits to L1', async () => {
    const clock = new FakeClock();
    const writer = build(clock, { memory: false, redis: true });
    const reader = build(clock, { redis: true });
    const { compute } = counter(clock);
    const r = req();
    await writer.serve(r, compute);
    const fromRedis = await reader.serve(r, compute);
    expect(fromRedis.layer).toBe('redis');
    expect(body(fromRedis.bytes).meta.cache).toMatchObject({ hit: true, layer: 'redis' });
    const fromMemory = await reader.serve(r, compute);
    expect(fromMemory.layer).toBe('memory');
  });

  it('expires at the TTL, and earlier at validUntil (a new bucket or day)', async () => {
    const clock = new FakeClock();
    const cache = build(clock);
    const { compute, calls } = counter(clock);
    const r = req();
    await cache.serve(r, compute);
    clock.t += 59_999;
    expect((await cache.serve(r, compute)).hit).toBe(true);
    clock.t += 1;
    expect((await cache.serve(r, compute)).hit).toBe(false);
    expect(calls()).toBe(2);

    const relative = counter(clock, () => ({ events: null, metrics: [], ranges: [[clock.t - DAY, null]], validUntil: clock.t + 10_000 }));
    const r2 = req();
    const first = await cache.serve(r2, relative.compute);
    expect(first.entry.ttlSeconds).toBe(10);
    clock.t += 10_000;
    expect((await cache.serve(r2, relative.compute)).hit).toBe(false);
  });

  it('runs 100 concurrent identical misses once', async () => {
    const clock = new FakeClock();
    const cache = build(clock);
    const { compute, calls } = counter(clock, undefined, 20);
    const r = req();
    const all = await Promise.all(Array.from({ length: 100 }, () => cache.serve(r, compute)));
    expect(calls()).toBe(1);
    expect(new Set(all.map((s) => body(s.bytes).rows[0]))).toEqual(new Set([1]));
    expect(cache.counters.coalesced).toBe(99);
  });

  it('runs concurrent misses on two instances once through the Redis lock', async () => {
    const clock = new FakeClock();
    const a = build(clock, { redis: true });
    const b = build(clock, { redis: true });
    const { compute, calls } = counter(clock, undefined, 50);
    const r = req();
    const [x, y] = await Promise.all([a.serve(r, compute), b.serve(r, compute)]);
    expect(calls()).toBe(1);
    expect([x.layer, y.layer].sort()).toEqual([null, 'redis'].sort());
  });

  it('does not store an answer an invalidation made stale while it was computed', async () => {
    const clock = new FakeClock();
    const cache = build(clock);
    let release = (): void => undefined;
    const gate = new Promise<void>((resolve) => (release = resolve));
    const r = req();
    const pending = cache.serve(r, async () => {
      noteRead(fixedRead(clock));
      await gate;
      return { rows: ['before-ingest'] };
    });
    await cache.invalidator.apply(eventsRule('acme', [{ event: 'a', timestamp: clock.t - 2 * DAY }]));
    release();
    expect(body((await pending).bytes).rows).toEqual(['before-ingest']);
    expect(cache.memory?.inspect(r.key)).toBeNull();
    expect(cache.counters.unstored).toBe(1);
  });

  it('keeps an answer when the invalidation during its computation does not match it', async () => {
    const clock = new FakeClock();
    const cache = build(clock);
    const r = req();
    await cache.serve(r, async () => {
      noteRead(fixedRead(clock));
      await cache.invalidator.apply(eventsRule('acme', [{ event: 'other', timestamp: clock.t - 2 * DAY }]));
      return { rows: [] };
    });
    expect(cache.memory?.inspect(r.key)).not.toBeNull();
  });

  it('serves stale while one refresh runs (absolute windows: after the TTL)', async () => {
    const clock = new FakeClock();
    const cache = build(clock);
    const { compute, calls } = counter(clock, undefined, 10);
    const r = req({ policy: { ttlSeconds: 60, swrSeconds: 30 } });
    await cache.serve(r, compute);
    clock.t += 70_000;
    const stale = await Promise.all([cache.serve(r, compute), cache.serve(r, compute)]);
    expect(stale.map((s) => [s.hit, s.stale, s.variant])).toEqual([[true, true, 'stale'], [true, true, 'stale']]);
    expect(body(stale[0]!.bytes).meta.cache.stale).toBe(true);
    // Rendered once for the answer, not once per stale reply.
    expect(stale[1]!.bytes).toBe(stale[0]!.bytes);
    await new Promise((resolve) => setTimeout(resolve, 30));
    expect(calls()).toBe(2);
    const fresh = await cache.serve(r, compute);
    expect([fresh.hit, fresh.stale, body(fresh.bytes).rows[0]]).toEqual([true, false, 2]);
    clock.t += 100_000;
    expect((await cache.serve(r, compute)).hit).toBe(false);
  });

  it('never serves a relative answer past its TTL: stale-while-revalidate refreshes ahead instead', async () => {
    const clock = new FakeClock();
    const cache = build(clock);
    const { compute, calls } = counter(clock, () => ({ events: null, metrics: [], ranges: [[clock.t - DAY, null]], validUntil: null }));
    const r = req({ policy: { ttlSeconds: 60, swrSeconds: 20 } });
    await cache.serve(r, compute);
    clock.t += 45_000;
    const ahead = await cache.serve(r, compute);
    expect([ahead.hit, ahead.stale]).toEqual([true, true]);
    await new Promise((resolve) => setTimeout(resolve, 10));
    expect(calls()).toBe(2);
    clock.t += 61_000;
    expect((await cache.serve(r, compute)).hit).toBe(false);
  });

  it('bypass computes and replaces the stored answer', async () => {
    const clock = new FakeClock();
    const cache = build(clock);
    const { compute, calls } = counter(clock);
    const r = req();
    await cache.serve(r, compute);
    const bypassed = await cache.serve({ ...r, bypass: true }, compute);
    expect([bypassed.hit, calls()]).toEqual([false, 2]);
    expect(body((await cache.serve(r, compute)).bytes).rows).toEqual([2]);
  });

  it('does not store TTL 0 endpoints', async () => {
    const clock = new FakeClock();
    const cache = build(clock);
    const { compute, calls } = counter(clock);
    const r = req({ policy: { ttlSeconds: 0, swrSeconds: 0 } });
    await cache.serve(r, compute);
    await cache.serve(r, compute);
    expect(calls()).toBe(2);
  });

  it('drops from L2 what it wrote recently when another instance reports a matching ingest', async () => {
    const clock = new FakeClock();
    const b = build(clock, { redis: true });
    const { compute } = counter(clock);
    const r = req();
    await b.serve(r, compute); // computed on B before A's ingest committed, written after A's L2 pass
    expect(await b.redis?.get(r.key)).not.toBeNull();
    b.invalidator.applyRemote(eventsRule('acme', [{ event: 'a', timestamp: clock.t - 2 * DAY }]));
    await new Promise((resolve) => setTimeout(resolve, 20));
    expect(await b.redis?.get(r.key)).toBeNull();
    expect(b.memory?.inspect(r.key)).toBeNull();
  });

  it('with stale-while-revalidate an ingest makes the answer stale, not gone; strict endpoints drop it', async () => {
    const clock = new FakeClock();
    const cache = build(clock);
    const live = (): ReadTag => ({ events: null, metrics: [], ranges: [[clock.t - DAY, null]], validUntil: null });
    const graced = counter(clock, live, 5);
    const strict = counter(clock, live, 5);
    const rg = req({ policy: { ttlSeconds: 60, swrSeconds: 5 } });
    const rs = req();
    await cache.serve(rg, graced.compute);
    await cache.serve(rs, strict.compute);
    await cache.invalidator.apply(eventsRule('acme', [{ event: 'x', timestamp: clock.t }]));
    const stale = await cache.serve(rg, graced.compute);
    expect([stale.hit, stale.stale, body(stale.bytes).rows[0]]).toEqual([true, true, 1]);
    expect((await cache.serve(rs, strict.compute)).hit).toBe(false);
    await new Promise((resolve) => setTimeout(resolve, 20));
    const fresh = await cache.serve(rg, graced.compute);
    expect([fresh.hit, fresh.stale, body(fresh.bytes).rows[0]]).toEqual([true, false, 2]);
    // Never longer than the grace: 5 s after the invalidation the stale answer is gone.
    await cache.invalidator.apply(eventsRule('acme', [{ event: 'x', timestamp: clock.t }]));
    clock.t += 5_000;
    expect((await cache.serve(rg, graced.compute)).hit).toBe(false);
  });
});
