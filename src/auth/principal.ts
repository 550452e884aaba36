/** Who is calling: a user with a JWT (role in an org), or an ingest key (write-only, one org). */

export const ROLES = ['admin', 'analyst', 'viewer'] as const;
export type Role = (typeof ROLES)[number];

export interface UserPrincipal {
  kind: 'user';
  sub: string;
  org: string;
  role: Role;
  /** The actor id that is "me" (viewer insights, leaderboard `me`). */
  actor: string | null;
  /** Token expiry, epoch seconds. */
  exp: number;
  /**
   * Set for tokens issued by POST /auth/login: the user's id in the users table. Such tokens take
   * role and actor from the store on each request, so disabling a user ends its sessions.
   */
  userId?: string;
}

export interface KeyPrincipal {
  kind: 'key';
  org: string;
  keyId: string;
}

export type Principal = UserPrincipal | KeyPrincipal;
