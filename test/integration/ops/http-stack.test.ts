/** The production HTTP stack through buildApp: security headers, request ids, compression, ETags, CORS. */
import { brotliDecompressSync, gunzipSync } from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FIXTURE_END, fixtureEvents } from '../../fixtures/events.js';
import type { TestApp } from '../../fixtures/app.js';
import { createTestApp } from '../../fixtures/app.js';

let t: TestApp;
let token: string;

beforeAll(async () => {
  t = await createTestApp({
    now: FIXTURE_END,
    ops: { corsOrigins: ['https://dash.example.com'], trustProxy: true },
    rateLimitPrefix: `http-stack-${Date.now()}`,
  });
  await t.seed('acme', fixtureEvents(500));
  token = await t.token('acme', 'admin');
});

afterAll(async () => {
  await t.close();
});

const auth = () => ({ authorization: `Bearer ${token}` });
const QUERY = { metrics: ['count', 'revenue'], dimensions: ['currency'], timeRange: { preset: '30d' } };

describe('security headers', () => {
  it('sets CSP, frame denial, nosniff and the referrer policy on every reply, errors and 429s included', async () => {
    for (const url of ['/health/live', '/api/v1/nope', '/api/v1/keys', '/docs/']) {
      const res = await t.app.inject(url);
      expect(res.headers['content-security-policy']).toContain("frame-ancestors 'none'");
      expect(res.headers['content-security-policy']).not.toContain('upgrade-insecure-requests');
      expect(res.headers['x-frame-options']).toBe('DENY');
      expect(res.headers['x-content-type-options']).toBe('nosniff');
      expect(res.headers['referrer-policy']).toBe('no-referrer');
      expect(res.headers['cross-origin-resource-policy']).toBe('same-origin');
    }
  });

  it("gives HTML documents helmet's full set and data replies a CSP that allows nothing", async () => {
    const docs = await t.app.inject('/docs/');
    expect(docs.headers['content-type']).toMatch(/^text\/html/);
    expect(docs.headers['content-security-policy']).toContain("default-src 'self'");
    expect(docs.headers['content-security-policy']).toContain("script-src 'self'");
    expect(docs.headers['cross-origin-opener-policy']).toBe('same-origin');
    const data = await t.app.inject('/health/live');
    expect(data.headers['content-security-policy']).toBe("default-src 'none'; frame-ancestors 'none'");
    expect(data.headers['cross-origin-opener-policy']).toBeUndefined();
  });

  it('sends HSTS only for requests that came over TLS', async () => {
    expect((await t.app.inject('/health/live')).headers['strict-transport-security']).toBeUndefined();
    const tls = await t.app.inject({ url: '/health/live', headers: { 'x-forwarded-proto': 'https' } });
    expect(tls.headers['strict-transport-security']).toMatch(/max-age=\d+/);
  });

  it('answers CORS for the configured origins only', async () => {
    const allowed = await t.app.inject({
      method: 'OPTIONS',
      url: '/api/v1/query',
      headers: { origin: 'https://dash.example.com', 'access-control-request-method': 'POST', 'access-control-request-headers': 'authorization,content-type' },
    });
    expect(allowed.statusCode).toBe(204);
    expect(allowed.headers['access-control-allow-origin']).toBe('https://dash.example.com');
    expect(allowed.headers['access-control-allow-credentials']).toBe('true');
    const read = await t.app.inject({ url: '/health/live', headers: { origin: 'https://dash.example.com' } });
    expect(String(read.headers['access-control-expose-headers'])).toContain('X-RateLimit-Remaining');
    const other = await t.app.inject({ url: '/health/live', headers: { origin: 'https://evil.example.com' } });
    expect(other.headers['access-control-allow-origin']).toBeUndefined();
  });
});

describe('request ids', () => {
  it('echoes a sane X-Request-ID and X-Correlation-ID, and reports the response time', async () => {
    const res = await t.app.inject({ url: '/health/live', headers: { 'x-request-id': 'req-42.a', 'x-correlation-id': 'flow:7' } });
    expect(res.headers['x-request-id']).toBe('req-42.a');
    expect(res.headers['x-correlation-id']).toBe('flow:7');
    expect(res.headers['x-response-time']).toMatch(/^\d+\.\d{2}ms$/);
  });

  it('generates an id when none or an unsafe one is sent', async () => {
    for (const sent of [undefined, 'has spaces and "quotes"', 'x'.repeat(200)]) {
      const res = await t.app.inject({ url: '/api/v1/nope', headers: sent === undefined ? {} : { 'x-request-id': sent, 'x-correlation-id': sent } });
      expect(res.headers['x-request-id']).toMatch(/^[0-9a-f-]{36}$/);
      // An unsafe correlation id is not echoed (the request id stands in for it in the log).
      expect(res.headers['x-correlation-id']).toBeUndefined();
    }
  });
});

describe('compression', () => {
  it('leaves bodies under 1 KiB alone', async () => {
    const res = await t.app.inject({ url: '/health/live', headers: { 'accept-encoding': 'br, gzip' } });
    expect(Number(res.headers['content-length'])).toBeLessThan(1024);
    expect(res.headers['content-encoding']).toBeUndefined();
    expect(res.json()).toEqual({ status: 'ok' });
  });

  it('compresses larger bodies with br or gzip, as the client accepts', async () => {
    const plain = await t.app.inject({ url: '/openapi.json' });
    expect(plain.rawPayload.length).toBeGreaterThan(1024);
    const br = await t.app.inject({ url: '/openapi.json', headers: { 'accept-encoding': 'br' } });
    expect(br.headers['content-encoding']).toBe('br');
    expect(br.headers['vary']).toMatch(/accept-encoding/i);
    expect(JSON.parse(brotliDecompressSync(br.rawPayload).toString())).toEqual(plain.json());
    expect(br.rawPayload.length).toBeLessThan(plain.rawPayload.length);
    const gz = await t.app.inject({ url: '/openapi.json', headers: { 'accept-encoding': 'gzip' } });
    expect(gz.headers['content-encoding']).toBe('gzip');
    expect(JSON.parse(gunzipSync(gz.rawPayload).toString())).toEqual(plain.json());
  });
});

describe('ETag and Cache-Control', () => {
  it('answers a GET with a matching If-None-Match with 304 and no body', async () => {
    const first = await t.app.inject({ url: '/api/v1/keys', headers: auth() });
    expect(first.statusCode).toBe(200);
    const tag = first.headers['etag'];
    expect(tag).toBeTruthy();
    expect(first.headers['cache-control']).toBe('private, no-cache');
    const again = await t.app.inject({ url: '/api/v1/keys', headers: { ...auth(), 'if-none-match': String(tag) } });
    expect(again.statusCode).toBe(304);
    expect(again.body).toBe('');
    expect(again.headers['etag']).toBe(tag);
    const stale = await t.app.inject({ url: '/api/v1/keys', headers: { ...auth(), 'if-none-match': '"something-else"' } });
    expect(stale.statusCode).toBe(200);
  });

  it('gives POST /query a weak ETag over its data, so an unchanged answer is a 304', async () => {
    const first = await t.app.inject({ method: 'POST', url: '/api/v1/query', headers: auth(), payload: QUERY });
    expect(first.statusCode).toBe(200);
    const second = await t.app.inject({ method: 'POST', url: '/api/v1/query', headers: auth(), payload: QUERY });
    const tag = String(second.headers['etag']);
    expect(tag).toMatch(/^W\/"/);
    // Computed (miss) or from the cache (hit): the same answer, the same tag.
    expect(first.headers['etag']).toBe(tag);
    const revalidated = await t.app.inject({ method: 'POST', url: '/api/v1/query', headers: { ...auth(), 'if-none-match': tag }, payload: QUERY });
    expect(revalidated.statusCode).toBe(304);
    expect(revalidated.body).toBe('');
    const other = await t.app.inject({ method: 'POST', url: '/api/v1/query', headers: { ...auth(), 'if-none-match': tag }, payload: { ...QUERY, dimensions: ['channel'] } });
    expect(other.statusCode).toBe(200);
  });

  it('puts no ETag on writes or errors, and marks them no-store', async () => {
    const key = await t.ingestKey('acme');
    const write = await t.app.inject({ method: 'POST', url: '/api/v1/events', headers: { authorization: `Bearer ${key}` }, payload: { event: 'page.viewed' } });
    expect(write.statusCode).toBe(200);
    expect(write.headers['etag']).toBeUndefined();
    expect(write.headers['cache-control']).toBe('no-store');
    const error = await t.app.inject({ url: '/api/v1/keys' });
    expect(error.statusCode).toBe(401);
    expect(error.headers['etag']).toBeUndefined();
    expect(error.headers['cache-control']).toBe('no-store');
    expect((await t.app.inject('/health/ready')).headers['cache-control']).toBe('no-store');
  });
});
