/**
 * The bucket cache on a real DuckDB: answers through it (cold, warm, after late events) equal an
 * engine without any cache, for fills, compares, zones and dimensions; a dashboard over a window
 * ending now recomputes only its open and edge buckets; a late event recomputes exactly its bucket.
 */
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { QuerySpec } from '../../../src/domain/query.js';
import { QueryEngine } from '../../../src/engine/query-engine.js';
import type { TestApp } from '../../fixtures/app.js';
import { createTestApp } from '../../fixtures/app.js';
import { FIXTURE_END, fixtureEvents } from '../../fixtures/events.js';
import { UNLIMITED, ingest, postQuery, recordStatements, windowOf } from './helpers.js';

const DAY = 86_400_000;
const HOUR = 3_600_000;
const iso = (ms: number): string => new Date(ms).toISOString();

let t: TestApp;
let plain: QueryEngine;
let token: string;
let key: string;
let statements: ReturnType<typeof recordStatements>;

beforeAll(async () => {
  t = await createTestApp({ now: FIXTURE_END, ops: UNLIMITED });
  await t.seed('acme', fixtureEvents(1500));
  plain = new QueryEngine(t.store, t.catalog, { now: () => FIXTURE_END });
  token = await t.token('acme', 'analyst');
  key = await t.ingestKey('acme');
  statements = recordStatements(t.store);
});
afterAll(() => t.close());
beforeEach(() => statements.reset());

const SPECS: Array<[string, QuerySpec]> = [
  ['daily count, 7d', { metrics: ['count'], timeRange: { preset: '7d' }, granularity: '1d' }],
  ['hourly revenue by currency, 2 days, Berlin', { metrics: ['revenue', 'p90_amount'], dimensions: ['currency'], timeRange: { preset: '24h' }, granularity: '1h', timezone: 'Europe/Berlin' }],
  ['daily, fill none, 10d', { metrics: ['payments', 'avg(amount)'], timeRange: { preset: '30d' }, granularity: '1d', fill: 'none' }],
  ['daily vs previous period, by channel', { metrics: ['count', 'failure_rate'], dimensions: ['channel'], timeRange: { preset: '7d' }, granularity: '1d', compare: 'previous_period' }],
  ['6h in Kolkata, explicit range, limit/offset', { metrics: ['count_distinct(actor)'], timeRange: { from: iso(FIXTURE_END - 9 * DAY - 5 * HOUR), to: iso(FIXTURE_END - 2 * DAY + 3 * HOUR) }, granularity: '6h', timezone: 'Asia/Kolkata', limit: 7, offset: 3 }],
  ['auto granularity, previous year', { metrics: ['count'], timeRange: { preset: '7d' }, granularity: 'auto', compare: 'previous_year' }],
];

async function expectSameAsPlain(spec: QuerySpec): Promise<void> {
  const cached = await t.engine.run(spec, { org: 'acme' });
  const reference = await plain.run(spec, { org: 'acme' });
  expect(cached.rows).toEqual(reference.rows);
  expect(cached.columns).toEqual(reference.columns);
}

describe('bucket cache answers', () => {
  it.each(SPECS)('equal an uncached engine: %s (cold, then warm)', async (_name, spec) => {
    await expectSameAsPlain(spec);
    await expectSameAsPlain(spec);
  });

  it('stay equal after late events land in closed buckets', async () => {
    await ingest(t.app, key, [
      { event: 'payment.completed', timestamp: FIXTURE_END - 3 * DAY - 2 * HOUR, props: { amount: 77, currency: 'EUR', channel: 'web' } },
      { event: 'page.viewed', timestamp: FIXTURE_END - 5 * DAY, props: { channel: 'new-channel' } },
    ]);
    for (const [, spec] of SPECS) await expectSameAsPlain(spec);
  });
});

describe('work redone under live ingest', () => {
  const dashboard: QuerySpec = { metrics: ['count', 'revenue'], timeRange: { preset: '30d' }, granularity: '1d' };

  it('recomputes only the open and the partial first bucket after an ingest of now', async () => {
    await postQuery(t.app, token, dashboard);
    await ingest(t.app, key, [{ event: 'payment.completed', timestamp: FIXTURE_END - 60_000, props: { amount: 5 } }]);
    statements.reset();
    const reply = await postQuery(t.app, token, dashboard);
    expect(reply.body.meta.cache.hit).toBe(false);
    const windows = statements.list.map(windowOf).sort((a, b) => a[0] - b[0]);
    const startOfToday = Date.UTC(2026, 10, 20);
    expect(windows).toEqual([
      [FIXTURE_END - 30 * DAY, Date.UTC(2026, 9, 22)],
      [startOfToday, FIXTURE_END],
    ]);
    const reference = await plain.run(dashboard, { org: 'acme' });
    expect(reply.body.rows).toEqual(reference.rows);
  });

  it('recomputes exactly the bucket a late event falls into', async () => {
    await postQuery(t.app, token, dashboard);
    const late = FIXTURE_END - 12 * DAY;
    await ingest(t.app, key, [{ event: 'payment.failed', timestamp: late }]);
    statements.reset();
    const reply = await postQuery(t.app, token, dashboard);
    const windows = statements.list.map(windowOf);
    const day = Date.UTC(2026, 10, 8);
    expect(windows).toContainEqual([day, day + DAY]);
    expect(windows).toHaveLength(3); // the late day, the partial first day, today
    expect(reply.body.rows).toEqual((await plain.run(dashboard, { org: 'acme' })).rows);
  });

  it('shares closed days between windows of the same shape (30d warms 7d)', async () => {
    await postQuery(t.app, token, dashboard);
    statements.reset();
    await postQuery(t.app, token, { ...dashboard, timeRange: { preset: '7d' } });
    const windows = statements.list.map(windowOf);
    expect(windows.every(([from, to]) => to - from <= DAY)).toBe(true);
  });
});
