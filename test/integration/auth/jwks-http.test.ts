/** Tokens from an identity provider's JWKS, end to end over HTTP (RS256/ES256 only, iss/aud checked). */
import { SignJWT, UnsecuredJWT } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { TestApp } from '../../fixtures/app.js';
import { createTestApp } from '../../fixtures/app.js';
import type { JwksServer } from '../../fixtures/jwks-server.js';
import { startJwksServer } from '../../fixtures/jwks-server.js';

const claims = { sub: 'idp-user', org: 'acme', role: 'analyst', iss: 'https://idp.example', aud: 'tally' };
let idp: JwksServer;
let jwksOnly: TestApp;
let both: TestApp;

beforeAll(async () => {
  idp = await startJwksServer();
  const jwks = { url: idp.url, issuer: 'https://idp.example', audience: 'tally' };
  jwksOnly = await createTestApp({ jwt: null, jwks });
  both = await createTestApp({ jwks });
});
afterAll(async () => {
  await Promise.all([jwksOnly?.close(), both?.close()]);
  await idp?.close();
});

async function status(t: TestApp, token: string): Promise<number> {
  const res = await t.app.inject({ method: 'POST', url: '/api/v1/query', headers: { authorization: `Bearer ${token}` }, payload: { metrics: ['count'] } });
  return res.statusCode;
}

describe('JWKS tokens over HTTP', () => {
  it('accepts RS256 and ES256 tokens from the key set', async () => {
    expect(await status(jwksOnly, await idp.sign(idp.rsa, claims))).toBe(200);
    expect(await status(jwksOnly, await idp.sign(idp.ec, claims))).toBe(200);
    expect(await status(both, await idp.sign(idp.ec, claims))).toBe(200);
  });

  it('with both sources, HS256 tokens still use the secret', async () => {
    expect(await status(both, await both.token('acme', 'analyst'))).toBe(200);
    expect(await status(jwksOnly, await both.token('acme', 'analyst'))).toBe(401);
  });

  it('answers 401 to alg none, HS256 keyed with the public key, unknown kid, wrong aud/iss, no exp', async () => {
    const pemKeyed = await new SignJWT(claims).setProtectedHeader({ alg: 'HS256', kid: idp.rsa.kid }).setExpirationTime('10m').sign(new TextEncoder().encode(idp.rsa.publicPem));
    const negatives = [
      new UnsecuredJWT(claims).setExpirationTime('10m').encode(),
      pemKeyed,
      await idp.sign(idp.stranger, claims),
      await idp.sign(idp.rsa, { ...claims, aud: 'someone-else' }),
      await idp.sign(idp.rsa, { ...claims, iss: 'https://evil.example' }),
      await idp.sign(idp.rsa, claims, { exp: null }),
      await idp.sign(idp.rsa, claims, { exp: Math.floor(Date.now() / 1000) - 120 }),
    ];
    for (const app of [jwksOnly, both]) {
      for (const token of negatives) expect(await status(app, token)).toBe(401);
    }
  });

  it('scopes an identity provider’s token to its org like any other', async () => {
    const otherOrg = await idp.sign(idp.rsa, { ...claims, org: 'globex', role: 'admin' });
    const key = await jwksOnly.keys.create('acme', 'target');
    const res = await jwksOnly.app.inject({ method: 'DELETE', url: `/api/v1/keys/${key.id}`, headers: { authorization: `Bearer ${otherOrg}` } });
    expect(res.statusCode).toBe(404);
  });
});
