/** GET /percentiles: percentiles, per-dimension groups and SLA compliance against a reference. */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { PercentilesResult } from '../../../src/engine/views/percentiles.js';
import { agg, groupBy } from '../../fixtures/reference.js';
import type { ViewsFixture } from './setup.js';
import { DAY, FIXTURE_END, closeTo, viewsFixture, within } from './setup.js';

let f: ViewsFixture;
beforeAll(async () => {
  f = await viewsFixture();
});
afterAll(() => f.close());

const resolved = () => within(f.events, FIXTURE_END - 30 * DAY, FIXTURE_END).filter((e) => e.event === 'ticket.resolved' && typeof e.props['resolution_hours'] === 'number');
const hours = (list: ReturnType<typeof resolved>) => list.map((e) => e.props['resolution_hours'] as number);

describe('GET /percentiles', () => {
  it('computes any set of percentiles and SLA compliance, overall and per priority', async () => {
    const { status, body } = await f.get<PercentilesResult>(
      '/percentiles?field=resolution_hours&event=ticket.resolved&p=50,95,99,99.9&range=30d&threshold=24&dimension=priority',
    );
    expect(status).toBe(200);
    const rows = resolved();
    expect(Object.keys(body.values)).toEqual(['p50', 'p95', 'p99', 'p99.9']);
    for (const [p, fraction] of [['p50', 0.5], ['p95', 0.95], ['p99', 0.99], ['p99.9', 0.999]] as const) {
      expect(closeTo(body.values[p], agg.percentile(rows, 'resolution_hours', fraction)), p).toBe(true);
    }
    expect(body.count).toBe(rows.length);
    expect(closeTo(body.avg, agg.avg(rows, 'resolution_hours'))).toBe(true);
    const within24 = hours(rows).filter((h) => h <= 24).length;
    expect(body.sla).toEqual({ threshold: 24, count: within24, within: within24 / rows.length });

    const byPriority = groupBy(rows, (e) => e.props['priority'] ?? null);
    expect(body.groups).toHaveLength(byPriority.size);
    for (const g of body.groups!) {
      const list = byPriority.get(g.value as string)!;
      expect(g.count).toBe(list.length);
      expect(closeTo(g.values['p95'], agg.percentile(list, 'resolution_hours', 0.95))).toBe(true);
      const ok = hours(list).filter((h) => h <= 24).length;
      expect(closeTo(g.sla!.within, ok / list.length)).toBe(true);
    }
    // Groups come with the most values first.
    const counts = body.groups!.map((g) => g.count);
    expect([...counts].sort((a, b) => b - a)).toEqual(counts);
  });

  it('an empty range: null values, zero count, null compliance', async () => {
    const { body } = await f.get<PercentilesResult>('/percentiles?field=response_hours&from=2020-01-01T00:00:00Z&to=2020-01-02T00:00:00Z&threshold=4');
    expect(body).toMatchObject({ count: 0, avg: null, sla: { threshold: 4, count: 0, within: null } });
    expect(Object.values(body.values).every((v) => v === null)).toBe(true);
  });

  it('one value: every percentile is that value', async () => {
    await f.t.seed('solo', [{ event: 'ticket.resolved', timestamp: FIXTURE_END - DAY, actor: 'c_1', id: null, props: { resolution_hours: 7.5 } }]);
    const { body } = await f.get<PercentilesResult>('/percentiles?field=resolution_hours&threshold=7.5', 'analyst', undefined, 'solo');
    expect(body).toMatchObject({ values: { p50: 7.5, p90: 7.5, p95: 7.5, p99: 7.5 }, count: 1, sla: { within: 1 } });
  });

  it('refuses bad percentiles and non-numeric fields, naming the parameter', async () => {
    for (const p of ['0', '100', 'abc', '50,,x']) {
      const res = await f.get(`/percentiles?field=csat&p=${p}`);
      expect(res.status, p).toBe(400);
      expect(res.body.errors?.[0]?.path).toBe('/p');
    }
    const text = await f.get('/percentiles?field=priority');
    expect(text.body.errors?.[0]?.path).toBe('/field');
    expect((await f.get('/percentiles')).status).toBe(400);
  });
});
