/**
 * Property: paging GET /activity neither skips nor repeats an event while events keep arriving
 * (docs/api.md GET /activity). A random history crowded on a few timestamps (one in the future),
 * random page sizes, an optional event filter, and between pages random arrivals — each its own
 * append, one right after the other, at timestamps older than, equal to or newer than the page
 * boundary. The pages together must hold every event present at the start and every arrival not
 * newer than the boundary it arrived at, each once, newest first, and nothing else.
 * Runs on DuckDB and PostgreSQL.
 */
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { StoredEvent } from '../../../src/domain/event.js';
import type { ActivityResult } from '../../../src/engine/views/activity.js';
import { decodeCursor } from '../../../src/engine/views/cursor.js';
import { defaultModelPaths } from '../../../src/model/load.js';
import type { TestApp } from '../../fixtures/app.js';
import { createTestApp } from '../../fixtures/app.js';
import { FIXTURE_END } from './setup.js';

const RUNS = Number(process.env['TALLY_FUZZ_RUNS'] ?? 12) * 4;
const EVENTS = ['app.opened', 'lesson.completed'];
/** Few distinct times, so pages end inside runs of equal timestamps; the last is in the future. */
const TIMES = [FIXTURE_END - 5000, FIXTURE_END - 3000, FIXTURE_END - 2000, FIXTURE_END - 1000, FIXTURE_END, FIXTURE_END + 1000];

const happening = fc.record({ event: fc.constantFrom(...EVENTS), at: fc.nat({ max: TIMES.length - 1 }) });
const step = fc.record({ limit: fc.integer({ min: 1, max: 5 }), arrivals: fc.array(happening, { maxLength: 4 }) });

let t: TestApp;
let org = 0;

beforeAll(async () => {
  t = await createTestApp({ models: defaultModelPaths(), now: FIXTURE_END });
});
afterAll(() => t.close());

describe('random activity paging under ingest', () => {
  it('serves every event once, newest first, whatever arrives between pages', { timeout: Math.max(30_000, RUNS * 1000) }, async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.array(happening, { maxLength: 25 }),
        fc.array(step, { minLength: 1, maxLength: 30 }),
        fc.option(fc.constantFrom(...EVENTS), { nil: undefined }),
        async (history, steps, only) => {
          const name = `activity-${org++}`;
          let n = 0;
          const make = (h: { event: string; at: number }): StoredEvent => ({ event: h.event, timestamp: TIMES[h.at]!, actor: 'a', id: null, props: { n: n++ } });
          const initial = history.map(make);
          await t.seed(name, initial);
          const shown = (e: StoredEvent): boolean => e.timestamp <= FIXTURE_END && (only === undefined || e.event === only);
          const expected = new Map(initial.filter(shown).map((e) => [e.props['n'] as number, e.timestamp]));
          const token = await t.token(name, 'analyst');
          const served: Array<{ n: number; ts: number }> = [];
          let cursor: string | null = null;
          for (let page = 0; page < 200; page++) {
            // Arrivals stop after the last step (each page could otherwise feed the next forever).
            const { limit, arrivals } = steps[page] ?? { limit: steps[steps.length - 1]!.limit, arrivals: [] };
            const query = new URLSearchParams({ limit: String(limit), ...(cursor ? { before: cursor } : {}), ...(only ? { event: only } : {}) });
            const res = await t.app.inject({ method: 'GET', url: `/api/v1/activity?${query.toString()}`, headers: { authorization: `Bearer ${token}` } });
            expect(res.statusCode, res.body).toBe(200);
            const body: ActivityResult = res.json();
            served.push(...body.events.map((e) => ({ n: e.props['n'] as number, ts: Date.parse(e.timestamp) })));
            cursor = body.nextCursor;
            if (cursor === null) break;
            // Arrivals, each its own append: those not newer than the boundary belong to later pages.
            const boundary = decodeCursor(cursor).ts;
            for (const a of arrivals) {
              const e = make(a);
              await t.seed(name, [e]);
              if (shown(e) && e.timestamp <= boundary) expected.set(e.props['n'] as number, e.timestamp);
            }
          }
          const what = `${JSON.stringify({ history, steps, only })}: served ${JSON.stringify(served)}`;
          expect(cursor, `${what}: still paging after 200 pages`).toBeNull();
          expect(served.map((s) => s.n).sort((a, b) => a - b), what).toEqual([...expected.keys()].sort((a, b) => a - b));
          for (let i = 1; i < served.length; i++) expect(served[i]!.ts, what).toBeLessThanOrEqual(served[i - 1]!.ts);
        },
      ),
      { numRuns: RUNS },
    );
  });
});
