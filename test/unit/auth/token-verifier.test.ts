/**
 * TokenVerifier with a real JWKS endpoint on 127.0.0.1: the accepted algorithms per key source and
 * every negative the auth issue lists (alg none, HS256 keyed with the public key, unknown kid,
 * missing exp, expired, wrong aud/iss, tampered payload), each a 401.
 */
import { SignJWT, UnsecuredJWT, generateKeyPair } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { JwtSettings } from '../../../src/auth/jwt.js';
import { signToken, TokenVerifier } from '../../../src/auth/jwt.js';
import { AppError } from '../../../src/domain/errors.js';
import type { JwksServer } from '../../fixtures/jwks-server.js';
import { startJwksServer } from '../../fixtures/jwks-server.js';

const hmac: JwtSettings = { secret: 'h'.repeat(40), issuer: null, audience: null };
const nowS = () => Math.floor(Date.now() / 1000);
const claims = { sub: 'u1', org: 'acme', role: 'analyst' };

let idp: JwksServer;
let both: TokenVerifier;
let jwksOnly: TokenVerifier;
let strict: TokenVerifier;

beforeAll(async () => {
  idp = await startJwksServer();
  const jwks = { url: idp.url, issuer: null, audience: null };
  both = new TokenVerifier(hmac, jwks);
  jwksOnly = new TokenVerifier(null, jwks);
  strict = new TokenVerifier(null, { url: idp.url, issuer: 'https://idp.example', audience: 'tally' });
});
afterAll(() => idp.close());

async function status(verifier: TokenVerifier, token: string): Promise<number> {
  try {
    await verifier.verify(token);
    return 200;
  } catch (err) {
    expect(err).toBeInstanceOf(AppError);
    return (err as AppError).status;
  }
}

function hs256(secret: string | Uint8Array, payload: Record<string, unknown> = claims, exp: number | null = nowS() + 600) {
  const jwt = new SignJWT(payload).setProtectedHeader({ alg: 'HS256' });
  if (exp !== null) jwt.setExpirationTime(exp);
  return jwt.sign(typeof secret === 'string' ? new TextEncoder().encode(secret) : secret);
}

describe('TokenVerifier: accepted tokens', () => {
  it('accepts RS256 and ES256 from the JWKS and HS256 from the secret', async () => {
    for (const key of [idp.rsa, idp.ec]) {
      const p = await both.verify(await idp.sign(key, { ...claims, actor: 'a1' }));
      expect(p).toMatchObject({ kind: 'user', sub: 'u1', org: 'acme', role: 'analyst', actor: 'a1' });
    }
    expect(await both.verify(await signToken(hmac, { sub: 'u2', org: 'acme', role: 'viewer' }, 60))).toMatchObject({ sub: 'u2', role: 'viewer' });
  });

  it('tolerates up to 30 s of clock skew on exp, not more', async () => {
    expect(await status(jwksOnly, await idp.sign(idp.rsa, claims, { exp: nowS() - 20 }))).toBe(200);
    expect(await status(jwksOnly, await idp.sign(idp.rsa, claims, { exp: nowS() - 45 }))).toBe(401);
  });

  it('checks iss and aud when configured', async () => {
    const good = await idp.sign(idp.rsa, { ...claims, iss: 'https://idp.example', aud: 'tally' });
    expect(await status(strict, good)).toBe(200);
    expect(await status(strict, await idp.sign(idp.rsa, { ...claims, iss: 'https://evil.example', aud: 'tally' }))).toBe(401);
    expect(await status(strict, await idp.sign(idp.rsa, { ...claims, iss: 'https://idp.example', aud: 'other' }))).toBe(401);
    expect(await status(strict, await idp.sign(idp.rsa, claims))).toBe(401);
  });

  it('ignores a `uid` claim from the identity provider (only this server’s login tokens carry one)', async () => {
    const p = await jwksOnly.verify(await idp.sign(idp.rsa, { ...claims, uid: 'someone' }));
    expect(p.userId).toBeUndefined();
  });
});

describe('TokenVerifier: rejected tokens (401)', () => {
  it('alg none', async () => {
    const token = new UnsecuredJWT(claims).setExpirationTime('1h').encode();
    expect(await status(both, token)).toBe(401);
    expect(await status(jwksOnly, token)).toBe(401);
  });

  it('HS256 signed with the JWKS public key (PEM or JWK JSON) as the HMAC secret', async () => {
    for (const secret of [idp.rsa.publicPem, JSON.stringify(idp.rsa.publicJwk), idp.ec.publicPem]) {
      const token = await hs256(secret);
      expect(await status(both, token)).toBe(401);
      expect(await status(jwksOnly, token)).toBe(401);
    }
  });

  it('an unknown kid, and a published kid with the wrong key', async () => {
    expect(await status(jwksOnly, await idp.sign(idp.stranger, claims))).toBe(401);
    expect(await status(jwksOnly, await idp.sign(idp.stranger, claims, { kid: idp.rsa.kid }))).toBe(401);
  });

  it('algorithms outside the pinned sets (RS384, PS256, HS512)', async () => {
    for (const alg of ['RS384', 'PS256', 'ES384']) {
      const { privateKey } = await generateKeyPair(alg);
      const token = await new SignJWT(claims).setProtectedHeader({ alg, kid: idp.rsa.kid }).setExpirationTime('1h').sign(privateKey);
      expect(await status(both, token)).toBe(401);
    }
    const hs512 = await new SignJWT(claims).setProtectedHeader({ alg: 'HS512' }).setExpirationTime('1h').sign(new TextEncoder().encode(hmac.secret));
    expect(await status(both, hs512)).toBe(401);
  });

  it('missing exp, expired, missing sub/org, bad role, not yet valid', async () => {
    expect(await status(jwksOnly, await idp.sign(idp.rsa, claims, { exp: null }))).toBe(401);
    expect(await status(both, await hs256(hmac.secret, claims, null))).toBe(401);
    expect(await status(jwksOnly, await idp.sign(idp.ec, claims, { exp: nowS() - 3600 }))).toBe(401);
    expect(await status(jwksOnly, await idp.sign(idp.rsa, { org: 'acme', role: 'admin' }))).toBe(401);
    expect(await status(jwksOnly, await idp.sign(idp.rsa, { sub: 'x', role: 'admin' }))).toBe(401);
    expect(await status(jwksOnly, await idp.sign(idp.rsa, { ...claims, role: 'root' }))).toBe(401);
    expect(await status(jwksOnly, await idp.sign(idp.rsa, { ...claims, nbf: nowS() + 3600 }))).toBe(401);
  });

  it('a tampered payload', async () => {
    const [h, , s] = (await idp.sign(idp.rsa, claims)).split('.');
    const forged = Buffer.from(JSON.stringify({ ...claims, org: 'other', role: 'admin', exp: nowS() + 600 })).toString('base64url');
    expect(await status(jwksOnly, `${h}.${forged}.${s}`)).toBe(401);
  });

  it('a key source the server does not have: HS256 without a secret, RS256 without a JWKS', async () => {
    expect(await status(jwksOnly, await signToken(hmac, claims as never, 60))).toBe(401);
    const hmacOnly = new TokenVerifier(hmac, null);
    expect(await status(hmacOnly, await idp.sign(idp.rsa, claims))).toBe(401);
  });

  it('garbage', async () => {
    for (const token of ['', 'abc', 'a.b.c', 'eyJhbGciOiJIUzI1NiJ9.e30', `${'x'.repeat(20)}.${'y'.repeat(20)}.${'z'.repeat(20)}`]) {
      expect(await status(both, token)).toBe(401);
    }
  });
});

describe('TokenVerifier: key set unavailable', () => {
  it('answers 503 (retry), not 401, when the JWKS cannot be fetched', async () => {
    const down = new TokenVerifier(null, { url: 'http://127.0.0.1:9/jwks.json', issuer: null, audience: null });
    expect(await status(down, await idp.sign(idp.rsa, claims))).toBe(503);
  });
});
