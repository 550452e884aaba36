/**
 * Property: the answer cache (memory and Redis) stays correct while events keep arriving. A random
 * sequence of steps — ingest a few random events (some re-sending an earlier id), ask a random
 * query, ask one asked before — runs through HTTP against a cached app; every answer must equal
 * the reference over exactly the events accepted so far, whether it was computed or came from a
 * cache layer. Runs on DuckDB and PostgreSQL.
 */
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { PropValue, StoredEvent } from '../../../src/domain/event.js';
import type { TestApp } from '../../fixtures/app.js';
import { createTestApp } from '../../fixtures/app.js';
import { FIXTURE_DAYS, FIXTURE_END, fixtureEvents } from '../../fixtures/events.js';
import type { RandomQuery } from '../../fixtures/random-queries.js';
import { expectReferenceAnswer, randomQuery, toSpec } from '../../fixtures/random-queries.js';
import { dropPrefix, SHARED_REDIS_URL, testPrefix } from '../../fixtures/redis.js';
import { postEvents, postQuery, UNLIMITED } from './helpers.js';

const RUNS = Number(process.env['TALLY_FUZZ_RUNS'] ?? 12);
const START = FIXTURE_END - FIXTURE_DAYS * 86_400_000;
const PREFIX = testPrefix('interleaving');

const seedEvents = fixtureEvents(500, 17);

/** A random event of the shop model: declared props with their types, sometimes an id seen before. */
const newEvent = fc
  .record({
    event: fc.constantFrom('payment.completed', 'payment.failed', 'page.viewed'),
    minute: fc.integer({ min: 0, max: FIXTURE_DAYS * 24 * 60 - 1 }),
    actor: fc.constantFrom('u_1', 'u_2', 'u_77', null),
    id: fc.option(fc.constantFrom('r-1', 'r-2', 'r-3', 'r-4'), { nil: null }),
    amount: fc.option(fc.double({ min: 0, max: 500, noNaN: true }).map((x) => Math.round(x * 100) / 100), { nil: undefined }),
    currency: fc.option(fc.constantFrom('EUR', 'USD', 'JPY'), { nil: undefined }),
    channel: fc.option(fc.constantFrom('web', 'app', "x' OR 1=1 --"), { nil: undefined }),
    premium: fc.option(fc.boolean(), { nil: undefined }),
    page: fc.option(fc.constantFrom('/home', '/new'), { nil: undefined }),
    score: fc.option(fc.integer({ min: 0, max: 120 }), { nil: undefined }),
    coupon: fc.option(fc.constantFrom('VIP', 'FALL'), { nil: undefined }),
  })
  .map(({ event, minute, actor, id, ...props }): StoredEvent => ({
    event,
    timestamp: START + minute * 60_000,
    actor,
    id,
    props: Object.fromEntries(Object.entries(props).filter(([, v]) => v !== undefined)) as Record<string, PropValue>,
  }));

/** Half the queries read the whole span without filters, so that most ingests change their answer. */
const broad = randomQuery(seedEvents).map((q): RandomQuery => ({ ...q, filters: [], span: [0, FIXTURE_DAYS * 24 * 60] }));

type Step = { kind: 'ingest'; events: StoredEvent[] } | { kind: 'query'; query: RandomQuery } | { kind: 'again'; pick: number };
const step: fc.Arbitrary<Step> = fc.oneof(
  fc.record({ kind: fc.constant('ingest' as const), events: fc.array(newEvent, { minLength: 1, maxLength: 3 }) }),
  fc.record({ kind: fc.constant('query' as const), query: fc.oneof(randomQuery(seedEvents), broad) }),
  fc.record({ kind: fc.constant('again' as const), pick: fc.nat() }),
);

let t: TestApp;
let org = 0;

beforeAll(async () => {
  t = await createTestApp({ now: FIXTURE_END, ops: UNLIMITED, cache: { redisUrl: SHARED_REDIS_URL, redisPrefix: PREFIX } });
});
afterAll(async () => {
  await t.close();
  await dropPrefix(PREFIX);
});

describe('random ingests and queries through the cache', () => {
  it('answer what the events accepted so far say', { timeout: Math.max(30_000, RUNS * 5_000) }, async () => {
    const layers = new Set<string>();
    await fc.assert(
      fc.asyncProperty(fc.array(step, { minLength: 5, maxLength: 25 }), async (steps) => {
        // Each sequence gets an org of its own, seeded alike.
        const name = `interleave-${org++}`;
        await t.seed(name, seedEvents);
        const token = await t.token(name, 'analyst');
        const key = await t.ingestKey(name);
        const held: StoredEvent[] = [...seedEvents];
        const ids = new Set<string>();
        const asked: RandomQuery[] = [];
        for (const s of steps) {
          if (s.kind === 'ingest') {
            const res = await postEvents(t.app, key, s.events);
            expect(res.statusCode, res.body).toBe(200);
            // The model: an id already held (or repeated within the request) is a duplicate.
            let accepted = 0;
            for (const e of s.events) {
              if (e.id !== null && ids.has(e.id)) continue;
              if (e.id !== null) ids.add(e.id);
              held.push(e);
              accepted++;
            }
            expect(res.json()).toEqual({ accepted, duplicates: s.events.length - accepted });
            continue;
          }
          const q = s.kind === 'query' ? s.query : asked[s.pick % Math.max(1, asked.length)];
          if (q === undefined) continue;
          if (s.kind === 'query') asked.push(q);
          const spec = toSpec(q);
          const reply = await postQuery(t.app, token, spec);
          layers.add(reply.body.meta.cache.hit ? String(reply.body.meta.cache.layer) : 'computed');
          expectReferenceAnswer(reply.body, q, held, `${JSON.stringify(spec)} (${JSON.stringify(reply.body.meta.cache)})`);
        }
      }),
      { numRuns: RUNS },
    );
    // Not vacuous: answers came from the cache as well as from the store.
    expect([...layers].sort()).toEqual(expect.arrayContaining(['computed', 'memory']));
  });
});
