/**
 * Where credentials may come from: the Authorization header everywhere, `?token=` only on routes
 * that opt in (EventSource/WebSocket), the session cookie with the Origin rule for writes and
 * WebSocket handshakes, and an ingest key only as a bearer header.
 */
import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildApp } from '../../../src/app.js';
import { signToken } from '../../../src/auth/jwt.js';
import { IngestService } from '../../../src/ingest/ingest-service.js';
import type { TestApp } from '../../fixtures/app.js';
import { createTestApp, TEST_JWT } from '../../fixtures/app.js';

let t: TestApp;
let app: FastifyInstance;
let viewer: string;
let key: string;

beforeAll(async () => {
  t = await createTestApp();
  // A second app over the same store with two extra routes, to exercise the plugin's options.
  const ingest = new IngestService(t.store, t.catalog, { maxBatchEvents: 10 });
  app = await buildApp({ store: t.store, engine: t.engine, ingest, keys: t.keys, users: t.users, jwt: TEST_JWT, bodyLimitBytes: 1024 });
  app.get('/stream', { config: { permission: 'live:subscribe', queryToken: true } }, async (request) => ({ org: request.principal?.org, via: request.credentialSource }));
  app.get('/plain', { config: { permission: 'dashboard:read' } }, async (request) => ({ via: request.credentialSource }));
  await app.ready();
  viewer = await signToken(TEST_JWT, { sub: 'v', org: 'acme', role: 'viewer' }, 600);
  key = await t.ingestKey('acme');
});
afterAll(async () => {
  await app.close();
  await t.close();
});

describe('credential sources', () => {
  it('accepts ?token= only where the route opts in', async () => {
    const ok = await app.inject({ method: 'GET', url: `/stream?token=${viewer}` });
    expect(ok.statusCode).toBe(200);
    expect(ok.json()).toEqual({ org: 'acme', via: 'query' });
    expect((await app.inject({ method: 'GET', url: `/plain?token=${viewer}` })).statusCode).toBe(401);
    expect((await app.inject({ method: 'GET', url: `/stream?token=${key}` })).statusCode).toBe(401);
    expect((await app.inject({ method: 'GET', url: '/stream?token=garbage' })).statusCode).toBe(401);
  });

  it('rejects a malformed Authorization header instead of ignoring it', async () => {
    for (const header of [`Basic ${viewer}`, 'Bearer', `Bearer ${viewer} extra`, viewer]) {
      expect((await app.inject({ method: 'GET', url: '/plain', headers: { authorization: header } })).statusCode).toBe(401);
    }
  });

  it('needs an allowed Origin for a cookie-authenticated WebSocket handshake', async () => {
    const headers = { host: 'tally.test', cookie: `tally_session=${viewer}`, upgrade: 'websocket', connection: 'Upgrade' };
    expect((await app.inject({ method: 'GET', url: '/stream', headers })).statusCode).toBe(403);
    expect((await app.inject({ method: 'GET', url: '/stream', headers: { ...headers, origin: 'https://evil.example' } })).statusCode).toBe(403);
    expect((await app.inject({ method: 'GET', url: '/stream', headers: { ...headers, origin: 'http://tally.test' } })).statusCode).not.toBe(403);
    // A plain GET with the cookie needs no Origin (reads are not state changes).
    expect((await app.inject({ method: 'GET', url: '/plain', headers: { cookie: `tally_session=${viewer}` } })).json()).toEqual({ via: 'cookie' });
  });

  it('answers 401 (not 403) to an ingest key on any read', async () => {
    for (const url of ['/plain', '/stream']) {
      expect((await app.inject({ method: 'GET', url, headers: { authorization: `Bearer ${key}` } })).statusCode).toBe(401);
    }
  });
});
