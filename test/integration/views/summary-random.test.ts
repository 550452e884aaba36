/**
 * Property: GET /dashboard/summary of every shipped model (so both paths: KPIs that roll up per
 * bucket, and the support model's percentiles per grouping set) over random ranges that do not
 * start on a bucket boundary, in four zones, by hour, by day or the automatic granularity. Each
 * KPI's value, previous value (the period just before, as long), change and every sparkline point
 * (the KPI over the range's events in that bucket, buckets named by Intl in the zone) must equal
 * the reference (test/integration/views/setup.ts metricValue). Runs on DuckDB and PostgreSQL.
 */
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { StoredEvent } from '../../../src/domain/event.js';
import type { SummaryResult } from '../../../src/engine/views/summary.js';
import { defaultModelPaths } from '../../../src/model/load.js';
import type { TestApp } from '../../fixtures/app.js';
import { createTestApp } from '../../fixtures/app.js';
import { bucketKey } from '../../fixtures/random-queries.js';
import { groupBy } from '../../fixtures/reference.js';
import { changeReference, closeTo, DAY, FIXTURE_END, dataset, metricValue, within } from './setup.js';

const RUNS = Number(process.env['TALLY_FUZZ_RUNS'] ?? 12) * 3;
const M = 60_000;
const events: StoredEvent[] = [...dataset('learning', 700, 21, 14), ...dataset('support', 700, 22, 14), ...dataset('commerce', 700, 23, 14)];

let t: TestApp;
let token: string;

beforeAll(async () => {
  t = await createTestApp({ models: defaultModelPaths(), now: FIXTURE_END });
  await t.seed('acme', events);
  token = await t.token('acme', 'analyst');
});
afterAll(() => t.close());

const request = fc.record({
  model: fc.constantFrom('learning', 'support', 'commerce'),
  zone: fc.constantFrom('UTC', 'Europe/Berlin', 'Asia/Kathmandu', 'America/New_York'),
  granularity: fc.constantFrom('1h' as const, '1d' as const, undefined),
  /** Minutes before the end of the data; the range lasts 1 hour to 6 days, its previous period as long. */
  end: fc.integer({ min: 0, max: 24 * 60 }),
  length: fc.integer({ min: 60, max: 6 * 24 * 60 }),
});

describe('random summaries', () => {
  it('every KPI, previous value, change and sparkline point equals the reference', { timeout: Math.max(30_000, RUNS * 1000) }, async () => {
    await fc.assert(
      fc.asyncProperty(request, async (q) => {
        const to = FIXTURE_END - q.end * M;
        const from = to - q.length * M;
        const params = new URLSearchParams({ model: q.model, timezone: q.zone, from: new Date(from).toISOString(), to: new Date(to).toISOString() });
        if (q.granularity) params.set('granularity', q.granularity);
        const res = await t.app.inject({ method: 'GET', url: `/api/v1/dashboard/summary?${params.toString()}`, headers: { authorization: `Bearer ${token}` } });
        const what = JSON.stringify(q);
        expect(res.statusCode, `${what} → ${res.body}`).toBe(200);
        const body = res.json<SummaryResult>();
        // Hourly up to 2 days, daily beyond (up to 93), unless asked.
        const iso = (ms: number): string => new Date(ms).toISOString();
        expect([body.timeRange, body.previousRange], what).toEqual([{ from: iso(from), to: iso(to) }, { from: iso(from - (to - from)), to: iso(from) }]);
        const granularity = q.granularity ?? (to - from <= 2 * DAY ? '1h' : '1d');
        expect(body.granularity, what).toBe(granularity);
        const current = within(events, from, to);
        const previous = within(events, from - (to - from), from);
        const byBucket = groupBy(current, (e) => bucketKey(granularity, e.timestamp, q.zone));
        const names = body.buckets.map((b) => bucketKey(granularity, Date.parse(b), q.zone));
        expect(names[0], `${what} first bucket`).toBe(bucketKey(granularity, from, q.zone));
        expect(names[names.length - 1], `${what} last bucket`).toBe(bucketKey(granularity, to - 1, q.zone));
        expect(new Set(names).size, `${what} buckets are distinct`).toBe(names.length);
        for (const kpi of body.kpis) {
          const [now, before] = [metricValue(t.catalog, kpi.metric, current), metricValue(t.catalog, kpi.metric, previous)];
          expect(closeTo(kpi.value, now), `${what} ${kpi.metric} value ${kpi.value}, expected ${now}`).toBe(true);
          expect(closeTo(kpi.previous, before), `${what} ${kpi.metric} previous ${kpi.previous}, expected ${before}`).toBe(true);
          expect(closeTo(kpi.change, changeReference(now, before)), `${what} ${kpi.metric} change`).toBe(true);
          names.forEach((name, i) => {
            const expected = metricValue(t.catalog, kpi.metric, byBucket.get(name) ?? []);
            expect(closeTo(kpi.series[i], expected), `${what} ${kpi.metric} ${body.buckets[i]} = ${kpi.series[i]}, expected ${expected}`).toBe(true);
          });
        }
      }),
      { numRuns: RUNS },
    );
  });
});
