/**
 * How an entry is stored in Redis: one value per key, `u32 header length | header JSON | reply
 * bytes`, so a GET returns everything and the reply bytes are never re-encoded. The reply bytes
 * are those of a fresh L2 hit (the prefix, then `"cache":{"hit":true,"layer":"redis",…}}}`, fixed
 * per entry), with the prefix length in the header: an L2 hit sends them as they are. The per-org index
 * holds the tags alone (`[expiresAt, events, metrics, ranges]`) for invalidation scans.
 */
import { metaOf, replyTag, tailFor } from './body.js';
import type { CacheEntry, SpliceMode } from './port.js';
import type { EntryTags, TagRange } from './tags.js';

interface Header {
  g: number;
  t: number;
  f: number;
  x: number;
  s: SpliceMode;
  w: number;
  e: string[] | null;
  m: string[];
  r: TagRange[];
  o: string;
  /** The reply's weak ETag (absent in entries written before it was stored). */
  k?: string | null;
  /** Prefix length: the bytes after the header are the L2 hit reply (absent: they are the prefix alone). */
  b?: number;
}

export function encodeEntry(entry: CacheEntry): Buffer {
  const { tags } = entry;
  const header: Header = {
    g: entry.generatedAt,
    t: entry.ttlSeconds,
    f: entry.freshUntil,
    x: entry.expiresAt,
    s: entry.splice,
    w: entry.graceMs,
    e: tags.events,
    m: tags.metrics,
    r: tags.ranges,
    o: tags.org,
    k: replyTag(entry),
    b: entry.prefix.length,
  };
  const head = Buffer.from(JSON.stringify(header));
  const tail = tailFor(entry, metaOf(entry, true, 'redis'));
  const out = Buffer.allocUnsafe(4 + head.length + entry.prefix.length + tail.length);
  out.writeUInt32BE(head.length, 0);
  head.copy(out, 4);
  entry.prefix.copy(out, 4 + head.length);
  tail.copy(out, 4 + head.length + entry.prefix.length);
  return out;
}

/** null for bytes that are not an entry (another writer, a truncated value). */
export function decodeEntry(bytes: Buffer): CacheEntry | null {
  if (bytes.length < 4) return null;
  const length = bytes.readUInt32BE(0);
  if (4 + length > bytes.length) return null;
  let h: Header;
  try {
    h = JSON.parse(bytes.toString('utf8', 4, 4 + length)) as Header;
  } catch {
    return null;
  }
  const tags: EntryTags = { org: h.o, events: h.e, metrics: h.m, ranges: h.r };
  const reply = bytes.subarray(4 + length);
  if (h.b !== undefined && h.b > reply.length) return null;
  return {
    prefix: h.b === undefined ? reply : reply.subarray(0, h.b),
    ...(h.b === undefined ? {} : { l2HitBytes: reply }),
    splice: h.s,
    generatedAt: h.g,
    ttlSeconds: h.t,
    freshUntil: h.f,
    expiresAt: h.x,
    graceMs: h.w ?? 0,
    tags,
    ...(h.k === undefined ? {} : { etag: h.k }),
  };
}

type IndexValue = [expiresAt: number, events: string[] | null, metrics: string[], ranges: TagRange[]];

export function encodeIndex(entry: CacheEntry): string {
  const value: IndexValue = [entry.expiresAt, entry.tags.events, entry.tags.metrics, entry.tags.ranges];
  return JSON.stringify(value);
}

export function decodeIndex(org: string, text: string): { expiresAt: number; tags: EntryTags } | null {
  try {
    const [expiresAt, events, metrics, ranges] = JSON.parse(text) as IndexValue;
    return { expiresAt, tags: { org, events, metrics, ranges } };
  } catch {
    return null;
  }
}
