/**
 * Property: POST /funnels counts what the funnel rules say, for random histories. A few actors do
 * random shop events at random minutes (ties included, some before or after the range), on a
 * random channel with a random amount; random steps (repeats allowed, some with filters of their
 * own), windows and request-wide filters go to the view, and per step the count and the median
 * time from the previous step must equal a reference that walks each actor's sorted events by the
 * rules in docs/api.md. Runs on DuckDB and PostgreSQL.
 */
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { PropValue, StoredEvent } from '../../../src/domain/event.js';
import type { FunnelResult } from '../../../src/engine/views/funnels.js';
import { defaultModelPaths } from '../../../src/model/load.js';
import type { TestApp } from '../../fixtures/app.js';
import { createTestApp } from '../../fixtures/app.js';
import type { Filter } from '../../fixtures/random-queries.js';
import { predicate } from '../../fixtures/random-queries.js';
import { FIXTURE_END, funnelReference } from './setup.js';

const RUNS = Number(process.env['TALLY_FUZZ_RUNS'] ?? 12) * 4;
const M = 60_000;
/** The range: [FROM, TO); events fall a little before and after it too. */
const FROM = FIXTURE_END - 3 * 24 * 60 * M;
const TO = FIXTURE_END - 24 * 60 * M;
const EVENTS = ['page.viewed', 'cart.added', 'payment.completed'];
const WINDOWS: Record<string, number> = { '30m': 30 * M, '2h': 120 * M, '1d': 24 * 60 * M };

const history = fc.array(
  fc.record({
    actor: fc.constantFrom('a', 'b', 'c', 'd', 'e'),
    event: fc.constantFrom(...EVENTS),
    minute: fc.integer({ min: -120, max: 3 * 24 * 60 }),
    channel: fc.constantFrom('web', 'ios', null),
    amount: fc.option(fc.integer({ min: 0, max: 100 }), { nil: undefined }),
  }),
  { minLength: 1, maxLength: 40 },
);
/** Filters over the declared props the events carry (semantics: test/fixtures/random-queries.ts predicate). */
const filter: fc.Arbitrary<Filter> = fc.oneof(
  fc.record({ field: fc.constant('channel'), op: fc.constantFrom('eq', 'neq'), value: fc.constantFrom('web', 'ios') }),
  fc.record({ field: fc.constant('channel'), op: fc.constantFrom('exists', 'not_exists') }),
  fc.record({ field: fc.constant('amount'), op: fc.constantFrom('gt', 'lte'), value: fc.integer({ min: 0, max: 100 }) }),
) as fc.Arbitrary<Filter>;
/** A step: a name, or a name with filters of its own. */
const step = fc.oneof(
  fc.constantFrom(...EVENTS),
  fc.record({ event: fc.constantFrom(...EVENTS), filters: fc.array(filter, { minLength: 1, maxLength: 2 }) }),
);
type Step = string | { event: string; filters: Filter[] };

let t: TestApp;
let org = 0;

beforeAll(async () => {
  t = await createTestApp({ models: defaultModelPaths(), now: FIXTURE_END });
});
afterAll(() => t.close());

describe('random funnels over random histories', () => {
  it('count each step and its median time as the rules say', { timeout: Math.max(30_000, RUNS * 500) }, async () => {
    await fc.assert(
      fc.asyncProperty(history, fc.array(step, { minLength: 2, maxLength: 4 }), fc.constantFrom(...Object.keys(WINDOWS)), fc.array(filter, { maxLength: 1 }), async (done, steps, window, filters) => {
        const name = `funnel-${org++}`;
        const events: StoredEvent[] = done.map((d): StoredEvent => ({
          event: d.event,
          timestamp: FROM + d.minute * M,
          actor: d.actor,
          id: null,
          props: d.amount === undefined ? { channel: d.channel } : { channel: d.channel, amount: d.amount } as Record<string, PropValue>,
        }));
        await t.seed(name, events);
        const res = await t.app.inject({
          method: 'POST',
          url: '/api/v1/funnels',
          headers: { authorization: `Bearer ${await t.token(name, 'analyst')}` },
          payload: { steps, window, filters, timeRange: { from: new Date(FROM).toISOString(), to: new Date(TO).toISOString() } },
        });
        const what = `${JSON.stringify({ steps, window, filters })} over ${JSON.stringify(done)}`;
        expect(res.statusCode, `${what} → ${res.body}`).toBe(200);
        const body = res.json<FunnelResult>();
        // Request-wide filters narrow every step; a step's own filters narrow that step.
        const kept = events.filter((e) => filters.every((f) => predicate(f)(e)));
        const matchers = steps.map((st: Step) => (e: StoredEvent) => (typeof st === 'string' ? e.event === st : e.event === st.event && st.filters.every((f) => predicate(f)(e))));
        const expected = funnelReference(kept, matchers, WINDOWS[window]!, FROM, TO);
        expect(body.steps.map((s) => s.count), what).toEqual(expected.counts);
        expect(body.steps.map((s) => s.medianMsFromPrevious), what).toEqual(expected.medians);
      }),
      { numRuns: RUNS },
    );
  });
});
