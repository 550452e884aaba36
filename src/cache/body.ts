/**
 * Reply bytes: serialized once on a miss, sent as stored on a hit. meta.cache differs per reply
 * (hit, layer, generatedAt), so the stored bytes stop right inside the top-level `meta` object
 * and `"cache":{…}}}` is appended: no JSON parse or stringify on a hit. `meta` is moved to the end
 * of the reply and `cache` to the end of `meta`; key order carries no meaning in JSON.
 */
import { createHash } from 'node:crypto';
import type { CacheMeta } from '../domain/query.js';
import type { CacheEntry, SpliceMode } from './port.js';

export interface SerializedBody {
  prefix: Buffer;
  splice: SpliceMode;
}

function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value) && !Buffer.isBuffer(value);
}

export function serializeBody(body: unknown): SerializedBody {
  if (!isPlainObject(body)) return { prefix: Buffer.from(JSON.stringify(body) ?? 'null'), splice: 'none' };
  const { meta, ...rest } = body;
  const ownMeta: Record<string, unknown> = isPlainObject(meta) ? { ...meta } : {};
  delete ownMeta['cache'];
  const json = JSON.stringify({ ...rest, meta: ownMeta });
  // The text ends with `}}`: the close of `meta`, then of the reply. Cut both.
  return { prefix: Buffer.from(json.slice(0, -2)), splice: 'meta' };
}

export function cacheMetaJson(meta: CacheMeta & { stale?: boolean }): string {
  return JSON.stringify(meta);
}

/** The bytes that complete `prefix` into a reply with this meta.cache. */
export function tailFor(entry: Pick<CacheEntry, 'prefix' | 'splice'>, meta: CacheMeta & { stale?: boolean }): Buffer {
  if (entry.splice === 'none') return Buffer.alloc(0);
  const needsComma = entry.prefix.length > 0 && entry.prefix[entry.prefix.length - 1] !== 0x7b; // '{'
  return Buffer.from(`${needsComma ? ',' : ''}"cache":${cacheMetaJson(meta)}}}`);
}

export function render(entry: Pick<CacheEntry, 'prefix' | 'splice'>, meta: CacheMeta & { stale?: boolean }): Buffer {
  if (entry.splice === 'none') return entry.prefix;
  return Buffer.concat([entry.prefix, tailFor(entry, meta)]);
}

const META_KEY = Buffer.from('"meta":{');

/** The weak ETag of an entry's reply: the one it carries, else hashed from its bytes. */
export function replyTag(entry: Pick<CacheEntry, 'prefix' | 'splice' | 'etag'>): string | null {
  if (entry.etag !== undefined) return entry.etag;
  return entry.splice === 'meta' ? weakTag(entry.prefix) : null;
}

/**
 * The weak ETag of an answer: sha1 of its bytes before the trailing `meta` (which holds what
 * changes on every reply: cache state, duration). Computed once per L1 entry; the ETag plugin
 * keeps an ETag that is already set (http/plugins/etag.ts uses the same rule for cached bytes).
 */
export function weakTag(prefix: Buffer): string | null {
  const at = prefix.lastIndexOf(META_KEY);
  if (at <= 0) return null;
  return `W/"${createHash('sha1').update(prefix.subarray(0, at)).digest('base64url')}"`;
}

export function metaOf(entry: Pick<CacheEntry, 'generatedAt' | 'ttlSeconds'>, hit: boolean, layer: CacheMeta['layer'], stale = false): CacheMeta & { stale?: boolean } {
  const meta: CacheMeta & { stale?: boolean } = { hit, layer, generatedAt: new Date(entry.generatedAt).toISOString(), ttlSeconds: entry.ttlSeconds };
  if (stale) meta.stale = true;
  return meta;
}
