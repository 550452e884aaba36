/**
 * Property: a live query follows the data. A random query is subscribed over the WebSocket, then
 * random events arrive through POST /events; after each ingest the last result the client holds
 * must come to equal the reference over the events accepted so far (pushed when the answer
 * changed, kept when it did not). Runs on DuckDB and PostgreSQL.
 */
import fc from 'fast-check';
import { afterAll, beforeAll, describe, it } from 'vitest';
import type { PropValue, StoredEvent } from '../../../src/domain/event.js';
import { FIXTURE_DAYS, FIXTURE_END, fixtureEvents } from '../../fixtures/events.js';
import type { RandomQuery } from '../../fixtures/random-queries.js';
import { expectReferenceAnswer, randomQuery, toSpec } from '../../fixtures/random-queries.js';
import type { LiveTestApp, Msg } from './helpers.js';
import { startLiveApp, until, WsClient } from './helpers.js';

const RUNS = Number(process.env['TALLY_FUZZ_RUNS'] ?? 12);
const START = FIXTURE_END - FIXTURE_DAYS * 86_400_000;
const seedEvents = fixtureEvents(400, 23);

const newEvent = fc
  .record({
    event: fc.constantFrom('payment.completed', 'payment.failed', 'page.viewed'),
    minute: fc.integer({ min: 0, max: FIXTURE_DAYS * 24 * 60 - 1 }),
    actor: fc.constantFrom('u_1', 'u_5', 'u_live'),
    amount: fc.option(fc.integer({ min: 1, max: 300 }), { nil: undefined }),
    channel: fc.option(fc.constantFrom('web', 'app'), { nil: undefined }),
    currency: fc.option(fc.constantFrom('EUR', 'USD'), { nil: undefined }),
    score: fc.option(fc.integer({ min: 0, max: 100 }), { nil: undefined }),
  })
  .map(({ event, minute, actor, ...props }): StoredEvent => ({
    event,
    timestamp: START + minute * 60_000,
    actor,
    id: null,
    props: Object.fromEntries(Object.entries(props).filter(([, v]) => v !== undefined)) as Record<string, PropValue>,
  }));

/** Half the subscriptions read the whole span without filters, so that most ingests change them. */
const subscription = fc.oneof(randomQuery(seedEvents), randomQuery(seedEvents).map((q): RandomQuery => ({ ...q, filters: [], span: [0, FIXTURE_DAYS * 24 * 60] })));

let t: LiveTestApp;
let org = 0;

beforeAll(async () => {
  t = await startLiveApp({ now: FIXTURE_END });
});
afterAll(() => t.close());

function matches(result: Msg | undefined, q: RandomQuery, held: readonly StoredEvent[]): boolean {
  if (result === undefined) return false;
  try {
    expectReferenceAnswer(result['data'] as { rows: Array<Record<string, unknown>> }, q, held, '');
    return true;
  } catch {
    return false;
  }
}

describe('a random live query while random events arrive', () => {
  it('ends up at the reference answer after every ingest', { timeout: Math.max(60_000, RUNS * 10_000) }, async () => {
    await fc.assert(
      fc.asyncProperty(subscription, fc.array(fc.array(newEvent, { minLength: 1, maxLength: 3 }), { minLength: 1, maxLength: 4 }), async (q, batches) => {
        const name = `live-random-${org++}`;
        await t.seed(name, seedEvents);
        const key = await t.ingestKey(name);
        const ws = await WsClient.open(t.ws, { token: await t.token(name, 'analyst') });
        const held: StoredEvent[] = [...seedEvents];
        let last: Msg | undefined;
        const latest = (): Msg | undefined => {
          for (const m of ws.messages.splice(0)) if (m.type === 'result' && m.id === 'q') last = m;
          return last;
        };
        try {
          ws.send({ type: 'subscribe', id: 'q', query: toSpec(q), interval: 0.1 });
          await until(() => matches(latest(), q, held), `the first result of ${JSON.stringify(toSpec(q))}`);
          for (const batch of batches) {
            const res = await fetch(`${t.http}/events`, {
              method: 'POST',
              headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json' },
              body: JSON.stringify(batch.map((e) => ({ event: e.event, timestamp: new Date(e.timestamp).toISOString(), actor: e.actor, props: e.props }))),
            });
            if (res.status !== 200) throw new Error(`ingest answered ${res.status}: ${await res.text()}`);
            held.push(...batch);
            await until(() => matches(latest(), q, held), `the answer after ${JSON.stringify(batch)} to ${JSON.stringify(toSpec(q))} (last: ${JSON.stringify(last).slice(0, 400)})`);
          }
        } finally {
          ws.close();
        }
      }),
      { numRuns: RUNS },
    );
  });
});
