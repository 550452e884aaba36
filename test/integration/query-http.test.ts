/** POST /query over HTTP: auth, the problem+json shape of every 400, and the response shape. */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { TestApp } from '../fixtures/app.js';
import { createTestApp } from '../fixtures/app.js';
import { FIXTURE_END, fixtureEvents } from '../fixtures/events.js';

let t: TestApp;
let token: string;

beforeAll(async () => {
  t = await createTestApp({ now: FIXTURE_END });
  await t.seed('acme', fixtureEvents(500));
  token = await t.token('acme', 'analyst');
});
afterAll(() => t.close());

async function query(payload: unknown, auth: string | null = token) {
  return t.app.inject({
    method: 'POST',
    url: '/api/v1/query',
    headers: auth === null ? {} : { authorization: `Bearer ${auth}` },
    payload: payload as object,
  });
}

describe('POST /query', () => {
  it('answers the documented shape', async () => {
    const res = await query({ metrics: ['count', 'sum(amount)'], dimensions: ['channel'], timeRange: { preset: '7d' }, granularity: '1d' });
    expect(res.statusCode).toBe(200);
    const body = res.json();
    expect(body.columns).toEqual([
      { name: 'time', type: 'time' },
      { name: 'channel', type: 'string' },
      { name: 'count', type: 'number' },
      { name: 'sum(amount)', type: 'number' },
    ]);
    expect(body.rows[0]).toEqual({ time: expect.stringMatching(/Z$/), channel: expect.anything(), count: expect.any(Number), 'sum(amount)': expect.any(Number) });
    expect(body.meta).toMatchObject({
      timeRange: { from: new Date(FIXTURE_END - 7 * 86_400_000).toISOString(), to: new Date(FIXTURE_END).toISOString() },
      granularity: '1d',
      timezone: 'UTC',
      cache: { hit: false, layer: null },
    });
    expect(typeof body.meta.durationMs).toBe('number');
  });

  it('needs a token: 401 without, 401 with garbage', async () => {
    expect((await query({ metrics: ['count'] }, null)).statusCode).toBe(401);
    const bad = await query({ metrics: ['count'] }, 'not.a.jwt');
    expect(bad.statusCode).toBe(401);
    expect(bad.headers['content-type']).toMatch(/application\/problem\+json/);
  });

  it('a viewer may not run ad hoc queries', async () => {
    const viewer = await t.token('acme', 'viewer');
    expect((await query({ metrics: ['count'] }, viewer)).statusCode).toBe(403);
  });

  const bad: Array<[string, unknown, string, string]> = [
    ['unknown metric', { metrics: ['count', 'revnue'] }, 'UNKNOWN_METRIC', '/metrics/1'],
    ['unknown aggregate field', { metrics: ['sum(amont)'] }, 'UNKNOWN_FIELD', '/metrics/0'],
    ['sum over a string prop', { metrics: ['sum(currency)'] }, 'VALIDATION', '/metrics/0'],
    ['unknown filter field', { metrics: ['count'], filters: [{ field: 'colour', op: 'eq', value: 'red' }] }, 'UNKNOWN_FIELD', '/filters/0/field'],
    ['unknown op', { metrics: ['count'], filters: [{ field: 'currency', op: 'like', value: 'E%' }] }, 'UNKNOWN_OP', '/filters/0/op'],
    ['wrong value type', { metrics: ['count'], filters: [{ field: 'amount', op: 'gt', value: 'ten' }] }, 'VALIDATION', '/filters/0/value'],
    ['unknown dimension', { metrics: ['count'], dimensions: ['colour'] }, 'UNKNOWN_FIELD', '/dimensions/0'],
    ['inverted range', { metrics: ['count'], timeRange: { from: '2026-11-10T00:00:00Z', to: '2026-11-01T00:00:00Z' } }, 'INVALID_TIME_RANGE', '/timeRange'],
    ['limit over 10,000', { metrics: ['count'], dimensions: ['actor'], limit: 10_001 }, 'LIMIT_TOO_LARGE', '/limit'],
    ['too many buckets', { metrics: ['count'], timeRange: { preset: '1y' }, granularity: '1m' }, 'TOO_MANY_BUCKETS', '/granularity'],
    ['bad timezone', { metrics: ['count'], timezone: 'Mars/Olympus' }, 'INVALID_TIMEZONE', '/timezone'],
    ['unknown order field', { metrics: ['count'], order: [{ by: 'nope' }] }, 'UNKNOWN_FIELD', '/order/0/by'],
  ];
  it.each(bad)('%s → 400 naming the field', async (_name, payload, code, path) => {
    const res = await query(payload);
    expect(res.statusCode).toBe(400);
    expect(res.headers['content-type']).toMatch(/application\/problem\+json/);
    const problem = res.json();
    expect(problem).toMatchObject({ status: 400, code, title: expect.any(String), detail: expect.any(String), type: expect.any(String) });
    expect(problem.errors.map((e: { path: string }) => e.path)).toContain(path);
  });

  it('rejects unknown top-level keys and an empty metric list by schema', async () => {
    const res = await query({ metrics: [], bogus: 1 });
    expect(res.statusCode).toBe(400);
    expect(res.json().code).toBe('VALIDATION');
  });
});

describe('operations routes', () => {
  it('health live and ready', async () => {
    expect((await t.app.inject('/health/live')).json()).toEqual({ status: 'ok' });
    const ready = await t.app.inject('/health/ready');
    expect(ready.statusCode).toBe(200);
    expect(ready.json().checks.store.status).toBe('ok');
  });

  it('serves an OpenAPI document listing the routes with schemas', async () => {
    const res = await t.app.inject('/openapi.json');
    expect(res.statusCode).toBe(200);
    const doc = res.json();
    expect(doc.openapi).toMatch(/^3\./);
    expect(Object.keys(doc.paths)).toEqual(expect.arrayContaining(['/api/v1/events', '/api/v1/query', '/health/live', '/health/ready']));
    expect(doc.paths['/api/v1/query'].post.requestBody).toBeDefined();
    expect(doc.paths['/api/v1/query'].post.responses['200']).toBeDefined();
    expect((await t.app.inject('/docs')).statusCode).toBeLessThan(400);
  });

  it('number and boolean filter values are not coerced to strings by schema validation', async () => {
    const res = await query({
      metrics: ['count'],
      filters: [
        { field: 'amount', op: 'gte', value: 10 },
        { field: 'premium', op: 'eq', value: true },
        { field: 'amount', op: 'in', value: [10, 20.5] },
      ],
    });
    expect(res.statusCode).toBe(200);
  });

  it('answers unknown routes with problem+json 404', async () => {
    const res = await t.app.inject('/api/v1/nope');
    expect(res.statusCode).toBe(404);
    expect(res.json().code).toBe('NOT_FOUND');
  });

  it('refuses to register a route without a declared permission', async () => {
    await expect(
      (async () => {
        const { buildApp } = await import('../../src/app.js');
        const app = await buildApp({ store: t.store, engine: t.engine, ingest: {} as never, keys: t.keys, jwt: null, bodyLimitBytes: 1024 });
        app.get('/undeclared', async () => 'x');
        await app.ready();
      })(),
    ).rejects.toThrow(/must declare config.permission/);
  });
});
