/**
 * Two Tally instances over one store and one Redis (a unique prefix per run): an event ingested
 * on A reaches live clients on B — query results, raw events over SSE with the same ids on both
 * instances, and an alert fired once for the cluster.
 */
import { randomUUID } from 'node:crypto';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { RedisBus } from '../../../src/live/bus/redis-bus.js';
import { loadCatalog } from '../../../src/model/load.js';
import { DuckDbStore } from '../../../src/store/duckdb/duckdb-store.js';
import { SHOP_MODEL } from '../../fixtures/app.js';
import type { LiveTestApp } from './helpers.js';
import { ingest, openSse, startLiveApp, until, WsClient } from './helpers.js';

const url = process.env['REDIS_URL'] ?? 'redis://127.0.0.1:6379';
const prefix = `tally-test:${randomUUID()}:`;
let store: DuckDbStore;
let buses: RedisBus[];
let a: LiveTestApp;
let b: LiveTestApp;

beforeAll(async () => {
  store = await DuckDbStore.open({ path: ':memory:' });
  await store.migrate(await loadCatalog([SHOP_MODEL]));
  buses = await Promise.all([RedisBus.open({ url, prefix }), RedisBus.open({ url, prefix })]);
  const live = { alertDebounceMs: 50 };
  a = await startLiveApp({ store, live: { ...live, bus: buses[0] } });
  b = await startLiveApp({ store, live: { ...live, bus: buses[1] } });
});

afterAll(async () => {
  await a?.close();
  await b?.close();
  await Promise.all((buses ?? []).map((bus) => bus.close()));
  await store?.close();
  const admin = new Redis(url);
  const keys: string[] = [];
  for await (const batch of admin.scanStream({ match: `${prefix}*`, count: 1000 })) keys.push(...(batch as string[]));
  if (keys.length > 0) await admin.del(...keys);
  await admin.quit();
});

describe('two instances on one Redis', () => {
  it('pushes an updated result on B for an event ingested on A', async () => {
    const c = await WsClient.open(b.ws, { token: await b.token('acme', 'viewer') });
    c.send({ type: 'subscribe', id: 'q', query: { metrics: ['count'], timeRange: { preset: '1h' } } });
    const first = await c.result('q');
    const before = (first['data'] as { rows: Array<{ count: number }> }).rows[0]?.count ?? 0;
    const started = Date.now();
    await ingest(a, await a.ingestKey('acme'), [{ event: 'page.viewed' }, { event: 'page.viewed' }]);
    const next = await c.result('q', 1000);
    expect(Date.now() - started).toBeLessThan(1000);
    expect((next['data'] as { rows: Array<{ count: number }> }).rows[0]?.count).toBe(before + 2);
    c.close();
  });

  it('streams the same events with the same ids on both instances, so replay works on either', async () => {
    const token = await a.token('acme', 'viewer');
    const onA = openSse(`${a.http}/stream`, { token });
    const onB = openSse(`${b.http}/stream`, { token });
    await Promise.all([onA.opened, onB.opened]);
    await ingest(b, await b.ingestKey('acme'), [{ event: 'x.one' }, { event: 'x.two' }]);
    await until(() => onA.got.length === 2 && onB.got.length === 2, 'both streams');
    expect(onA.got).toEqual(onB.got);
    onA.es.close();
    // A client of A reconnects to B after missing an event: B replays it.
    await ingest(a, await a.ingestKey('acme'), [{ event: 'x.three' }]);
    await until(() => onB.got.length === 3, 'B to see x.three');
    const resumed = openSse(`${b.http}/stream`, { token, lastEventId: onA.got[1]?.id as string });
    await resumed.opened;
    await until(() => resumed.got.length === 1, 'the replay on B');
    expect(resumed.got[0]).toEqual(onB.got[2]);
    onB.es.close();
    resumed.es.close();
  });

  it("an actor erased through A leaves B's live answers and replay buffer", async () => {
    const token = await b.token('acme', 'analyst');
    const onB = openSse(`${b.http}/stream`, { token });
    await onB.opened;
    const c = await WsClient.open(b.ws, { token });
    c.send({ type: 'subscribe', id: 'gone', query: { metrics: ['count'], filters: [{ field: 'actor', op: 'eq', value: 'erase_me' }], timeRange: { preset: '1h' } } });
    await c.result('gone');
    await ingest(a, await a.ingestKey('acme'), [{ event: 'y.one', actor: 'erase_me' }, { event: 'y.two', actor: 'stays' }]);
    await until(() => onB.got.length === 2, 'both events on B');
    expect((((await c.result('gone'))['data'] as { rows: Array<{ count: number }> }).rows[0])?.count).toBe(1);
    onB.es.close();

    const erased = await a.app.inject({ method: 'DELETE', url: '/api/v1/actors/erase_me', headers: { authorization: `Bearer ${await a.token('acme', 'admin')}` } });
    expect(erased.json()).toEqual({ erased: { events: 1 } });
    // B recomputes the live query and forgets the event: a reconnect to B replays only the other one.
    expect((((await c.result('gone'))['data'] as { rows: Array<{ count: number }> }).rows[0]?.count ?? 0)).toBe(0);
    const resumed = openSse(`${b.http}/stream`, { token, lastEventId: String(Number(onB.got[0]?.id) - 1) });
    await until(() => resumed.got.length > 0, 'the replay on B');
    expect(resumed.got).toEqual([onB.got[1]]);
    resumed.es.close();
    c.close();
  });

  it('fires an alert once for the cluster and pushes it to clients of both instances', async () => {
    const admin = await a.token('acme', 'admin');
    const created = await a.app.inject({
      method: 'POST',
      url: '/api/v1/alerts',
      headers: { authorization: `Bearer ${admin}` },
      payload: { name: 'any refund', query: { metric: 'count', filters: [{ field: 'event', op: 'eq', value: 'refund.issued' }], window: '5m' }, comparison: 'gte', threshold: 1 },
    });
    expect(created.statusCode).toBe(201);
    const onA = await WsClient.open(a.ws, { token: admin });
    const onB = await WsClient.open(b.ws, { token: admin });
    for (const c of [onA, onB]) {
      c.send({ type: 'ping' });
      await c.take((m) => m.type === 'pong');
    }
    await ingest(b, await b.ingestKey('acme'), [{ event: 'refund.issued' }]);
    const [x, y] = await Promise.all([onA.take((m) => m.type === 'alert'), onB.take((m) => m.type === 'alert')]);
    expect(x).toEqual(y);
    // Both instances evaluate now; the bus claim lets only one of them fire.
    await Promise.all([a.app.live.evaluator.evaluateOrg('acme', 'data'), b.app.live.evaluator.evaluateOrg('acme', 'data')]);
    const events = await a.app.inject({ method: 'GET', url: '/api/v1/alerts/events', headers: { authorization: `Bearer ${admin}` } });
    expect(events.json().events).toHaveLength(1);
    onA.close();
    onB.close();
  });
});
