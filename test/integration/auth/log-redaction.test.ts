/**
 * No credential reaches the log: the app runs with the same logger options as `tally serve`
 * (src/ops/logger.ts) at trace level into a captured stream, and is sent a JWT, an ingest key, a
 * session cookie, login and user-creation passwords, and `?token=` in URLs.
 */
import { Writable } from 'node:stream';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loggerOptions } from '../../../src/ops/logger.js';
import type { TestApp } from '../../fixtures/app.js';
import { createTestApp } from '../../fixtures/app.js';

const lines: string[] = [];
const capture = new Writable({
  write(chunk, _encoding, done) {
    lines.push(String(chunk));
    done();
  },
});

const PASSWORD = 'hunter2-but-much-longer';
const NEW_USER_PASSWORD = 'another-secret-password-42';
let t: TestApp;

beforeAll(async () => {
  t = await createTestApp({ logger: { ...loggerOptions({ logLevel: 'trace' }), stream: capture } });
  await t.users.create('acme', { email: 'log@example.com', role: 'admin', password: PASSWORD });
});
afterAll(() => t.close());

describe('logs', () => {
  it('never contain a token, key, cookie or password', async () => {
    const jwt = await t.token('acme', 'admin');
    const key = await t.ingestKey('acme');
    const secrets = [jwt, key, PASSWORD, NEW_USER_PASSWORD];

    await t.app.inject({ method: 'POST', url: '/api/v1/query', headers: { authorization: `Bearer ${jwt}` }, payload: { metrics: ['count'] } });
    await t.app.inject({ method: 'POST', url: '/api/v1/events', headers: { authorization: `Bearer ${key}` }, payload: { event: 'log.test' } });
    await t.app.inject({ method: 'POST', url: '/api/v1/query', headers: { authorization: `Bearer ${key}` }, payload: { metrics: ['count'] } });
    const login = await t.app.inject({ method: 'POST', url: '/api/v1/auth/login', payload: { org: 'acme', email: 'log@example.com', password: PASSWORD } });
    expect(login.statusCode).toBe(200);
    const session = login.json().token as string;
    secrets.push(session);
    await t.app.inject({ method: 'POST', url: '/api/v1/auth/login', payload: { org: 'acme', email: 'log@example.com', password: `${PASSWORD}-wrong` } });
    await t.app.inject({ method: 'GET', url: '/api/v1/auth/me', headers: { cookie: `tally_session=${session}` } });
    await t.app.inject({ method: 'POST', url: '/api/v1/query', headers: { cookie: `tally_session=${session}`, origin: 'https://evil.example' }, payload: { metrics: ['count'] } });
    await t.app.inject({
      method: 'POST',
      url: '/api/v1/users',
      headers: { authorization: `Bearer ${jwt}` },
      payload: { email: 'new@example.com', role: 'viewer', password: NEW_USER_PASSWORD },
    });
    await t.app.inject({ method: 'GET', url: `/api/v1/auth/me?token=${jwt}` });
    await t.app.inject({ method: 'GET', url: `/health/live?x=1&token=${session}&access_token=${jwt}` });
    await t.app.inject({ method: 'GET', url: `/api/v1/nope?key=${key}` });
    await t.app.inject({ method: 'POST', url: '/api/v1/query', headers: { authorization: `Bearer ${jwt.slice(0, -4)}AAAA` }, payload: { metrics: ['count'] } });

    const log = lines.join('');
    expect(lines.length).toBeGreaterThan(10);
    for (const secret of secrets) {
      expect(log.includes(secret), `a credential (${secret.slice(0, 12)}…) was logged`).toBe(false);
      // A token's signature alone is enough to replay it; no part of it may leak either.
      const tail = secret.slice(-20);
      expect(log.includes(tail), `the end of a credential (…${tail}) was logged`).toBe(false);
    }
  });
});
