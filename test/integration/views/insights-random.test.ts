/**
 * Property: GET /actors/{actor}/insights follows the rules in docs/api.md for random histories. A
 * few learners do random learning events (and a tag event of another model) in random courses
 * before, in and after a random range; a random actor (sometimes one never seen: 404) and time
 * zone go to the view. The reference computes the totals of the model's actor metrics in the range
 * and in the period before it, their change, the daily series (days named by Intl in the zone),
 * the breakdown by course (values on the events the metrics read, best first by the first metric),
 * the days with a model event in the range, the last event of any kind and the rank among all
 * actors (the leaderboard's rules). Streaks have their own property (streak-random.test.ts).
 * Runs on DuckDB and PostgreSQL.
 */
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { StoredEvent } from '../../../src/domain/event.js';
import type { InsightsResult } from '../../../src/engine/views/insights.js';
import { defaultModelPaths } from '../../../src/model/load.js';
import type { TestApp } from '../../fixtures/app.js';
import { createTestApp } from '../../fixtures/app.js';
import { localDayKey, localParts } from '../../fixtures/reference.js';
import { changeReference, closeTo, FIXTURE_END, LEARNING_EVENTS, learningEvent, metricEvents, metricValue, rankPopulation, rankReference, within } from './setup.js';

const RUNS = Number(process.env['TALLY_FUZZ_RUNS'] ?? 12) * 4;
const M = 60_000;
const DAY = 24 * 60 * M;
const BASE = FIXTURE_END - 12 * DAY;
const MODEL_EVENTS = LEARNING_EVENTS;
const METRICS = ['xp_earned', 'lessons_completed', 'quizzes_passed', 'avg_score', 'time_spent'];
const ZONES = ['UTC', 'Europe/Berlin', 'Asia/Kathmandu', 'America/New_York'];

const happening = fc.record({
  actor: fc.constantFrom('a', 'b', 'c', 'd'),
  /** `ticket.created` is the support model's: it is seen (lastSeen) but does not make a day active. */
  event: fc.constantFrom(...MODEL_EVENTS, 'ticket.created'),
  course: fc.constantFrom('algebra', 'art', 'biology', null),
  minute: fc.integer({ min: 0, max: 12 * 24 * 60 - 1 }),
  small: fc.integer({ min: 0, max: 3 }),
  passed: fc.boolean(),
});
type Happening = typeof happening extends fc.Arbitrary<infer T> ? T : never;

function toEvent(h: Happening): StoredEvent {
  return learningEvent({ ...h, timestamp: BASE + h.minute * M, props: h.course === null ? {} : { course: h.course } });
}

const request = fc.record({
  actor: fc.constantFrom('a', 'b', 'c', 'e'),
  zone: fc.constantFrom(...ZONES),
  /** The range: from BASE + 3 days + from minutes, 1 to 4 days long; the previous period as long before it. */
  from: fc.integer({ min: 0, max: 4 * 24 * 60 }),
  length: fc.integer({ min: 60, max: 4 * 24 * 60 }),
});

let t: TestApp;
let org = 0;

beforeAll(async () => {
  t = await createTestApp({ models: defaultModelPaths(), now: FIXTURE_END });
});
afterAll(() => t.close());

const values = (events: readonly StoredEvent[]): Record<string, number | null> => Object.fromEntries(METRICS.map((m) => [m, metricValue(t.catalog, m, events)]));

function expectValues(actual: Record<string, number | null>, expected: Record<string, number | null>, what: string): void {
  for (const m of METRICS) expect(closeTo(actual[m], expected[m] ?? null), `${what} ${m} = ${actual[m]}, expected ${expected[m]}`).toBe(true);
}

describe('random insights over random histories', () => {
  it('totals, previous, change, series, breakdown, active days, last seen and rank follow the rules', { timeout: Math.max(30_000, RUNS * 600) }, async () => {
    await fc.assert(
      fc.asyncProperty(fc.array(happening, { minLength: 1, maxLength: 60 }), request, async (history, q) => {
        const name = `insights-${org++}`;
        const events = history.map(toEvent);
        await t.seed(name, events);
        const from = BASE + 3 * DAY + q.from * M;
        const to = from + q.length * M;
        const query = new URLSearchParams({ from: new Date(from).toISOString(), to: new Date(to).toISOString(), timezone: q.zone, model: 'learning' });
        const res = await t.app.inject({
          method: 'GET',
          url: `/api/v1/actors/${q.actor}/insights?${query}`,
          headers: { authorization: `Bearer ${await t.token(name, 'analyst')}` },
        });
        const what = `${JSON.stringify({ ...q, from: new Date(from), to: new Date(to) })} over ${JSON.stringify(events)}`;
        const mine = events.filter((e) => e.actor === q.actor);
        if (mine.length === 0) {
          expect(res.statusCode, `${what} → ${res.body}`).toBe(404);
          return;
        }
        expect(res.statusCode, `${what} → ${res.body}`).toBe(200);
        const body = res.json<InsightsResult>();
        const now = within(mine, from, to);
        const before = within(mine, from - (to - from), from);
        expectValues(body.totals, values(now), `${what} totals`);
        expectValues(body.previous, values(before), `${what} previous`);
        for (const m of METRICS) {
          const [cur, prev] = [metricValue(t.catalog, m, now), metricValue(t.catalog, m, before)];
          expect(closeTo(body.change[m], changeReference(cur, prev)), `${what} change ${m}`).toBe(true);
        }

        // The series: one bucket per local day the range touches, each at local midnight.
        const days = body.series.buckets.map((b) => localDayKey(Date.parse(b), q.zone));
        const expectedDays = new Set([localDayKey(to - 1, q.zone)]);
        for (let ms = from; ms < to; ms += 60 * M) expectedDays.add(localDayKey(ms, q.zone));
        expect(days, `${what} series days`).toEqual([...expectedDays].sort());
        for (const b of body.series.buckets) expect([localParts(Date.parse(b), q.zone).h, localParts(Date.parse(b), q.zone).min], what).toEqual([0, 0]);
        days.forEach((day, i) => {
          const expected = values(now.filter((e) => localDayKey(e.timestamp, q.zone) === day));
          for (const m of METRICS) expect(closeTo(body.series.values[m]![i], expected[m] ?? null), `${what} series ${m} ${day}`).toBe(true);
        });

        // Days with an event of the model in the range.
        const active = new Set(now.filter((e) => MODEL_EVENTS.includes(e.event)).map((e) => localDayKey(e.timestamp, q.zone)));
        expect(body.activeDays, `${what} active days`).toBe(active.size);
        expect(body.lastSeen, `${what} last seen`).toBe(new Date(Math.max(...mine.map((e) => e.timestamp))).toISOString());

        // Breakdown by course: values on the events the metrics read in the range, best first by the first metric.
        const reads = new Set(METRICS.flatMap((m) => metricEvents(t.catalog, m)));
        const courses = [...new Set(now.filter((e) => reads.has(e.event) && e.props['course'] !== undefined).map((e) => e.props['course'] as string))];
        const items = courses
          .map((course) => ({ value: course, metrics: values(now.filter((e) => e.props['course'] === course)) }))
          .sort((a, b) => (b.metrics['xp_earned'] ?? -Infinity) - (a.metrics['xp_earned'] ?? -Infinity) || (a.value < b.value ? -1 : 1));
        expect(body.breakdown?.items.map((i) => i.value), `${what} breakdown`).toEqual(items.map((i) => i.value));
        body.breakdown?.items.forEach((item, i) => expectValues(item.metrics, items[i]!.metrics, `${what} breakdown ${String(item.value)}`));

        // Rank by xp_earned among every actor with an event xp_earned reads in the range.
        const population = rankPopulation(t.catalog, within(events, from, to), (e) => e.actor, 'xp_earned');
        const ranks = rankReference(population);
        const expectedRank = ranks.get(q.actor);
        expect(body.rank.participants, `${what} participants`).toBe(population.size);
        expect(body.rank.rank, `${what} rank`).toBe(expectedRank?.rank ?? null);
        if (expectedRank) {
          expect(body.rank.percentile, `${what} percentile`).toBeCloseTo(expectedRank.percentile, 2);
          const value = population.get(q.actor)!;
          const better = [...population.values()].filter((v) => v > value);
          expect(body.rank.value, what).toBe(value);
          expect(body.rank.gapToNext, `${what} gap`).toBe(better.length === 0 ? null : Math.min(...better) - value);
        }
      }),
      { numRuns: RUNS },
    );
  });
});
