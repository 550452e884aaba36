/**
 * Per-bucket rows of time-series statements, so that a dashboard over "last 30 days" keeps its
 * closed days while events keep arriving: only the open bucket, the window's partial edge buckets
 * and buckets no one has asked for yet are computed (one statement per contiguous run of them).
 *
 * Buckets are keyed by the query's shape (metrics, dimensions, filters, fill, granularity, zone)
 * and their start, so `7d` and `30d` over the same shape share days. Each bucket is tagged with
 * its own time range: a late event invalidates exactly the bucket it falls into.
 */
import { cacheKey, normalizeQuerySpec } from '../cache/keys.js';
import type { CacheEntry } from '../cache/port.js';
import type { Granularity, QuerySpec } from '../domain/query.js';
import type { ParsedQuery, QueryPlan, TimeWindow, CompiledSql, Dialect } from '../query/index.js';
import { planQuery } from '../query/index.js';
import type { SqlRow } from '../store/port.js';
import { bucketSlots, mergeBuckets, missingRuns, splitByBucket } from './bucket-plan.js';
import { queryEvents } from './read-tag.js';

/** What the bucket cache needs from the cache (LayeredCache provides it). */
export interface BucketStore {
  getEntries(keys: readonly string[]): Promise<Array<CacheEntry | null>>;
  /** Stores entries whose reads began at `mark`, except those an invalidation since then matches. */
  putEntries(items: ReadonlyArray<[string, CacheEntry]>, mark: number): Promise<void>;
  readonly log: { readonly mark: number };
  readonly now: () => number;
}

export interface BucketRequest {
  org: string;
  /** A key for the query's shape (see QueryEngine): everything but the time range and paging. */
  shape: string;
  parsed: ParsedQuery;
  plan: QueryPlan;
  window: TimeWindow;
  /** The statement over the whole window, used when no bucket can come from the cache. */
  whole: CompiledSql;
  dialect: Dialect;
  now: number;
  run: (sql: CompiledSql) => Promise<SqlRow[]>;
}

export class BucketCache {
  constructor(
    private readonly store: BucketStore,
    private readonly ttlSeconds: number,
  ) {}

  async rows(req: BucketRequest): Promise<SqlRow[]> {
    const g = req.plan.granularity as Granularity;
    const slots = bucketSlots(req.window, g, req.plan.timezone, req.now);
    const closed = slots.filter((s) => s.closed);
    if (closed.length === 0) return req.run(req.whole);

    const keys = closed.map((s) => `${req.shape}:${s.start}`);
    const entries = await this.store.getEntries(keys);
    const parts = new Map<number, SqlRow[]>();
    entries.forEach((e, i) => {
      if (e) parts.set((closed[i] as (typeof closed)[number]).start, JSON.parse(e.prefix.toString('utf8')) as SqlRow[]);
    });
    const runs = missingRuns(slots, new Set(parts.keys()), req.window);
    if (runs.length === 1 && runs[0]?.from === req.window.from && runs[0].to === req.window.to) {
      // Nothing cached: the ordinary statement, then keep its closed buckets.
      const rows = await this.computeAndKeep(req, [{ sql: req.whole, starts: slots.map((s) => s.start) }], closed, parts);
      return rows ?? mergeBuckets(slots, parts);
    }
    const statements = runs.map((r) => ({ sql: this.subWindow(req, r.from, r.to), starts: r.starts }));
    await this.computeAndKeep(req, statements, closed, parts);
    return mergeBuckets(slots, parts);
  }

  /** Runs the statements, fills `parts` (empty buckets too) and stores the closed buckets computed. */
  private async computeAndKeep(
    req: BucketRequest,
    statements: ReadonlyArray<{ sql: CompiledSql; starts: number[] }>,
    closed: ReadonlyArray<{ start: number; end: number }>,
    parts: Map<number, SqlRow[]>,
  ): Promise<SqlRow[] | null> {
    const mark = this.store.log.mark;
    const results = await Promise.all(statements.map((s) => req.run(s.sql)));
    const cached = new Set(parts.keys());
    results.forEach((rows, i) => {
      const byBucket = splitByBucket(rows);
      for (const start of statements[i]?.starts ?? []) parts.set(start, byBucket.get(start) ?? []);
    });
    const events = queryEvents(req.parsed);
    const metrics = req.parsed.metrics.map((m) => m.name);
    const now = this.store.now();
    const expiresAt = now + this.ttlSeconds * 1000;
    const fresh: Array<[string, CacheEntry]> = closed
      .filter((s) => !cached.has(s.start))
      .map((s) => [
        `${req.shape}:${s.start}`,
        {
          prefix: Buffer.from(JSON.stringify(parts.get(s.start) ?? [])),
          splice: 'none',
          generatedAt: now,
          ttlSeconds: this.ttlSeconds,
          freshUntil: expiresAt,
          expiresAt,
          graceMs: 0,
          tags: { org: req.org, events, metrics, ranges: [[s.start, s.end]] },
        },
      ]);
    if (fresh.length) await this.store.putEntries(fresh, mark);
    return statements.length === 1 && results[0] ? results[0] : null;
  }

  private subWindow(req: BucketRequest, from: number, to: number): CompiledSql {
    // The same query over [from, to) at the already resolved granularity (`auto` would pick a finer one).
    const sub: ParsedQuery = { ...req.parsed, timeRange: { from, to }, granularity: req.plan.granularity, compare: null };
    return planQuery(sub, req.dialect, { org: req.org, now: req.now }).main;
  }
}

/** The key prefix of a query's buckets: its shape without time range, comparison and paging. */
export function bucketShape(spec: QuerySpec, plan: QueryPlan, org: string, version: string, dialect: string): string {
  const { timeRange: _range, compare: _compare, order: _order, limit: _limit, offset: _offset, ...shape } = normalizeQuerySpec(spec);
  return cacheKey({ endpoint: 'bucket', org, version, input: { ...shape, granularity: plan.granularity, timezone: plan.timezone, dialect } });
}
