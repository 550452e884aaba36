/**
 * The role × route matrix, generated from the app's own route table: every route that exists at
 * run time (including ones added by other issues) × {no token, expired token, ingest key, viewer,
 * analyst, admin, another org's admin}. The expected grants are written out here a second time,
 * from the issue text, so a policy change must be made deliberately in both places.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { signToken } from '../../../src/auth/jwt.js';
import type { Permission } from '../../../src/auth/policy.js';
import { PERMISSIONS } from '../../../src/auth/policy.js';
import type { Role } from '../../../src/auth/principal.js';
import type { RouteEntry } from '../../../src/http/plugins/auth.js';
import { IngestService } from '../../../src/ingest/ingest-service.js';
import type { TestApp } from '../../fixtures/app.js';
import { createTestApp, TEST_JWT } from '../../fixtures/app.js';
import { FIXTURE_END } from '../../fixtures/events.js';

const ORG_A = 'acme';
const ORG_B = 'globex';
/** Used for every path parameter we know nothing about; the viewer's own actor, so "own actor" routes allow it. */
const PARAM = 'acme_actor_1';

const VIEWER: Permission[] = ['account:read', 'dashboard:read', 'live:subscribe'];
const ANALYST: Permission[] = [...VIEWER, 'query:read', 'export:run'];
const ADMIN: Permission[] = [...ANALYST, 'events:write', 'keys:manage', 'actors:erase', 'users:manage', 'cache:manage', 'alerts:manage', 'system:read'];
const GRANTS: Record<Role, ReadonlySet<Permission>> = { viewer: new Set(VIEWER), analyst: new Set(ANALYST), admin: new Set(ADMIN) };

type Caller = 'none' | 'expired' | 'ingest-key' | Role | 'other-org-admin';
const CALLERS: Caller[] = ['other-org-admin', 'none', 'expired', 'ingest-key', 'viewer', 'analyst', 'admin'];

let t: TestApp;
let routes: RouteEntry[];
const auth = new Map<Caller, string | null>();
/** Org A's resources: path parameter values for routes that address them by id. */
const resourceIds = new Map<string, string>();
/** Strings that only org A's data contains; none may appear in a reply to org B. */
const markersOfA: string[] = [];

function seedEvents(prefix: string) {
  return Array.from({ length: 40 }, (_, i) => ({
    event: i % 2 ? 'payment.completed' : 'page.viewed',
    timestamp: FIXTURE_END - (i + 1) * 3_600_000,
    actor: `${prefix}_actor_${i % 5}`,
    id: `${prefix}-event-${i}`,
    props: { channel: `${prefix}-only-channel`, amount: 10 + i, currency: 'EUR' },
  }));
}

beforeAll(async () => {
  t = await createTestApp({ now: FIXTURE_END });
  await t.seed(ORG_A, seedEvents('acme'));
  await t.seed(ORG_B, seedEvents('globex'));
  const targetKey = await t.keys.create(ORG_A, 'matrix target');
  const targetUser = await t.users.create(ORG_A, { email: 'matrix-target@acme.test', role: 'analyst', password: 'matrix password 123' });
  resourceIds.set('/api/v1/keys/:id', targetKey.id);
  resourceIds.set('/api/v1/users/:id', targetUser.id);
  markersOfA.push(targetKey.id, targetKey.prefix, targetUser.id, targetUser.email, 'acme_actor_', 'acme-only-channel', 'acme-event-');

  auth.set('none', null);
  auth.set('expired', await signToken(TEST_JWT, { sub: 'late', org: ORG_A, role: 'admin' }, -120));
  auth.set('ingest-key', await t.ingestKey(ORG_A));
  for (const role of ['viewer', 'analyst', 'admin'] as const) auth.set(role, await t.token(ORG_A, role, PARAM));
  auth.set('other-org-admin', await t.token(ORG_B, 'admin'));
  routes = [...t.app.routeTable];
});
afterAll(() => t.close());

/** Minimal valid bodies where they are easy to give; other routes get `{}` and may answer 400. */
const BODIES: Record<string, unknown> = {
  'POST /api/v1/events': [{ event: 'matrix.test' }],
  'POST /api/v1/query': { metrics: ['count'], timeRange: { preset: '30d' } },
  'POST /api/v1/timeseries': { metrics: ['count'], timeRange: { preset: '30d' }, granularity: '1d' },
  'POST /api/v1/keys': { name: 'matrix' },
  'POST /api/v1/users': { email: 'matrix@example.com', role: 'viewer', password: 'matrix password 123' },
  'PATCH /api/v1/users/:id': { role: 'analyst' },
};

function urlOf(route: RouteEntry): string {
  const known = resourceIds.get(route.url.replace(/:id$/, ':id'));
  return route.url
    .replace(/:([A-Za-z0-9_]+)(\([^)]*\))?/g, (_m, name: string) => (name === 'id' && known ? known : PARAM))
    .replace(/\*$/, '');
}

interface Reply {
  status: number;
  body: string;
}

/** Reads at most a little of the body, so streaming routes (SSE, exports) cannot hang the test. */
async function send(route: RouteEntry, caller: Caller): Promise<Reply> {
  const credential = auth.get(caller) ?? null;
  const controller = new AbortController();
  const key = `${route.method} ${route.url}`;
  const withBody = ['POST', 'PUT', 'PATCH', 'DELETE'].includes(route.method) && route.method !== 'DELETE';
  const res = await t.app.inject({
    method: route.method as 'GET',
    url: urlOf(route),
    headers: credential ? { authorization: `Bearer ${credential}` } : {},
    ...(withBody ? { payload: (BODIES[key] ?? {}) as object } : {}),
    payloadAsStream: true,
    signal: controller.signal,
  });
  let body = '';
  const timer = setTimeout(() => controller.abort(), 1_000);
  try {
    for await (const chunk of res.stream()) {
      body += String(chunk);
      if (body.length > 256 * 1024) break;
    }
  } catch {
    // Aborted: a stream that keeps going (SSE). What arrived so far is enough.
  } finally {
    clearTimeout(timer);
    controller.abort();
  }
  return { status: res.statusCode, body };
}

function expectation(permission: Permission, caller: Caller): 'allowed' | 401 | 403 {
  if (permission === 'public') return 'allowed';
  switch (caller) {
    case 'none':
    case 'expired':
      return 401;
    case 'ingest-key':
      return permission === 'events:write' ? 'allowed' : 401;
    case 'other-org-admin':
      return GRANTS.admin.has(permission) ? 'allowed' : 403;
    default:
      return GRANTS[caller].has(permission) ? 'allowed' : 403;
  }
}

describe('role × route matrix', () => {
  it('knows the routes: the table comes from the built app and lists every permission used', () => {
    const urls = routes.map((r) => `${r.method} ${r.url}`);
    for (const known of ['POST /api/v1/events', 'POST /api/v1/query', 'DELETE /api/v1/keys/:id', 'POST /api/v1/users', 'POST /api/v1/auth/login', 'GET /api/v1/auth/me']) {
      expect(urls).toContain(known);
    }
    for (const r of routes) expect(PERMISSIONS).toContain(r.permission);
  });

  it('classifies every permission of the policy (a new permission must be added to this matrix)', () => {
    expect(new Set(PERMISSIONS)).toEqual(new Set(['public', ...ADMIN]));
  });

  it('refuses to build an app with a route that declares no permission', async () => {
    const { buildApp } = await import('../../../src/app.js');
    const ingest = new IngestService(t.store, t.catalog, { maxBatchEvents: 10 });
    const app = await buildApp({ store: t.store, engine: t.engine, ingest, keys: t.keys, jwt: null, bodyLimitBytes: 1024 });
    try {
      expect(() => app.get('/api/v1/undeclared', async () => 'x')).toThrow(/must declare config.permission/);
      expect(() => app.get('/api/v1/misdeclared', { config: { permission: 'everything' as Permission } }, async () => 'x')).toThrow(/must declare/);
    } finally {
      await app.close();
    }
  });

  it('enforces the declared permission on every route for every caller', async () => {
    const failures: string[] = [];
    let checked = 0;
    for (const route of routes) {
      for (const caller of CALLERS) {
        const { status, body } = await send(route, caller);
        checked++;
        const expected = expectation(route.permission, caller);
        const label = `${route.method} ${route.url} [${route.permission}] as ${caller}: ${status}`;
        if (expected === 'allowed' ? status === 401 || status === 403 : status !== expected) {
          failures.push(`${label}, expected ${expected === 'allowed' ? 'neither 401 nor 403' : expected}`);
        }
        if (caller === 'other-org-admin' && route.permission !== 'public') {
          const url = urlOf(route);
          const leaked = markersOfA.filter((m) => body.includes(m) && !url.includes(m));
          if (leaked.length > 0) failures.push(`${label}: the reply to org B contains org A's ${leaked.join(', ')}`);
          if (resourceIds.has(route.url) && status !== 404) failures.push(`${label}: another org's id must answer 404`);
        }
        // Org B went first: org A's admin still finding the resource shows B's 404 changed nothing.
        if (caller === 'admin' && resourceIds.has(route.url) && status >= 400) failures.push(`${label}: org A's own admin must find its resource`);
      }
    }
    expect(failures).toEqual([]);
    expect(checked).toBe(routes.length * CALLERS.length);
  });

  it('keeps an ingest key of org A writing into org A only', async () => {
    const keyA = auth.get('ingest-key') as string;
    const res = await t.app.inject({
      method: 'POST',
      url: `/api/v1/events?org=${ORG_B}`,
      headers: { authorization: `Bearer ${keyA}`, 'x-tally-org': ORG_B },
      payload: [{ event: 'cross.write', props: { org: ORG_B, org_id: ORG_B } }],
    });
    expect(res.statusCode).toBe(200);
    const count = async (org: string) => {
      const rows = await t.store.query(`SELECT count(*) AS n FROM events WHERE org_id = $1 AND event = 'cross.write'`, [org]);
      return Number(rows[0]?.['n']);
    };
    expect(await count(ORG_A)).toBe(1);
    expect(await count(ORG_B)).toBe(0);
  });
});
