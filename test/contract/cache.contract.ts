/**
 * The cache layer contract: every CacheLayer (memory, Redis) must pass it. Times come from a fake
 * clock the layer was built with, so TTL expiry is tested without sleeping.
 */
import { createHash } from 'node:crypto';
import { afterAll, beforeEach, describe, expect, it } from 'vitest';
import type { CacheEntry, CacheLayer } from '../../src/cache/port.js';
import type { EntryTags } from '../../src/cache/tags.js';
import { eventsRule } from '../../src/cache/tags.js';

export interface LayerUnderTest {
  layer: CacheLayer;
  cleanup(): Promise<void>;
}

export class FakeClock {
  t = Date.UTC(2026, 10, 20, 12);
  readonly now = (): number => this.t;
}

const DAY = 86_400_000;
const T0 = Date.UTC(2026, 10, 1);

export function tags(org: string, over: Partial<EntryTags> = {}): EntryTags {
  return { org, events: ['payment.completed'], metrics: ['revenue'], ranges: [[T0, T0 + 30 * DAY]], ...over };
}

export function entry(clock: FakeClock, body: string, t: EntryTags, ttlMs = 60_000): CacheEntry {
  return {
    prefix: Buffer.from(body),
    splice: 'meta',
    generatedAt: clock.t,
    ttlSeconds: Math.round(ttlMs / 1000),
    freshUntil: clock.t + ttlMs,
    expiresAt: clock.t + ttlMs,
    graceMs: 0,
    tags: t,
  };
}

export function cacheLayerContract(name: string, open: (clock: FakeClock) => Promise<LayerUnderTest>): void {
  describe(`cache layer contract: ${name}`, () => {
    const clock = new FakeClock();
    let subject: LayerUnderTest;
    let layer: CacheLayer;

    beforeEach(async () => {
      await subject?.cleanup();
      clock.t = Date.UTC(2026, 10, 20, 12);
      subject = await open(clock);
      layer = subject.layer;
    });
    afterAll(async () => subject?.cleanup());

    it('stores and returns the bytes, times and tags unchanged, with the reply\'s weak ETag', async () => {
      const e = entry(clock, '{"rows":[1,2,3],"meta":{"x":"é"', tags('acme'));
      await layer.set('k1', e);
      const got = await layer.get('k1');
      expect(got).not.toBeNull();
      expect(got?.prefix.toString()).toBe(e.prefix.toString());
      // sha1 of the bytes before the trailing meta, which differs per reply.
      const etag = `W/"${createHash('sha1').update('{"rows":[1,2,3],').digest('base64url')}"`;
      const { l2HitBytes, ...rest } = got ?? {};
      expect({ ...rest, prefix: null }).toEqual({ ...e, prefix: null, etag });
      // A layer may hand back the reply of a hit on it ready to send (Redis does): the prefix, then
      // meta.cache saying so.
      if (l2HitBytes !== undefined) {
        const reply = JSON.parse(`${l2HitBytes.toString()}`) as { meta: Record<string, unknown> };
        expect(reply.meta).toEqual({ x: 'é', cache: { hit: true, layer: 'redis', generatedAt: new Date(e.generatedAt).toISOString(), ttlSeconds: e.ttlSeconds } });
      }
    });

    it('answers null for an absent key and keeps key order in getMany', async () => {
      await layer.set('a', entry(clock, 'A', tags('acme')));
      await layer.set('c', entry(clock, 'C', tags('acme')));
      expect(await layer.get('nope')).toBeNull();
      const many = await layer.getMany(['a', 'b', 'c']);
      expect(many.map((e) => e?.prefix.toString() ?? null)).toEqual(['A', null, 'C']);
    });

    it('expires entries at expiresAt', async () => {
      await layer.set('short', entry(clock, 'S', tags('acme'), 5_000));
      clock.t += 4_999;
      expect(await layer.get('short')).not.toBeNull();
      clock.t += 1;
      expect(await layer.get('short')).toBeNull();
    });

    it('does not store an entry that is already expired', async () => {
      const e = entry(clock, 'old', tags('acme'));
      e.expiresAt = clock.t;
      await layer.set('old', e);
      expect(await layer.get('old')).toBeNull();
    });

    it('deletes keys', async () => {
      await layer.set('d1', entry(clock, 'D', tags('acme')));
      await layer.delete(['d1', 'never-there']);
      expect(await layer.get('d1')).toBeNull();
    });

    it('invalidates exactly the entries an appended event can change', async () => {
      const inRange = T0 + 10 * DAY;
      await layer.set('hit', entry(clock, '1', tags('acme')));
      await layer.set('any-event', entry(clock, '2', tags('acme', { events: null })));
      await layer.set('open-ended', entry(clock, '3', tags('acme', { ranges: [[T0 + 5 * DAY, null]] })));
      await layer.set('other-event', entry(clock, '4', tags('acme', { events: ['page.viewed'] })));
      await layer.set('before', entry(clock, '5', tags('acme', { ranges: [[T0 - 30 * DAY, T0]] })));
      await layer.set('other-org', entry(clock, '6', tags('globex')));
      const n = await layer.invalidate(eventsRule('acme', [{ event: 'payment.completed', timestamp: inRange }]));
      expect(n).toBe(3);
      const left = await layer.getMany(['hit', 'any-event', 'open-ended', 'other-event', 'before', 'other-org']);
      expect(left.map((e) => e !== null)).toEqual([false, false, false, true, true, true]);
    });

    it('treats range ends as half-open: an event at `to` is outside', async () => {
      await layer.set('r', entry(clock, 'R', tags('acme', { ranges: [[T0, T0 + DAY]] })));
      expect(await layer.invalidate(eventsRule('acme', [{ event: 'payment.completed', timestamp: T0 + DAY }]))).toBe(0);
      expect(await layer.invalidate(eventsRule('acme', [{ event: 'payment.completed', timestamp: T0 }]))).toBe(1);
    });

    it('invalidates by metric, by event, everything of an org, and everything', async () => {
      await layer.set('m1', entry(clock, '1', tags('acme', { metrics: ['revenue', 'orders'] })));
      await layer.set('m2', entry(clock, '2', tags('acme', { metrics: ['count'], events: ['page.viewed'] })));
      await layer.set('m3', entry(clock, '3', tags('globex')));
      const manual = { kind: 'manual' as const, org: 'acme', all: false, events: [], range: null };
      expect(await layer.invalidate({ ...manual, metrics: ['orders'] })).toBe(1);
      expect(await layer.invalidate({ ...manual, metrics: [], events: ['page.viewed'] })).toBe(1);
      await layer.set('m4', entry(clock, '4', tags('acme')));
      expect(await layer.invalidate({ kind: 'org', org: 'acme' })).toBe(1);
      expect(await layer.get('m3')).not.toBeNull();
      await layer.invalidate({ kind: 'org', org: null });
      expect(await layer.get('m3')).toBeNull();
    });

    it('clears everything', async () => {
      await layer.set('x', entry(clock, 'X', tags('acme')));
      await layer.clear();
      expect(await layer.get('x')).toBeNull();
    });

    it('counts hits and misses', async () => {
      const before = layer.stats();
      await layer.set('s', entry(clock, 'S', tags('acme')));
      await layer.get('s');
      await layer.get('missing');
      const after = layer.stats();
      expect(after.hits - before.hits).toBe(1);
      expect(after.misses - before.misses).toBe(1);
    });

    it('answers many concurrent gets of the same and of different keys, each its own, counting every read', async () => {
      await layer.set('p', entry(clock, 'P', tags('acme')));
      await layer.set('q', entry(clock, 'Q', tags('acme')));
      const before = layer.stats();
      const keys = Array.from({ length: 120 }, (_, i) => ['p', 'q', 'absent'][i % 3] as string);
      const got = await Promise.all(keys.map((k) => layer.get(k)));
      expect(got.map((e) => e?.prefix.toString() ?? null)).toEqual(keys.map((k) => (k === 'absent' ? null : k.toUpperCase())));
      const after = layer.stats();
      expect(after.hits - before.hits).toBe(80);
      expect(after.misses - before.misses).toBe(40);
    });
  });
}
