/** Rate limits and query slots over HTTP: headers, 429 problems, per-org independence, limiting before the body is read. */
import { afterEach, describe, expect, it } from 'vitest';
import type { RateLimitConfig } from '../../../src/config/ops.js';
import { defaultOpsConfig } from '../../../src/config/ops.js';
import { loadCatalog } from '../../../src/model/load.js';
import { DuckDbStore } from '../../../src/store/duckdb/duckdb-store.js';
import type { QueryOptions, SqlParam, SqlRow, Store } from '../../../src/store/port.js';
import type { TestApp } from '../../fixtures/app.js';
import { createTestApp, SHOP_MODEL } from '../../fixtures/app.js';

const apps: TestApp[] = [];

afterEach(async () => {
  await Promise.all(apps.splice(0).map((a) => a.close()));
});

function limits(classes: Partial<RateLimitConfig['classes']>): RateLimitConfig {
  const base = defaultOpsConfig().rateLimits;
  return { ...base, classes: { ...base.classes, ...classes }, penalty: { ...base.penalty, strikes: 0 } };
}

async function app(rateLimits: RateLimitConfig, extra: Parameters<typeof createTestApp>[0] = {}): Promise<TestApp> {
  const t = await createTestApp({ cache: false, ops: { rateLimits }, rateLimitPrefix: `rl-${Math.random()}`, ...extra });
  apps.push(t);
  return t;
}

const QUERY = { metrics: ['count'], timeRange: { preset: '7d' } };

describe('rate limits over HTTP', () => {
  it('sends X-RateLimit-* on limited replies and a 429 problem with Retry-After past the limit', async () => {
    const t = await app(limits({ query: { org: 3, credential: 3, ip: 3, windowSeconds: 60 } }));
    const headers = { authorization: `Bearer ${await t.token('acme')}` };
    const ok = await t.app.inject({ method: 'POST', url: '/api/v1/query', headers, payload: QUERY });
    expect(ok.statusCode).toBe(200);
    expect(ok.headers).toMatchObject({ 'x-ratelimit-limit': '3', 'x-ratelimit-remaining': '2' });
    expect(Number(ok.headers['x-ratelimit-reset'])).toBeGreaterThan(0);
    await t.app.inject({ method: 'POST', url: '/api/v1/query', headers, payload: QUERY });
    await t.app.inject({ method: 'POST', url: '/api/v1/query', headers, payload: QUERY });
    const refused = await t.app.inject({ method: 'POST', url: '/api/v1/query', headers, payload: QUERY });
    expect(refused.statusCode).toBe(429);
    expect(refused.headers['content-type']).toMatch(/^application\/problem\+json/);
    expect(refused.json()).toMatchObject({ status: 429, code: 'RATE_LIMITED', title: 'Too many requests' });
    expect(refused.json().detail).toMatch(/query rate limit/);
    expect(refused.headers).toMatchObject({ 'x-ratelimit-limit': '3', 'x-ratelimit-remaining': '0' });
    expect(Number(refused.headers['retry-after'])).toBeGreaterThanOrEqual(1);
    expect(refused.headers['x-request-id']).toBeTruthy();
    // Routes without a class carry no rate-limit headers.
    expect((await t.app.inject('/health/live')).headers['x-ratelimit-limit']).toBeUndefined();
    const metrics = await t.app.inject('/metrics');
    expect(metrics.body).toMatch(/tally_rate_limit_rejections_total\{class="query",scope="(org|credential)",reason="limit"\} 1/);
  });

  it('keeps orgs independent: org A at 10× its limit does not slow org B', async () => {
    const t = await app(limits({ query: { org: 5, credential: 5, ip: 5, windowSeconds: 60 } }));
    const a = { authorization: `Bearer ${await t.token('acme')}` };
    const b = { authorization: `Bearer ${await t.token('globex')}` };
    const flood = Array.from({ length: 50 }, () => t.app.inject({ method: 'POST', url: '/api/v1/query', headers: a, payload: QUERY }));
    const others = Array.from({ length: 5 }, () => t.app.inject({ method: 'POST', url: '/api/v1/query', headers: b, payload: QUERY }));
    const [floodRes, otherRes] = await Promise.all([Promise.all(flood), Promise.all(others)]);
    expect(floodRes.filter((r) => r.statusCode === 200)).toHaveLength(5);
    expect(floodRes.filter((r) => r.statusCode === 429)).toHaveLength(45);
    expect(otherRes.map((r) => r.statusCode)).toEqual([200, 200, 200, 200, 200]);
  });

  it('refuses an ingest request before reading its body', async () => {
    const t = await app(limits({ ingest: { org: 1, credential: 1, ip: 1, windowSeconds: 60 } }), { bodyLimitBytes: 1024 });
    const headers = { authorization: `Bearer ${await t.ingestKey('acme')}`, 'content-type': 'application/json' };
    expect((await t.app.inject({ method: 'POST', url: '/api/v1/events', headers, payload: { event: 'page.viewed' } })).statusCode).toBe(200);
    // Over the body limit: it would be 413 if the body were read; the limiter answers first.
    const big = JSON.stringify(Array.from({ length: 200 }, () => ({ event: 'page.viewed', props: { page: '/pricing' } })));
    const refused = await t.app.inject({ method: 'POST', url: '/api/v1/events', headers, payload: big });
    expect(refused.statusCode).toBe(429);
  });

  it('keys sign-in style public POSTs by client IP', async () => {
    const t = await app(limits({ login: { org: 0, credential: 0, ip: 2, windowSeconds: 60 } }));
    const login = (ip: string) =>
      t.app.inject({ method: 'POST', url: '/api/v1/auth/login', remoteAddress: ip, payload: { org: 'acme', email: 'nobody@example.com', password: 'wrong-password-123' } });
    const first = await login('10.1.1.1');
    expect(first.headers['x-ratelimit-limit']).toBe('2');
    await login('10.1.1.1');
    expect((await login('10.1.1.1')).statusCode).toBe(429);
    expect((await login('10.2.2.2')).statusCode).not.toBe(429);
  });
});

/** A store whose reads take `ms` longer, to hold query slots. */
function slowReads(inner: Store, ms: number): Store {
  return {
    dialect: inner.dialect,
    migrate: (c) => inner.migrate(c),
    append: (org, events) => inner.append(org, events),
    query: async (sql: string, params: readonly SqlParam[], options?: QueryOptions): Promise<SqlRow[]> => {
      await new Promise((r) => setTimeout(r, ms));
      return inner.query(sql, params, options);
    },
    stream: (sql, params, options) => inner.stream(sql, params, options),
    execute: (sql, params) => inner.execute(sql, params),
    eraseActor: (org, actor) => inner.eraseActor(org, actor),
    expireEvents: (latest, beforeFor) => inner.expireEvents(latest, beforeFor),
    largestActorKey: () => inner.largestActorKey(),
    ping: () => inner.ping(),
    close: () => inner.close(),
  };
}

describe('concurrent expensive reads per org', () => {
  it('caps them per org: over the cap and a full queue is 429, other orgs are not affected', async () => {
    const inner = await DuckDbStore.open({ path: ':memory:' });
    await inner.migrate(await loadCatalog([SHOP_MODEL]));
    try {
      const t = await app(limits({}), { store: slowReads(inner, 300), ops: { rateLimits: limits({}), maxConcurrentQueries: 1, maxQueuedQueries: 1 } });
      const a = { authorization: `Bearer ${await t.token('acme')}` };
      const b = { authorization: `Bearer ${await t.token('globex')}` };
      const spec = (n: number) => ({ ...QUERY, limit: 100 + n }); // distinct bodies: no single-flight sharing
      const results = await Promise.all([
        ...[0, 1, 2].map((n) => t.app.inject({ method: 'POST', url: '/api/v1/query', headers: a, payload: spec(n) })),
        t.app.inject({ method: 'POST', url: '/api/v1/query', headers: b, payload: spec(9) }),
      ]);
      const acme = results.slice(0, 3).map((r) => r.statusCode).sort();
      expect(acme).toEqual([200, 200, 429]); // one running, one queued, one refused
      const refused = results.find((r) => r.statusCode === 429);
      expect(refused?.headers['retry-after']).toBe('1');
      expect(results[3]?.statusCode).toBe(200);
      const metrics = await t.app.inject('/metrics');
      expect(metrics.body).toContain('tally_rate_limit_rejections_total{class="query",scope="org",reason="concurrency"} 1');
    } finally {
      await inner.close();
    }
  });
});
