/** POST /compare: values of a dimension side by side with percentile ranks, and period-vs-period. */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { CompareResult } from '../../../src/engine/views/compare.js';
import { groupBy } from '../../fixtures/reference.js';
import type { ViewsFixture } from './setup.js';
import { DAY, FIXTURE_END, closeTo, iso, metricValue, rankReference, viewsFixture, within } from './setup.js';

let f: ViewsFixture;
beforeAll(async () => {
  f = await viewsFixture();
});
afterAll(() => f.close());

const RANGE = { from: iso(FIXTURE_END - 10 * DAY), to: iso(FIXTURE_END) };

describe('POST /compare', () => {
  it('compares classes on two metrics, each with its rank and percentile among all classes', async () => {
    const rows = within(f.events, FIXTURE_END - 10 * DAY, FIXTURE_END);
    const read = rows.filter((e) => e.event === 'lesson.completed' || e.event === 'quiz.submitted');
    const classes = groupBy(read.filter((e) => e.props['class'] != null), (e) => e.props['class'] as string);
    const chosen = [...classes.keys()].sort().slice(0, 3);
    const { status, body } = await f.post<CompareResult>('/compare', {
      dimension: 'class', values: chosen, metrics: ['xp_earned', 'avg_score'], timeRange: RANGE,
    });
    expect(status).toBe(200);
    const catalog = f.t.catalog;
    for (const metric of ['xp_earned', 'avg_score']) {
      const values = new Map<string, number>();
      for (const [klass, list] of classes) {
        const v = metricValue(catalog, metric, list);
        if (v !== null) values.set(klass, v);
      }
      const ranks = rankReference(values);
      expect(body.participants[metric]).toBe(values.size);
      for (const v of body.values) {
        expect(closeTo(v.metrics[metric], metricValue(catalog, metric, classes.get(v.value as string)!)), `${metric} ${String(v.value)}`).toBe(true);
        expect(v.ranks[metric]!.rank).toBe(ranks.get(v.value as string)!.rank);
        expect(v.ranks[metric]!.percentile).toBeCloseTo(ranks.get(v.value as string)!.percentile, 2);
      }
    }
    expect(body.values.map((v) => v.value)).toEqual(chosen);
  });

  it("defaults to the model's actor metrics and compares periods with compare", async () => {
    const actors = [...groupBy(f.events.filter((e) => e.event === 'payment.completed'), (e) => e.actor!).keys()].slice(0, 2);
    const { body } = await f.post<CompareResult>('/compare', {
      dimension: 'actor', values: actors, model: 'commerce', timeRange: RANGE, compare: 'previous_period',
    });
    expect(body.metrics).toEqual(['revenue', 'orders', 'average_order_value', 'page_views']);
    for (const v of body.values) {
      const mine = f.events.filter((e) => e.actor === v.value);
      const now = within(mine, FIXTURE_END - 10 * DAY, FIXTURE_END);
      const before = within(mine, FIXTURE_END - 20 * DAY, FIXTURE_END - 10 * DAY);
      expect(closeTo(v.metrics['revenue'], metricValue(f.t.catalog, 'revenue', now))).toBe(true);
      expect(closeTo(v.previous!['orders'], metricValue(f.t.catalog, 'orders', before))).toBe(true);
    }
    expect(body.meta['compare']).toEqual({ from: iso(FIXTURE_END - 20 * DAY), to: RANGE.from });
  });

  it('a value without events has zero counts, null averages and no rank', async () => {
    const { body } = await f.post<CompareResult>('/compare', { dimension: 'class', values: ['class-001', 'class-999'], metrics: ['lessons_completed', 'avg_score'] });
    const missing = body.values.find((v) => v.value === 'class-999')!;
    expect(missing.metrics).toEqual({ lessons_completed: 0, avg_score: null });
    expect(missing.ranks).toEqual({ lessons_completed: { rank: null, percentile: null }, avg_score: { rank: null, percentile: null } });
  });

  it('validates the body', async () => {
    expect((await f.post('/compare', { dimension: 'class', values: ['a'] })).status).toBe(400);
    expect((await f.post('/compare', { dimension: 'colour', values: ['a', 'b'] })).body.errors?.[0]?.path).toBe('/dimension');
    expect((await f.post('/compare', { dimension: 'class', values: ['a', 'b'], metrics: ['nope'] })).body.errors?.[0]?.path).toBe('/metrics/0');
  });
});
