/**
 * Property: no request an admin can send makes Tally fail on its side. Every route of the OpenAPI
 * document (but the two long-lived streams) gets random path values, query strings and bodies —
 * some anything JSON can hold, some shaped like the route's body with the model's own names and
 * random values in them — and must answer below 500 (501 NOT_CONFIGURED aside), every refusal as
 * problem+json naming a code from the catalog with its status.
 */
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { defaultOpsConfig } from '../../src/config/ops.js';
import { ERRORS } from '../../src/domain/errors.js';
import type { TestApp } from '../fixtures/app.js';
import { createTestApp } from '../fixtures/app.js';
import { FIXTURE_END, fixtureEvents } from '../fixtures/events.js';
import { FUZZ_ORG, FUZZ_QUERY, mutationsOf, value, valueFor, word } from '../fixtures/fuzz.js';

interface Operation {
  parameters?: Array<{ name: string; in: 'path' | 'query' | 'header' }>;
  requestBody?: { content: Record<string, { schema?: { properties?: Record<string, unknown> } }> };
}
type Method = 'GET' | 'POST' | 'PATCH' | 'DELETE';

/** Long-lived streams: an accepted request would never end. */
const SKIPPED = new Set(['/api/v1/stream', '/api/v1/ws']);
const RUNS = Number(process.env['TALLY_FUZZ_RUNS'] ?? 12);

/** A valid body per route (the fixture's shop model): mutated, they reach the handlers' own checks. */
const EXAMPLES: Record<string, unknown[]> = {
  'POST /api/v1/events': [
    { event: 'payment.completed', timestamp: '2026-11-19T10:00:00Z', actor: 'u_1', id: 'fz-1', props: { amount: 5, currency: 'EUR', premium: true } },
    [{ event: 'page.viewed', actor: 'u_2', props: { page: '/' } }],
  ],
  'POST /api/v1/query': [FUZZ_QUERY, { metrics: ['count'], timeRange: { from: '2026-11-01T00:00:00Z', to: '2026-11-20T00:00:00Z' } }],
  'POST /api/v1/timeseries': [FUZZ_QUERY],
  'POST /api/v1/compare': [{ dimension: 'channel', values: ['web', 'ios'], metrics: ['revenue'], timeRange: { preset: '30d' }, compare: 'previous_period' }],
  'POST /api/v1/funnels': [{ steps: ['page.viewed', { event: 'payment.completed', filters: [{ field: 'amount', op: 'gt', value: 10 }] }], window: '1d', timeRange: { preset: '30d' } }],
  'POST /api/v1/retention': [{ cohortEvent: 'page.viewed', returnEvent: 'payment.completed', period: '1w', timeRange: { preset: '30d' } }],
  'POST /api/v1/keys': [{ name: 'fuzz' }],
  'POST /api/v1/cache/invalidate': [{ metrics: ['revenue'], from: '2026-11-01T00:00:00Z', to: '2026-11-20T00:00:00Z' }],
  'POST /api/v1/exports': [
    { format: 'csv', query: FUZZ_QUERY },
    { format: 'ndjson', raw: { timeRange: { preset: '7d' }, events: ['payment.completed'], columns: ['timestamp', 'amount'] } },
  ],
  'POST /api/v1/auth/login': [{ org: FUZZ_ORG, email: 'a@example.com', password: 'not-the-password' }],
  'POST /api/v1/users': [{ email: 'fuzz@example.com', role: 'viewer', password: 'a-long-enough-password' }],
  'PATCH /api/v1/users/{id}': [{ role: 'analyst', disabled: false }],
  'POST /api/v1/alerts': [{ name: 'big', query: { metric: 'payments', window: '5m' }, comparison: 'gt', threshold: 5, cooldown: '15m' }],
};

function bodyFor(route: string, op: Operation): fc.Arbitrary<unknown> {
  const props = Object.keys(op.requestBody?.content['application/json']?.schema?.properties ?? {});
  const shaped =
    props.length === 0
      ? fc.dictionary(word, value, { maxKeys: 3 })
      : fc.record(Object.fromEntries(props.map((k) => [k, valueFor(k)])), { requiredKeys: [] });
  const examples = EXAMPLES[route] ?? [];
  const fromExamples = examples.length === 0 ? [] : [{ weight: 6, arbitrary: fc.constantFrom(...examples).chain(mutationsOf) }, { weight: 1, arbitrary: fc.constantFrom(...examples) }];
  return fc.oneof({ weight: 2, arbitrary: shaped }, { weight: 1, arbitrary: fc.jsonValue({ maxDepth: 3 }) }, { weight: 1, arbitrary: fc.array(shaped, { maxLength: 3 }) }, ...fromExamples);
}

function requestFor(method: Method, path: string, op: Operation) {
  const params = op.parameters ?? [];
  const pathNames = params.filter((p) => p.in === 'path').map((p) => p.name);
  const queryNames = params.filter((p) => p.in === 'query').map((p) => p.name);
  return fc.record({
    path: fc.tuple(...pathNames.map(() => word)).map((values) => pathNames.reduce((p, name, i) => p.replace(`{${name}}`, encodeURIComponent(values[i] as string)), path)),
    query: fc.dictionary(fc.oneof(fc.constantFrom(...(queryNames.length > 0 ? queryNames : ['x'])), word), word, { maxKeys: 4 }),
    body: op.requestBody ? fc.option(bodyFor(`${method} ${path}`, op), { nil: undefined, freq: 10 }) : fc.constant(undefined),
  });
}

let t: TestApp;
let token: string;
let operations: Array<{ method: Method; path: string; op: Operation }>;

beforeAll(async () => {
  const ops = { rateLimits: { ...defaultOpsConfig().rateLimits, enabled: false } };
  t = await createTestApp({ now: FIXTURE_END, ops });
  await t.seed(FUZZ_ORG, fixtureEvents(400, 5));
  token = await t.token(FUZZ_ORG, 'admin');
  const doc = (await t.app.inject({ url: '/openapi.json' })).json<{ paths: Record<string, Record<string, Operation>> }>();
  operations = Object.entries(doc.paths)
    .filter(([path]) => path.startsWith('/api/v1/') && !SKIPPED.has(path))
    .flatMap(([path, ops]) => Object.entries(ops).map(([method, op]) => ({ method: method.toUpperCase() as Method, path, op })));
});
afterAll(() => t.close());

describe('random requests to every route', () => {
  it('are answered below 500, refusals as problem+json with a catalogued code', { timeout: Math.max(30_000, RUNS * 400) }, async () => {
    expect(operations.length).toBeGreaterThan(30);
    for (const { method, path, op } of operations) {
      await fc.assert(
        fc.asyncProperty(requestFor(method, path, op), async (req) => {
          const res = await t.app.inject({
            method,
            url: req.path,
            query: req.query,
            headers: { authorization: `Bearer ${token}`, ...(req.body === undefined ? {} : { 'content-type': 'application/json' }) },
            ...(req.body === undefined ? {} : { payload: JSON.stringify(req.body) }),
          });
          const what = `${method} ${req.path} ${JSON.stringify(req.query)} ${JSON.stringify(req.body)?.slice(0, 500)} → ${res.statusCode} ${res.body.slice(0, 500)}`;
          expect(res.statusCode < 500 || res.statusCode === 501, what).toBe(true);
          if (res.statusCode >= 400) {
            expect(String(res.headers['content-type']), what).toMatch(/^application\/problem\+json/);
            const problem = res.json<{ code: keyof typeof ERRORS; status: number }>();
            expect(ERRORS[problem.code]?.status, what).toBe(res.statusCode);
          }
        }),
        { numRuns: RUNS },
      );
    }
  });

  it('store an NDJSON request whole or not at all', async () => {
    const org = 'ndjson-fuzz';
    const headers = { authorization: `Bearer ${await t.token(org, 'admin')}`, 'content-type': 'application/x-ndjson' };
    const stored = async (): Promise<number> => Number((await t.store.query('SELECT count(*) AS n FROM events WHERE org_id = $1', [org]))[0]?.['n']);
    const line = fc.oneof(
      { weight: 4, arbitrary: mutationsOf(EXAMPLES['POST /api/v1/events']![0]).map((e) => JSON.stringify(e) ?? '') },
      { weight: 4, arbitrary: fc.record({ event: fc.constantFrom('page.viewed', 'payment.completed'), actor: fc.option(word, { nil: undefined }), props: fc.dictionary(fc.constantFrom('page', 'amount', 'coupon'), value, { maxKeys: 2 }) }).map((e) => JSON.stringify(e)) },
      { weight: 1, arbitrary: fc.oneof(word, fc.constant(''), fc.constant('{"event":"page.viewed"')) },
    );
    await fc.assert(
      fc.asyncProperty(fc.array(line, { minLength: 1, maxLength: 8 }), fc.constantFrom('\n', '\r\n'), async (lines, eol) => {
        const before = await stored();
        const res = await t.app.inject({ method: 'POST', url: '/api/v1/events', headers, payload: lines.join(eol) });
        const what = `${JSON.stringify(lines).slice(0, 800)} → ${res.statusCode} ${res.body.slice(0, 300)}`;
        expect(res.statusCode === 200 || res.statusCode === 400 || res.statusCode === 413, what).toBe(true);
        const after = await stored();
        if (res.statusCode === 200) expect(after - before, what).toBe(res.json<{ accepted: number }>().accepted);
        else expect(after, what).toBe(before);
      }),
      { numRuns: RUNS * 10 },
    );
  });

  it('refuse random credentials with 401 problem+json', async () => {
    const b64 = (v: unknown): string => Buffer.from(typeof v === 'string' ? v : JSON.stringify(v)).toString('base64url');
    const header = fc.oneof(
      fc.constantFrom({ alg: 'HS256', typ: 'JWT' }, { alg: 'none' }, { alg: 'RS256', kid: 'x' }, { alg: 'ES256' }, { alg: 'HS512' }),
      fc.jsonValue({ maxDepth: 2 }),
    );
    const claims = fc.oneof(
      fc.record({ sub: word, org: word, role: fc.constantFrom('admin', 'analyst', 'viewer', 'root'), exp: fc.oneof(fc.integer(), fc.constant(4_102_444_800)) }, { requiredKeys: [] }),
      fc.jsonValue({ maxDepth: 2 }),
    );
    const jwt = fc.tuple(header, claims, fc.oneof(word, fc.constant(''))).map(([h, c, sig]) => `${b64(h)}.${b64(c)}.${b64(sig)}`);
    const credential = fc.oneof(
      jwt.map((j) => ({ authorization: `Bearer ${j}` })),
      word.map((w) => ({ authorization: w })),
      word.map((w) => ({ authorization: `Bearer ${w}` })),
      fc.constantFrom('tk_', 'tk_0000', 'Basic dXNlcjpwYXNz', 'Bearer', 'bearer  x.y.z').map((w) => ({ authorization: w })),
      word.map((w) => ({ cookie: `tally_session=${encodeURIComponent(w)}` })),
    );
    const route = fc.constantFrom(...operations.filter((o) => !o.path.includes('{') && !o.path.endsWith('/auth/login') && !o.path.endsWith('/auth/logout')));
    await fc.assert(
      fc.asyncProperty(route, credential, async ({ method, path }, headers) => {
        const res = await t.app.inject({ method, url: path, headers });
        const what = `${method} ${path} ${JSON.stringify(headers)} → ${res.statusCode} ${res.body.slice(0, 300)}`;
        expect(res.statusCode, what).toBe(401);
        expect(String(res.headers['content-type']), what).toMatch(/^application\/problem\+json/);
      }),
      { numRuns: RUNS * 20 },
    );
  });

  it('include what the router refuses before any route: bad percent-encoding and over-long path segments', async () => {
    const headers = { authorization: `Bearer ${token}` };
    const bad = await t.app.inject({ url: '/api/v1/actors/%zz/insights', headers });
    expect(bad.statusCode).toBe(400);
    expect(bad.headers['content-type']).toMatch(/^application\/problem\+json/);
    expect(bad.json()).toMatchObject({ code: 'VALIDATION', errors: [{ path: '/params' }] });
    const long = await t.app.inject({ url: `/api/v1/actors/${'x'.repeat(2001)}/insights`, headers });
    expect(long.statusCode).toBe(414);
    expect(long.headers['content-type']).toMatch(/^application\/problem\+json/);
    expect(long.json()).toMatchObject({ code: 'URI_TOO_LONG', status: 414, errors: [{ path: '/params' }] });
  });
});
