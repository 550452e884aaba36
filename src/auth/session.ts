/**
 * The dashboard session: the login JWT in an httpOnly, SameSite=Strict cookie, and the Origin rule
 * that keeps other sites from making a signed-in browser change anything (CSRF).
 */
import type { SerializeOptions } from '@fastify/cookie';
import type { Config } from '../config/index.js';

export const SESSION_COOKIE = 'tally_session';

/** `auto`: Secure in production, otherwise when the request came over https. */
export type CookieSecure = 'auto' | 'always' | 'never';

export interface SessionSettings {
  /** Lifetime of login tokens and their cookie. */
  ttlSeconds: number;
  cookieSecure: CookieSecure;
  /** Origins (scheme://host[:port]) besides the API's own host allowed to send cookie-authenticated writes. */
  allowedOrigins: readonly string[];
  production: boolean;
}

export const DEFAULT_SESSION: SessionSettings = { ttlSeconds: 3600, cookieSecure: 'auto', allowedOrigins: [], production: false };

export function sessionCookieOptions(settings: SessionSettings, protocol: string, maxAgeSeconds: number): SerializeOptions {
  const secure = settings.cookieSecure === 'always' || (settings.cookieSecure === 'auto' && (settings.production || protocol === 'https'));
  return { httpOnly: true, sameSite: 'strict', path: '/', secure, maxAge: maxAgeSeconds };
}

/**
 * True when `origin` is the API's own host or in the allow-list. Only the host is compared with
 * the Host header: behind a TLS-terminating proxy the scheme the server sees is not the browser's.
 */
export function originAllowed(origin: string, host: string | undefined, allowed: readonly string[]): boolean {
  let url: URL;
  try {
    url = new URL(origin);
  } catch {
    return false;
  }
  if (url.protocol !== 'https:' && url.protocol !== 'http:') return false;
  if (host !== undefined && url.host.toLowerCase() === host.toLowerCase()) return true;
  return allowed.includes(url.origin);
}

export function sessionFromConfig(config: Pick<Config, 'env' | 'auth'>): SessionSettings {
  return {
    ttlSeconds: config.auth.sessionTtlSeconds,
    cookieSecure: config.auth.cookieSecure,
    allowedOrigins: config.auth.allowedOrigins,
    production: config.env === 'production',
  };
}
