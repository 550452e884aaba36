/**
 * The dashboard views through the cache: the KPI summary answers from the cache while events keep
 * arriving (stale, one refresh behind, by default), per-caller answers do not leak between callers,
 * and authorization runs before the cache.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { defaultModelPaths } from '../../../src/model/load.js';
import { generateEvents } from '../../../src/datasets/index.js';
import type { TestApp } from '../../fixtures/app.js';
import { createTestApp } from '../../fixtures/app.js';
import { FIXTURE_END } from '../../fixtures/events.js';
import { UNLIMITED } from './helpers.js';

const DAY = 86_400_000;
let t: TestApp;
let key: string;

beforeAll(async () => {
  t = await createTestApp({ now: FIXTURE_END, models: defaultModelPaths(), ops: UNLIMITED });
  await t.seed('acme', [...generateEvents({ dataset: 'commerce', events: 3000, days: 20, end: FIXTURE_END, seed: 3 })].flat());
  await t.seed('acme', [...generateEvents({ dataset: 'learning', events: 2000, days: 20, end: FIXTURE_END, seed: 4 })].flat());
  key = await t.ingestKey('acme');
});
afterAll(() => t.close());

async function get(url: string, role: 'viewer' | 'analyst' = 'analyst', actor?: string) {
  const token = await t.token('acme', role, actor);
  const res = await t.app.inject({ method: 'GET', url: `/api/v1${url}`, headers: { authorization: `Bearer ${token}` } });
  return { status: res.statusCode, cache: res.headers['x-cache'], body: res.json() };
}

async function pay(amount: number): Promise<void> {
  const res = await t.app.inject({
    method: 'POST',
    url: '/api/v1/events',
    headers: { authorization: `Bearer ${key}` },
    payload: { event: 'payment.completed', timestamp: new Date(FIXTURE_END - 60_000).toISOString(), actor: 'u_live', props: { amount, currency: 'EUR', channel: 'web', product: 'Course bundle' } },
  });
  expect(res.statusCode).toBe(200);
}

const revenue = (body: { kpis: Array<{ metric: string; value: number }> }): number => body.kpis.find((k) => k.metric === 'revenue')?.value ?? NaN;

describe('GET /dashboard/summary under live ingest', () => {
  it('answers from the cache, stale for one refresh after an ingest, then fresh', async () => {
    const url = '/dashboard/summary?range=7d&model=commerce';
    const first = await get(url);
    expect(first.status).toBe(200);
    expect((await get(url)).cache).toBe('hit; layer=memory');
    await pay(1000);
    const stale = await get(url);
    expect(stale.cache).toBe('hit; layer=memory; stale');
    expect(stale.body.meta.cache.stale).toBe(true);
    expect(revenue(stale.body)).toBe(revenue(first.body));
    await new Promise((resolve) => setTimeout(resolve, 300));
    const fresh = await get(url);
    expect(fresh.cache).toBe('hit; layer=memory');
    expect(revenue(fresh.body)).toBeCloseTo(revenue(first.body) + 1000, 6);
  });

  it('is fresh at once with ?refresh=true', async () => {
    const url = '/dashboard/summary?range=7d&model=commerce';
    const before = await get(url);
    await pay(50);
    const refreshed = await get(`${url}&refresh=true`);
    expect(refreshed.cache).toBe('miss');
    expect(revenue(refreshed.body)).toBeCloseTo(revenue(before.body) + 50, 6);
  });
});

describe('per-caller answers', () => {
  it('the leaderboard keys on the caller, so "me" is never someone else\'s', async () => {
    const board = await get('/leaderboard?model=learning&range=30d', 'viewer', 'u_1');
    const other = await get('/leaderboard?model=learning&range=30d', 'viewer', 'u_2');
    expect(other.cache).toBe('miss');
    expect(board.body.me?.actor ?? 'u_1').toBe('u_1');
    expect(other.body.me?.actor ?? 'u_2').toBe('u_2');
  });

  it('a viewer cannot read another actor\'s cached insights', async () => {
    const token = await t.token('acme', 'analyst');
    const top = await t.app.inject({ method: 'POST', url: '/api/v1/query', headers: { authorization: `Bearer ${token}` }, payload: { metrics: ['count'], dimensions: ['actor'], limit: 1 } });
    const actor = String(top.json().rows[0].actor);
    const url = `/actors/${encodeURIComponent(actor)}/insights?model=learning&range=30d`;
    expect((await get(url)).status).toBe(200);
    expect((await get(url, 'viewer', 'someone-else')).status).toBe(403);
    expect((await get(url, 'viewer', actor)).cache).toBe('hit; layer=memory');
  });

  it('the activity feed of a viewer is not another viewer\'s', async () => {
    const a = await get('/activity?limit=5', 'viewer', 'u_5');
    const b = await get('/activity?limit=5', 'viewer', 'u_6');
    expect(b.cache).toBe('miss');
    expect(a.status).toBe(200);
  });
});

describe('events far in the past', () => {
  it('a late event changes only the view answers whose window holds it', async () => {
    const token = await t.token('acme', 'analyst');
    const series = (from: number, to: number) => async () => {
      const res = await t.app.inject({
        method: 'POST',
        url: '/api/v1/timeseries',
        headers: { authorization: `Bearer ${token}` },
        payload: { metrics: ['revenue'], granularity: '1d', timeRange: { from: new Date(from).toISOString(), to: new Date(to).toISOString() } },
      });
      expect(res.statusCode).toBe(200);
      return res.headers['x-cache'];
    };
    const thisWeek = series(FIXTURE_END - 7 * DAY, FIXTURE_END);
    const older = series(FIXTURE_END - 19 * DAY, FIXTURE_END - 12 * DAY);
    await thisWeek();
    await older();
    await t.app.inject({
      method: 'POST',
      url: '/api/v1/events',
      headers: { authorization: `Bearer ${key}` },
      payload: { event: 'payment.completed', timestamp: new Date(FIXTURE_END - 15 * DAY).toISOString(), props: { amount: 5, currency: 'EUR', channel: 'web', product: 'x' } },
    });
    expect(await older()).toBe('miss');
    expect(await thisWeek()).toBe('hit; layer=memory');
  });
});
