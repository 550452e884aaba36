/**
 * Property: the summary dashboard stays right while events arrive. Random sequences of ingests
 * (commerce events moved to random days of the current or the previous period, some by actors
 * never seen before) and summary reads (30 or 7 days, in UTC or a zone) run through HTTP with the
 * cache on — closed-day buckets, DuckDB actor keys and bitmap roll-ups included — and every KPI,
 * its previous value and every sparkline point must equal the reference over the events held so
 * far. Stale-while-revalidate is off here (it is on by default for the summary, by design).
 * Runs on DuckDB and PostgreSQL.
 */
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { StoredEvent } from '../../../src/domain/event.js';
import type { SummaryResult } from '../../../src/engine/views/summary.js';
import { defaultModelPaths } from '../../../src/model/load.js';
import type { TestApp } from '../../fixtures/app.js';
import { createTestApp } from '../../fixtures/app.js';
import { groupBy, localDayKey } from '../../fixtures/reference.js';
import { postEvents, UNLIMITED } from '../cache/helpers.js';
import { FIXTURE_END, closeTo, dataset, metricValue, within } from './setup.js';

const RUNS = Number(process.env['TALLY_FUZZ_RUNS'] ?? 12);
const seedEvents = dataset('commerce', 600, 3, 60);
const pool = dataset('commerce', 400, 44, 60);

const moved = fc
  .record({ pick: fc.nat({ max: pool.length - 1 }), minute: fc.integer({ min: 1, max: 60 * 24 * 60 }), newActor: fc.boolean() })
  .map(({ pick, minute, newActor }): StoredEvent => {
    const e = pool[pick]!;
    return { ...e, id: null, timestamp: FIXTURE_END - minute * 60_000, actor: newActor && e.actor ? `${e.actor}-new-${minute}` : e.actor };
  });

type Step = { kind: 'ingest'; events: StoredEvent[] } | { kind: 'read'; days: 7 | 30; timezone: string };
const step: fc.Arbitrary<Step> = fc.oneof(
  fc.record({ kind: fc.constant('ingest' as const), events: fc.array(moved, { minLength: 1, maxLength: 4 }) }),
  fc.record({ kind: fc.constant('read' as const), days: fc.constantFrom(7 as const, 30 as const), timezone: fc.constantFrom('UTC', 'Europe/Berlin', 'America/New_York') }),
);

let t: TestApp;
let org = 0;

beforeAll(async () => {
  t = await createTestApp({ models: defaultModelPaths(), now: FIXTURE_END, ops: UNLIMITED, cache: { swrs: { summary: 0 } } });
});
afterAll(() => t.close());

function expectSummary(body: SummaryResult, held: readonly StoredEvent[], timezone: string, what: string): void {
  const from = Date.parse(body.timeRange.from);
  const to = Date.parse(body.timeRange.to);
  const prevFrom = Date.parse(body.previousRange.from);
  expect(to, what).toBe(FIXTURE_END);
  const current = within(held, from, to);
  const previous = within(held, prevFrom, from);
  // Local days by Intl (the reference's own calendar), worked out once per event.
  const byDay = groupBy(current, (e) => localDayKey(e.timestamp, timezone));
  for (const kpi of body.kpis) {
    expect(closeTo(kpi.value, metricValue(t.catalog, kpi.metric, current)), `${what} ${kpi.metric} value ${kpi.value}`).toBe(true);
    expect(closeTo(kpi.previous, metricValue(t.catalog, kpi.metric, previous)), `${what} ${kpi.metric} previous ${kpi.previous}`).toBe(true);
    body.buckets.forEach((bucket, i) => {
      const day = byDay.get(localDayKey(Date.parse(bucket), timezone)) ?? [];
      expect(closeTo(kpi.series[i], metricValue(t.catalog, kpi.metric, day)), `${what} ${kpi.metric} ${bucket}`).toBe(true);
    });
  }
}

describe('random ingests and summary reads', () => {
  it('answer what the events held so far say', { timeout: Math.max(60_000, RUNS * 10_000) }, async () => {
    await fc.assert(
      fc.asyncProperty(fc.array(step, { minLength: 4, maxLength: 12 }), async (steps) => {
        const name = `summary-${org++}`;
        await t.seed(name, seedEvents);
        const key = await t.ingestKey(name);
        const token = await t.token(name, 'analyst');
        const held: StoredEvent[] = [...seedEvents];
        for (const s of steps) {
          if (s.kind === 'ingest') {
            const res = await postEvents(t.app, key, s.events);
            expect(res.statusCode, res.body).toBe(200);
            held.push(...s.events);
            continue;
          }
          const url = `/api/v1/dashboard/summary?model=commerce&range=${s.days}d&timezone=${encodeURIComponent(s.timezone)}`;
          const res = await t.app.inject({ url, headers: { authorization: `Bearer ${token}` } });
          expect(res.statusCode, res.body).toBe(200);
          const body = res.json<SummaryResult>();
          expectSummary(body, held, s.timezone, `${url} (${JSON.stringify(body.meta.cache)})`);
        }
      }),
      { numRuns: RUNS },
    );
  });
});
