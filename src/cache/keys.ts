/**
 * Cache keys: sha256 over (endpoint, org, model version, normalized input), base64url. Two requests
 * that mean the same thing must share a key (filter order, `in` value order, defaults spelled out
 * or not, `utc` vs `UTC`), and any change in meaning must change it. Metric and dimension order
 * stay significant: they decide the column order of the answer.
 */
import { createHash } from 'node:crypto';
import type { CompareSpec, Filter, FilterValue, QuerySpec, TimeRangeSpec } from '../domain/query.js';
import { DEFAULT_LIMIT } from '../query/parse.js';
import { DEFAULT_PRESET, canonicalZone, parseInstant } from '../query/time.js';

export type Json = string | number | boolean | null | Json[] | { [key: string]: Json };

/** JSON with object keys sorted at every level, so key order never changes a key. */
export function canonicalJson(value: unknown): string {
  if (value === null || typeof value !== 'object') return JSON.stringify(value) ?? 'null';
  if (Array.isArray(value)) return `[${value.map((v) => (v === undefined ? 'null' : canonicalJson(v))).join(',')}]`;
  const record = value as Record<string, unknown>;
  const parts: string[] = [];
  for (const k of Object.keys(record).sort()) {
    const v = record[k];
    if (v !== undefined) parts.push(`${JSON.stringify(k)}:${canonicalJson(v)}`);
  }
  return `{${parts.join(',')}}`;
}

function uniqueSorted<T>(items: readonly T[]): T[] {
  const byText = new Map<string, T>();
  for (const item of items) byText.set(canonicalJson(item), item);
  return [...byText.keys()].sort().map((k) => byText.get(k) as T);
}

function normalizeFilter(f: Filter): Json {
  const out: { [key: string]: Json } = { field: f.field, op: f.op };
  if (f.op === 'exists' || f.op === 'not_exists') return out; // the parser ignores their value
  const value: FilterValue | undefined = f.value;
  if (value === undefined) return out;
  // ANDed `in` lists are sets: order and repeats do not matter.
  out['value'] = Array.isArray(value) && (f.op === 'in' || f.op === 'nin') ? uniqueSorted(value) : value;
  return out;
}

/** An explicit range as epoch ms when it parses (so `…Z` and `….000Z` agree); as written otherwise. */
function normalizeSpan(span: { from: string; to: string }, zone: string): Json {
  const from = parseInstant(span.from, zone);
  const to = parseInstant(span.to, zone);
  return from === null || to === null ? { from: span.from, to: span.to } : { from, to };
}

function normalizeRange(range: TimeRangeSpec | undefined, zone: string): Json | undefined {
  if (range === undefined || ('preset' in range && range.preset === DEFAULT_PRESET)) return undefined;
  return 'preset' in range ? { preset: range.preset } : normalizeSpan(range, zone);
}

function normalizeCompare(compare: CompareSpec | undefined, zone: string): Json | undefined {
  if (compare === undefined || compare === null) return undefined;
  return typeof compare === 'string' ? compare : normalizeSpan(compare, zone);
}

/** The QuerySpec reduced to what decides its answer, in one spelling. */
export function normalizeQuerySpec(spec: QuerySpec): { [key: string]: Json } {
  const zone = spec.timezone === undefined ? 'UTC' : canonicalZone(spec.timezone) ?? spec.timezone;
  const out: { [key: string]: Json } = { metrics: [...spec.metrics] };
  if (spec.dimensions?.length) out['dimensions'] = [...spec.dimensions];
  if (spec.filters?.length) out['filters'] = uniqueSorted(spec.filters.map(normalizeFilter));
  const range = normalizeRange(spec.timeRange, zone);
  if (range !== undefined) out['timeRange'] = range;
  if (spec.granularity !== undefined) out['granularity'] = spec.granularity;
  if (zone !== 'UTC') out['timezone'] = zone;
  const compare = normalizeCompare(spec.compare, zone);
  if (compare !== undefined) out['compare'] = compare;
  if (spec.fill !== undefined) out['fill'] = spec.fill;
  if (spec.order?.length) {
    // The parser keeps the first term per column and defaults dir to asc.
    const seen = new Set<string>();
    out['order'] = spec.order.filter((o) => !seen.has(o.by) && seen.add(o.by)).map((o) => ({ by: o.by, dir: o.dir ?? 'asc' }));
  }
  if (spec.limit !== undefined && spec.limit !== DEFAULT_LIMIT) out['limit'] = spec.limit;
  if (spec.offset !== undefined && spec.offset !== 0) out['offset'] = spec.offset;
  return out;
}

export interface KeyParts {
  /** Which answer shape: `query`, `summary`, `bucket`… Part of the key and readable in Redis. */
  endpoint: string;
  org: string;
  /** The semantic model version (catalog.version): a model change never serves old answers. */
  version: string;
  /** Everything else the answer depends on, already normalized by the caller. */
  input: unknown;
}

export function cacheKey(parts: KeyParts): string {
  return keyOf(parts.endpoint, canonicalJson([parts.org, parts.version, parts.input]));
}

function keyOf(endpoint: string, canonical: string): string {
  return `${endpoint}:${createHash('sha256').update(canonical).digest('base64url')}`;
}

/**
 * cacheKey with the hashes of recent inputs remembered: a dashboard asks the same few questions
 * over and over, and a SHA-256 per read costs more than the L1 lookup it leads to. Bounded; the
 * oldest remembered key goes first.
 */
export class KeyMemo {
  private readonly keys = new Map<string, string>();

  constructor(private readonly max = 10_000) {}

  key(parts: KeyParts): string {
    const canonical = canonicalJson([parts.org, parts.version, parts.input]);
    // Endpoint names are plain words; the canonical text starts with `[`.
    const id = `${parts.endpoint}\n${canonical}`;
    let key = this.keys.get(id);
    if (key === undefined) {
      key = keyOf(parts.endpoint, canonical);
      if (this.keys.size >= this.max) this.keys.delete(this.keys.keys().next().value as string);
      this.keys.set(id, key);
    }
    return key;
  }

  get size(): number {
    return this.keys.size;
  }
}
