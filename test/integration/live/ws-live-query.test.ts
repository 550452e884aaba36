/** GET /ws live queries and event subscriptions over real sockets. */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { LiveTestApp, Msg } from './helpers.js';
import { ingest, startLiveApp, until, WsClient } from './helpers.js';

let t: LiveTestApp;
let key: string;
let token: string;

const PAYMENTS = { metrics: ['count'], filters: [{ field: 'event', op: 'eq', value: 'payment.completed' }], timeRange: { preset: '1h' } };

function count(m: Msg): number {
  const data = m['data'] as { rows: Array<Record<string, number>> };
  return data.rows[0]?.['count'] ?? 0;
}

beforeAll(async () => {
  t = await startLiveApp();
  key = await t.ingestKey('acme');
  token = await t.token('acme', 'viewer');
});
afterAll(() => t.close());

describe('GET /ws live queries', () => {
  it('answers a subscription at once, then within 1 s of an ingest that changes the answer', async () => {
    const c = await WsClient.open(t.ws, { token });
    c.send({ type: 'subscribe', id: 's1', query: PAYMENTS, interval: 1 });
    await c.take((m) => m.type === 'subscribed' && m.id === 's1');
    const first = await c.result('s1');
    expect(first['data']).toMatchObject({ columns: [{ name: 'count', type: 'number' }] });
    const before = count(first);

    const started = Date.now();
    await ingest(t, key, [{ event: 'payment.completed', props: { amount: 5 } }, { event: 'payment.completed', props: { amount: 7 } }]);
    const next = await c.result('s1', 1000);
    expect(Date.now() - started).toBeLessThan(1000);
    expect(count(next)).toBe(before + 2);
    c.close();
  });

  it('does not push when new data cannot change the answer (other events)', async () => {
    const c = await WsClient.open(t.ws, { token });
    c.send({ type: 'subscribe', id: 'p', query: PAYMENTS });
    c.send({ type: 'subscribe', id: 'all', query: { metrics: ['count'], timeRange: { preset: '1h' } } });
    await c.result('p');
    await c.result('all');
    await ingest(t, key, [{ event: 'page.viewed', props: { page: '/x' } }]);
    // The query over every event moves; the payments query was not even recomputed.
    await c.result('all', 1000);
    expect(c.messages.filter((m) => m.type === 'result' && m.id === 'p')).toEqual([]);
    c.close();
  });

  it('stops sending after unsubscribe', async () => {
    const c = await WsClient.open(t.ws, { token });
    c.send({ type: 'subscribe', id: 'gone', query: PAYMENTS });
    c.send({ type: 'subscribe', id: 'kept', query: { ...PAYMENTS, timeRange: { preset: '6h' } } });
    await c.result('gone');
    await c.result('kept');
    c.send({ type: 'unsubscribe', id: 'gone' });
    await c.take((m) => m.type === 'unsubscribed' && m.id === 'gone');
    await ingest(t, key, [{ event: 'payment.completed', props: { amount: 1 } }]);
    await c.result('kept', 2000);
    expect(c.messages.filter((m) => m.type === 'result' && m.id === 'gone')).toEqual([]);
    c.close();
  });

  it('shares one recomputation between subscribers of the same query', async () => {
    const query = { metrics: ['count', 'sum(amount)'], filters: [{ field: 'event', op: 'eq', value: 'payment.completed' }], timeRange: { preset: '24h' } };
    // Earlier tests' subscriptions would be recomputed too: wait until their sockets are gone.
    await until(() => t.app.live.hub.stats().queries.groups === 0, 'earlier subscriptions to end');
    const clients = await Promise.all([1, 2, 3].map(() => WsClient.open(t.ws, { token })));
    clients.forEach((c, i) => c.send({ type: 'subscribe', id: `shared${i}`, query: i === 1 ? { timeRange: query.timeRange, filters: query.filters, metrics: query.metrics } : query }));
    await Promise.all(clients.map((c, i) => c.result(`shared${i}`)));
    const runsBefore = t.app.live.hub.stats().queries.runs;
    await ingest(t, key, [{ event: 'payment.completed', props: { amount: 3 } }]);
    const results = await Promise.all(clients.map((c, i) => c.result(`shared${i}`, 2000)));
    expect(new Set(results.map((r) => JSON.stringify(r['data'])))).toHaveLength(1);
    expect(t.app.live.hub.stats().queries.runs - runsBefore).toBe(1);
    clients.forEach((c) => c.close());
  });

  it('answers a bad query with an error message naming the problem, and keeps the socket open', async () => {
    const c = await WsClient.open(t.ws, { token });
    c.send({ type: 'subscribe', id: 'bad', query: { metrics: ['revnue'] } });
    const err = await c.take((m) => m.type === 'error');
    expect(err).toMatchObject({ id: 'bad', error: { status: 400, code: 'UNKNOWN_METRIC', errors: [{ path: '/metrics/0' }] } });
    c.send({ type: 'subscribe', id: 'shape', query: { metrics: 'count' } });
    expect(await c.take((m) => m.type === 'error')).toMatchObject({ id: 'shape', error: { code: 'VALIDATION', errors: [{ path: '/query/metrics' }] } });
    c.send({ type: 'nonsense' });
    expect(await c.take((m) => m.type === 'error')).toMatchObject({ error: { code: 'VALIDATION', errors: [{ path: '/type' }] } });
    c.socket.send('not json');
    expect(await c.take((m) => m.type === 'error')).toMatchObject({ error: { code: 'VALIDATION' } });
    c.send({ type: 'ping' });
    await c.take((m) => m.type === 'pong');
    expect(c.closed).toBeNull();
    c.close();
  });

  it('streams raw events matching a filter, with their sequence numbers', async () => {
    const c = await WsClient.open(t.ws, { token });
    c.send({ type: 'events', id: 'pay', filter: { events: ['payment.*'] } });
    await c.take((m) => m.type === 'subscribed' && m.id === 'pay');
    await ingest(t, key, [
      { event: 'page.viewed', props: { page: '/a' } },
      { event: 'payment.failed', actor: 'u_9', props: { amount: 2 } },
      { event: 'payment.completed', props: { amount: 3 } },
    ]);
    const a = await c.take((m) => m.type === 'event');
    const b = await c.take((m) => m.type === 'event');
    expect(a).toMatchObject({ id: 'pay', event: { event: 'payment.failed', actor: 'u_9', props: { amount: 2 } } });
    expect(b).toMatchObject({ id: 'pay', event: { event: 'payment.completed' } });
    expect(Number(b['seq'])).toBe(Number(a['seq']) + 1);
    expect(c.messages.filter((m) => m.type === 'event')).toEqual([]);
    c.close();
  });

  it('never delivers another org’s events or results', async () => {
    const otherKey = await t.ingestKey('globex');
    const c = await WsClient.open(t.ws, { token });
    c.send({ type: 'events', id: 'all', filter: {} });
    c.send({ type: 'subscribe', id: 'q', query: { metrics: ['count'], timeRange: { preset: '1h' } } });
    await c.take((m) => m.type === 'subscribed' && m.id === 'all');
    await c.result('q');
    await ingest(t, otherKey, [{ event: 'payment.completed', actor: 'globex-secret', props: { amount: 999 } }]);
    await ingest(t, key, [{ event: 'page.viewed', actor: 'acme-user', props: { page: '/' } }]);
    const first = await c.take((m) => m.type === 'event');
    expect(first).toMatchObject({ event: { actor: 'acme-user' } });
    await c.result('q');
    expect(JSON.stringify(c.messages)).not.toContain('globex');
    c.close();
  });
});

describe('GET /ws with the answer cache on', () => {
  it('pushes updated time series (closed buckets from the cache, late events included)', async () => {
    const app = await startLiveApp({ cache: {} });
    try {
      const k = await app.ingestKey('acme');
      const c = await WsClient.open(app.ws, { token: await app.token('acme', 'viewer') });
      const query = { metrics: ['count'], timeRange: { preset: '6h' }, granularity: '1h' };
      c.send({ type: 'subscribe', id: 'ts', query, interval: 0.1 });
      const total = (m: Msg) => (m['data'] as { rows: Array<{ count: number }> }).rows.reduce((a, r) => a + r.count, 0);
      expect(total(await c.result('ts'))).toBe(0);
      await ingest(app, k, [{ event: 'page.viewed' }]);
      expect(total(await c.result('ts'))).toBe(1);
      // A late event lands in a closed (cached) bucket.
      await ingest(app, k, [{ event: 'page.viewed', timestamp: new Date(Date.now() - 3 * 3_600_000).toISOString() }]);
      expect(total(await c.result('ts'))).toBe(2);
      c.close();
    } finally {
      await app.close();
    }
  });
});
