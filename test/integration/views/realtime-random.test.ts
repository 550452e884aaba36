/**
 * Property: GET /realtime counts what docs/api.md says, by event time on the server clock. Random
 * events (some without an actor, some of another model, some in the future, many on the window
 * edges) around a clock that is not on a minute boundary, and an optional `event=` or `model=`
 * narrowing: distinct actors in the last 5 minutes and events in the last 60 s (both edges
 * included), and per minute for the last 30 minutes, the last being the running one.
 * Runs on DuckDB and PostgreSQL.
 */
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { StoredEvent } from '../../../src/domain/event.js';
import type { RealtimeResult } from '../../../src/engine/views/realtime.js';
import { defaultModelPaths } from '../../../src/model/load.js';
import type { TestApp } from '../../fixtures/app.js';
import { createTestApp } from '../../fixtures/app.js';
import { FIXTURE_END, LEARNING_EVENTS } from './setup.js';

const RUNS = Number(process.env['TALLY_FUZZ_RUNS'] ?? 12) * 4;
const MINUTE = 60_000;
const NOW = FIXTURE_END + 37_123;
/** Offsets that sit on the edges of the windows, besides random ones. */
const EDGES = [0, -1, 1, -MINUTE, -MINUTE - 1, -MINUTE + 1, -5 * MINUTE, -5 * MINUTE - 1, -37_123, -37_124, -(29 * MINUTE + 37_123), -(29 * MINUTE + 37_124)];
const EVENTS = ['app.opened', 'lesson.completed', 'page.viewed'];

const happening = fc.record({
  event: fc.constantFrom(...EVENTS),
  actor: fc.constantFrom('a', 'b', 'c', null),
  offset: fc.oneof(fc.constantFrom(...EDGES), fc.integer({ min: -35 * MINUTE, max: 2 * MINUTE })),
});

let t: TestApp;
let org = 0;

beforeAll(async () => {
  t = await createTestApp({ models: defaultModelPaths(), now: NOW });
});
afterAll(() => t.close());

describe('random realtime', () => {
  it('counts actors, the last minute and each of the last 30 minutes as documented', { timeout: Math.max(30_000, RUNS * 500) }, async () => {
    const narrowing = fc.oneof(fc.constant({}), fc.record({ event: fc.constantFrom(...EVENTS) }), fc.constant({ model: 'learning' }));
    await fc.assert(
      fc.asyncProperty(fc.array(happening, { maxLength: 40 }), narrowing, async (history, narrow) => {
        const name = `realtime-${org++}`;
        const events: StoredEvent[] = history.map((h) => ({ event: h.event, timestamp: NOW + h.offset, actor: h.actor, id: null, props: {} }));
        await t.seed(name, events);
        const query = new URLSearchParams(narrow).toString();
        const res = await t.app.inject({ method: 'GET', url: `/api/v1/realtime${query ? `?${query}` : ''}`, headers: { authorization: `Bearer ${await t.token(name, 'analyst')}` } });
        const what = `${JSON.stringify(narrow)} over ${JSON.stringify(history)}`;
        expect(res.statusCode, `${what} → ${res.body}`).toBe(200);
        const body = res.json<RealtimeResult>();
        const kept = events.filter((e) =>
          'event' in narrow ? e.event === narrow.event : 'model' in narrow ? LEARNING_EVENTS.includes(e.event) : true,
        );
        const since = (ms: number) => kept.filter((e) => e.timestamp >= NOW - ms && e.timestamp <= NOW);
        const running = NOW - (NOW % MINUTE);
        const starts = Array.from({ length: 30 }, (_, i) => running - (29 - i) * MINUTE);
        expect(body.now, what).toBe(new Date(NOW).toISOString());
        expect(body.activeActors, what).toBe(new Set(since(5 * MINUTE).filter((e) => e.actor !== null).map((e) => e.actor)).size);
        expect(body.eventsLastMinute, what).toBe(since(MINUTE).length);
        expect(body.minutes, what).toEqual(starts.map((s) => new Date(s).toISOString()));
        expect(body.perMinute, what).toEqual(starts.map((s) => kept.filter((e) => e.timestamp >= s && e.timestamp < s + MINUTE && e.timestamp <= NOW).length));
      }),
      { numRuns: RUNS },
    );
  });
});
