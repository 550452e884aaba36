/**
 * Data retention (TALLY_RETENTION_DAYS / TALLY_RETENTION_ORGS): the sweep deletes each org's
 * events older than it keeps, cached answers over the deleted span are dropped, and ingest refuses
 * events that would be deleted at once. Expected counts come from the fixture, filtered here.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { StoredEvent } from '../../src/domain/event.js';
import type { TestApp } from '../fixtures/app.js';
import { createTestApp } from '../fixtures/app.js';
import { FIXTURE_END, fixtureEvents } from '../fixtures/events.js';

const DAY = 86_400_000;
const QUERY = { metrics: ['payments'], timeRange: { from: new Date(FIXTURE_END - 30 * DAY).toISOString(), to: new Date(FIXTURE_END + 3_600_000).toISOString() } };

let t: TestApp;
let events: StoredEvent[];

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

beforeAll(async () => {
  // The sweep runs at start (nothing stored yet) and then only when the test asks.
  t = await createTestApp({ now: FIXTURE_END, retention: { defaultDays: 7, orgDays: { forever: 0, short: 3 }, sweepIntervalMs: 3_600_000 } });
  events = fixtureEvents(1500, 31);
  for (const org of ['acme', 'forever', 'short']) await t.seed(org, events);
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
});
