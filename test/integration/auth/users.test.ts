/** Users admin routes: per org, 404 for another org's ids, unique emails per org, no hashes out. */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { TestApp } from '../../fixtures/app.js';
import { createTestApp } from '../../fixtures/app.js';

const PASSWORD = 'a long enough password';
let t: TestApp;
let acmeAdmin: string;
let globexAdmin: string;

beforeAll(async () => {
  t = await createTestApp();
  acmeAdmin = await t.token('acme', 'admin');
  globexAdmin = await t.token('globex', 'admin');
});
afterAll(() => t.close());

function call(method: 'GET' | 'POST' | 'PATCH' | 'DELETE', url: string, token: string, payload?: object) {
  return t.app.inject({ method, url: `/api/v1${url}`, headers: { authorization: `Bearer ${token}` }, ...(payload ? { payload } : {}) });
}

describe('users routes', () => {
  it('creates, lists, reads, changes and disables users of the caller’s org', async () => {
    const created = await call('POST', '/users', acmeAdmin, { email: 'Carla@Example.com', role: 'viewer', password: PASSWORD, actor: 'u_3' });
    expect(created.statusCode).toBe(201);
    const user = created.json();
    expect(user).toMatchObject({ org: 'acme', email: 'carla@example.com', role: 'viewer', actor: 'u_3', disabledAt: null });
    expect(JSON.stringify(user)).not.toMatch(/scrypt|password/i);

    const list = (await call('GET', '/users', acmeAdmin)).json().users;
    expect(list.map((u: { id: string }) => u.id)).toContain(user.id);
    expect(JSON.stringify(list)).not.toMatch(/scrypt|password/i);

    expect((await call('GET', `/users/${user.id}`, acmeAdmin)).json().email).toBe('carla@example.com');
    const patched = await call('PATCH', `/users/${user.id}`, acmeAdmin, { role: 'analyst', actor: null });
    expect(patched.json()).toMatchObject({ role: 'analyst', actor: null });
    expect((await call('DELETE', `/users/${user.id}`, acmeAdmin)).statusCode).toBe(204);
    expect((await call('GET', `/users/${user.id}`, acmeAdmin)).json().disabledAt).toEqual(expect.any(String));
    const enabled = await call('PATCH', `/users/${user.id}`, acmeAdmin, { disabled: false });
    expect(enabled.json().disabledAt).toBeNull();
  });

  it('answers 404 for another org’s user ids, and changes nothing', async () => {
    const victim = (await call('POST', '/users', acmeAdmin, { email: 'victim@example.com', role: 'admin', password: PASSWORD })).json();
    expect((await call('GET', `/users/${victim.id}`, globexAdmin)).statusCode).toBe(404);
    expect((await call('PATCH', `/users/${victim.id}`, globexAdmin, { role: 'viewer' })).statusCode).toBe(404);
    expect((await call('PATCH', `/users/${victim.id}`, globexAdmin, { password: 'attacker chosen password' })).statusCode).toBe(404);
    expect((await call('DELETE', `/users/${victim.id}`, globexAdmin)).statusCode).toBe(404);
    expect((await call('GET', '/users', globexAdmin)).json().users.map((u: { id: string }) => u.id)).not.toContain(victim.id);
    expect((await call('GET', `/users/${victim.id}`, acmeAdmin)).json()).toMatchObject({ role: 'admin', disabledAt: null });
    const login = await t.app.inject({ method: 'POST', url: '/api/v1/auth/login', payload: { org: 'acme', email: 'victim@example.com', password: PASSWORD } });
    expect(login.statusCode).toBe(200);
  });

  it('keeps emails unique per org, case-insensitively; other orgs may reuse them', async () => {
    expect((await call('POST', '/users', acmeAdmin, { email: 'dup@example.com', role: 'viewer', password: PASSWORD })).statusCode).toBe(201);
    const again = await call('POST', '/users', acmeAdmin, { email: 'DUP@example.com ', role: 'admin', password: PASSWORD });
    expect(again.statusCode).toBe(409);
    expect(again.json().code).toBe('CONFLICT');
    expect((await call('POST', '/users', globexAdmin, { email: 'dup@example.com', role: 'viewer', password: PASSWORD })).statusCode).toBe(201);
  });

  it('validates email, role and password length', async () => {
    const bad = [
      { email: 'not-an-email', role: 'viewer', password: PASSWORD },
      { email: 'x@example.com', role: 'root', password: PASSWORD },
      { email: 'x@example.com', role: 'viewer', password: 'short' },
      { email: 'x@example.com', role: 'viewer', password: PASSWORD, org: 'globex' },
    ];
    for (const body of bad) {
      const res = await call('POST', '/users', acmeAdmin, body);
      expect(res.statusCode).toBe(400);
      expect(res.json().errors.length).toBeGreaterThan(0);
    }
  });

  it('is for admins only', async () => {
    for (const role of ['analyst', 'viewer'] as const) {
      expect((await call('GET', '/users', await t.token('acme', role))).statusCode).toBe(403);
    }
  });
});
