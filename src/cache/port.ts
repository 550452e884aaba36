/**
 * The cache port: a byte store of serialized replies with the tags that say which ingested events
 * can change them. Two implementations pass one contract suite (test/contract/cache.contract.ts):
 * memory.ts (L1, per process) and redis.ts (L2, shared). layered.ts puts them together.
 */
import type { EntryTags, InvalidationRule } from './tags.js';

/**
 * How meta.cache is put into the stored bytes without parsing them (see body.ts):
 * `meta` = the bytes end inside the top-level `meta` object, right where `"cache":…}}` goes;
 * `none` = the bytes are the whole value (bucket rows, non-object replies).
 */
export type SpliceMode = 'meta' | 'none';

export interface CacheEntry {
  /** The serialized reply up to the meta.cache splice point (or whole, for `none`). */
  prefix: Buffer;
  splice: SpliceMode;
  /** Epoch ms when the answer was computed. */
  generatedAt: number;
  /** What meta.cache reports: how long this answer is cached for. */
  ttlSeconds: number;
  /** Epoch ms: served as a plain hit before this. */
  freshUntil: number;
  /** Epoch ms: between freshUntil and here it is served stale while one refresh runs; gone after. */
  expiresAt: number;
  /**
   * Stale-while-revalidate after an invalidation: when > 0, an invalidation in L1 makes the entry
   * stale for at most this long (never past expiresAt) instead of dropping it. 0 = dropped.
   */
  graceMs: number;
  tags: EntryTags;
  /** The reply's weak ETag when already known (stored with the entry in Redis); see body.ts replyTag. */
  etag?: string | null;
  /** The whole reply of a fresh L2 hit, when Redis returned it ready (prefix is a view into it). */
  l2HitBytes?: Buffer;
}

export interface LayerStats {
  hits: number;
  misses: number;
  entries: number;
  bytes: number;
}

export interface CacheLayer {
  readonly name: 'memory' | 'redis';
  /** The entry, or null when absent, expired or the layer is unavailable (never throws). */
  get(key: string): Promise<CacheEntry | null>;
  /** Entries in key order; null where absent. One round trip for Redis. */
  getMany(keys: readonly string[]): Promise<Array<CacheEntry | null>>;
  set(key: string, entry: CacheEntry): Promise<void>;
  delete(keys: readonly string[]): Promise<void>;
  /** Deletes every entry the rule matches; resolves to how many. */
  invalidate(rule: InvalidationRule): Promise<number>;
  /** Deletes every entry of this layer (this prefix only, for Redis). */
  clear(): Promise<void>;
  stats(): LayerStats;
  close(): Promise<void>;
}

/** Bytes an entry costs beyond its prefix (tags, numbers, map slots): keeps the byte bound honest. */
export function entryOverhead(tags: EntryTags): number {
  let n = 160 + tags.org.length;
  for (const e of tags.events ?? []) n += e.length + 16;
  for (const m of tags.metrics) n += m.length + 16;
  return n + tags.ranges.length * 32;
}
