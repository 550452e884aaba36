/**
 * GET /cache/stats, POST /cache/invalidate, POST /cache/warm (admins only), warming after an
 * invalidation, and relative presets that must not outlive their day.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { QuerySpec } from '../../../src/domain/query.js';
import type { TestApp } from '../../fixtures/app.js';
import { createTestApp } from '../../fixtures/app.js';
import { FIXTURE_END, fixtureEvents } from '../../fixtures/events.js';
import { UNLIMITED, ingest, postQuery } from './helpers.js';

let t: TestApp;
let admin: string;
let analyst: string;

beforeAll(async () => {
  t = await createTestApp({ now: FIXTURE_END, ops: UNLIMITED, cache: { warmTop: 5, warmDelayMs: 10, warmIntervalSeconds: 0 } });
  await t.seed('acme', fixtureEvents(400));
  admin = await t.token('acme', 'admin');
  analyst = await t.token('acme', 'analyst');
});
afterAll(() => t.close());

const call = (method: 'GET' | 'POST', url: string, token: string, payload?: object) =>
  t.app.inject({ method, url: `/api/v1${url}`, headers: { authorization: `Bearer ${token}` }, ...(payload ? { payload } : {}) });

describe('cache routes', () => {
  it('GET /cache/stats reports layers and the hit rate, to admins only', async () => {
    const spec: QuerySpec = { metrics: ['count'], timeRange: { preset: '7d' } };
    await postQuery(t.app, analyst, spec);
    await postQuery(t.app, analyst, spec);
    const res = await call('GET', '/cache/stats', admin);
    expect(res.statusCode).toBe(200);
    const stats = res.json();
    expect(stats.layers.memory).toMatchObject({ hits: expect.any(Number), misses: expect.any(Number), entries: expect.any(Number), bytes: expect.any(Number) });
    expect(stats.layers.redis).toMatchObject({ hits: 0, misses: 0, connected: false });
    expect(stats.hitRate).toBeGreaterThan(0);
    expect((await call('GET', '/cache/stats', analyst)).statusCode).toBe(403);
  });

  it('POST /cache/invalidate drops entries by metric, or all of the org; 400 when nothing is named', async () => {
    const revenue: QuerySpec = { metrics: ['revenue'], timeRange: { preset: '30d' } };
    const views: QuerySpec = { metrics: ['count'], filters: [{ field: 'event', op: 'eq', value: 'page.viewed' }] };
    await postQuery(t.app, analyst, revenue);
    await postQuery(t.app, analyst, views);
    const res = await call('POST', '/cache/invalidate', admin, { metrics: ['revenue'] });
    expect(res.statusCode).toBe(200);
    expect(res.json().invalidated.memory).toBeGreaterThanOrEqual(1);
    expect((await postQuery(t.app, analyst, revenue)).body.meta.cache.hit).toBe(false);
    expect((await postQuery(t.app, analyst, views)).body.meta.cache.hit).toBe(true);
    await call('POST', '/cache/invalidate', admin, { all: true });
    expect((await postQuery(t.app, analyst, views)).body.meta.cache.hit).toBe(false);
    expect((await call('POST', '/cache/invalidate', admin, {})).statusCode).toBe(400);
    expect((await call('POST', '/cache/invalidate', analyst, { all: true })).statusCode).toBe(403);
  });

  it('warms the most requested answers after an invalidation and on POST /cache/warm', async () => {
    const popular: QuerySpec = { metrics: ['payments'], timeRange: { preset: '7d' }, granularity: '1d' };
    for (let i = 0; i < 5; i++) await postQuery(t.app, analyst, popular);
    const key = await t.ingestKey('acme');
    await ingest(t.app, key, [{ event: 'payment.completed', timestamp: FIXTURE_END - 1000, props: { amount: 1 } }]);
    await new Promise((resolve) => setTimeout(resolve, 200));
    const warmed = await postQuery(t.app, analyst, popular);
    expect(warmed.body.meta.cache.hit).toBe(true);
    expect(warmed.body.rows.at(-1)?.['payments']).toBeGreaterThanOrEqual(1);

    await call('POST', '/cache/invalidate', admin, { all: true });
    const res = await call('POST', '/cache/warm', admin);
    expect(res.statusCode).toBe(200);
    expect(res.json().warmed + res.json().fresh).toBeGreaterThanOrEqual(1);
    expect((await postQuery(t.app, analyst, popular)).body.meta.cache.hit).toBe(true);
  });
});

describe('relative presets', () => {
  it('`today` is cached at most until midnight in its zone, even with a longer TTL', async () => {
    const late = Date.UTC(2026, 10, 20, 23, 59, 30);
    const app = await createTestApp({ now: late, ops: UNLIMITED, cache: { ttlSeconds: 600 } });
    try {
      const token = await app.token('acme', 'analyst');
      const today = await postQuery(app.app, token, { metrics: ['count'], timeRange: { preset: 'today' } });
      expect(today.body.meta.cache.ttlSeconds).toBe(30);
      const berlin = await postQuery(app.app, token, { metrics: ['count'], timeRange: { preset: 'today' }, timezone: 'Europe/Berlin' });
      expect(berlin.body.meta.cache.ttlSeconds).toBe(600); // Berlin's day ends at 23:00 UTC tomorrow
      const fixed = await postQuery(app.app, token, { metrics: ['count'], timeRange: { from: '2026-11-01T00:00:00Z', to: '2026-11-02T00:00:00Z' } });
      expect(fixed.body.meta.cache.ttlSeconds).toBe(600);
    } finally {
      await app.close();
    }
  });
});
