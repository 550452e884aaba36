/**
 * Property: POST /compare follows the rules in docs/api.md (POST /compare, Rankings) for random
 * histories. A few learners in a few classes do random learning events (small numbers, so values
 * tie) in the range, the period before it and outside both; random values of `class` or `actor`
 * (one never seen), one to three of the model's metrics and optionally `compare` go to the view.
 * The reference computes each value's metrics (test/integration/views/setup.ts metricValue) and,
 * per metric, its participants — the values with at least one event that metric reads in the range
 * and a non-null value — with competition ranks and percent_rank percentiles among them. A
 * metric's ranks must not depend on which other metrics are asked for. Runs on DuckDB and PostgreSQL.
 */
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { PropValue, StoredEvent } from '../../../src/domain/event.js';
import type { CompareResult } from '../../../src/engine/views/compare.js';
import { defaultModelPaths } from '../../../src/model/load.js';
import type { TestApp } from '../../fixtures/app.js';
import { createTestApp } from '../../fixtures/app.js';
import { changeReference, closeTo, FIXTURE_END, LEARNING_EVENTS, learningEvent, metricValue, rankPopulation, rankReference, within } from './setup.js';

const RUNS = Number(process.env['TALLY_FUZZ_RUNS'] ?? 12) * 4;
const M = 60_000;
const DAY = 24 * 60 * M;
/** The range [FROM, TO) and the previous period [FROM − 3 days, FROM). */
const TO = FIXTURE_END - DAY;
const FROM = TO - 3 * DAY;
const EVENTS = LEARNING_EVENTS;
const METRICS = ['xp_earned', 'lessons_completed', 'quizzes_passed', 'avg_score', 'time_spent', 'quiz_pass_rate', 'sessions', 'median_score'];
const CLASSES = ['c1', 'c2', 'c3', 'c4'];
const ACTORS = ['a', 'b', 'c', 'd', 'e'];

const happening = fc.record({
  actor: fc.constantFrom(...ACTORS),
  event: fc.constantFrom(...EVENTS),
  klass: fc.constantFrom(...CLASSES, null),
  /** Minutes after FROM − 4 days: before the previous period, in it, in the range, or after. */
  minute: fc.integer({ min: 0, max: 8 * 24 * 60 }),
  small: fc.integer({ min: 0, max: 4 }),
  passed: fc.boolean(),
});
type Happening = typeof happening extends fc.Arbitrary<infer T> ? T : never;

function toEvent(h: Happening): StoredEvent {
  return learningEvent({ ...h, timestamp: FROM - 4 * DAY + h.minute * M, props: h.klass === null ? {} : { class: h.klass } });
}

const request = fc.record({
  dimension: fc.constantFrom('class', 'actor'),
  picks: fc.uniqueArray(fc.nat({ max: 4 }), { minLength: 2, maxLength: 4 }),
  metrics: fc.uniqueArray(fc.constantFrom(...METRICS), { minLength: 1, maxLength: 3 }),
  compare: fc.boolean(),
});

let t: TestApp;
let org = 0;

beforeAll(async () => {
  t = await createTestApp({ models: defaultModelPaths(), now: FIXTURE_END });
});
afterAll(() => t.close());

const valueOf = (dimension: string, e: StoredEvent): PropValue | undefined => (dimension === 'actor' ? e.actor : e.props[dimension]);

describe('random compare over random histories', () => {
  it('metrics, previous values, ranks, percentiles and participants follow the rules', { timeout: Math.max(30_000, RUNS * 600) }, async () => {
    await fc.assert(
      fc.asyncProperty(fc.array(happening, { minLength: 1, maxLength: 50 }), request, async (history, q) => {
        const name = `compare-${org++}`;
        const events = history.map(toEvent);
        await t.seed(name, events);
        const pool = q.dimension === 'class' ? [...CLASSES, 'c9'] : [...ACTORS];
        const values = q.picks.map((i) => pool[i]!);
        const res = await t.app.inject({
          method: 'POST',
          url: '/api/v1/compare',
          headers: { authorization: `Bearer ${await t.token(name, 'analyst')}` },
          payload: {
            dimension: q.dimension, values, metrics: q.metrics,
            timeRange: { from: new Date(FROM).toISOString(), to: new Date(TO).toISOString() },
            ...(q.compare ? { compare: 'previous_period' } : {}),
          },
        });
        const what = `${JSON.stringify({ ...q, values })} over ${JSON.stringify(events)}`;
        expect(res.statusCode, `${what} → ${res.body}`).toBe(200);
        const body = res.json<CompareResult>();
        expect(body.values.map((v) => v.value), what).toEqual(values);
        for (const metric of q.metrics) {
          const ranked = rankPopulation(t.catalog, within(events, FROM, TO), (e) => valueOf(q.dimension, e), metric);
          const ranks = rankReference(ranked);
          expect(body.participants[metric], `${what} ${metric} participants`).toBe(ranked.size);
          for (const v of body.values) {
            const mine = events.filter((e) => String(valueOf(q.dimension, e)) === v.value);
            const now = metricValue(t.catalog, metric, within(mine, FROM, TO));
            expect(closeTo(v.metrics[metric], now), `${what} ${v.value} ${metric} = ${v.metrics[metric]}, expected ${now}`).toBe(true);
            const expected = ranks.get(String(v.value));
            expect(v.ranks[metric]!.rank, `${what} ${v.value} ${metric} rank`).toBe(expected?.rank ?? null);
            if (expected) expect(v.ranks[metric]!.percentile, `${what} ${v.value} ${metric} percentile`).toBeCloseTo(expected.percentile, 2);
            else expect(v.ranks[metric]!.percentile, `${what} ${v.value} ${metric} percentile`).toBeNull();
            if (q.compare) {
              const before = metricValue(t.catalog, metric, within(mine, FROM - 3 * DAY, FROM));
              expect(closeTo(v.previous![metric], before), `${what} ${v.value} ${metric} previous`).toBe(true);
              expect(closeTo(v.change![metric], changeReference(now, before)), `${what} ${v.value} ${metric} change`).toBe(true);
            }
          }
        }
      }),
      { numRuns: RUNS },
    );
  });
});
