/**
 * The hit lane (src/http/hit-lane.ts) over real sockets: a repeated GET of a bearer JWT is
 * answered before Fastify with what the full stack sends for an L1 hit (compressed too, when asked),
 * and everything the lane cannot prove it may answer (bypass, another token, a changed answer, a
 * refused rate limit, an L2 entry to compress, closing) still gets the slow path's answer. app.inject() never reaches
 * the lane, so it gives the slow path's reply to compare with.
 */
import { request } from 'node:http';
import { Writable } from 'node:stream';
import { brotliDecompressSync, gunzipSync } from 'node:zlib';
import type { IncomingHttpHeaders } from 'node:http';
import { afterEach, describe, expect, it } from 'vitest';
import { defaultOpsConfig } from '../../../src/config/ops.js';
import { loggerOptions } from '../../../src/ops/logger.js';
import type { TestApp, TestAppOptions } from '../../fixtures/app.js';
import { createTestApp } from '../../fixtures/app.js';
import { FIXTURE_END, fixtureEvents } from '../../fixtures/events.js';
import { UNLIMITED } from './helpers.js';
import { SHARED_REDIS_URL, dropPrefix, testPrefix } from '../../fixtures/redis.js';

const SUMMARY = '/api/v1/dashboard/summary?range=30d';
const DAY = 86_400_000;

interface Reply {
  status: number;
  headers: IncomingHttpHeaders;
  body: string;
  raw: Buffer;
}

/** A GET over a real socket; no Accept-Encoding unless asked (fetch would always send one). */
function get(base: string, path: string, headers: Record<string, string>): Promise<Reply> {
  return new Promise((resolve, reject) => {
    const req = request(`${base}${path}`, { headers }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => {
        const raw = Buffer.concat(chunks);
        resolve({ status: res.statusCode ?? 0, headers: res.headers, body: raw.toString('utf8'), raw });
      });
    });
    req.on('error', reject);
    req.end();
  });
}

const apps: TestApp[] = [];
const prefixes: string[] = [];

afterEach(async () => {
  await Promise.all(apps.splice(0).map((a) => a.close()));
  await Promise.all(prefixes.splice(0).map((p) => dropPrefix(p)));
});

async function serve(options: TestAppOptions = {}): Promise<{ t: TestApp; base: string }> {
  const t = await createTestApp({ now: FIXTURE_END, ops: UNLIMITED, ...options });
  apps.push(t);
  await t.seed('acme', fixtureEvents(400));
  await t.seed('globex', fixtureEvents(40));
  const base = await t.app.listen({ port: 0, host: '127.0.0.1' });
  return { t, base };
}

const lane = (t: TestApp) => {
  const l = t.app.hitLane;
  if (!l) throw new Error('no hit lane');
  return l;
};

/** Headers whose values differ per reply by design. */
const PER_REPLY = new Set(['date', 'x-request-id', 'x-response-time', 'connection', 'keep-alive']);

function stable(headers: Record<string, unknown>): Record<string, unknown> {
  return Object.fromEntries(Object.entries(headers).filter(([k]) => !PER_REPLY.has(k)));
}

describe('hit lane', () => {
  it('answers a repeated dashboard read itself, with the bytes and headers of the slow path’s L1 hit', async () => {
    const { t, base } = await serve();
    const auth = { authorization: `Bearer ${await t.token('acme')}` };
    const miss = await get(base, SUMMARY, auth);
    expect(miss.headers['x-cache']).toBe('miss');
    const slowHit = await t.app.inject({ method: 'GET', url: SUMMARY, headers: auth });
    expect(slowHit.headers['x-cache']).toBe('hit; layer=memory');
    const before = lane(t).served;
    const fast = await get(base, SUMMARY, auth);
    expect(lane(t).served).toBe(before + 1);
    expect(fast.status).toBe(200);
    expect(fast.body).toBe(slowHit.body);
    expect(stable(fast.headers)).toEqual(stable(slowHit.headers));
    expect(fast.headers['x-request-id']).toMatch(/^[0-9a-f-]{36}$/);
    expect(fast.headers['x-response-time']).toMatch(/^\d+\.\d\dms$/);
    expect(JSON.parse(fast.body).meta.cache).toMatchObject({ hit: true, layer: 'memory' });
  });

  it('echoes a sane request and correlation id, answers If-None-Match with 304, and counts the request in /metrics', async () => {
    const { t, base } = await serve();
    const auth = { authorization: `Bearer ${await t.token('acme')}` };
    const first = await get(base, SUMMARY, auth);
    const etag = String(first.headers['etag']);
    const before = lane(t).served;
    const ids = await get(base, SUMMARY, { ...auth, 'x-request-id': 'req-42', 'x-correlation-id': 'corr-7' });
    expect(ids.headers).toMatchObject({ 'x-request-id': 'req-42', 'x-correlation-id': 'corr-7' });
    const notModified = await get(base, SUMMARY, { ...auth, 'if-none-match': etag });
    expect(notModified.status).toBe(304);
    expect(notModified.body).toBe('');
    expect(notModified.headers['etag']).toBe(etag);
    expect(lane(t).served).toBe(before + 2);
    const metrics = await t.app.inject('/metrics');
    expect(metrics.body).toMatch(/tally_http_request_duration_seconds_count\{method="GET",route="\/api\/v1\/dashboard\/summary",status="200"\} 2/);
    expect(metrics.body).toMatch(/tally_http_request_duration_seconds_count\{method="GET",route="\/api\/v1\/dashboard\/summary",status="304"\} 1/);
  });

  it('writes the same access-log line as the slow path, with the request id', async () => {
    const lines: Array<Record<string, unknown>> = [];
    const stream = new Writable({
      write(chunk: Buffer, _encoding, done) {
        for (const text of chunk.toString().split('\n')) if (text.trim()) lines.push(JSON.parse(text) as Record<string, unknown>);
        done();
      },
    });
    const { t, base } = await serve({ logger: { ...loggerOptions({ logLevel: 'info' }), stream } });
    const auth = { authorization: `Bearer ${await t.token('acme')}` };
    const slow = await get(base, SUMMARY, { ...auth, 'x-correlation-id': 'dash-1' });
    const fast = await get(base, SUMMARY, { ...auth, 'x-correlation-id': 'dash-1' });
    expect(lane(t).served).toBe(1);
    const completed = lines.filter((l) => l['msg'] === 'request completed' && l['route'] === '/api/v1/dashboard/summary');
    expect(completed).toHaveLength(2);
    const shape = (l: Record<string, unknown>) => ({ ...l, reqId: null, time: null, durationMs: null, pid: null });
    expect(completed[0]).toMatchObject({ reqId: slow.headers['x-request-id'], correlationId: 'dash-1', status: 200, org: 'acme', path: '/api/v1/dashboard/summary' });
    expect(completed[1]).toMatchObject({ reqId: fast.headers['x-request-id'], correlationId: 'dash-1', status: 200, org: 'acme', path: '/api/v1/dashboard/summary' });
    expect(shape(completed[1]!)).toEqual(shape(completed[0]!));
  });

  it('serves a client asking for compression the entry compressed once, as the slow path sends it', async () => {
    const { t, base } = await serve();
    const auth = { authorization: `Bearer ${await t.token('acme')}` };
    await get(base, SUMMARY, auth);
    const identity = await t.app.inject({ method: 'GET', url: SUMMARY, headers: auth });
    const slowBr = await t.app.inject({ method: 'GET', url: SUMMARY, headers: { ...auth, 'accept-encoding': 'gzip, deflate, br' } });
    expect(slowBr.headers['content-encoding']).toBe('br');
    expect(slowBr.headers['vary']).toBe('accept-encoding');
    expect(brotliDecompressSync(slowBr.rawPayload).toString()).toBe(identity.body);
    const before = lane(t).served;
    const fastBr = await get(base, SUMMARY, { ...auth, 'accept-encoding': 'gzip, deflate, br' });
    expect(lane(t).served).toBe(before + 1);
    // The very bytes the slow path sent: compressed once for the answer, kept with it.
    expect(fastBr.raw.equals(slowBr.rawPayload)).toBe(true);
    expect(stable(fastBr.headers)).toEqual(stable(slowBr.headers));
    const slowGzip = await t.app.inject({ method: 'GET', url: SUMMARY, headers: { ...auth, 'accept-encoding': 'gzip' } });
    const fastGzip = await get(base, SUMMARY, { ...auth, 'accept-encoding': 'gzip' });
    expect(fastGzip.headers['content-encoding']).toBe('gzip');
    expect(gunzipSync(fastGzip.raw).toString()).toBe(identity.body);
    expect(stable(fastGzip.headers)).toEqual(stable(slowGzip.headers));
    // Identity asked for, or compression switched off by the client: the plain bytes, no Vary.
    const plainAsks: Array<Record<string, string>> = [{ 'accept-encoding': 'identity' }, { 'accept-encoding': 'br', 'x-no-compression': '1' }];
    for (const headers of plainAsks) {
      const plain = await get(base, SUMMARY, { ...auth, ...headers });
      expect(plain.headers['content-encoding']).toBeUndefined();
      expect(plain.headers['vary']).toBeUndefined();
      expect(plain.body).toBe(identity.body);
    }
    // A revalidation with compression: the slow path's 304 over a socket, headers and all.
    const revalidate = { ...auth, 'accept-encoding': 'br', 'if-none-match': String(fastBr.headers['etag']) };
    const fast304 = await get(base, SUMMARY, revalidate);
    expect(lane(t).served).toBe(before + 5);
    lane(t).stop();
    const slow304 = await get(base, SUMMARY, revalidate);
    expect(lane(t).served).toBe(before + 5);
    expect([fast304.status, slow304.status]).toEqual([304, 304]);
    // Fastify writes `content-length: 0` on a 304; RFC 9110 §8.6 allows none or the 200's length, and the lane sends none.
    expect([fast304.headers['content-length'], slow304.headers['content-length']]).toEqual([undefined, '0']);
    const { 'content-length': _length, ...slowRest } = slow304.headers;
    expect(stable(fast304.headers)).toEqual(stable(slowRest));
  });

  it.each([
    ['listed origins', ['https://dash.example.com']],
    ['any origin', ['*']],
  ])('with CORS (%s): answers with the CORS headers the slow path sends for the request’s Origin — none, listed, unlisted', async (_name, origins) => {
    const { t, base } = await serve({ ops: { ...UNLIMITED, corsOrigins: origins } });
    const auth = { authorization: `Bearer ${await t.token('acme')}` };
    await get(base, SUMMARY, auth);
    const cases: Array<Record<string, string>> = [{}, { 'accept-encoding': 'br' }, { origin: 'https://dash.example.com' }, { origin: 'https://dash.example.com', 'accept-encoding': 'br' }, { origin: 'https://elsewhere.example' }];
    for (const extra of cases) {
      const slow = await t.app.inject({ method: 'GET', url: SUMMARY, headers: { ...auth, ...extra } });
      const before = lane(t).served;
      const fast = await get(base, SUMMARY, { ...auth, ...extra });
      expect(lane(t).served).toBe(before + 1);
      expect(fast.raw.equals(slow.rawPayload)).toBe(true);
      expect(stable(fast.headers)).toEqual(stable(slow.headers));
    }
    const listed = await get(base, SUMMARY, { ...auth, origin: 'https://dash.example.com' });
    expect(listed.headers['access-control-allow-origin']).toBe(origins[0] === '*' ? '*' : 'https://dash.example.com');
    expect(listed.headers['access-control-expose-headers']).toMatch(/X-Request-ID/);
    const unlisted = await get(base, SUMMARY, { ...auth, origin: 'https://elsewhere.example' });
    expect(unlisted.headers['access-control-allow-origin']).toBe(origins[0] === '*' ? '*' : undefined);
  });

  it('leaves bypass and tokens it has not seen to the slow path', async () => {
    const { t, base } = await serve();
    const auth = { authorization: `Bearer ${await t.token('acme')}` };
    await get(base, SUMMARY, auth);
    const before = lane(t).served;
    expect((await get(base, SUMMARY, { ...auth, 'cache-control': 'no-cache' })).headers['x-cache']).toBe('miss');
    // Another org's token on the same URL: its own answer, never acme's.
    const globex = await get(base, SUMMARY, { authorization: `Bearer ${await t.token('globex')}` });
    const acme = await get(base, SUMMARY, auth);
    expect(lane(t).served).toBe(before + 1);
    expect(JSON.parse(globex.body).kpis).not.toEqual(JSON.parse(acme.body).kpis);
    expect(JSON.parse(globex.body).kpis).toEqual((await t.app.inject({ method: 'GET', url: SUMMARY, headers: { authorization: `Bearer ${await t.token('globex')}` } })).json().kpis);
    // No credential at all: 401 from the slow path.
    expect((await get(base, SUMMARY, {})).status).toBe(401);
  });

  it('never answers an entry an ingest made stale, and serves the refreshed one', async () => {
    const { t, base } = await serve();
    const auth = { authorization: `Bearer ${await t.token('acme')}` };
    await get(base, SUMMARY, auth);
    const cached = await get(base, SUMMARY, auth);
    expect(cached.headers['x-cache']).toBe('hit; layer=memory');
    const key = await t.ingestKey('acme');
    const res = await t.app.inject({
      method: 'POST',
      url: '/api/v1/events',
      headers: { authorization: `Bearer ${key}` },
      payload: [{ event: 'payment.completed', timestamp: new Date(FIXTURE_END - DAY).toISOString(), actor: 'u_lane', props: { amount: 1000 } }],
    });
    expect(res.statusCode).toBe(200);
    // The summary is served stale-while-revalidate (TALLY_CACHE_SWRS=summary=5): the stale reply
    // and the refresh it starts are the slow path's; the lane takes over once the entry is fresh.
    const served = lane(t).served;
    const stale = await get(base, SUMMARY, auth);
    expect(stale.headers['x-cache']).toBe('hit; layer=memory; stale');
    expect(lane(t).served).toBe(served);
    let after = stale;
    for (let i = 0; i < 50 && after.headers['x-cache'] !== 'hit; layer=memory'; i++) {
      await new Promise((resolve) => setTimeout(resolve, 20));
      after = await get(base, SUMMARY, auth);
    }
    expect(after.headers['x-cache']).toBe('hit; layer=memory');
    expect(lane(t).served).toBe(served + 1);
    const revenue = (r: Reply): number => JSON.parse(r.body).kpis.find((k: { metric: string }) => k.metric === 'revenue').value;
    expect(revenue(stale)).toBeCloseTo(revenue(cached), 6);
    expect(revenue(after)).toBeCloseTo(revenue(cached) + 1000, 6);
  });

  it('compresses a stale answer (served while its refresh runs) like a fresh one', async () => {
    const { t, base } = await serve();
    const auth = { authorization: `Bearer ${await t.token('acme')}` };
    await get(base, SUMMARY, auth);
    const key = await t.ingestKey('acme');
    await t.app.inject({
      method: 'POST',
      url: '/api/v1/events',
      headers: { authorization: `Bearer ${key}` },
      payload: [{ event: 'payment.completed', timestamp: new Date(FIXTURE_END - DAY).toISOString(), actor: 'u_lane', props: { amount: 1000 } }],
    });
    const stale = await get(base, SUMMARY, { ...auth, 'accept-encoding': 'br' });
    expect(stale.headers['x-cache']).toBe('hit; layer=memory; stale');
    expect(stale.headers['content-encoding']).toBe('br');
    expect(stale.headers['vary']).toBe('accept-encoding');
    expect(JSON.parse(brotliDecompressSync(stale.raw).toString()).meta.cache).toMatchObject({ hit: true, layer: 'memory', stale: true });
  });

  it('counts each read once against the rate limit, and leaves the 429 to the slow path', async () => {
    const base = defaultOpsConfig().rateLimits;
    const rateLimits = { ...base, classes: { ...base.classes, query: { org: 4, credential: 4, ip: 4, windowSeconds: 60 } }, penalty: { ...base.penalty, strikes: 0 } };
    const { t, base: url } = await serve({ ops: { ...UNLIMITED, rateLimits }, rateLimitPrefix: `lane-${Math.random()}` });
    const auth = { authorization: `Bearer ${await t.token('acme')}` };
    const remaining: string[] = [];
    for (let i = 0; i < 4; i++) remaining.push(String((await get(url, SUMMARY, auth)).headers['x-ratelimit-remaining']));
    expect(remaining).toEqual(['3', '2', '1', '0']);
    expect(lane(t).served).toBe(3);
    const refused = await get(url, SUMMARY, auth);
    expect(refused.status).toBe(429);
    expect(JSON.parse(refused.body)).toMatchObject({ code: 'RATE_LIMITED' });
    expect(refused.headers).toMatchObject({ 'x-ratelimit-limit': '4', 'x-ratelimit-remaining': '0' });
    expect(Number(refused.headers['retry-after'])).toBeGreaterThanOrEqual(1);
  });

  it('answers from Redis when L1 is off, as the slow path would', async () => {
    const prefix = testPrefix('hit-lane');
    prefixes.push(prefix);
    const { t, base } = await serve({ cache: { redisUrl: SHARED_REDIS_URL, redisPrefix: prefix, memoryMaxBytes: 0 } });
    const auth = { authorization: `Bearer ${await t.token('acme')}` };
    expect((await get(base, SUMMARY, auth)).headers['x-cache']).toBe('miss');
    const slowHit = await t.app.inject({ method: 'GET', url: SUMMARY, headers: auth });
    expect(slowHit.headers['x-cache']).toBe('hit; layer=redis');
    const before = lane(t).served;
    const fast = await get(base, SUMMARY, auth);
    expect(lane(t).served).toBe(before + 1);
    expect(stable(fast.headers)).toEqual(stable(slowHit.headers));
    expect(JSON.parse(fast.body).kpis).toEqual(slowHit.json().kpis);
  });

  it('without the ops stack sends only what the bare app sends', async () => {
    const { t, base } = await serve({ middleware: false });
    const auth = { authorization: `Bearer ${await t.token('acme')}` };
    await get(base, SUMMARY, auth);
    const slowHit = await t.app.inject({ method: 'GET', url: SUMMARY, headers: auth });
    const fast = await get(base, SUMMARY, auth);
    expect(lane(t).served).toBe(1);
    expect(stable(fast.headers)).toEqual(stable(slowHit.headers));
    expect(fast.headers['x-request-id']).toBeUndefined();
  });

  it('hands every request to Fastify once the app is closing', async () => {
    const { t, base } = await serve();
    const auth = { authorization: `Bearer ${await t.token('acme')}` };
    await get(base, SUMMARY, auth);
    await get(base, SUMMARY, auth);
    expect(lane(t).served).toBe(1);
    lane(t).stop();
    expect((await get(base, SUMMARY, auth)).headers['x-cache']).toBe('hit; layer=memory');
    expect(lane(t).served).toBe(1);
  });
});
