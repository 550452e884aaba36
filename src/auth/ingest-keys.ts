/**
 * Ingest keys (`tk_…`): write-only, one org each. Only a SHA-256 hash is stored: keys carry 256
 * random bits, so a fast hash is enough and a stolen database yields no working key.
 */
import { createHash, randomBytes, randomUUID, timingSafeEqual } from 'node:crypto';
import type { Store } from '../store/port.js';
import type { KeyPrincipal } from './principal.js';

export const KEY_PREFIX = 'tk_';
const KEY_SHAPE = /^tk_[A-Za-z0-9_-]{43}$/;
/** Found keys are remembered briefly so ingest does not hit the store per request. */
const LOOKUP_TTL_MS = 30_000;

export interface IngestKeyInfo {
  id: string;
  org: string;
  name: string | null;
  /** The first characters of the key, enough to recognise it in a list. */
  prefix: string;
  createdAt: string;
  revokedAt: string | null;
}

export interface CreatedKey extends IngestKeyInfo {
  /** The full key; shown once, never stored. */
  key: string;
}

export function hashKey(key: string): string {
  return createHash('sha256').update(key).digest('hex');
}

export function looksLikeIngestKey(token: string): boolean {
  return token.startsWith(KEY_PREFIX);
}

export class IngestKeys {
  private readonly cache = new Map<string, { principal: KeyPrincipal | null; until: number }>();

  constructor(private readonly store: Store) {}

  async create(org: string, name: string | null = null): Promise<CreatedKey> {
    const key = KEY_PREFIX + randomBytes(32).toString('base64url');
    const id = randomUUID();
    const createdAt = new Date();
    const prefix = key.slice(0, 10);
    await this.store.execute(
      'INSERT INTO ingest_keys (id, org_id, prefix, hash, name, created_at) VALUES ($1, $2, $3, $4, $5, $6::TIMESTAMP)',
      [id, org, prefix, hashKey(key), name, createdAt.toISOString()],
    );
    return { id, org, name, prefix, createdAt: createdAt.toISOString(), revokedAt: null, key };
  }

  async list(org: string): Promise<IngestKeyInfo[]> {
    const rows = await this.store.query(
      'SELECT id, org_id, name, prefix, created_at, revoked_at FROM ingest_keys WHERE org_id = $1 ORDER BY created_at',
      [org],
    );
    return rows.map((r) => ({
      id: String(r['id']),
      org: String(r['org_id']),
      name: r['name'] === null ? null : String(r['name']),
      prefix: String(r['prefix']),
      createdAt: new Date(Number(r['created_at'])).toISOString(),
      revokedAt: r['revoked_at'] === null ? null : new Date(Number(r['revoked_at'])).toISOString(),
    }));
  }

  /** Revokes a key of this org; false when no such key exists in the org (404, not 403). */
  async revoke(org: string, id: string): Promise<boolean> {
    const rows = await this.store.query('SELECT id FROM ingest_keys WHERE org_id = $1 AND id = $2 AND revoked_at IS NULL', [org, id]);
    if (rows.length === 0) return false;
    await this.store.execute('UPDATE ingest_keys SET revoked_at = now() WHERE org_id = $1 AND id = $2', [org, id]);
    this.cache.clear();
    return true;
  }

  /** Resolves a presented key to its org, or null when unknown or revoked. */
  async authenticate(key: string, now = Date.now()): Promise<KeyPrincipal | null> {
    if (!KEY_SHAPE.test(key)) return null;
    const hash = hashKey(key);
    const cached = this.cache.get(hash);
    if (cached && cached.until > now) return cached.principal;
    const rows = await this.store.query('SELECT id, org_id, hash FROM ingest_keys WHERE hash = $1 AND revoked_at IS NULL', [hash]);
    const row = rows[0];
    const principal: KeyPrincipal | null =
      row !== undefined && timingSafeEqual(Buffer.from(String(row['hash'])), Buffer.from(hash))
        ? { kind: 'key', org: String(row['org_id']), keyId: String(row['id']) }
        : null;
    if (this.cache.size > 10_000) this.cache.clear();
    this.cache.set(hash, { principal, until: now + LOOKUP_TTL_MS });
    return principal;
  }
}
