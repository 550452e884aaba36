/**
 * Dashboard users, one org each, over the Store port (portable SQL with `$n` parameters). Emails
 * are unique per org and compared case-insensitively (stored lower-cased). Users are disabled,
 * never deleted, so a login token of a removed user can be refused by id.
 */
import { randomUUID } from 'node:crypto';
import { AppError } from '../domain/errors.js';
import type { SqlRow, Store } from '../store/port.js';
import type { ScryptParams } from './passwords.js';
import { DEFAULT_SCRYPT, hashPassword, passwordProblem } from './passwords.js';
import type { Role } from './principal.js';
import { ROLES } from './principal.js';

export interface UserInfo {
  id: string;
  org: string;
  email: string;
  role: Role;
  /** The actor id that is "me" for this user (viewer insights), if any. */
  actor: string | null;
  createdAt: string;
  disabledAt: string | null;
}

export interface NewUser {
  email: string;
  role: Role;
  password: string;
  actor?: string | null;
}

export interface UserChanges {
  role?: Role;
  password?: string;
  actor?: string | null;
  disabled?: boolean;
}

/** What a session token is checked against on every request. */
export interface SessionUser {
  role: Role;
  actor: string | null;
}

const COLUMNS = 'id, org_id, email, role, actor, created_at, disabled_at';
const EMAIL_SHAPE = /^[^\s@]+@[^\s@]+$/;
/** Session checks are cached briefly; a disable on this instance takes effect at once. */
const SESSION_TTL_MS = 30_000;

export function normalizeEmail(email: string): string {
  return email.trim().toLowerCase();
}

function iso(value: SqlRow[string] | undefined): string | null {
  return value === null || value === undefined ? null : new Date(Number(value)).toISOString();
}

function toInfo(r: SqlRow): UserInfo {
  const role = String(r['role']);
  return {
    id: String(r['id']),
    org: String(r['org_id']),
    email: String(r['email']),
    role: (ROLES as readonly string[]).includes(role) ? (role as Role) : 'viewer',
    actor: r['actor'] === null ? null : String(r['actor']),
    createdAt: iso(r['created_at']) ?? '',
    disabledAt: iso(r['disabled_at']),
  };
}

function checkEmail(email: string): string {
  const normalized = normalizeEmail(email);
  if (normalized.length > 320 || !EMAIL_SHAPE.test(normalized)) {
    throw new AppError('VALIDATION', '/email: must be an email address', [{ path: '/email', message: 'must be an email address' }]);
  }
  return normalized;
}

function checkPassword(password: string): void {
  const problem = passwordProblem(password);
  if (problem) throw new AppError('VALIDATION', `/password: ${problem}`, [{ path: '/password', message: problem }]);
}

export class UsersRepository {
  private readonly sessions = new Map<string, { user: SessionUser | null; until: number }>();

  constructor(
    private readonly store: Store,
    private readonly kdf: ScryptParams = DEFAULT_SCRYPT,
  ) {}

  async create(org: string, input: NewUser): Promise<UserInfo> {
    const email = checkEmail(input.email);
    checkPassword(input.password);
    const existing = await this.store.query('SELECT id FROM users WHERE org_id = $1 AND email = $2', [org, email]);
    if (existing.length > 0) throw new AppError('CONFLICT', 'A user with this email already exists in this org.');
    const id = randomUUID();
    const createdAt = new Date().toISOString();
    const hash = await hashPassword(input.password, this.kdf);
    await this.store.execute(
      'INSERT INTO users (id, org_id, email, role, actor, password_hash, created_at) VALUES ($1, $2, $3, $4, $5, $6, $7::TIMESTAMP)',
      [id, org, email, input.role, input.actor ?? null, hash, createdAt],
    );
    return { id, org, email, role: input.role, actor: input.actor ?? null, createdAt, disabledAt: null };
  }

  async list(org: string): Promise<UserInfo[]> {
    const rows = await this.store.query(`SELECT ${COLUMNS} FROM users WHERE org_id = $1 ORDER BY created_at, email`, [org]);
    return rows.map(toInfo);
  }

  /** A user of this org, or null (another org's id is simply not found). */
  async get(org: string, id: string): Promise<UserInfo | null> {
    const rows = await this.store.query(`SELECT ${COLUMNS} FROM users WHERE org_id = $1 AND id = $2`, [org, id]);
    return rows[0] ? toInfo(rows[0]) : null;
  }

  /** The active user with this email and its password hash, for login only. */
  async findForLogin(org: string, email: string): Promise<{ user: UserInfo; passwordHash: string } | null> {
    const rows = await this.store.query(
      `SELECT ${COLUMNS}, password_hash FROM users WHERE org_id = $1 AND email = $2 AND disabled_at IS NULL`,
      [org, normalizeEmail(email)],
    );
    const row = rows[0];
    return row ? { user: toInfo(row), passwordHash: String(row['password_hash']) } : null;
  }

  async update(org: string, id: string, changes: UserChanges): Promise<UserInfo | null> {
    if (changes.password !== undefined) checkPassword(changes.password);
    if (!(await this.get(org, id))) return null;
    // One statement so a change is applied whole; column names are fixed here, values are bound.
    const sets: string[] = [];
    const params: (string | null)[] = [org, id];
    const bind = (column: string, value: string | null) => {
      params.push(value);
      sets.push(`${column} = $${params.length}`);
    };
    if (changes.role !== undefined) bind('role', changes.role);
    if (changes.actor !== undefined) bind('actor', changes.actor);
    if (changes.password !== undefined) bind('password_hash', await hashPassword(changes.password, this.kdf));
    if (changes.disabled === true) {
      // Keep the first disable time when disabling twice.
      params.push(new Date().toISOString());
      sets.push(`disabled_at = COALESCE(disabled_at, $${params.length}::TIMESTAMP)`);
    }
    if (changes.disabled === false) sets.push('disabled_at = NULL');
    if (sets.length > 0) await this.store.execute(`UPDATE users SET ${sets.join(', ')} WHERE org_id = $1 AND id = $2`, params);
    this.sessions.delete(`${org}\u0000${id}`);
    return this.get(org, id);
  }

  /** Disables a user of this org; false when the org has no such user. */
  async disable(org: string, id: string): Promise<boolean> {
    return (await this.update(org, id, { disabled: true })) !== null;
  }

  /**
   * The current role and actor of an active user, or null: session tokens take these from the
   * store so a disabled or demoted user loses access within SESSION_TTL_MS on every instance.
   */
  async sessionUser(org: string, id: string, now = Date.now()): Promise<SessionUser | null> {
    const cacheKey = `${org}\u0000${id}`;
    const cached = this.sessions.get(cacheKey);
    if (cached && cached.until > now) return cached.user;
    const info = await this.get(org, id);
    const user = info && info.disabledAt === null ? { role: info.role, actor: info.actor } : null;
    if (this.sessions.size > 10_000) this.sessions.clear();
    this.sessions.set(cacheKey, { user, until: now + SESSION_TTL_MS });
    return user;
  }
}
