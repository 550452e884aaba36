/**
 * The single policy table: which principal may use which permission. Routes declare the
 * permission they need in `config.permission`; the auth plugin enforces it before any handler.
 * Resource-level rules (a viewer sees only its own actor) live here too, as functions.
 */
import { AppError } from '../domain/errors.js';
import type { Principal, Role } from './principal.js';

export const PERMISSIONS = [
  'public',
  'account:read',
  'events:write',
  'dashboard:read',
  'query:read',
  'export:run',
  'live:subscribe',
  'keys:manage',
  'actors:erase',
  'users:manage',
  'cache:manage',
  'alerts:manage',
  'system:read',
] as const;
export type Permission = (typeof PERMISSIONS)[number];

// account:read is "who am I" (GET /auth/me): every signed-in user, no ingest key.
const VIEWER: Permission[] = ['account:read', 'dashboard:read', 'live:subscribe'];
const ANALYST: Permission[] = [...VIEWER, 'query:read', 'export:run'];
const ADMIN: Permission[] = [...ANALYST, 'events:write', 'keys:manage', 'actors:erase', 'users:manage', 'cache:manage', 'alerts:manage', 'system:read'];

const ROLE_PERMISSIONS: Record<Role, ReadonlySet<Permission>> = {
  viewer: new Set(VIEWER),
  analyst: new Set(ANALYST),
  admin: new Set(ADMIN),
};

export type Decision = 'allow' | 'unauthenticated' | 'forbidden';

export function decide(principal: Principal | null, permission: Permission): Decision {
  if (permission === 'public') return 'allow';
  if (principal === null) return 'unauthenticated';
  if (principal.kind === 'key') {
    // An ingest key writes events and reads nothing; for any read it is not a credential at all.
    return permission === 'events:write' ? 'allow' : 'unauthenticated';
  }
  return ROLE_PERMISSIONS[principal.role].has(permission) ? 'allow' : 'forbidden';
}

/** Viewers may read only the actor named in their token; analysts and admins any actor of their org. */
export function assertActorAccess(principal: Principal | null, actor: string): void {
  if (principal?.kind !== 'user') throw new AppError('UNAUTHORIZED', 'A user token is required.');
  if (principal.role === 'viewer' && principal.actor !== actor) {
    throw new AppError('FORBIDDEN', 'A viewer may read only its own actor.');
  }
}

/** What a role may do (GET /auth/me lists it so a dashboard can hide what it cannot use). */
export function permissionsOf(role: Role): Permission[] {
  return [...ROLE_PERMISSIONS[role]];
}
