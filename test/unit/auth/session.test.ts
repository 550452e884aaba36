import { describe, expect, it } from 'vitest';
import { DEFAULT_SESSION, originAllowed, sessionCookieOptions } from '../../../src/auth/session.js';
import { readAuthConfig } from '../../../src/config/auth.js';
import { ConfigError } from '../../../src/config/index.js';

describe('originAllowed', () => {
  const allowed = ['https://dash.example.com'];
  it.each([
    ['http://localhost:8080', 'localhost:8080', true],
    ['https://api.example.com', 'api.example.com', true],
    ['https://API.example.com', 'api.example.com', true],
    ['https://dash.example.com', 'api.example.com', true],
    ['https://evil.example.com', 'api.example.com', false],
    ['https://api.example.com.evil.net', 'api.example.com', false],
    ['http://localhost:8081', 'localhost:8080', false],
    ['null', 'api.example.com', false],
    ['file://x', 'x', false],
    ['not a url', 'api.example.com', false],
  ])('%s to host %s → %s', (origin, host, expected) => {
    expect(originAllowed(origin, host, allowed)).toBe(expected);
  });
});

describe('session cookie options', () => {
  it('is httpOnly, SameSite=Strict, Path=/ and Secure over https or in production', () => {
    expect(sessionCookieOptions(DEFAULT_SESSION, 'http', 60)).toEqual({ httpOnly: true, sameSite: 'strict', path: '/', secure: false, maxAge: 60 });
    expect(sessionCookieOptions(DEFAULT_SESSION, 'https', 60).secure).toBe(true);
    expect(sessionCookieOptions({ ...DEFAULT_SESSION, production: true }, 'http', 60).secure).toBe(true);
    expect(sessionCookieOptions({ ...DEFAULT_SESSION, cookieSecure: 'always' }, 'http', 60).secure).toBe(true);
    expect(sessionCookieOptions({ ...DEFAULT_SESSION, cookieSecure: 'never', production: true }, 'https', 60).secure).toBe(false);
  });
});

describe('auth configuration', () => {
  it('has safe defaults', () => {
    expect(readAuthConfig({})).toEqual({ sessionTtlSeconds: 3600, cookieSecure: 'auto', allowedOrigins: [] });
  });

  it('reads origins, cookie flag and session lifetime', () => {
    const c = readAuthConfig({ TALLY_ALLOWED_ORIGINS: 'https://dash.example.com, http://localhost:5173/', TALLY_COOKIE_SECURE: 'true', TALLY_SESSION_TTL_SECONDS: '900' });
    expect(c).toEqual({ sessionTtlSeconds: 900, cookieSecure: 'always', allowedOrigins: ['https://dash.example.com', 'http://localhost:5173'] });
  });

  it.each([
    ['TALLY_ALLOWED_ORIGINS', 'https://dash.example.com/app'],
    ['TALLY_ALLOWED_ORIGINS', 'dash.example.com'],
    ['TALLY_COOKIE_SECURE', 'maybe'],
    ['TALLY_SESSION_TTL_SECONDS', '10'],
    ['TALLY_SESSION_TTL_SECONDS', '1h'],
  ])('rejects %s=%s naming the variable', (name, value) => {
    expect(() => readAuthConfig({ [name]: value })).toThrow(ConfigError);
    expect(() => readAuthConfig({ [name]: value })).toThrow(name);
  });
});
