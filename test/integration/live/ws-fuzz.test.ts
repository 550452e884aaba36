/**
 * Property: whatever a client sends over the live WebSocket — text that is not JSON, messages of
 * unknown shape, subscriptions with mutated queries and intervals, event filters — the server
 * answers with a result or an error frame carrying a catalogued client problem (never INTERNAL),
 * keeps the connection open and keeps answering. And random SSE stream parameters open a stream
 * or are refused as problem+json. Runs on DuckDB and PostgreSQL.
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

describe('random SSE stream parameters', () => {
  it('open a stream or are refused as catalogued problem+json', { timeout: Math.max(30_000, RUNS * 200) }, async () => {
    const token = await t.token(FUZZ_ORG, 'analyst');
    const param = fc.oneof(word, fc.constantFrom('event', 'alert', 'event,alert', 'payment.*', '*', '**', ',', '0', '-1', '99999999999999999999', '1e309'));
    const params = fc.dictionary(fc.constantFrom('types', 'events', 'lastEventId'), param, { maxKeys: 3 });
    await fc.assert(
      fc.asyncProperty(params, fc.option(param, { nil: undefined }), async (query, lastEventIdHeader) => {
        const controller = new AbortController();
        const url = `${t.http}/stream?${new URLSearchParams(query).toString()}`;
        const headers: Record<string, string> = { authorization: `Bearer ${token}`, ...(lastEventIdHeader === undefined ? {} : { 'last-event-id': encodeURIComponent(lastEventIdHeader) }) };
        const res = await fetch(url, { headers, signal: controller.signal });
        const what = `${url} ${JSON.stringify(headers['last-event-id'])} → ${res.status}`;
        try {
          if (res.status === 200) expect(res.headers.get('content-type'), what).toMatch(/^text\/event-stream/);
          else {
            expect(res.status, what).toBeGreaterThanOrEqual(400);
            expect(res.status, what).toBeLessThan(500);
            expect(res.headers.get('content-type'), what).toMatch(/^application\/problem\+json/);
            const problem = (await res.json()) as { code: keyof typeof ERRORS };
            expect(ERRORS[problem.code]?.status, what).toBe(res.status);
          }
        } finally {
          controller.abort();
        }
      }),
      { numRuns: RUNS },
    );
  });
});

function expectClientLevel(m: Msg, sent: string): void {
  if (m.type !== 'error') return;
  const problem = m['error'] as { code: keyof typeof ERRORS; status: number };
  expect(ERRORS[problem.code]?.status, `${sent.slice(0, 500)} → ${JSON.stringify(m).slice(0, 500)}`).toBe(problem.status);
  expect(problem.status, `${sent.slice(0, 500)} → ${JSON.stringify(m).slice(0, 500)}`).toBeLessThan(500);
}
