/** POST /timeseries: series per metric × group, every bucket filled, against a reference. */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { TimeseriesResult } from '../../../src/engine/views/timeseries.js';
import type { ViewsFixture } from './setup.js';
import { DAY, FIXTURE_END, closeTo, iso, metricValue, viewsFixture, within } from './setup.js';

let f: ViewsFixture;
beforeAll(async () => {
  f = await viewsFixture();
});
afterAll(() => f.close());

const FROM = FIXTURE_END - 5 * DAY - 12 * 3_600_000; // a UTC midnight
const RANGE = { from: iso(FROM), to: iso(FIXTURE_END - 12 * 3_600_000) };

describe('POST /timeseries', () => {
  it('gives one series per metric × group with a value for every bucket', async () => {
    const { status, body } = await f.post<TimeseriesResult>('/timeseries', {
      metrics: ['lessons_completed', 'avg_score'],
      dimensions: ['platform'],
      filters: [{ field: 'event', op: 'in', value: ['lesson.completed', 'quiz.submitted'] }],
      timeRange: RANGE,
      granularity: '1d',
    });
    expect(status).toBe(200);
    expect(body.buckets).toEqual([0, 1, 2, 3, 4].map((d) => iso(FROM + d * DAY)));
    const rows = within(f.events, FROM, FROM + 5 * DAY).filter((e) => e.event === 'lesson.completed' || e.event === 'quiz.submitted');
    const platforms = [...new Set(rows.map((e) => e.props['platform'] ?? null))];
    expect(body.series).toHaveLength(platforms.length * 2);
    for (const s of body.series) {
      const platform = s.group?.['platform'] ?? null;
      expect(s.values).toHaveLength(5);
      s.values.forEach((v, i) => {
        const slice = rows.filter((e) => (e.props['platform'] ?? null) === platform && e.timestamp >= FROM + i * DAY && e.timestamp < FROM + (i + 1) * DAY);
        expect(closeTo(v, metricValue(f.t.catalog, s.metric, slice)), `${s.metric} ${String(platform)} ${i}`).toBe(true);
      });
    }
    expect(body.meta).toMatchObject({ granularity: '1d', timezone: 'UTC', truncated: false });
  });

  it('fills gaps with zero for counts and null for averages, also when a range has no data at all', async () => {
    const { body } = await f.post<TimeseriesResult>('/timeseries', {
      metrics: ['count', 'avg(score)'],
      timeRange: { from: '2020-01-01T00:00:00Z', to: '2020-01-01T06:00:00Z' },
      granularity: '1h',
    });
    expect(body.buckets).toHaveLength(6);
    expect(body.series).toEqual([
      { metric: 'count', group: null, values: [0, 0, 0, 0, 0, 0] },
      { metric: 'avg(score)', group: null, values: [null, null, null, null, null, null] },
    ]);
  });

  it('adds the previous period per bucket with compare', async () => {
    const { body } = await f.post<TimeseriesResult>('/timeseries', { metrics: ['tickets'], timeRange: RANGE, granularity: '1d', compare: 'previous_period' });
    const series = body.series[0]!;
    series.previous!.forEach((v, i) => {
      const from = FROM - 5 * DAY + i * DAY;
      expect(v).toBe(within(f.events, from, from + DAY).filter((e) => e.event === 'ticket.created').length);
    });
    expect(body.meta['compare']).toEqual({ from: iso(FROM - 5 * DAY), to: iso(FROM) });
  });

  it('defaults to auto granularity and refuses fill none', async () => {
    const auto = await f.post<TimeseriesResult>('/timeseries', { metrics: ['count'], timeRange: { preset: '7d' } });
    expect(auto.body.meta.granularity).toBe('1h');
    expect(auto.body.buckets).toHaveLength(168);
    const none = await f.post('/timeseries', { metrics: ['count'], granularity: '1d', fill: 'none' });
    expect(none.status).toBe(400);
    expect(none.body.errors?.[0]?.path).toBe('/fill');
  });

  it('refuses a chart larger than 10,000 points instead of cutting the newest buckets', async () => {
    const res = await f.post('/timeseries', { metrics: ['count'], dimensions: ['actor'], timeRange: { preset: '7d' }, granularity: '1h' });
    expect(res.status).toBe(400);
    expect(res.body.code).toBe('LIMIT_TOO_LARGE');
  });
});
