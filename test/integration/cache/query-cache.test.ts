/**
 * POST /query through the cache on a real DuckDB: hits and meta.cache, key normalization, bypass,
 * single-flight, and ingest-aware invalidation precision (an event at T invalidates a 30-day
 * query containing T, not a range before T, not another org's entry, not another event's).
 */
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { QuerySpec } from '../../../src/domain/query.js';
import type { TestApp } from '../../fixtures/app.js';
import { createTestApp } from '../../fixtures/app.js';
import { FIXTURE_END, fixtureEvents } from '../../fixtures/events.js';
import { UNLIMITED, answer, ingest, postQuery, recordStatements } from './helpers.js';

const DAY = 86_400_000;
const iso = (ms: number): string => new Date(ms).toISOString();
const T = FIXTURE_END - 5 * DAY;
const LAST_30 = { from: iso(FIXTURE_END - 30 * DAY), to: iso(FIXTURE_END - DAY) };
const BEFORE_T = { from: iso(T - 20 * DAY), to: iso(T - DAY) };

let t: TestApp;
let token: string;
let key: string;
let statements: ReturnType<typeof recordStatements>;

beforeAll(async () => {
  t = await createTestApp({ now: FIXTURE_END, ops: UNLIMITED });
  await t.seed('acme', fixtureEvents(800));
  await t.seed('globex', fixtureEvents(300, 3));
  token = await t.token('acme', 'analyst');
  key = await t.ingestKey('acme');
  statements = recordStatements(t.store);
});
afterAll(() => t.close());
beforeEach(() => statements.reset());

const count = async (spec: QuerySpec, tok = token) => (await postQuery(t.app, tok, spec)).body;

describe('POST /query cached', () => {
  it('answers a miss, then a memory hit with the same answer and meta.cache set', async () => {
    const spec: QuerySpec = { metrics: ['count', 'revenue'], dimensions: ['currency'], timeRange: LAST_30 };
    const miss = await postQuery(t.app, token, spec);
    const hit = await postQuery(t.app, token, spec);
    expect(miss.body.meta.cache).toMatchObject({ hit: false, layer: null, ttlSeconds: 60 });
    expect(hit.body.meta.cache).toEqual({ ...miss.body.meta.cache, hit: true, layer: 'memory' });
    expect(answer(hit)).toEqual(answer(miss));
    expect(hit.headers['content-type']).toMatch(/^application\/json/);
    expect(hit.headers['x-cache']).toBe('hit; layer=memory');
    expect(statements.list).toHaveLength(1);
  });

  it('gives a miss and its hits the same ETag, and answers If-None-Match with 304', async () => {
    const spec: QuerySpec = { metrics: ['failures'], timeRange: LAST_30 };
    const miss = await postQuery(t.app, token, spec);
    const hit = await postQuery(t.app, token, spec);
    expect(miss.headers['etag']).toMatch(/^W\//);
    expect(hit.headers['etag']).toBe(miss.headers['etag']);
    const res = await t.app.inject({ method: 'POST', url: '/api/v1/query', headers: { authorization: `Bearer ${token}`, 'if-none-match': String(hit.headers['etag']) }, payload: spec as object });
    expect(res.statusCode).toBe(304);
  });

  it('shares one entry between spellings of the same query', async () => {
    const a: QuerySpec = { metrics: ['count'], filters: [{ field: 'currency', op: 'in', value: ['EUR', 'USD'] }, { field: 'amount', op: 'gte', value: 5 }], timeRange: LAST_30 };
    const b: QuerySpec = { timeRange: LAST_30, filters: [{ op: 'gte', value: 5, field: 'amount' }, { field: 'currency', op: 'in', value: ['USD', 'EUR'] }], metrics: ['count'], timezone: 'utc', limit: 1000 };
    await postQuery(t.app, token, a);
    expect((await postQuery(t.app, token, b)).body.meta.cache.hit).toBe(true);
  });

  it('bypasses with ?refresh=true and Cache-Control: no-cache, and stores the fresh answer', async () => {
    const spec: QuerySpec = { metrics: ['payments'], timeRange: LAST_30 };
    await postQuery(t.app, token, spec);
    expect((await postQuery(t.app, token, spec, { url: '/api/v1/query?refresh=true' })).body.meta.cache.hit).toBe(false);
    expect((await postQuery(t.app, token, spec, { headers: { 'cache-control': 'no-cache' } })).body.meta.cache.hit).toBe(false);
    expect((await postQuery(t.app, token, spec)).body.meta.cache.hit).toBe(true);
    expect(statements.list).toHaveLength(3);
  });

  it('runs 100 concurrent identical requests as one store query', async () => {
    const spec: QuerySpec = { metrics: ['count_distinct(actor)', 'p95(amount)'], dimensions: ['channel'], timeRange: LAST_30 };
    const replies = await Promise.all(Array.from({ length: 100 }, () => postQuery(t.app, token, spec)));
    expect(statements.list).toHaveLength(1);
    expect(new Set(replies.map((r) => JSON.stringify(r.body.rows))).size).toBe(1);
  });

  it('never shares answers between orgs', async () => {
    const spec: QuerySpec = { metrics: ['count'], timeRange: LAST_30 };
    const acme = await count(spec);
    const globex = await count(spec, await t.token('globex', 'analyst'));
    expect(globex.meta.cache.hit).toBe(false);
    expect(globex.rows[0]?.['count']).not.toBe(acme.rows[0]?.['count']);
  });
});

describe('invalidation by ingest', () => {
  const q30: QuerySpec = { metrics: ['count'], timeRange: LAST_30 };
  const qBefore: QuerySpec = { metrics: ['count'], timeRange: BEFORE_T };
  const qViews: QuerySpec = { metrics: ['count'], filters: [{ field: 'event', op: 'eq', value: 'page.viewed' }], timeRange: LAST_30 };

  it('drops the 30-day answer containing T, keeps a range before T, another org and another event', async () => {
    const globexToken = await t.token('globex', 'analyst');
    const before = { q30: await count(q30), qBefore: await count(qBefore), qViews: await count(qViews), other: await count(q30, globexToken) };
    await ingest(t.app, key, [{ event: 'payment.completed', timestamp: T, props: { amount: 10 } }]);
    const after = { q30: await count(q30), qBefore: await count(qBefore), qViews: await count(qViews), other: await count(q30, globexToken) };
    expect(after.q30.meta.cache.hit).toBe(false);
    expect(after.q30.rows[0]?.['count']).toBe((before.q30.rows[0]?.['count'] as number) + 1);
    expect(after.qBefore.meta.cache.hit).toBe(true);
    expect(after.qViews.meta.cache.hit).toBe(true);
    expect(after.other.meta.cache.hit).toBe(true);
  });

  it('a late event invalidates exactly the ranges that contain it', async () => {
    const late = FIXTURE_END - 25 * DAY;
    const containing: QuerySpec = { metrics: ['count'], timeRange: { from: iso(late - DAY), to: iso(late + DAY) } };
    const after: QuerySpec = { metrics: ['count'], timeRange: { from: iso(late + DAY), to: iso(late + 3 * DAY) } };
    await count(containing);
    await count(after);
    await ingest(t.app, key, [{ event: 'page.viewed', timestamp: late }]);
    expect((await count(containing)).meta.cache.hit).toBe(false);
    expect((await count(after)).meta.cache.hit).toBe(true);
  });

  it('an event newer than a relative window still invalidates it (presets end at now)', async () => {
    const spec: QuerySpec = { metrics: ['count'], timeRange: { preset: '7d' } };
    const first = await count(spec);
    await ingest(t.app, key, [{ event: 'page.viewed', timestamp: FIXTURE_END - 60_000 }]);
    const second = await count(spec);
    expect(second.meta.cache.hit).toBe(false);
    expect(second.rows[0]?.['count']).toBe((first.rows[0]?.['count'] as number) + 1);
  });
});
