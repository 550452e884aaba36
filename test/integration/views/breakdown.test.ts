/** GET /breakdown/{field}: top-N with shares and remainder; ?bins= histograms. */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { BreakdownResult } from '../../../src/engine/views/breakdown.js';
import type { HistogramResult } from '../../../src/engine/views/histogram.js';
import { agg, groupBy } from '../../fixtures/reference.js';
import type { ViewsFixture } from './setup.js';
import { DAY, FIXTURE_END, closeTo, metricValue, viewsFixture, within } from './setup.js';

let f: ViewsFixture;
beforeAll(async () => {
  f = await viewsFixture();
});
afterAll(() => f.close());

const last30 = () => within(f.events, FIXTURE_END - 30 * DAY, FIXTURE_END);

describe('GET /breakdown/{field}', () => {
  it('lists the top values by a model metric with share, other and total', async () => {
    const { status, body } = await f.get<BreakdownResult>('/breakdown/course?metric=xp_earned&limit=5');
    expect(status).toBe(200);
    const xp = (e: (typeof f.events)[number]) => e.event === 'lesson.completed' || e.event === 'quiz.submitted';
    const rows = last30();
    const byCourse = [...groupBy(rows, (e) => e.props['course'] ?? null)]
      .map(([course, list]) => ({ course, value: metricValue(f.t.catalog, 'xp_earned', list) ?? 0 }))
      .sort((a, b) => b.value - a.value);
    const total = agg.sum(rows.filter(xp), 'xp');
    expect(body.items.map((i) => i.value)).toEqual(byCourse.slice(0, 5).map((c) => c.course));
    body.items.forEach((item, i) => {
      expect(closeTo(item.metric, byCourse[i]!.value)).toBe(true);
      expect(closeTo(item.share, byCourse[i]!.value / total)).toBe(true);
    });
    expect(closeTo(body.total, total)).toBe(true);
    expect(closeTo(body.other, total - byCourse.slice(0, 5).reduce((a, c) => a + c.value, 0))).toBe(true);
    expect(body.metricName).toBe('xp_earned');
  });

  it('counts by default and takes an event filter; null is a value of its own', async () => {
    const { body } = await f.get<BreakdownResult>('/breakdown/channel?event=ticket.created,payment.completed&limit=20');
    const rows = last30().filter((e) => e.event === 'ticket.created' || e.event === 'payment.completed');
    const counts = groupBy(rows, (e) => e.props['channel'] ?? null);
    expect(body.items).toHaveLength(counts.size);
    for (const item of body.items) expect(item.metric).toBe(counts.get(item.value as string | null)?.length);
    expect(body.other).toBe(0);
    expect(body.total).toBe(rows.length);
  });

  it('a distinct count has shares but no additive remainder; an average has neither', async () => {
    const distinct = await f.get<BreakdownResult>('/breakdown/platform?metric=count_distinct(actor)&event=app.opened');
    expect(distinct.body.other).toBeNull();
    const opened = last30().filter((e) => e.event === 'app.opened');
    expect(distinct.body.total).toBe(agg.countDistinct(opened, 'actor'));
    expect(distinct.body.items[0]!.share).not.toBeNull();
    const avg = await f.get<BreakdownResult>('/breakdown/priority?metric=avg_resolution_hours');
    expect(avg.body.other).toBeNull();
    expect(avg.body.items.every((i) => i.share === null)).toBe(true);
  });

  it('an empty range has no items and a zero total', async () => {
    const { body } = await f.get<BreakdownResult>('/breakdown/course?from=2020-01-01T00:00:00Z&to=2020-02-01T00:00:00Z');
    expect(body).toMatchObject({ items: [], other: 0, total: 0 });
  });

  it('?bins= gives a histogram with round edges that covers every value', async () => {
    const { status, body } = await f.get<HistogramResult>('/breakdown/resolution_hours?bins=12&event=ticket.resolved');
    expect(status).toBe(200);
    const values = last30().filter((e) => e.event === 'ticket.resolved').map((e) => e.props['resolution_hours']).filter((v): v is number => typeof v === 'number');
    expect(body.bins.length).toBeGreaterThan(1);
    expect(body.bins.length).toBeLessThanOrEqual(12);
    const width = body.bins[0]!.to - body.bins[0]!.from;
    const mantissa = width / 10 ** Math.floor(Math.log10(width));
    expect([1, 2, 2.5, 5]).toContainEqual(Number(mantissa.toFixed(6)));
    expect(body.bins[0]!.from % width).toBeCloseTo(0, 6);
    body.bins.forEach((bin, i) => {
      const last = i === body.bins.length - 1;
      expect(bin.count).toBe(values.filter((v) => v >= bin.from && (v < bin.to || (last && v <= bin.to))).length);
    });
    expect(body.total).toBe(values.length);
    expect(body.min).toBe(Math.min(...values));
    expect(body.max).toBe(Math.max(...values));
  });

  it('histograms need a numeric field, and fields must exist', async () => {
    const text = await f.get('/breakdown/course?bins=10');
    expect(text.status).toBe(400);
    expect(text.body.errors?.[0]?.path).toBe('/bins');
    const unknown = await f.get('/breakdown/colour');
    expect(unknown.body).toMatchObject({ code: 'UNKNOWN_FIELD', errors: [{ path: '/field' }] });
    const metric = await f.get('/breakdown/course?metric=revnue');
    expect(metric.body).toMatchObject({ code: 'UNKNOWN_METRIC', errors: [{ path: '/metric' }] });
  });

  it('one event: one item with the whole share, one bin', async () => {
    const one = [{ event: 'quiz.submitted', timestamp: FIXTURE_END - DAY, actor: 's_1', id: null, props: { course: 'algebra-1', score: 73 } }];
    await f.t.seed('solo', one);
    const items = await f.get<BreakdownResult>('/breakdown/course', 'analyst', undefined, 'solo');
    expect(items.body).toMatchObject({ items: [{ value: 'algebra-1', metric: 1, share: 1 }], other: 0, total: 1 });
    const bins = await f.get<HistogramResult>('/breakdown/score?bins=5', 'analyst', undefined, 'solo');
    expect(bins.body.bins).toEqual([{ from: 73, to: 73, count: 1 }]);
  });
});
