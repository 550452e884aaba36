/**
 * Dashboard sign-in over HTTP: POST /auth/login (JWT + session cookie), the cookie as a credential,
 * the Origin rule for cookie-authenticated writes, logout, disabled users, uniform failures and the
 * per-account / per-IP login limits.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { LoginLimiter } from '../../../src/auth/login-limiter.js';
import type { TestApp } from '../../fixtures/app.js';
import { createTestApp } from '../../fixtures/app.js';

const PASSWORD = 'correct horse battery staple';
const HOST = 'tally.test';
let t: TestApp;

beforeAll(async () => {
  t = await createTestApp({
    session: { allowedOrigins: ['https://dash.example.com'] },
    loginLimiter: new LoginLimiter({ accountFailures: 3, accountWindowSeconds: 60, ipFailures: 5, ipWindowSeconds: 60 }),
  });
  await t.users.create('acme', { email: 'Ann@Example.com', role: 'analyst', password: PASSWORD, actor: 'u_7' });
  await t.users.create('acme', { email: 'viv@example.com', role: 'viewer', password: PASSWORD });
  await t.users.create('globex', { email: 'ann@example.com', role: 'admin', password: 'globex password 123' });
});
afterAll(() => t.close());

let ipCounter = 0;
/** Each test gets its own client IP so the per-IP limit of one test does not leak into another. */
function nextIp(): string {
  ipCounter++;
  return `198.51.100.${ipCounter}`;
}

async function login(body: Record<string, unknown>, headers: Record<string, string> = {}, ip = nextIp()) {
  return t.app.inject({ method: 'POST', url: '/api/v1/auth/login', headers: { host: HOST, ...headers }, remoteAddress: ip, payload: body });
}

function sessionCookie(res: { headers: Record<string, unknown> }): string {
  const header = [res.headers['set-cookie']].flat().find((c): c is string => typeof c === 'string' && c.startsWith('tally_session='));
  if (!header) throw new Error('no session cookie');
  return header;
}

describe('POST /auth/login', () => {
  it('returns a short-lived JWT, the user, and sets an httpOnly SameSite=Strict cookie', async () => {
    const res = await login({ org: 'acme', email: 'ann@example.com', password: PASSWORD });
    expect(res.statusCode).toBe(200);
    const body = res.json();
    expect(body.user).toMatchObject({ org: 'acme', email: 'ann@example.com', role: 'analyst', actor: 'u_7', disabledAt: null });
    expect(body.user).not.toHaveProperty('passwordHash');
    expect(JSON.stringify(body)).not.toMatch(/scrypt/);
    const ttl = Date.parse(body.expiresAt) - Date.now();
    expect(ttl).toBeGreaterThan(3500_000);
    expect(ttl).toBeLessThanOrEqual(3600_000);
    const cookie = sessionCookie(res);
    expect(cookie).toContain(`tally_session=${body.token}`);
    expect(cookie).toMatch(/HttpOnly/);
    expect(cookie).toMatch(/SameSite=Strict/);
    expect(cookie).toMatch(/Path=\//);
    expect(cookie).toMatch(/Max-Age=3600/);
    expect(cookie).not.toMatch(/Secure/);
    const [, payload] = String(body.token).split('.');
    expect(JSON.parse(Buffer.from(payload!, 'base64url').toString())).toMatchObject({ org: 'acme', role: 'analyst', actor: 'u_7', uid: body.user.id });
  });

  it('marks the cookie Secure in production, not because of an untrusted X-Forwarded-Proto', async () => {
    const res = await login({ org: 'acme', email: 'ann@example.com', password: PASSWORD }, { 'x-forwarded-proto': 'https' });
    // Without trustProxy the forwarded scheme is ignored: the flag follows what the server itself saw.
    expect(sessionCookie(res)).not.toMatch(/Secure/);
    const prod = await createTestApp({ session: { production: true } });
    try {
      await prod.users.create('acme', { email: 'p@example.com', role: 'viewer', password: PASSWORD });
      const r = await prod.app.inject({ method: 'POST', url: '/api/v1/auth/login', payload: { org: 'acme', email: 'p@example.com', password: PASSWORD } });
      expect(sessionCookie(r)).toMatch(/Secure/);
    } finally {
      await prod.close();
    }
  });

  it('answers every failure with the same 401: wrong password, unknown email, unknown org, disabled user', async () => {
    const disabled = await t.users.create('acme', { email: 'gone@example.com', role: 'admin', password: PASSWORD });
    await t.users.disable('acme', disabled.id);
    const attempts = [
      { org: 'acme', email: 'ann@example.com', password: 'wrong password!!' },
      { org: 'acme', email: 'nobody@example.com', password: PASSWORD },
      { org: 'nowhere', email: 'ann@example.com', password: PASSWORD },
      { org: 'acme', email: 'gone@example.com', password: PASSWORD },
    ];
    const bodies = [];
    for (const attempt of attempts) {
      const res = await login(attempt);
      expect(res.statusCode).toBe(401);
      expect(res.headers['set-cookie']).toBeUndefined();
      const { type, title, status, detail, code } = res.json();
      bodies.push({ type, title, status, detail, code });
    }
    expect(new Set(bodies.map((b) => JSON.stringify(b))).size).toBe(1);
  });

  it('validates the body', async () => {
    expect((await login({ org: 'acme', email: 'ann@example.com' })).statusCode).toBe(400);
    expect((await login({ org: 'acme', email: 'ann@example.com', password: PASSWORD, role: 'admin' })).statusCode).toBe(400);
  });

  it('limits failed logins per account (429 + Retry-After), also for the right password, without revealing existence', async () => {
    for (const email of ['viv@example.com', 'ghost@example.com']) {
      for (let i = 0; i < 3; i++) expect((await login({ org: 'acme', email, password: 'nope nope nope' })).statusCode).toBe(401);
      const blocked = await login({ org: 'acme', email, password: PASSWORD });
      expect(blocked.statusCode).toBe(429);
      expect(blocked.json().code).toBe('RATE_LIMITED');
      expect(Number(blocked.headers['retry-after'])).toBeGreaterThan(0);
    }
    // Another account is not affected.
    expect((await login({ org: 'acme', email: 'ann@example.com', password: PASSWORD })).statusCode).toBe(200);
  });

  it('limits failed logins per IP across accounts', async () => {
    const ip = nextIp();
    for (let i = 0; i < 5; i++) expect((await login({ org: 'acme', email: `spray${i}@example.com`, password: 'guess guess guess' }, {}, ip)).statusCode).toBe(401);
    expect((await login({ org: 'acme', email: 'ann@example.com', password: PASSWORD }, {}, ip)).statusCode).toBe(429);
    expect((await login({ org: 'acme', email: 'ann@example.com', password: PASSWORD }, {}, nextIp())).statusCode).toBe(200);
  });

  it('refuses a login posted from a foreign Origin (login CSRF); no Origin (curl) is fine', async () => {
    const body = { org: 'acme', email: 'ann@example.com', password: PASSWORD };
    expect((await login(body, { origin: 'https://evil.example.com' })).statusCode).toBe(403);
    expect((await login(body, { origin: `http://${HOST}` })).statusCode).toBe(200);
    expect((await login(body, { origin: 'https://dash.example.com' })).statusCode).toBe(200);
    expect((await login(body)).statusCode).toBe(200);
  });
});

describe('the session cookie', () => {
  let cookie: string;
  beforeAll(async () => {
    const res = await login({ org: 'acme', email: 'ann@example.com', password: PASSWORD });
    cookie = `tally_session=${res.json().token}`;
  });

  const query = { metrics: ['count'], timeRange: { preset: '7d' } };

  it('authenticates reads: GET /auth/me says who and how', async () => {
    const res = await t.app.inject({ method: 'GET', url: '/api/v1/auth/me', headers: { host: HOST, cookie } });
    expect(res.statusCode).toBe(200);
    expect(res.json()).toMatchObject({ org: 'acme', role: 'analyst', actor: 'u_7', credential: 'cookie', user: { email: 'ann@example.com' } });
    expect(res.json().permissions).toContain('query:read');
  });

  it('needs a matching Origin for writes (POST/PUT/PATCH/DELETE)', async () => {
    const post = (headers: Record<string, string>) => t.app.inject({ method: 'POST', url: '/api/v1/query', headers: { host: HOST, cookie, ...headers }, payload: query });
    expect((await post({})).statusCode).toBe(403);
    expect((await post({ origin: 'https://evil.example.com' })).statusCode).toBe(403);
    expect((await post({ origin: 'null' })).statusCode).toBe(403);
    expect((await post({ origin: `http://${HOST}` })).statusCode).toBe(200);
    expect((await post({ origin: `https://${HOST}` })).statusCode).toBe(200);
    expect((await post({ origin: 'https://dash.example.com' })).statusCode).toBe(200);
  });

  it('bearer requests need no Origin, and a bearer header wins over the cookie', async () => {
    const viewer = await t.token('acme', 'viewer');
    const res = await t.app.inject({ method: 'POST', url: '/api/v1/query', headers: { host: HOST, cookie, authorization: `Bearer ${viewer}` }, payload: query });
    expect(res.statusCode).toBe(403);
    const analyst = await t.token('acme', 'analyst');
    expect((await t.app.inject({ method: 'POST', url: '/api/v1/query', headers: { authorization: `Bearer ${analyst}` }, payload: query })).statusCode).toBe(200);
  });

  it('never carries an ingest key', async () => {
    const key = await t.ingestKey('acme');
    const res = await t.app.inject({ method: 'POST', url: '/api/v1/events', headers: { host: HOST, origin: `http://${HOST}`, cookie: `tally_session=${key}` }, payload: { event: 'x' } });
    expect(res.statusCode).toBe(401);
  });

  it('logout clears the cookie', async () => {
    const res = await t.app.inject({ method: 'POST', url: '/api/v1/auth/logout', headers: { host: HOST, cookie } });
    expect(res.statusCode).toBe(204);
    const cleared = sessionCookie(res);
    expect(cleared).toMatch(/^tally_session=;/);
    expect(cleared).toMatch(/Max-Age=0|Expires=Thu, 01 Jan 1970/);
  });

  it('ends when the user is disabled, and follows role changes', async () => {
    const user = await t.users.create('acme', { email: 'temp@example.com', role: 'analyst', password: PASSWORD });
    const token = (await login({ org: 'acme', email: 'temp@example.com', password: PASSWORD })).json().token as string;
    const me = () => t.app.inject({ method: 'GET', url: '/api/v1/auth/me', headers: { authorization: `Bearer ${token}` } });
    expect((await me()).json().role).toBe('analyst');
    await t.users.update('acme', user.id, { role: 'viewer' });
    expect((await me()).json().role).toBe('viewer');
    const q = await t.app.inject({ method: 'POST', url: '/api/v1/query', headers: { authorization: `Bearer ${token}` }, payload: query });
    expect(q.statusCode).toBe(403);
    await t.users.disable('acme', user.id);
    expect((await me()).statusCode).toBe(401);
  });
});

describe('login on a JWKS-only server', () => {
  it('answers 501: tokens come from the identity provider', async () => {
    const jwksOnly = await createTestApp({ jwt: null, jwks: { url: 'http://127.0.0.1:9/jwks.json', issuer: null, audience: null } });
    try {
      const res = await jwksOnly.app.inject({ method: 'POST', url: '/api/v1/auth/login', payload: { org: 'acme', email: 'a@example.com', password: PASSWORD } });
      expect(res.statusCode).toBe(501);
      expect(res.json().code).toBe('NOT_CONFIGURED');
    } finally {
      await jwksOnly.close();
    }
  });
});
