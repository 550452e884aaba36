/** GET /metrics (checked by Prometheus' own parser), GET /system and the health routes. */
import { spawnSync } from 'node:child_process';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { closeRedis, createRedis } from '../../../src/ops/redis.js';
import type { Redis } from '../../../src/ops/redis.js';
import type { TestApp } from '../../fixtures/app.js';
import { createTestApp } from '../../fixtures/app.js';
import { CLOSED_REDIS_URL, SHARED_REDIS_URL } from '../../fixtures/redis.js';

const METRICS_TOKEN = 'scrape-token-0123456789abcdef';
const hasPromtool = spawnSync('promtool', ['--version']).status === 0;

let t: TestApp;
let admin: Record<string, string>;

beforeAll(async () => {
  const base = (await import('../../../src/config/ops.js')).defaultOpsConfig().rateLimits;
  t = await createTestApp({
    ops: { metricsToken: METRICS_TOKEN, rateLimits: { ...base, classes: { ...base.classes, export: { org: 1, credential: 1, ip: 1, windowSeconds: 60 } } } },
    rateLimitPrefix: `ms-${Date.now()}`,
  });
  admin = { authorization: `Bearer ${await t.token('acme', 'admin')}` };
  // Some of everything: ingest, queries (a miss, then a cache hit), a 404, a 401, a route with a param.
  const key = await t.ingestKey('acme');
  const events = Array.from({ length: 25 }, (_, i) => ({ event: 'page.viewed', actor: `u${i}`, props: { page: '/home' } }));
  const ingest = await t.app.inject({ method: 'POST', url: '/api/v1/events', headers: { authorization: `Bearer ${key}` }, payload: events });
  expect(ingest.json()).toEqual({ accepted: 25, duplicates: 0 });
  for (let i = 0; i < 2; i++) await t.app.inject({ method: 'POST', url: '/api/v1/query', headers: admin, payload: { metrics: ['count'] } });
  await t.app.inject('/api/v1/nope');
  await t.app.inject('/api/v1/keys');
  await t.app.inject({ method: 'DELETE', url: '/api/v1/keys/no-such-key', headers: admin });
});

afterAll(async () => {
  await t.close();
});

async function scrape(): Promise<string> {
  const res = await t.app.inject({ url: '/metrics', headers: { authorization: `Bearer ${METRICS_TOKEN}` } });
  expect(res.statusCode).toBe(200);
  expect(res.headers['content-type']).toMatch(/^text\/plain; version=0\.0\.4/);
  return res.body;
}

describe('GET /metrics', () => {
  it.skipIf(!hasPromtool)('parses with promtool check metrics (Prometheus text format, strictly)', async () => {
    const body = await scrape();
    const result = spawnSync('promtool', ['check', 'metrics'], { input: body, encoding: 'utf8' });
    const problems = `${result.stdout}${result.stderr}`.split('\n').filter(Boolean);
    // Exit 1 is a parse error; 3 means lint remarks only. The only remarks allowed are about
    // prom-client's own gauges named *_total, which Tally does not control.
    expect(result.status, problems.join('\n')).not.toBe(1);
    expect(problems.filter((p) => !/^nodejs_active_\w+_total non-counter metrics should not have "_total" suffix$/.test(p))).toEqual([]);
  });

  it.runIf(!hasPromtool)('(promtool is not installed: apt-get install prometheus to run the parser test)', () => {
    console.warn('promtool not found; the Prometheus parser test was skipped. .ci/run installs it (Debian package prometheus).');
  });

  it('reports requests by route template, ingest, queries and process metrics', async () => {
    const body = await scrape();
    expect(body).toMatch(/tally_http_request_duration_seconds_count\{method="POST",route="\/api\/v1\/events",status="200"\} 1/);
    expect(body).toMatch(/tally_http_request_duration_seconds_count\{method="DELETE",route="\/api\/v1\/keys\/:id",status="404"\} 1/);
    expect(body).toMatch(/tally_http_request_duration_seconds_count\{method="GET",route="<unmatched>",status="404"\} 1/);
    expect(body).toMatch(/tally_http_request_duration_seconds_count\{method="GET",route="\/api\/v1\/keys",status="401"\} 1/);
    expect(body).toMatch(/^tally_ingest_events_total 25$/m);
    expect(body).toMatch(/^tally_ingest_batches_total 1$/m);
    expect(Number(/^tally_ingest_bytes_total (\d+)$/m.exec(body)?.[1])).toBeGreaterThan(100);
    expect(body).toMatch(/tally_query_duration_seconds_count\{kind="query",outcome="ok"\} 1/);
    expect(body).toMatch(/tally_cache_requests_total\{layer="memory",result="hit"\} 1/);
    expect(body).toMatch(/^tally_query_slots\{state="running"\} 0$/m);
    expect(body).toMatch(/^process_cpu_seconds_total /m);
    expect(body).toMatch(/^nodejs_eventloop_lag_seconds /m);
  });

  it('wants the metrics bearer token when one is configured', async () => {
    expect((await t.app.inject('/metrics')).statusCode).toBe(401);
    expect((await t.app.inject({ url: '/metrics', headers: { authorization: 'Bearer wrong-token-0123456789abcd' } })).statusCode).toBe(401);
    expect((await t.app.inject({ url: '/metrics', headers: admin })).statusCode).toBe(401);
  });
});

describe('GET /api/v1/system', () => {
  it('shows admins the process, routes, ingest, queries, cache and live figures', async () => {
    const res = await t.app.inject({ url: '/api/v1/system', headers: admin });
    expect(res.statusCode).toBe(200);
    const s = res.json();
    expect(s.process.memory.rssBytes).toBeGreaterThan(0);
    expect(s.process.cpu).toBeGreaterThanOrEqual(0);
    expect(s.process.eventLoopLagMs).toEqual(expect.objectContaining({ p50: expect.any(Number), p99: expect.any(Number) }));
    const events = s.requests.routes.find((r: { route: string }) => r.route === 'POST /api/v1/events');
    expect(events).toMatchObject({ requests: 1, errorRate: 0 });
    expect(events.p50Ms).toBeGreaterThan(0);
    expect(events.p99Ms).toBeGreaterThanOrEqual(events.p50Ms);
    expect(s.requests.overall.clientErrorRate).toBeGreaterThan(0);
    expect(s.errorRate).toBe(0);
    expect(s.ingest.eventsInWindow).toBe(25);
    expect(s.ingest.eventsPerSecond).toBeGreaterThan(0);
    expect(s.queries.overall.requests).toBeGreaterThanOrEqual(1);
    expect(s.cache).toMatchObject({ configured: true, hitRate: 0.5 });
    expect(s.live).toMatchObject({ configured: true, connections: 0 });
    expect(s.rateLimits).toMatchObject({ enabled: true, backend: 'memory' });
    expect(res.headers['cache-control']).toBe('no-store');
  });

  it('is for admins only', async () => {
    expect((await t.app.inject('/api/v1/system')).statusCode).toBe(401);
    const analyst = { authorization: `Bearer ${await t.token('acme', 'analyst')}` };
    expect((await t.app.inject({ url: '/api/v1/system', headers: analyst })).statusCode).toBe(403);
  });
});

describe('health', () => {
  const clients: Redis[] = [];
  afterAll(async () => {
    await Promise.all(clients.map((c) => closeRedis(c)));
  });

  it('is live, and ready with the store and Redis checks and their latencies', async () => {
    expect((await t.app.inject('/health/live')).json()).toEqual({ status: 'ok' });
    const ready = await t.app.inject('/health/ready');
    expect(ready.statusCode).toBe(200);
    expect(ready.json()).toMatchObject({ status: 'ok', checks: { store: { status: 'ok' }, redis: { status: 'disabled' } } });
    expect(ready.json().checks.store.latencyMs).toBeGreaterThanOrEqual(0);

    const redis = createRedis(SHARED_REDIS_URL);
    clients.push(redis);
    const withRedis = await createTestApp({ redis, cache: false });
    try {
      await new Promise<void>((resolve) => (redis.status === 'ready' ? resolve() : redis.once('ready', () => resolve())));
      const res = (await withRedis.app.inject('/health/ready')).json();
      expect(res).toMatchObject({ status: 'ok', checks: { redis: { status: 'ok' } } });
      expect(res.checks.redis.latencyMs).toBeGreaterThanOrEqual(0);
    } finally {
      await withRedis.close();
    }
  });

  it('is degraded (still 200) when Redis is down, and 503 when the store is', async () => {
    const down = createRedis(CLOSED_REDIS_URL, { connectTimeoutMs: 200 });
    clients.push(down);
    const app = await createTestApp({ redis: down, cache: false });
    try {
      const res = await app.app.inject('/health/ready');
      expect(res.statusCode).toBe(200);
      expect(res.json()).toMatchObject({ status: 'degraded', checks: { store: { status: 'ok' }, redis: { status: 'down' } } });
      await app.store.close();
      const gone = await app.app.inject('/health/ready');
      expect(gone.statusCode).toBe(503);
      expect(gone.json()).toMatchObject({ status: 'unavailable', checks: { store: { status: 'down' } } });
    } finally {
      await app.app.close();
    }
  });
});
