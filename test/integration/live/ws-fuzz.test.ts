/**
 * Property: whatever a client sends over the live WebSocket — text that is not JSON, messages of
 * unknown shape, subscriptions with mutated queries and intervals, event filters — the server
 * answers with a result or an error frame carrying a catalogued client problem (never INTERNAL),
 * keeps the connection open and keeps answering. Runs on DuckDB and PostgreSQL.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ERRORS } from '../../../src/domain/errors.js';
import { FIXTURE_END, fixtureEvents } from '../../fixtures/events.js';
import { FUZZ_ORG, FUZZ_QUERY, mutationsOf, value, word } from '../../fixtures/fuzz.js';
import type { LiveTestApp, Msg } from './helpers.js';
import { startLiveApp, WsClient } from './helpers.js';

const RUNS = Number(process.env['TALLY_FUZZ_RUNS'] ?? 12) * 10;

const message = fc.oneof(
  { weight: 5, arbitrary: mutationsOf({ type: 'subscribe', id: 's', query: FUZZ_QUERY, interval: 0.5 }).map((m) => JSON.stringify(m)) },
  { weight: 1, arbitrary: mutationsOf({ type: 'events', id: 'e', filter: { events: ['payment.*'] } }).map((m) => JSON.stringify(m)) },
  { weight: 1, arbitrary: mutationsOf({ type: 'unsubscribe', id: 's' }).map((m) => JSON.stringify(m)) },
  { weight: 1, arbitrary: fc.oneof(word, fc.jsonValue().map((v) => JSON.stringify(v)), value.map((v) => JSON.stringify(v) ?? 'undefined')) },
);

let t: LiveTestApp;
let ws: WsClient;

beforeAll(async () => {
  t = await startLiveApp({ now: FIXTURE_END });
  await t.seed(FUZZ_ORG, fixtureEvents(300, 9));
  ws = await WsClient.open(t.ws, { token: await t.token(FUZZ_ORG, 'analyst') });
});
afterAll(async () => {
  ws.close();
  await t.close();
});

describe('random WebSocket messages', () => {
  it('get results or catalogued client errors, and the connection keeps serving', { timeout: Math.max(30_000, RUNS * 200) }, async () => {
    await fc.assert(
      fc.asyncProperty(message, async (text) => {
        // Two messages per turn, under the 50 per second a connection may send.
        await sleep(45);
        ws.messages.length = 0;
        ws.socket.send(text);
        // Messages are handled in order: once the pong is back, the message before it was answered
        // (a subscription's first result may follow later; it is checked when it comes).
        ws.send({ type: 'ping' });
        await ws.take((m) => m.type === 'pong', 5000, `the pong after ${text.slice(0, 300)}`);
        for (const m of ws.messages) expectClientLevel(m, text);
      }),
      { numRuns: RUNS },
    );
    // Results and errors of the last subscriptions, whenever they came.
    await sleep(300);
    for (const m of ws.messages) expectClientLevel(m, 'the last messages');
    expect(ws.closed).toBeNull();
    ws.send({ type: 'subscribe', id: 'final', query: { metrics: ['payments'], timeRange: { preset: 'all' } } });
    expect(((await ws.result('final')).data as { rows: unknown[] }).rows).toHaveLength(1);
  });
});

function expectClientLevel(m: Msg, sent: string): void {
  if (m.type !== 'error') return;
  const problem = m['error'] as { code: keyof typeof ERRORS; status: number };
  expect(ERRORS[problem.code]?.status, `${sent.slice(0, 500)} → ${JSON.stringify(m).slice(0, 500)}`).toBe(problem.status);
  expect(problem.status, `${sent.slice(0, 500)} → ${JSON.stringify(m).slice(0, 500)}`).toBeLessThan(500);
}
