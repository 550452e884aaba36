/**
 * Property: GET /groups/{dimension}/{value} follows the rules in docs/api.md for random histories.
 * A few learners do random learning events in random classes (small numbers, so scores tie) before,
 * in and after the range; a random class (sometimes one nobody is in), ranking metric and limit go
 * to the view. The reference counts members (any event of the group, ever), active members (one in
 * the range), the model's actor metrics over the group's events in the range with their value per
 * active member (counts and sums), and ranks the active members by the metric — counts and sums 0
 * without matching events, equal values by actor id, nulls last — for the top and the bottom.
 * Runs on DuckDB and PostgreSQL.
 */
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { StoredEvent } from '../../../src/domain/event.js';
import type { GroupResult, Performer } from '../../../src/engine/views/groups.js';
import { defaultModelPaths } from '../../../src/model/load.js';
import type { TestApp } from '../../fixtures/app.js';
import { createTestApp } from '../../fixtures/app.js';
import { closeTo, FIXTURE_END, LEARNING_EVENTS, learningEvent, metricValue, within } from './setup.js';

const RUNS = Number(process.env['TALLY_FUZZ_RUNS'] ?? 12) * 4;
const M = 60_000;
const DAY = 24 * 60 * M;
/** The range [FROM, TO); the app's clock is FIXTURE_END, a day after TO. */
const TO = FIXTURE_END - DAY;
const FROM = TO - 3 * DAY;
const EVENTS = LEARNING_EVENTS;
const ACTOR_METRICS = ['xp_earned', 'lessons_completed', 'quizzes_passed', 'avg_score', 'time_spent'];
const ADDITIVE = new Set(['xp_earned', 'lessons_completed', 'quizzes_passed', 'time_spent']);

const happening = fc.record({
  actor: fc.constantFrom('a', 'b', 'c', 'd', 'e', 'f'),
  event: fc.constantFrom(...EVENTS),
  klass: fc.constantFrom('c1', 'c2', null),
  /** Minutes after FROM − 2 days, up to the app's clock. */
  minute: fc.integer({ min: 0, max: 6 * 24 * 60 - 1 }),
  small: fc.integer({ min: 0, max: 3 }),
  passed: fc.boolean(),
});
type Happening = typeof happening extends fc.Arbitrary<infer T> ? T : never;

function toEvent(h: Happening): StoredEvent {
  return learningEvent({ ...h, timestamp: FROM - 2 * DAY + h.minute * M, props: h.klass === null ? {} : { class: h.klass } });
}

let t: TestApp;
let org = 0;

beforeAll(async () => {
  t = await createTestApp({ models: defaultModelPaths(), now: FIXTURE_END });
});
afterAll(() => t.close());

/** Active members by `metric`, best first (`dir`), equal values by actor id, null values last. */
function performers(inRange: readonly StoredEvent[], metric: string, dir: 'asc' | 'desc', limit: number): Performer[] {
  const actors = [...new Set(inRange.map((e) => e.actor!))].sort();
  const scored = actors.map((actor) => ({ actor, value: metricValue(t.catalog, metric, inRange.filter((e) => e.actor === actor)) }));
  const rank = (p: Performer): number => (p.value === null ? Infinity : dir === 'desc' ? -p.value : p.value);
  return scored.sort((a, b) => rank(a) - rank(b) || (a.actor < b.actor ? -1 : 1)).slice(0, limit);
}

describe('random groups over random histories', () => {
  it('members, active members, metrics and performers follow the rules', { timeout: Math.max(30_000, RUNS * 600) }, async () => {
    const request = fc.record({
      klass: fc.constantFrom('c1', 'c2', 'c9'),
      metric: fc.option(fc.constantFrom(...ACTOR_METRICS), { nil: undefined }),
      limit: fc.integer({ min: 1, max: 4 }),
    });
    await fc.assert(
      fc.asyncProperty(fc.array(happening, { minLength: 1, maxLength: 50 }), request, async (history, q) => {
        const name = `groups-${org++}`;
        const events = history.map(toEvent);
        await t.seed(name, events);
        const query = new URLSearchParams({ from: new Date(FROM).toISOString(), to: new Date(TO).toISOString(), limit: String(q.limit), model: 'learning' });
        if (q.metric) query.set('metric', q.metric);
        const res = await t.app.inject({
          method: 'GET',
          url: `/api/v1/groups/class/${q.klass}?${query}`,
          headers: { authorization: `Bearer ${await t.token(name, 'analyst')}` },
        });
        const what = `${JSON.stringify(q)} over ${JSON.stringify(events)}`;
        const group = events.filter((e) => e.props['class'] === q.klass);
        const members = new Set(group.map((e) => e.actor)).size;
        if (members === 0) {
          expect(res.statusCode, `${what} → ${res.body}`).toBe(404);
          return;
        }
        expect(res.statusCode, `${what} → ${res.body}`).toBe(200);
        const body = res.json<GroupResult>();
        const inRange = within(group, FROM, TO);
        const active = new Set(inRange.map((e) => e.actor)).size;
        expect([body.members, body.activeMembers], what).toEqual([members, active]);
        expect(body.metrics.map((m) => m.metric), what).toEqual(ACTOR_METRICS);
        for (const m of body.metrics) {
          const value = metricValue(t.catalog, m.metric, inRange);
          expect(closeTo(m.value, value), `${what} ${m.metric} = ${m.value}, expected ${value}`).toBe(true);
          const per = ADDITIVE.has(m.metric) && value !== null && active > 0 ? value / active : null;
          expect(closeTo(m.perActiveMember, per), `${what} ${m.metric} per active member`).toBe(true);
        }
        const metric = q.metric ?? 'xp_earned';
        expect(body.rankedBy, what).toBe(metric);
        expect(body.top, `${what} top`).toEqual(performers(inRange, metric, 'desc', q.limit));
        expect(body.bottom, `${what} bottom`).toEqual(performers(inRange, metric, 'asc', q.limit));
      }),
      { numRuns: RUNS },
    );
  });
});
