/**
 * L1: an in-process LRU (lru-cache) bounded by bytes and entries. Each entry keeps one buffer:
 * the reply exactly as an L1 hit sends it, so a hit copies nothing (plus, once a client asked for
 * one, that reply compressed). An index per org makes invalidation touch only that org's entries.
 */
import { LRUCache } from 'lru-cache';
import type { CacheEntry, CacheLayer, LayerStats } from './port.js';
import { entryOverhead } from './port.js';
import { metaOf, render, replyTag, tailFor } from './body.js';
import { matches } from './tags.js';
import type { InvalidationRule } from './tags.js';

export interface MemoryLayerOptions {
  maxBytes: number;
  maxEntries: number;
  now?: () => number;
}

/** An L1 record: the entry plus the bytes of an L1 hit (its prefix is a view into them). */
export interface MemoryRecord {
  entry: CacheEntry;
  hitBytes: Buffer;
  /** The reply's weak ETag, computed once (null for bytes without a trailing meta). */
  etag: string | null;
  /** The reply of a stale hit (meta.cache.stale), made on first demand. */
  staleBytes?: Buffer;
  /** A reply (`fresh`: hitBytes, `stale`: staleBytes) in a content coding, by `variant coding`; null = not smaller. */
  encoded?: Readonly<Record<string, Buffer | null>>;
  /** Bytes counted against the layer's bound: the hit bytes, their encodings, the tags. */
  size: number;
}

/** Compresses an L1 hit's bytes into one content coding (the HTTP layer's compressor). */
export type Encode = (bytes: Buffer) => Buffer;

/** Which reply of a record: a fresh hit's, or a stale hit's (served while a refresh runs). */
export type HitVariant = 'fresh' | 'stale';

/** A private copy: small Buffers live in a shared 8 KiB pool slab, which a view would pin. */
function ownCopy(parts: readonly Buffer[]): Buffer {
  const length = parts.reduce((n, p) => n + p.length, 0);
  const out = Buffer.allocUnsafeSlow(length);
  let at = 0;
  for (const p of parts) at += p.copy(out, at);
  return out;
}

export class MemoryLayer implements CacheLayer {
  readonly name = 'memory' as const;
  private readonly lru: LRUCache<string, MemoryRecord>;
  private readonly byOrg = new Map<string, Set<string>>();
  private readonly now: () => number;
  private hits = 0;
  private misses = 0;
  evictions = 0;

  constructor(options: MemoryLayerOptions) {
    this.now = options.now ?? Date.now;
    this.lru = new LRUCache<string, MemoryRecord>({
      max: Math.max(1, options.maxEntries),
      maxSize: Math.max(1, options.maxBytes),
      sizeCalculation: (r) => Math.max(1, r.size),
      dispose: (record, key, reason) => {
        if (reason === 'evict') this.evictions++;
        // On overwrite the key stays, so its index slot does too.
        if (reason !== 'set') this.unindex(record.entry.tags.org, key);
      },
    });
  }

  /** The L1 fast path: the record when present and not expired (stale ones included). Sync. */
  peek(key: string): MemoryRecord | null {
    const record = this.lru.get(key);
    if (record === undefined) {
      this.misses++;
      return null;
    }
    if (this.now() >= record.entry.expiresAt) {
      this.lru.delete(key);
      this.misses++;
      return null;
    }
    this.hits++;
    return record;
  }

  /**
   * The record when it is present and fresh (before `freshUntil`), counted as a hit; otherwise
   * null and nothing counted, so that the caller can hand the request to serve(), which counts it.
   */
  freshHit(key: string, now: number): MemoryRecord | null {
    const record = this.lru.get(key);
    if (record === undefined || now >= record.entry.freshUntil) return null;
    this.hits++;
    return record;
  }

  /**
   * The record's hit bytes in a content coding: compressed on first demand and kept with the
   * record while the key still holds it (counted against the byte bound; the TTL is unchanged),
   * so a dashboard polled by browsers is compressed once per answer, not once per reply. Null
   * when the coding would not make the reply smaller.
   */
  encoded(key: string, record: MemoryRecord, variant: HitVariant, coding: string, encode: Encode): Buffer | null {
    const name = `${variant} ${coding}`;
    const known = this.held(key, record).encoded?.[name];
    if (known !== undefined) return known;
    const source = this.replyBytes(key, record, variant);
    const bytes = encode(source);
    const kept = bytes.length < source.length ? bytes : null;
    const held = this.held(key, record);
    this.keep(key, held, { encoded: { ...held.encoded, [name]: kept } }, kept?.length ?? 0);
    return kept;
  }

  /**
   * The reply bytes of a hit on this record: a fresh hit's are `hitBytes`; a stale hit's (the same
   * answer with `"stale":true` in meta.cache, served while one refresh runs) are made on first
   * demand and kept with the record like an encoding, so a dashboard polled during the refresh
   * window does not re-render the reply each time.
   */
  replyBytes(key: string, record: MemoryRecord, variant: HitVariant): Buffer {
    if (variant === 'fresh') return record.hitBytes;
    const held = this.held(key, record);
    if (held.staleBytes !== undefined) return held.staleBytes;
    const bytes = render(held.entry, metaOf(held.entry, true, 'memory', true));
    this.keep(key, held, { staleBytes: bytes }, bytes.length);
    return bytes;
  }

  /** The record the key holds now when it is this one (encodings added since included), else the caller's. */
  private held(key: string, record: MemoryRecord): MemoryRecord {
    const now = this.lru.peek(key);
    return now !== undefined && now.hitBytes === record.hitBytes ? now : record;
  }

  /** Replaces the key's record with `record` plus `extra` (its size counted), if the key still holds it. */
  private keep(key: string, record: MemoryRecord, extra: Partial<MemoryRecord>, bytes: number): void {
    // An ingest, an eviction or a newer answer may have replaced the record meanwhile.
    if (this.lru.peek(key) !== record) return;
    const next: MemoryRecord = { ...record, ...extra, size: record.size + bytes };
    if (next.size <= this.lru.maxSize) this.lru.set(key, next, { noUpdateTTL: true });
  }

  /** Whether an entry (fresh or not) is held for the key; no recency change, nothing counted. */
  holds(key: string): boolean {
    return this.lru.has(key);
  }

  async get(key: string): Promise<CacheEntry | null> {
    return this.peek(key)?.entry ?? null;
  }

  async getMany(keys: readonly string[]): Promise<Array<CacheEntry | null>> {
    return keys.map((k) => this.peek(k)?.entry ?? null);
  }

  /** Stores the entry; false when it is too big for this layer or already expired. */
  put(key: string, entry: CacheEntry): boolean {
    const ttl = entry.expiresAt - this.now();
    if (ttl <= 0) return false;
    const tail = tailFor(entry, metaOf(entry, true, 'memory'));
    const hitBytes = ownCopy([entry.prefix, tail]);
    const prefix = hitBytes.subarray(0, entry.prefix.length);
    // Not the L2 reply bytes an entry from Redis carries: L1 keeps its own copy only.
    const { l2HitBytes: _l2, ...own } = entry;
    const stored: CacheEntry = { ...own, prefix, etag: replyTag({ ...own, prefix }) };
    const size = hitBytes.length + entryOverhead(entry.tags);
    if (size > this.lru.maxSize) return false;
    const etag = stored.etag ?? null;
    this.lru.set(key, { entry: stored, hitBytes, etag, size }, { ttl: Math.ceil(ttl) });
    let keys = this.byOrg.get(entry.tags.org);
    if (!keys) this.byOrg.set(entry.tags.org, (keys = new Set()));
    keys.add(key);
    return true;
  }

  async set(key: string, entry: CacheEntry): Promise<void> {
    this.put(key, entry);
  }

  async delete(keys: readonly string[]): Promise<void> {
    for (const k of keys) this.lru.delete(k);
  }

  /** Sync, so that an ingest's own instance is fresh before the ingest replies. */
  invalidateNow(rule: InvalidationRule): number {
    if (rule.kind === 'org' && rule.org === null) {
      const n = this.lru.size;
      this.lru.clear();
      return n;
    }
    const keys = this.byOrg.get(rule.org as string);
    if (!keys) return 0;
    const doomed: string[] = [];
    const now = this.now();
    let softened = 0;
    for (const k of keys) {
      const record = this.lru.peek(k, { allowStale: true });
      if (record && !matches(record.entry.tags, rule)) continue;
      if (record && record.entry.graceMs > 0 && rule.kind === 'events' && now < record.entry.expiresAt) {
        // Stale-while-revalidate after an ingest: served (marked stale) while one refresh runs.
        const e = record.entry;
        record.entry = { ...e, freshUntil: Math.min(e.freshUntil, now), expiresAt: Math.min(e.expiresAt, now + e.graceMs) };
        softened++;
      } else {
        doomed.push(k);
      }
    }
    for (const k of doomed) {
      this.lru.delete(k);
      keys.delete(k); // a key missing from the LRU has no dispose to do it
    }
    return doomed.length + softened;
  }

  async invalidate(rule: InvalidationRule): Promise<number> {
    return this.invalidateNow(rule);
  }

  /** The entry without counting a lookup or touching recency (the warmer looks before it works). */
  inspect(key: string): CacheEntry | null {
    const record = this.lru.peek(key);
    return record && this.now() < record.entry.expiresAt ? record.entry : null;
  }

  async clear(): Promise<void> {
    this.lru.clear();
    this.byOrg.clear();
  }

  /** Drops expired entries so that entries/bytes in the stats mean what is really held. */
  purgeExpired(): void {
    const now = this.now();
    for (const [key, record] of this.lru.entries()) if (now >= record.entry.expiresAt) this.lru.delete(key);
    this.lru.purgeStale();
  }

  stats(): LayerStats {
    return { hits: this.hits, misses: this.misses, entries: this.lru.size, bytes: this.lru.calculatedSize };
  }

  async close(): Promise<void> {
    await this.clear();
  }

  private unindex(org: string, key: string): void {
    const keys = this.byOrg.get(org);
    if (!keys) return;
    keys.delete(key);
    if (keys.size === 0) this.byOrg.delete(org);
  }
}
