/**
 * The sign-in part of the configuration: session lifetime, the cookie's Secure flag and the
 * origins allowed to make cookie-authenticated changes. Parsed by loadConfig.
 */
import { ConfigError } from './config-error.js';
import type { Env } from './readers.js';
import { readRaw } from './readers.js';

export interface AuthConfig {
  /** Lifetime of tokens from POST /auth/login and of the session cookie. */
  sessionTtlSeconds: number;
  /** `auto`: Secure in production, else when the request came over https. */
  cookieSecure: 'auto' | 'always' | 'never';
  /** Origins besides the API's own host that may send cookie-authenticated writes. */
  allowedOrigins: string[];
}

function sessionTtl(env: Env): number {
  const name = 'TALLY_SESSION_TTL_SECONDS';
  const value = readRaw(env, name);
  if (value === null) return 3600;
  if (!/^\d+$/.test(value)) throw new ConfigError(name, `must be an integer, got "${value}"`);
  const n = Number(value);
  // Login tokens cannot be revoked one by one, so they stay short (a disabled user is refused at once anyway).
  if (n < 60 || n > 86_400) throw new ConfigError(name, `must be between 60 and 86400, got ${n}`);
  return n;
}

function cookieSecure(env: Env): AuthConfig['cookieSecure'] {
  const name = 'TALLY_COOKIE_SECURE';
  const value = readRaw(env, name)?.toLowerCase() ?? 'auto';
  if (value === 'auto') return 'auto';
  if (value === 'true') return 'always';
  if (value === 'false') return 'never';
  throw new ConfigError(name, `must be auto, true or false, got "${value}"`);
}

function allowedOrigins(env: Env): string[] {
  const name = 'TALLY_ALLOWED_ORIGINS';
  const value = readRaw(env, name);
  if (value === null) return [];
  return value
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean)
    .map((origin) => {
      let url: URL;
      try {
        url = new URL(origin);
      } catch {
        throw new ConfigError(name, `has an invalid origin "${origin}"`);
      }
      if ((url.protocol !== 'http:' && url.protocol !== 'https:') || url.origin !== origin.replace(/\/$/, '')) {
        throw new ConfigError(name, `entries must be origins like https://dash.example.com, got "${origin}"`);
      }
      return url.origin;
    });
}

export function readAuthConfig(env: Env): AuthConfig {
  return { sessionTtlSeconds: sessionTtl(env), cookieSecure: cookieSecure(env), allowedOrigins: allowedOrigins(env) };
}
