/**
 * Data retention (TALLY_RETENTION_DAYS / TALLY_RETENTION_ORGS): the sweep deletes each org's
 * events older than it keeps, cached answers over the deleted span are dropped, live queries over
 * it are pushed their new answer, the SSE replay forgets the deleted events, and ingest refuses
 * events that would be deleted at once. Expected counts come from the fixture, filtered here.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { StoredEvent } from '../../src/domain/event.js';
import type { TestApp } from '../fixtures/app.js';
import { createTestApp } from '../fixtures/app.js';
import { FIXTURE_END, fixtureEvents } from '../fixtures/events.js';
import { openSse, until, WsClient } from './live/helpers.js';

const DAY = 86_400_000;
const QUERY = { metrics: ['payments'], timeRange: { from: new Date(FIXTURE_END - 30 * DAY).toISOString(), to: new Date(FIXTURE_END + 3_600_000).toISOString() } };

let t: TestApp;
let events: StoredEvent[];
let address: string;
/** The app's clock: the last test moves it on. */
let clock = FIXTURE_END;

/** Payments the org should still hold when it keeps `days` (null: everything). */
function payments(days: number | null): number {
  return events.filter((e) => e.event === 'payment.completed' && (days === null || e.timestamp >= FIXTURE_END - days * DAY)).length;
}

async function stored(org: string): Promise<number> {
  return Number((await t.store.query('SELECT count(*) AS n FROM events WHERE org_id = $1', [org]))[0]?.['n']);
}

async function query(org: string): Promise<{ payments: number; hit: boolean }> {
  const res = await t.app.inject({ method: 'POST', url: '/api/v1/query', headers: { authorization: `Bearer ${await t.token(org, 'analyst')}` }, payload: QUERY });
  expect(res.statusCode, res.body).toBe(200);
  const body = res.json<{ rows: Array<{ payments: number }>; meta: { cache: { hit: boolean } } }>();
  return { payments: body.rows[0]?.payments ?? 0, hit: body.meta.cache.hit };
}

async function send(org: string, daysAgo: number) {
  return t.app.inject({
    method: 'POST',
    url: '/api/v1/events',
    headers: { authorization: `Bearer ${await t.ingestKey(org)}` },
    payload: { event: 'payment.completed', timestamp: new Date(FIXTURE_END - daysAgo * DAY).toISOString(), props: { amount: 1, currency: 'EUR' } },
  });
}

type Rows = { rows: Array<{ payments: number }> };

beforeAll(async () => {
  // The sweep runs at start (nothing stored yet) and then only when the test asks.
  t = await createTestApp({ now: () => clock, retention: { defaultDays: 7, orgDays: { forever: 0, short: 3 }, sweepIntervalMs: 3_600_000 } });
  events = fixtureEvents(1500, 31);
  for (const org of ['acme', 'forever', 'short']) await t.seed(org, events);
  address = await t.app.listen({ port: 0, host: '127.0.0.1' });
});
afterAll(() => t.close());

describe('data retention', () => {
  it('deletes what each org no longer keeps, and cached answers follow', async () => {
    expect(await query('acme')).toEqual({ payments: payments(null), hit: false });
    expect((await query('acme')).hit).toBe(true);

    const expired = await t.app.retentionSweeper?.sweep();
    const cutoff = (days: number) => FIXTURE_END - days * DAY;
    expect(new Map((expired ?? []).map((e) => [e.org, e]))).toEqual(
      new Map([
        ['acme', { org: 'acme', before: cutoff(7), events: events.filter((e) => e.timestamp < cutoff(7)).length }],
        ['short', { org: 'short', before: cutoff(3), events: events.filter((e) => e.timestamp < cutoff(3)).length }],
      ]),
    );
    expect(await stored('acme')).toBe(events.filter((e) => e.timestamp >= cutoff(7)).length);
    expect(await stored('short')).toBe(events.filter((e) => e.timestamp >= cutoff(3)).length);
    expect(await stored('forever')).toBe(events.length);
    // The cached answer was dropped: the next one is computed over what is left.
    expect(await query('acme')).toEqual({ payments: payments(7), hit: false });
    expect((await query('forever')).payments).toBe(payments(null));
    // Nothing more to do until time moves on.
    expect(await t.app.retentionSweeper?.sweep()).toEqual([]);
  });

  it('refuses events older than the org keeps, naming the timestamp; accepts them where kept', async () => {
    const old = await send('acme', 8);
    expect(old.statusCode).toBe(400);
    expect(old.json()).toMatchObject({ code: 'INVALID_EVENT', errors: [{ path: '/timestamp', message: expect.stringMatching(/older than this org keeps events \(7 days/) as string }] });
    expect((await send('acme', 6)).statusCode).toBe(200);
    expect((await send('short', 4)).statusCode).toBe(400);
    expect((await send('forever', 400)).statusCode).toBe(200);
  });

  it('pushes live queries over the deleted span their new answer, and takes the deleted events out of the SSE replay', async () => {
    // 'short' keeps 3 days: one event sent now at 2.5 days old, one at 1 day old.
    const token = await t.token('short', 'analyst');
    const live = openSse(`${address}/api/v1/stream?types=event`, { token });
    await live.opened;
    expect((await send('short', 2.5)).statusCode).toBe(200);
    expect((await send('short', 1)).statusCode).toBe(200);
    await until(() => live.got.length === 2, 'both events on the stream');
    live.es.close();
    const firstId = Number(live.got[0]?.id);

    const ws = await WsClient.open(`${address.replace('http', 'ws')}/api/v1/ws`, { token });
    try {
      ws.send({ type: 'subscribe', id: 'paid', query: QUERY, interval: 0.1 });
      const first = (await ws.result('paid')).data as Rows;
      expect(first.rows[0]?.payments).toBe(payments(3) + 2);

      // Two days later 'short' keeps what is newer than FIXTURE_END - 1 day (3 days before the clock).
      clock = FIXTURE_END + 2 * DAY;
      const expired = await t.app.retentionSweeper?.sweep();
      expect(expired?.find((e) => e.org === 'short')).toEqual({ org: 'short', before: FIXTURE_END - DAY, events: events.filter((e) => e.timestamp < FIXTURE_END - DAY && e.timestamp >= FIXTURE_END - 3 * DAY).length + 1 });
      const pushed = (await ws.result('paid')).data as Rows;
      expect(pushed.rows[0]?.payments).toBe(payments(1) + 1);
    } finally {
      ws.close();
    }

    const again = openSse(`${address}/api/v1/stream?types=event`, { token, lastEventId: String(firstId - 1) });
    try {
      await until(() => again.got.length > 0, 'the replay');
      // Replayed in one write, oldest first: the deleted event would have come first.
      expect(again.got).toEqual([{ type: 'event', id: String(firstId + 1), data: expect.objectContaining({ timestamp: new Date(FIXTURE_END - DAY).toISOString() }) as unknown }]);
    } finally {
      again.es.close();
    }
  });
});
