import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { TestApp } from '../fixtures/app.js';
import { createTestApp } from '../fixtures/app.js';

const NOW = Date.UTC(2026, 10, 20, 12);
let t: TestApp;
let key: string;
let token: string;

beforeAll(async () => {
  t = await createTestApp({ now: NOW, maxBatchEvents: 50, bodyLimitBytes: 64 * 1024 });
  key = await t.ingestKey('acme');
  token = await t.token('acme', 'analyst');
});
afterAll(() => t.close());

async function post(body: unknown, headers: Record<string, string> = {}) {
  return t.app.inject({
    method: 'POST',
    url: '/api/v1/events',
    headers: { authorization: `Bearer ${key}`, ...headers },
    ...(typeof body === 'string' ? { payload: body } : { payload: body as object }),
  });
}

async function count(filters: unknown[] = []): Promise<number> {
  const res = await t.app.inject({
    method: 'POST',
    url: '/api/v1/query',
    headers: { authorization: `Bearer ${token}` },
    // Events without a timestamp are stamped with the (fixed) now; `to` is exclusive, so reach past it.
    payload: { metrics: ['count'], filters, timeRange: { from: '2026-10-01T00:00:00Z', to: '2026-11-21T00:00:00Z' } },
  });
  expect(res.statusCode).toBe(200);
  return Number(res.json().rows[0].count);
}

describe('POST /events', () => {
  it('accepts one event, an array and NDJSON, and they are queryable at once', async () => {
    const before = await count([{ field: 'event', op: 'eq', value: 'shape.test' }]);
    expect(before).toBe(0);
    const one = await post({ event: 'shape.test', actor: 'u1', props: { amount: 5 } });
    expect(one.statusCode).toBe(200);
    expect(one.json()).toEqual({ accepted: 1, duplicates: 0 });
    const many = await post([{ event: 'shape.test' }, { event: 'shape.test', timestamp: '2026-11-19T10:00:00Z' }]);
    expect(many.json()).toEqual({ accepted: 2, duplicates: 0 });
    const nd = await post('{"event":"shape.test"}\n{"event":"shape.test","props":{"channel":"web"}}\n', {
      'content-type': 'application/x-ndjson',
    });
    expect(nd.statusCode).toBe(200);
    expect(nd.json()).toEqual({ accepted: 2, duplicates: 0 });
    expect(await count([{ field: 'event', op: 'eq', value: 'shape.test' }])).toBe(5);
  });

  it('stores a repeated id once, across requests and within one batch', async () => {
    const batch = [
      { event: 'idem.test', id: 'evt-1' },
      { event: 'idem.test', id: 'evt-2' },
      { event: 'idem.test', id: 'evt-2' },
    ];
    expect((await post(batch)).json()).toEqual({ accepted: 2, duplicates: 1 });
    expect((await post(batch)).json()).toEqual({ accepted: 0, duplicates: 3 });
    expect(await count([{ field: 'event', op: 'eq', value: 'idem.test' }])).toBe(2);
  });

  it('rejects the whole batch when one event is invalid, naming the field', async () => {
    const res = await post([{ event: 'aon.test' }, { event: 'aon.test', props: { amount: 'lots' } }]);
    expect(res.statusCode).toBe(400);
    expect(res.headers['content-type']).toMatch(/application\/problem\+json/);
    const problem = res.json();
    expect(problem.code).toBe('INVALID_EVENT');
    expect(problem.errors).toEqual([{ path: '/1/props/amount', message: expect.any(String) }]);
    expect(await count([{ field: 'event', op: 'eq', value: 'aon.test' }])).toBe(0);
  });

  it('answers 400 for malformed JSON and NDJSON', async () => {
    const bad = await t.app.inject({
      method: 'POST',
      url: '/api/v1/events',
      headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json' },
      payload: '{"event":',
    });
    expect(bad.statusCode).toBe(400);
    const nd = await post('{"event":"a"}\nnope\n', { 'content-type': 'application/x-ndjson' });
    expect(nd.statusCode).toBe(400);
    expect(nd.json().errors[0].path).toBe('/1');
  });

  it('answers 413 for too many events or too many bytes', async () => {
    const tooMany = await post(Array.from({ length: 51 }, () => ({ event: 'big.test' })));
    expect(tooMany.statusCode).toBe(413);
    expect(tooMany.json().code).toBe('PAYLOAD_TOO_LARGE');
    // 50 events (within the batch limit) of ~3 KB each: over the 64 KB body limit.
    const wide = { a: 'x'.repeat(1000), b: 'y'.repeat(1000), c: 'z'.repeat(1000) };
    const tooBig = await post(Array.from({ length: 50 }, () => ({ event: 'big.test', props: wide })));
    expect(tooBig.statusCode).toBe(413);
    expect(await count([{ field: 'event', op: 'eq', value: 'big.test' }])).toBe(0);
  });

  it('answers 401 without a key, with an unknown key and with a revoked key', async () => {
    expect((await post({ event: 'x' }, { authorization: '' })).statusCode).toBe(401);
    expect((await post({ event: 'x' }, { authorization: 'Bearer tk_' + 'A'.repeat(43) })).statusCode).toBe(401);
    const created = await t.keys.create('acme', 'to revoke');
    expect((await post({ event: 'x' }, { authorization: `Bearer ${created.key}` })).statusCode).toBe(200);
    await t.keys.revoke('acme', created.id);
    expect((await post({ event: 'x' }, { authorization: `Bearer ${created.key}` })).statusCode).toBe(401);
  });

  it('never lets an ingest key read', async () => {
    const res = await t.app.inject({
      method: 'POST',
      url: '/api/v1/query',
      headers: { authorization: `Bearer ${key}` },
      payload: { metrics: ['count'] },
    });
    expect(res.statusCode).toBe(401);
  });

  it('writes a key’s events into its own org only', async () => {
    const otherKey = await t.ingestKey('globex');
    await post({ event: 'tenant.test', props: { org_id: 'acme' } }, { authorization: `Bearer ${otherKey}` });
    expect(await count([{ field: 'event', op: 'eq', value: 'tenant.test' }])).toBe(0);
    const globex = await t.token('globex');
    const res = await t.app.inject({
      method: 'POST',
      url: '/api/v1/query',
      headers: { authorization: `Bearer ${globex}` },
      payload: { metrics: ['count'], filters: [{ field: 'event', op: 'eq', value: 'tenant.test' }], timeRange: { from: '2026-11-01T00:00:00Z', to: '2026-11-21T00:00:00Z' } },
    });
    expect(res.json().rows[0].count).toBe(1);
  });

  it('stores and matches an injection-looking value literally', async () => {
    const evil = "x' OR 1=1 --";
    await post([
      { event: 'inject.test', actor: evil, props: { channel: evil, note: evil } },
      { event: 'inject.test', actor: 'plain', props: { channel: 'web', note: 'fine' } },
    ]);
    const base = { field: 'event', op: 'eq', value: 'inject.test' };
    expect(await count([base, { field: 'channel', op: 'eq', value: evil }])).toBe(1);
    expect(await count([base, { field: 'actor', op: 'eq', value: evil }])).toBe(1);
    expect(await count([base, { field: 'props.note', op: 'eq', value: evil }])).toBe(1);
    expect(await count([base, { field: 'channel', op: 'in', value: [evil, 'nope'] }])).toBe(1);
    expect(await count([base, { field: 'channel', op: 'contains', value: "' OR 1=1" }])).toBe(1);
    expect(await count([base, { field: 'channel', op: 'starts_with', value: "x'" }])).toBe(1);
  });
});
