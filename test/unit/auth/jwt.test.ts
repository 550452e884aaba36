import { SignJWT, UnsecuredJWT } from 'jose';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { TokenVerifier, signToken, verifyToken } from '../../../src/auth/jwt.js';
import { AppError } from '../../../src/domain/errors.js';

const settings = { secret: 's'.repeat(40), issuer: null, audience: null };
const key = new TextEncoder().encode(settings.secret);
const nowS = () => Math.floor(Date.now() / 1000);

async function rejects(token: string): Promise<string> {
  try {
    await verifyToken(settings, token);
  } catch (err) {
    expect(err).toBeInstanceOf(AppError);
    expect((err as AppError).status).toBe(401);
    return (err as AppError).message;
  }
  throw new Error('token was accepted');
}

describe('verifyToken', () => {
  it('round-trips the claims', async () => {
    const token = await signToken(settings, { sub: 'u1', org: 'acme', role: 'viewer', actor: 'a1' }, 60);
    const p = await verifyToken(settings, token);
    expect(p).toMatchObject({ kind: 'user', sub: 'u1', org: 'acme', role: 'viewer', actor: 'a1' });
  });

  it('rejects alg none', async () => {
    const token = new UnsecuredJWT({ org: 'acme', role: 'admin' }).setSubject('x').setExpirationTime('1h').encode();
    await rejects(token);
  });

  it('rejects a token without exp', async () => {
    const token = await new SignJWT({ org: 'acme', role: 'admin' }).setProtectedHeader({ alg: 'HS256' }).setSubject('x').sign(key);
    expect(await rejects(token)).toMatch(/exp/);
  });

  it('rejects an expired token beyond the clock skew', async () => {
    const token = await new SignJWT({ org: 'acme', role: 'admin' })
      .setProtectedHeader({ alg: 'HS256' })
      .setSubject('x')
      .setExpirationTime(nowS() - 60)
      .sign(key);
    expect(await rejects(token)).toMatch(/expired/);
  });

  it('rejects a tampered payload', async () => {
    const token = await signToken(settings, { sub: 'u1', org: 'acme', role: 'viewer' }, 60);
    const [h, , s] = token.split('.');
    const forged = Buffer.from(JSON.stringify({ sub: 'u1', org: 'other', role: 'admin', exp: nowS() + 60 })).toString('base64url');
    await rejects(`${h}.${forged}.${s}`);
  });

  it('rejects another secret, HS512 and a bad role', async () => {
    const other = await signToken({ ...settings, secret: 'o'.repeat(40) }, { sub: 'u', org: 'acme', role: 'admin' }, 60);
    await rejects(other);
    const hs512 = await new SignJWT({ org: 'acme', role: 'admin' }).setProtectedHeader({ alg: 'HS512' }).setSubject('x').setExpirationTime('1h').sign(key);
    await rejects(hs512);
    const badRole = await new SignJWT({ org: 'acme', role: 'root' }).setProtectedHeader({ alg: 'HS256' }).setSubject('x').setExpirationTime('1h').sign(key);
    expect(await rejects(badRole)).toMatch(/role/);
  });

  it('checks iss and aud of HS256 tokens when configured', async () => {
    const strict = { ...settings, issuer: 'tally', audience: 'dashboard' };
    const good = await signToken(strict, { sub: 'u', org: 'acme', role: 'admin' }, 60);
    expect(await verifyToken(strict, good)).toMatchObject({ org: 'acme' });
    const unscoped = await signToken(settings, { sub: 'u', org: 'acme', role: 'admin' }, 60);
    const wrongAud = await signToken({ ...strict, audience: 'other' }, { sub: 'u', org: 'acme', role: 'admin' }, 60);
    const wrongIss = await signToken({ ...strict, issuer: 'evil' }, { sub: 'u', org: 'acme', role: 'admin' }, 60);
    for (const token of [unscoped, wrongAud, wrongIss]) {
      await expect(verifyToken(strict, token)).rejects.toMatchObject({ status: 401 });
    }
  });
});

describe('TokenVerifier remembers verified tokens', () => {
  afterEach(() => {
    vi.useRealTimers();
  });

  it('answers a repeated token from memory until it expires, then refuses it', async () => {
    vi.useFakeTimers({ toFake: ['Date'] });
    const start = Date.UTC(2026, 10, 23, 12, 0, 0);
    vi.setSystemTime(start);
    const verifier = new TokenVerifier(settings, null);
    const token = await signToken(settings, { sub: 'u1', org: 'acme', role: 'analyst' }, 60);
    const first = await verifier.verify(token);
    expect(await verifier.verify(token)).toBe(first);
    expect(Object.isFrozen(first)).toBe(true);
    // Still inside exp + the 30 s skew: accepted, as jose itself would.
    vi.setSystemTime(start + 85_000);
    expect(await verifier.verify(token)).toBe(first);
    vi.setSystemTime(start + 91_000);
    await expect(verifier.verify(token)).rejects.toMatchObject({ status: 401, message: expect.stringMatching(/expired/) });
  });

  it('verifies a token again after five minutes, and never remembers a failure', async () => {
    vi.useFakeTimers({ toFake: ['Date'] });
    const start = Date.UTC(2026, 10, 23, 12, 0, 0);
    vi.setSystemTime(start);
    const token = await signToken(settings, { sub: 'u1', org: 'acme', role: 'analyst' }, 3600);
    const verifier = new TokenVerifier(settings, null);
    const first = await verifier.verify(token);
    vi.setSystemTime(start + 5 * 60_000 + 1);
    const again = await verifier.verify(token);
    expect(again).not.toBe(first);
    expect(again).toEqual(first);
    const forged = `${token.slice(0, -4)}AAAA`;
    await expect(verifier.verify(forged)).rejects.toMatchObject({ status: 401 });
    await expect(verifier.verify(forged)).rejects.toMatchObject({ status: 401 });
  });

  it('peek gives a remembered principal without verifying, and nothing once it expired or was never verified', async () => {
    const verifier = new TokenVerifier(settings, null);
    const token = await signToken(settings, { sub: 'u1', org: 'acme', role: 'analyst' }, 60);
    expect(verifier.peek(token)).toBeNull();
    const principal = await verifier.verify(token);
    expect(verifier.peek(token)).toBe(principal);
    // Remembered until exp + the 30 s clock skew.
    expect(verifier.peek(token, (principal.exp + 29) * 1000)).toBe(principal);
    expect(verifier.peek(token, (principal.exp + 31) * 1000)).toBeNull();
  });
});
