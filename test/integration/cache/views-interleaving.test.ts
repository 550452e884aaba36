/**
 * Property: every dashboard view stays right through the cache (memory and Redis) while events
 * keep arriving. Random sequences of ingests (learning events at random times of the last two
 * weeks, by known and new actors, in two classes and courses) and reads of random views —
 * breakdown, percentiles, leaderboard, compare, insights, groups, funnels, retention, time series,
 * activity, realtime and the summary — run through HTTP; each read, cached or not, must equal the
 * same request computed fresh (`Cache-Control: no-cache`) right after it. A view whose
 * invalidation tags missed what it reads would serve its old answer after an ingest.
 * Stale-while-revalidate is off (the summary has it on by default, by design). Runs on DuckDB and
 * PostgreSQL.
 */
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { StoredEvent } from '../../../src/domain/event.js';
import { defaultModelPaths } from '../../../src/model/load.js';
import type { TestApp } from '../../fixtures/app.js';
import { createTestApp } from '../../fixtures/app.js';
import { FIXTURE_END } from '../../fixtures/events.js';
import { dropPrefix, SHARED_REDIS_URL, testPrefix } from '../../fixtures/redis.js';
import { learningEvent } from '../views/setup.js';
import { postEvents, UNLIMITED } from './helpers.js';

const RUNS = Number(process.env['TALLY_FUZZ_RUNS'] ?? 12);
const PREFIX = testPrefix('views-interleaving');
const M = 60_000;
const ACTORS = ['u_1', 'u_2', 'u_3'];

const randomEvent = fc
  .record({
    event: fc.constantFrom('app.opened', 'lesson.started', 'lesson.completed', 'quiz.submitted'),
    minute: fc.integer({ min: 0, max: 14 * 24 * 60 - 1 }),
    actor: fc.constantFrom(...ACTORS, 'u_new'),
    klass: fc.constantFrom('c1', 'c2'),
    course: fc.constantFrom('algebra', 'art'),
    small: fc.integer({ min: 0, max: 4 }),
    passed: fc.boolean(),
  })
  .map(({ minute, klass, course, ...e }): StoredEvent => learningEvent({ ...e, timestamp: FIXTURE_END - minute * M, props: { class: klass, course } }));

interface Read {
  method: 'GET' | 'POST';
  url: string;
  payload?: object;
}

const range = { preset: '7d' };
const READS: Read[] = [
  { method: 'GET', url: '/breakdown/course?metric=xp_earned&range=7d' },
  { method: 'GET', url: '/percentiles?field=score&event=quiz.submitted&range=30d&dimension=course&threshold=50' },
  { method: 'GET', url: '/leaderboard?range=7d&limit=5&model=learning' },
  { method: 'POST', url: '/compare', payload: { dimension: 'class', values: ['c1', 'c2'], metrics: ['xp_earned', 'avg_score'], timeRange: range, compare: 'previous_period' } },
  { method: 'GET', url: '/actors/u_1/insights?range=7d&timezone=Europe/Berlin&model=learning' },
  { method: 'GET', url: '/groups/class/c1?range=7d&model=learning' },
  { method: 'POST', url: '/funnels', payload: { steps: ['app.opened', 'lesson.completed', 'quiz.submitted'], window: '1d', timeRange: range } },
  { method: 'POST', url: '/retention', payload: { cohortEvent: 'app.opened', returnEvent: 'lesson.completed', period: '1d', timeRange: range } },
  { method: 'POST', url: '/timeseries', payload: { metrics: ['xp_earned', 'active_learners'], dimensions: ['course'], granularity: '1d', timeRange: range } },
  { method: 'GET', url: '/activity?limit=5' },
  { method: 'GET', url: '/realtime?model=learning' },
  { method: 'GET', url: '/dashboard/summary?range=7d&model=learning' },
];

type Step = { kind: 'ingest'; events: StoredEvent[] } | { kind: 'read'; read: number };
const step: fc.Arbitrary<Step> = fc.oneof(
  fc.record({ kind: fc.constant('ingest' as const), events: fc.array(randomEvent, { minLength: 1, maxLength: 3 }) }),
  fc.record({ kind: fc.constant('read' as const), read: fc.nat({ max: READS.length - 1 }) }),
);

let t: TestApp;
let org = 0;

beforeAll(async () => {
  t = await createTestApp({
    models: defaultModelPaths(),
    now: FIXTURE_END,
    ops: UNLIMITED,
    cache: { redisUrl: SHARED_REDIS_URL, redisPrefix: PREFIX, swrs: { summary: 0 } },
  });
});
afterAll(async () => {
  await t.close();
  await dropPrefix(PREFIX);
});

/** The reply without `meta` (timings and cache details differ between a hit and a fresh answer). */
async function read(token: string, r: Read, fresh: boolean): Promise<{ status: number; body: unknown; cache: unknown }> {
  const res = await t.app.inject({
    method: r.method,
    url: `/api/v1${r.url}`,
    headers: { authorization: `Bearer ${token}`, ...(fresh ? { 'cache-control': 'no-cache' } : {}) },
    ...(r.payload ? { payload: r.payload } : {}),
  });
  const { meta, ...body } = res.json<Record<string, unknown> & { meta?: { cache?: unknown } }>();
  return { status: res.statusCode, body, cache: meta?.cache };
}

describe('random ingests and view reads through the cache', () => {
  it('every view answers what a fresh computation answers', { timeout: Math.max(60_000, RUNS * 10_000) }, async () => {
    let hits = 0;
    await fc.assert(
      fc.asyncProperty(fc.array(randomEvent, { minLength: 5, maxLength: 30 }), fc.array(step, { minLength: 6, maxLength: 30 }), async (seed, steps) => {
        const name = `views-${org++}`;
        await t.seed(name, seed);
        const token = await t.token(name, 'analyst');
        const key = await t.ingestKey(name);
        const done: string[] = [];
        for (const s of steps) {
          if (s.kind === 'ingest') {
            const res = await postEvents(t.app, key, s.events);
            expect(res.statusCode, res.body).toBe(200);
            done.push(`ingest ${s.events.length}`);
            continue;
          }
          const r = READS[s.read]!;
          done.push(r.url);
          const served = await read(token, r, false);
          const fresh = await read(token, r, true);
          // An actor or a group the org does not hold yet is a 404; every other read answers.
          expect(served.status === 200 || (served.status === 404 && /insights|groups/.test(r.url)), `${r.url}: ${served.status} ${JSON.stringify(served.body)}`).toBe(true);
          expect(served.status, `${r.url}: ${JSON.stringify(served.body)}`).toBe(fresh.status);
          expect(served.body, `${r.url} after ${done.join(', ')} (served: ${JSON.stringify(served.cache)})`).toEqual(fresh.body);
          if ((served.cache as { hit?: boolean } | undefined)?.hit === true) hits++;
        }
      }),
      { numRuns: RUNS },
    );
    // Not vacuous: some answers came from the cache.
    expect(hits).toBeGreaterThan(0);
  });
});
