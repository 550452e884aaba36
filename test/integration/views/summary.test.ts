/** GET /dashboard/summary against a reference over the fixture events. */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { QueryEngine } from '../../../src/engine/query-engine.js';
import type { SummaryResult } from '../../../src/engine/views/summary.js';
import { summary } from '../../../src/engine/views/summary.js';
import { localDayKey, localParts } from '../../fixtures/reference.js';
import type { ViewsFixture } from './setup.js';
import { DAY, FIXTURE_END, ORG, closeTo, iso, metricValue, viewsFixture, within } from './setup.js';

let f: ViewsFixture;
beforeAll(async () => {
  f = await viewsFixture();
});
afterAll(() => f.close());

describe('GET /dashboard/summary', () => {
  it('answers each KPI of the default model (learning) with previous period, change and a daily sparkline', async () => {
    const { status, body } = await f.get<SummaryResult>('/dashboard/summary?range=7d');
    expect(status).toBe(200);
    const from = FIXTURE_END - 7 * DAY;
    const current = within(f.events, from, FIXTURE_END);
    const previous = within(f.events, from - 7 * DAY, from);
    const catalog = f.t.catalog;
    expect(body.model).toBe('learning');
    expect(body.kpis.map((k) => k.metric)).toEqual(['active_learners', 'lessons_completed', 'xp_earned', 'quiz_pass_rate', 'avg_score']);
    expect(body.granularity).toBe('1d');
    expect(body.timeRange).toEqual({ from: iso(from), to: iso(FIXTURE_END) });
    expect(body.previousRange).toEqual({ from: iso(from - 7 * DAY), to: iso(from) });
    // 7 days ending at noon: 8 daily buckets (the first and last are partial).
    expect(body.buckets).toHaveLength(8);
    for (const kpi of body.kpis) {
      const value = metricValue(catalog, kpi.metric, current);
      const prev = metricValue(catalog, kpi.metric, previous);
      expect(closeTo(kpi.value, value), kpi.metric).toBe(true);
      expect(closeTo(kpi.previous, prev), kpi.metric).toBe(true);
      expect(closeTo(kpi.change, value !== null && prev ? (value - prev) / prev : null), kpi.metric).toBe(true);
      expect(kpi.label.length).toBeGreaterThan(0);
      expect(kpi.series).toHaveLength(8);
      body.buckets.forEach((bucket, i) => {
        const day = current.filter((e) => iso(e.timestamp).slice(0, 10) === bucket.slice(0, 10));
        expect(closeTo(kpi.series[i], metricValue(catalog, kpi.metric, day)), `${kpi.metric} ${bucket}`).toBe(true);
      });
    }
  });

  it('takes ?model= and a timezone; buckets start at local midnight', async () => {
    const { status, body } = await f.get<SummaryResult>('/dashboard/summary?model=commerce&range=30d&timezone=America/New_York');
    expect(status).toBe(200);
    expect(body.model).toBe('commerce');
    expect(body.kpis.map((k) => k.metric)).toEqual(['revenue', 'orders', 'success_rate', 'conversion_rate', 'average_order_value']);
    for (const bucket of body.buckets.slice(1)) expect(localParts(Date.parse(bucket), 'America/New_York')).toMatchObject({ h: 0, min: 0 });
    expect(body.buckets.slice(1).map((b) => localDayKey(Date.parse(b), 'America/New_York'))).toHaveLength(30);
    const revenue = body.kpis[0]!;
    const total = revenue.series.reduce<number>((a, b) => a + (b ?? 0), 0);
    expect(closeTo(total, revenue.value)).toBe(true);
    expect(body.meta.timezone).toBe('America/New_York');
  });

  it('commerce, 30 days: every KPI and bucket matches the reference both when buckets roll up (actor bitmaps) and per grouping set', async () => {
    const from = FIXTURE_END - 30 * DAY;
    const current = within(f.events, from, FIXTURE_END);
    const previous = within(f.events, from - 30 * DAY, from);
    const catalog = f.t.catalog;
    /** The view through an engine that reports `largestActorKey` and records the statement it runs. */
    const viaEngine = async (largestActorKey: number): Promise<{ result: SummaryResult; sql: string }> => {
      let sql = '';
      const engine = Object.create(f.t.engine, {
        largestActorKey: { value: () => largestActorKey },
        runSql: { value: (text: string, ...rest: unknown[]) => ((sql = text), (f.t.engine.runSql as (...a: unknown[]) => unknown).call(f.t.engine, text, ...rest)) },
      }) as QueryEngine;
      return { result: await summary({ engine, org: ORG }, { model: 'commerce', range: '30d' }), sql };
    };
    const rolled = await viaEngine(f.t.engine.largestActorKey() ?? 0);
    const hashed = await viaEngine(2 ** 31 - 1);
    // Only DuckDB keeps actor keys to roll buckets up with; on PostgreSQL both plans use grouping sets.
    if (f.t.engine.dialect.actorBitmaps !== null) expect(rolled.sql).toContain('bitstring_agg');
    else expect(rolled.sql).toContain('GROUPING SETS');
    expect(hashed.sql).toContain('GROUPING SETS');
    for (const { result } of [rolled, hashed]) {
      expect(result.kpis.map((k) => k.metric)).toEqual(['revenue', 'orders', 'success_rate', 'conversion_rate', 'average_order_value']);
      for (const kpi of result.kpis) {
        expect(closeTo(kpi.value, metricValue(catalog, kpi.metric, current)), kpi.metric).toBe(true);
        expect(closeTo(kpi.previous, metricValue(catalog, kpi.metric, previous)), kpi.metric).toBe(true);
        result.buckets.forEach((bucket, i) => {
          const day = current.filter((e) => iso(e.timestamp).slice(0, 10) === bucket.slice(0, 10));
          expect(closeTo(kpi.series[i], metricValue(catalog, kpi.metric, day)), `${kpi.metric} ${bucket}`).toBe(true);
        });
      }
    }
    // The conversion rate counts distinct shoppers over the whole range, not a sum of daily counts.
    const conversion = rolled.result.kpis.find((k) => k.metric === 'conversion_rate')!;
    const shoppers = (event: string) => new Set(current.filter((e) => e.event === event).map((e) => e.actor)).size;
    expect(closeTo(conversion.value, shoppers('payment.completed') / shoppers('page.viewed'))).toBe(true);
  });

  it('an empty range has zero counts, null averages and ratios, and all-zero sparklines', async () => {
    const { status, body } = await f.get<SummaryResult>('/dashboard/summary?from=2020-01-01T00:00:00Z&to=2020-01-03T00:00:00Z');
    expect(status).toBe(200);
    const byName = Object.fromEntries(body.kpis.map((k) => [k.metric, k]));
    expect(byName['lessons_completed']).toMatchObject({ value: 0, previous: 0, change: null });
    expect(byName['avg_score']).toMatchObject({ value: null, previous: null, change: null });
    expect(byName['quiz_pass_rate']!.value).toBeNull();
    expect(byName['xp_earned']!.series).toEqual(new Array(48).fill(0));
  });

  it('names the bad parameter', async () => {
    const bad = await f.get('/dashboard/summary?model=nope');
    expect(bad.status).toBe(400);
    expect(bad.body.errors?.[0]?.path).toBe('/model');
    expect(bad.body.detail).toContain('learning');
    const tz = await f.get('/dashboard/summary?timezone=Mars/Base');
    expect(tz.status).toBe(400);
    expect(tz.body.code).toBe('INVALID_TIMEZONE');
    expect((await f.get('/dashboard/summary?range=2d')).status).toBe(400);
    const mixed = await f.get('/dashboard/summary?range=7d&from=2026-11-01T00:00:00Z&to=2026-11-02T00:00:00Z');
    expect(mixed.body.errors?.[0]?.path).toBe('/range');
  });

  it('viewers may read it; no token may not', async () => {
    expect((await f.get('/dashboard/summary', 'viewer')).status).toBe(200);
    const res = await f.t.app.inject({ method: 'GET', url: '/api/v1/dashboard/summary' });
    expect(res.statusCode).toBe(401);
  });
});
