/**
 * Authentication and authorization in one place. Every route must declare `config.permission`
 * (checked when the route is added, and recorded in `app.routeTable`); the check runs in
 * onRequest, before the body is read. Credentials: `Authorization: Bearer` (JWT or ingest key),
 * the session cookie (JWT), or `?token=` on routes that opt in (EventSource cannot send headers).
 */
import fastifyCookie from '@fastify/cookie';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import fp from 'fastify-plugin';
import type { IngestKeys } from '../../auth/ingest-keys.js';
import { looksLikeIngestKey } from '../../auth/ingest-keys.js';
import type { TokenVerifier } from '../../auth/jwt.js';
import type { Permission } from '../../auth/policy.js';
import { decide, PERMISSIONS } from '../../auth/policy.js';
import type { KeyPrincipal, Principal, UserPrincipal } from '../../auth/principal.js';
import type { SessionSettings } from '../../auth/session.js';
import { originAllowed, SESSION_COOKIE } from '../../auth/session.js';
import type { UsersRepository } from '../../auth/users.js';
import { AppError } from '../../domain/errors.js';
import { bearerToken } from './bearer.js';

export type CredentialSource = 'bearer' | 'cookie' | 'query';

export interface RouteEntry {
  method: string;
  url: string;
  permission: Permission;
}

declare module 'fastify' {
  interface FastifyContextConfig {
    permission?: Permission;
    /** Accept `?token=<jwt>` (live routes: browsers' EventSource/WebSocket cannot set headers). */
    queryToken?: boolean;
    /** Public routes that set the session (login): a browser's Origin, when sent, must be allowed. */
    checkOrigin?: boolean;
  }
  interface FastifyRequest {
    principal: Principal | null;
    /** Where the principal's credential came from; null when none was presented. */
    credentialSource: CredentialSource | null;
  }
  interface FastifyInstance {
    /** Every route with its declared permission, in registration order (the role matrix test walks it). */
    routeTable: readonly RouteEntry[];
  }
}

export const DOCS_PREFIX = '/docs';
const MUTATING = new Set(['POST', 'PUT', 'PATCH', 'DELETE']);

export interface AuthOptions {
  verifier: TokenVerifier;
  keys: IngestKeys;
  users: UsersRepository;
  session: SessionSettings;
}

interface Credential {
  token: string;
  source: CredentialSource;
}

function credentialOf(request: FastifyRequest): Credential | null {
  const header = request.headers.authorization;
  if (header) {
    const token = bearerToken(header);
    if (token === null) throw new AppError('UNAUTHORIZED', 'Authorization must be "Bearer <token>".');
    return { token, source: 'bearer' };
  }
  if (request.routeOptions.config.queryToken) {
    const token = (request.query as Record<string, unknown> | undefined)?.['token'];
    if (typeof token === 'string' && token.length > 0) return { token, source: 'query' };
  }
  // Parsed here, only for requests without a bearer token (API clients never pay for it).
  const cookies = request.headers.cookie;
  const cookie = cookies ? request.server.parseCookie(cookies)[SESSION_COOKIE] : undefined;
  return cookie ? { token: cookie, source: 'cookie' } : null;
}

async function authenticate(credential: Credential, options: AuthOptions): Promise<Principal> {
  if (looksLikeIngestKey(credential.token)) {
    // Ingest keys are server-to-server secrets: only in the Authorization header.
    if (credential.source !== 'bearer') throw new AppError('UNAUTHORIZED', 'Ingest keys are accepted only as a bearer token.');
    const principal = await options.keys.authenticate(credential.token);
    if (!principal) throw new AppError('UNAUTHORIZED', 'Unknown or revoked ingest key.');
    return principal;
  }
  if (!options.verifier.configured) throw new AppError('UNAUTHORIZED', 'Token authentication is not configured.');
  const principal = await options.verifier.verify(credential.token);
  if (principal.userId === undefined) return principal;
  // A login token: the user's current status and role win over what the token says.
  const current = await options.users.sessionUser(principal.org, principal.userId);
  if (!current) throw new AppError('UNAUTHORIZED', 'This session has ended; sign in again.');
  return { ...principal, role: current.role, actor: current.actor };
}

/**
 * Cookies ride along on cross-site requests, so a cookie-authenticated write must come from the
 * API's own origin or an allowed one. Bearer tokens are never sent implicitly and need no check.
 */
function assertOrigin(request: FastifyRequest, session: SessionSettings, required: boolean): void {
  const origin = request.headers.origin;
  if (origin === undefined) {
    if (required) throw new AppError('FORBIDDEN', 'A cookie-authenticated change needs an Origin header.');
    return;
  }
  if (!originAllowed(origin, request.host, session.allowedOrigins)) {
    throw new AppError('FORBIDDEN', 'This Origin may not make changes with the session cookie (see TALLY_ALLOWED_ORIGINS).');
  }
}

export const authPlugin = fp(
  async (app: FastifyInstance, options: AuthOptions) => {
    // No parsing hook: credentialOf reads the session cookie only when there is no bearer token.
    if (!app.hasDecorator('parseCookie')) await app.register(fastifyCookie, { hook: false });
    const routeTable: RouteEntry[] = [];
    app.decorate('routeTable', routeTable);
    app.decorateRequest('principal', null);
    app.decorateRequest('credentialSource', null);

    app.addHook('onRoute', (route) => {
      // The API docs UI is public by nature; everything else must say what it needs.
      if (route.url.startsWith(DOCS_PREFIX) && route.config?.permission === undefined) {
        route.config = { ...route.config, permission: 'public' };
      }
      const permission = route.config?.permission;
      if (!permission || !(PERMISSIONS as readonly string[]).includes(permission)) {
        throw new Error(`Route ${String(route.method)} ${route.url} must declare config.permission`);
      }
      for (const method of [route.method].flat()) routeTable.push({ method: String(method), url: route.url, permission });
    });

    app.addHook('onRequest', async (request) => {
      // Unmatched URLs carry no permission and fall through to the 404 handler.
      const config = request.routeOptions.config;
      const permission = config.permission;
      if (permission === undefined) return;
      const mutating = MUTATING.has(request.method);
      if (permission === 'public') {
        if (mutating && config.checkOrigin) assertOrigin(request, options.session, false);
        return;
      }
      const credential = credentialOf(request);
      request.principal = credential === null ? null : await authenticate(credential, options);
      request.credentialSource = credential?.source ?? null;
      // A WebSocket handshake is a GET, but browsers send cookies and Origin with it from any page
      // (cross-site WebSocket hijacking), so it gets the same rule as a write.
      const upgrade = request.headers.upgrade?.toLowerCase() === 'websocket';
      if (credential?.source === 'cookie' && (mutating || upgrade)) assertOrigin(request, options.session, true);
      const decision = decide(request.principal, permission);
      if (decision === 'unauthenticated') {
        throw new AppError('UNAUTHORIZED', request.principal ? 'This credential cannot be used here.' : 'A bearer token or session is required.');
      }
      if (decision === 'forbidden') throw new AppError('FORBIDDEN', `Your role may not use ${permission}.`);
    });
  },
  { name: 'tally-auth' },
);

/** The authenticated user of a route that requires one (the policy already ran). */
export function userOf(request: FastifyRequest): UserPrincipal {
  const p = request.principal;
  if (p?.kind !== 'user') throw new AppError('UNAUTHORIZED', 'A user token is required.');
  return p;
}

/** The org a writer (key or user) writes into. */
export function writerOrg(request: FastifyRequest): string {
  const p: KeyPrincipal | UserPrincipal | null = request.principal;
  if (!p) throw new AppError('UNAUTHORIZED', 'A bearer token is required.');
  return p.org;
}
