/**
 * DELETE /api/v1/actors/{actor}: an admin erases one actor of the org. What the store still holds
 * is read with hand-written SQL; expected numbers come from the fixture events, filtered here.
 * Cached answers and live queries that counted the actor must change at once; another org's
 * actor of the same name stays.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { StoredEvent } from '../../src/domain/event.js';
import type { TestApp } from '../fixtures/app.js';
import { createTestApp } from '../fixtures/app.js';
import { FIXTURE_END, fixtureEvents } from '../fixtures/events.js';
import { openSse, until, WsClient } from './live/helpers.js';

const ORG = 'acme';
const OTHER = 'globex';
const FROM = FIXTURE_END - 15 * 86_400_000;
const TO = FIXTURE_END + 3_600_000;
const QUERY = { metrics: ['payments', 'revenue', 'buyers'], timeRange: { from: new Date(FROM).toISOString(), to: new Date(TO).toISOString() } };

let t: TestApp;
let address: string;
let events: StoredEvent[];
/** The actor with the most payments: erasing it visibly changes every number. */
let gone: string;

interface Totals {
  payments: number;
  revenue: number;
  buyers: number;
}

/** The query's answer computed from the fixture, without the erased actors. */
function expected(erased: ReadonlySet<string>): Totals {
  const paid = events.filter((e) => e.event === 'payment.completed' && !erased.has(e.actor ?? ''));
  return {
    payments: paid.length,
    revenue: Math.round(paid.reduce((s, e) => s + (e.props['amount'] as number), 0) * 100) / 100,
    buyers: new Set(paid.map((e) => e.actor)).size,
  };
}

async function query(org = ORG): Promise<{ totals: Totals; hit: boolean }> {
  const res = await t.app.inject({ method: 'POST', url: '/api/v1/query', headers: { authorization: `Bearer ${await t.token(org, 'analyst')}` }, payload: QUERY });
  expect(res.statusCode, res.body).toBe(200);
  const body = res.json<{ rows: Array<Record<string, number>>; meta: { cache: { hit: boolean } } }>();
  const row = body.rows[0] ?? {};
  return { totals: { payments: row['payments'] ?? 0, revenue: Math.round((row['revenue'] ?? 0) * 100) / 100, buyers: row['buyers'] ?? 0 }, hit: body.meta.cache.hit };
}

/** The summary's buyers KPI over 30 days (the whole fixture). */
async function buyersKpi(): Promise<number> {
  const res = await t.app.inject({ url: '/api/v1/dashboard/summary?range=30d', headers: { authorization: `Bearer ${await t.token(ORG, 'analyst')}` } });
  expect(res.statusCode, res.body).toBe(200);
  return res.json<{ kpis: Array<{ metric: string; value: number }> }>().kpis.find((k) => k.metric === 'buyers')!.value;
}

async function erase(actor: string, role: 'admin' | 'analyst' = 'admin', org = ORG) {
  return t.app.inject({ method: 'DELETE', url: `/api/v1/actors/${encodeURIComponent(actor)}`, headers: { authorization: `Bearer ${await t.token(org, role)}` } });
}

async function heldRows(sql: string, actor: string): Promise<number> {
  const rows = await t.store.query(sql, [ORG, actor]);
  return Number(rows[0]?.['n']);
}

beforeAll(async () => {
  t = await createTestApp({ now: FIXTURE_END });
  events = fixtureEvents(2000, 23).map((e, i) => ({ ...e, id: `ev-${i}` }));
  await t.seed(ORG, events);
  await t.seed(OTHER, events);
  const payments = new Map<string, number>();
  for (const e of events) if (e.event === 'payment.completed') payments.set(e.actor ?? '', (payments.get(e.actor ?? '') ?? 0) + 1);
  gone = [...payments].sort((a, b) => b[1] - a[1])[0]![0];
  address = await t.app.listen({ port: 0, host: '127.0.0.1' });
});
afterAll(() => t.close());

describe('DELETE /api/v1/actors/{actor}', () => {
  it('is for admins only', async () => {
    expect((await erase(gone, 'analyst')).statusCode).toBe(403);
    const key = await t.ingestKey(ORG);
    const withKey = await t.app.inject({ method: 'DELETE', url: `/api/v1/actors/${gone}`, headers: { authorization: `Bearer ${key}` } });
    expect(withKey.statusCode).toBe(401);
  });

  it('erases the actor: its events and ids leave the store, cached and live answers change at once, the other org keeps its actor', async () => {
    const ws = await WsClient.open(`${address.replace('http', 'ws')}/api/v1/ws`, { token: await t.token(ORG, 'analyst') });
    try {
      ws.send({ type: 'subscribe', id: 'totals', query: QUERY, interval: 0.1 });
      const first = (await ws.result('totals')).data as { rows: Array<Record<string, number>> };
      expect(first.rows[0]?.['buyers']).toBe(expected(new Set()).buyers);

      // Cached before the erasure.
      expect((await query()).totals).toEqual(expected(new Set()));
      expect((await query()).hit).toBe(true);
      const insights = await t.app.inject({ url: `/api/v1/actors/${gone}/insights?range=30d`, headers: { authorization: `Bearer ${await t.token(ORG, 'analyst')}` } });
      expect(insights.statusCode).toBe(200);

      const summaryBefore = await buyersKpi();
      expect(summaryBefore).toBe(expected(new Set()).buyers);
      expect(await buyersKpi()).toBe(summaryBefore);

      const own = events.filter((e) => e.actor === gone).length;
      const res = await erase(gone);
      expect(res.statusCode, res.body).toBe(200);
      expect(res.json()).toEqual({ erased: { events: own } });

      // The cached answer was dropped: the next one is computed, without the actor.
      const after = await query();
      expect(after.hit).toBe(false);
      expect(after.totals).toEqual(expected(new Set([gone])));
      expect((await t.app.inject({ url: `/api/v1/actors/${gone}/insights?range=30d`, headers: { authorization: `Bearer ${await t.token(ORG, 'analyst')}` } })).statusCode).toBe(404);
      // The summary's KPIs too (built from cached closed days and actor bitmaps on DuckDB).
      expect(await buyersKpi()).toBe(expected(new Set([gone])).buyers);
      // The live query was pushed its new answer.
      const pushed = (await ws.result('totals')).data as { rows: Array<Record<string, number>> };
      expect(pushed.rows[0]?.['buyers']).toBe(expected(new Set([gone])).buyers);

      // Nothing of the actor is left in the org; the other org's actor of the same name is whole.
      expect(await heldRows('SELECT count(*) AS n FROM events WHERE org_id = $1 AND actor = $2', gone)).toBe(0);
      expect(await heldRows(`SELECT count(*) AS n FROM event_ids WHERE org_id = $1 AND id IN (${events.filter((e) => e.actor === gone).map((e) => `'${e.id}'`).join(',')}) AND $2 = $2`, gone)).toBe(0);
      if (t.store.dialect === 'duckdb') expect(await heldRows('SELECT count(*) AS n FROM actors WHERE org_id = $1 AND actor = $2', gone)).toBe(0);
      const other = await t.store.query('SELECT count(*) AS n FROM events WHERE org_id = $1 AND actor = $2', [OTHER, gone]);
      expect(Number(other[0]?.['n'])).toBe(own);
      expect((await query(OTHER)).totals).toEqual(expected(new Set()));
    } finally {
      ws.close();
    }
  });

  it('takes the erased events out of the SSE replay: a client reconnecting gets the others only', async () => {
    const token = await t.token(ORG, 'analyst');
    const live = openSse(`${address}/api/v1/stream?types=event`, { token });
    await live.opened;
    const sent = [
      { event: 'page.viewed', timestamp: new Date(FIXTURE_END - 60_000).toISOString(), actor: 'sse_gone', id: 'sse-1', props: {} },
      { event: 'page.viewed', timestamp: new Date(FIXTURE_END - 50_000).toISOString(), actor: 'sse_kept', id: 'sse-2', props: {} },
    ];
    const ingest = await t.app.inject({ method: 'POST', url: '/api/v1/events', headers: { authorization: `Bearer ${await t.ingestKey(ORG)}` }, payload: sent });
    expect(ingest.statusCode).toBe(200);
    await until(() => live.got.length === 2, 'both events on the stream');
    live.es.close();
    const firstId = Number(live.got[0]?.id);

    expect((await erase('sse_gone')).json()).toEqual({ erased: { events: 1 } });
    const again = openSse(`${address}/api/v1/stream?types=event`, { token, lastEventId: String(firstId - 1) });
    try {
      await until(() => again.got.length > 0, 'the replay');
      // Replayed in one write, oldest first: the erased event would have come first.
      expect(again.got).toEqual([{ type: 'event', id: String(firstId + 1), data: expect.objectContaining({ actor: 'sse_kept' }) as unknown }]);
    } finally {
      again.es.close();
    }
  });

  it('answers 0 for an actor the org does not hold, and takes events of the actor sent again as new', async () => {
    const again = await erase(gone);
    expect(again.json()).toEqual({ erased: { events: 0 } });
    expect((await erase('never-seen')).json()).toEqual({ erased: { events: 0 } });
    // An event of the erased actor with one of its old ids is stored: it is not a duplicate any more.
    const old = events.find((e) => e.actor === gone && e.event === 'payment.completed')!;
    const res = await t.app.inject({
      method: 'POST',
      url: '/api/v1/events',
      headers: { authorization: `Bearer ${await t.ingestKey(ORG)}` },
      payload: { event: old.event, timestamp: new Date(old.timestamp).toISOString(), actor: gone, id: old.id, props: { amount: 5, currency: 'EUR' } },
    });
    expect(res.json()).toEqual({ accepted: 1, duplicates: 0 });
    const now = expected(new Set([gone]));
    expect((await query()).totals).toEqual({ payments: now.payments + 1, revenue: Math.round((now.revenue + 5) * 100) / 100, buyers: now.buyers + 1 });
  });

  it('takes the longest actor ids ingest accepts, and names the field of a longer one', async () => {
    // 200 characters (4-byte UTF-8: 2,400 characters of path once percent-encoded).
    const longest = '😀'.repeat(100);
    expect(longest.length).toBe(200);
    await t.seed(ORG, [{ event: 'page.viewed', timestamp: FIXTURE_END - 60_000, actor: longest, id: null, props: {} }]);
    const insights = await t.app.inject({ url: `/api/v1/actors/${encodeURIComponent(longest)}/insights?range=30d`, headers: { authorization: `Bearer ${await t.token(ORG, 'analyst')}` } });
    expect(insights.statusCode, insights.body).toBe(200);
    expect((await erase(longest)).json()).toEqual({ erased: { events: 1 } });
    const res = await erase('x'.repeat(201));
    expect(res.statusCode).toBe(400);
    expect(res.headers['content-type']).toMatch(/problem\+json/);
    expect(res.json()).toMatchObject({ errors: [{ path: expect.stringMatching(/actor/) as string }] });
  });
});
