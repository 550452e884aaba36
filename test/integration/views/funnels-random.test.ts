/**
 * Property: POST /funnels counts what the funnel rules say, for random histories. A few actors do
 * random shop events at random minutes (ties included, some before or after the range); random
 * steps (repeats allowed) and windows go to the view, and per step the count and the median time
 * from the previous step must equal a reference that walks each actor's sorted events by the
 * rules in docs/api.md. Runs on DuckDB and PostgreSQL.
 */
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { StoredEvent } from '../../../src/domain/event.js';
import type { FunnelResult } from '../../../src/engine/views/funnels.js';
import { defaultModelPaths } from '../../../src/model/load.js';
import type { TestApp } from '../../fixtures/app.js';
import { createTestApp } from '../../fixtures/app.js';
import { FIXTURE_END, funnelReference } from './setup.js';

const RUNS = Number(process.env['TALLY_FUZZ_RUNS'] ?? 12) * 4;
const M = 60_000;
/** The range: [FROM, TO); events fall a little before and after it too. */
const FROM = FIXTURE_END - 3 * 24 * 60 * M;
const TO = FIXTURE_END - 24 * 60 * M;
const EVENTS = ['page.viewed', 'cart.added', 'payment.completed'];
const WINDOWS: Record<string, number> = { '30m': 30 * M, '2h': 120 * M, '1d': 24 * 60 * M };

const history = fc.array(
  fc.record({ actor: fc.constantFrom('a', 'b', 'c', 'd', 'e'), event: fc.constantFrom(...EVENTS), minute: fc.integer({ min: -120, max: 3 * 24 * 60 }) }),
  { minLength: 1, maxLength: 40 },
);

let t: TestApp;
let org = 0;

beforeAll(async () => {
  t = await createTestApp({ models: defaultModelPaths(), now: FIXTURE_END });
});
afterAll(() => t.close());

describe('random funnels over random histories', () => {
  it('count each step and its median time as the rules say', { timeout: Math.max(30_000, RUNS * 500) }, async () => {
    await fc.assert(
      fc.asyncProperty(history, fc.array(fc.constantFrom(...EVENTS), { minLength: 2, maxLength: 4 }), fc.constantFrom(...Object.keys(WINDOWS)), async (done, steps, window) => {
        const name = `funnel-${org++}`;
        const events: StoredEvent[] = done.map((d) => ({ event: d.event, timestamp: FROM + d.minute * M, actor: d.actor, id: null, props: {} }));
        await t.seed(name, events);
        const res = await t.app.inject({
          method: 'POST',
          url: '/api/v1/funnels',
          headers: { authorization: `Bearer ${await t.token(name, 'analyst')}` },
          payload: { steps, window, timeRange: { from: new Date(FROM).toISOString(), to: new Date(TO).toISOString() } },
        });
        const what = `${JSON.stringify({ steps, window })} over ${JSON.stringify(done)}`;
        expect(res.statusCode, `${what} → ${res.body}`).toBe(200);
        const body = res.json<FunnelResult>();
        const expected = funnelReference(events, steps, WINDOWS[window]!, FROM, TO);
        expect(body.steps.map((s) => s.count), what).toEqual(expected.counts);
        expect(body.steps.map((s) => s.medianMsFromPrevious), what).toEqual(expected.medians);
      }),
      { numRuns: RUNS },
    );
  });
});
