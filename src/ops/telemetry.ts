/**
 * ops/: how Tally watches itself. Telemetry is the one object per app that everything reports
 * into — HTTP (metrics plugin), ingest (IngestService listener), the engine (query listener),
 * live connections (liveOpened / liveClosed, the live hub's connection hooks) — and that
 * GET /metrics (Prometheus) and GET /system (the admin panel) read from. The query cache keeps
 * its own counters; they are read through `sources.cache` when a report or scrape asks.
 */
import type { QueryObservation } from '../engine/query-engine.js';
import type { HistogramSeries } from './bound-histogram.js';
import { OpsMetrics } from './metrics.js';
import type { ProcessSample } from './process-stats.js';
import { ProcessSampler } from './process-stats.js';
import { Rolling } from './rolling.js';
import type { RouteSummary } from './route-stats.js';
import { RouteStats } from './route-stats.js';

export type CacheLayer = 'memory' | 'redis';
export type LiveTransport = 'ws' | 'sse';

/** What Telemetry reads of the query cache (TallyCache.stats() has this shape and more). */
export interface CacheStatsSource {
  stats(): {
    hitRate: number | null;
    layers: Record<CacheLayer, { hits: number; misses: number; enabled?: boolean }>;
  };
}

/** Numbers owned elsewhere, read when a report or scrape asks (set by buildApp). */
export interface TelemetrySources {
  cache?: CacheStatsSource | null;
  openConnections?: () => Promise<number>;
  querySlots?: () => { running: number; queued: number };
  rateLimits?: () => { enabled: boolean; backend: 'redis' | 'memory' };
  redisUp?: () => boolean | null;
}

interface Counts {
  events: number;
  batches: number;
  rejections: number;
  timeouts: number;
}

export interface SystemReport {
  windowSeconds: number;
  process: ProcessSample & { pid: number; node: string };
  requests: { overall: RouteSummary; routes: RouteSummary[]; openConnections: number | null };
  errorRate: number;
  ingest: { eventsPerSecond: number; batchesPerSecond: number; eventsInWindow: number };
  queries: { overall: RouteSummary; byKind: RouteSummary[]; timeoutsInWindow: number; running: number | null; queued: number | null };
  /** Since the process started (the cache's own counters). */
  cache: { configured: boolean; hitRate: number | null; layers: Record<string, { hits: number; misses: number; hitRate: number | null }> };
  live: { configured: boolean; connections: number; byTransport: Record<string, number> };
  rateLimits: { enabled: boolean; backend: 'redis' | 'memory' | null; rejectionsInWindow: number };
}

export interface TelemetryOptions {
  windowMs?: number;
  now?: () => number;
  sampleIntervalMs?: number;
}

const rate = (n: number, seconds: number): number => Math.round((n / seconds) * 100) / 100;
const share = (a: number, b: number): number | null => (a + b === 0 ? null : Math.round((a / (a + b)) * 10_000) / 10_000);

export class Telemetry {
  readonly metrics = new OpsMetrics();
  readonly routes: RouteStats;
  readonly sources: TelemetrySources = {};
  private readonly queries: RouteStats;
  private readonly counts: Rolling<Counts>;
  private readonly sampler: ProcessSampler;
  private readonly startedAt: number;
  private liveConfigured = false;
  private readonly live = new Map<LiveTransport, number>();
  private readonly recorders = new Map<string, RequestRecorder>();

  constructor(options: TelemetryOptions = {}) {
    const windowMs = options.windowMs ?? 300_000;
    const now = options.now ?? Date.now;
    this.routes = new RouteStats({ windowMs, now });
    this.queries = new RouteStats({ windowMs, now });
    this.counts = new Rolling(windowMs, 30, () => ({ events: 0, batches: 0, rejections: 0, timeouts: 0 }), now);
    this.sampler = new ProcessSampler(options.sampleIntervalMs);
    this.startedAt = now();
    const sources = this.sources;
    this.metrics.cacheCounts = () => {
      const stats = sources.cache?.stats();
      if (!stats) return [];
      return (['memory', 'redis'] as const)
        .filter((layer) => stats.layers[layer].enabled !== false)
        .flatMap((layer) => [
          { layer, result: 'hit' as const, value: stats.layers[layer].hits },
          { layer, result: 'miss' as const, value: stats.layers[layer].misses },
        ]);
    };
    this.metrics.gauge('tally_http_open_connections', 'Open HTTP connections (keep-alive and live included)', async (g) => {
      g.set(sources.openConnections ? await sources.openConnections() : 0);
    });
    this.metrics.gauge(
      'tally_query_slots',
      'Expensive reads running and waiting for a per-org slot',
      (g) => {
        const s = sources.querySlots?.() ?? { running: 0, queued: 0 };
        g.set({ state: 'running' }, s.running);
        g.set({ state: 'queued' }, s.queued);
      },
      ['state'],
    );
    this.metrics.gauge('tally_redis_up', '1 while the Redis connection is ready; 0 when it is down or REDIS_URL is not set', (g) => {
      g.set(sources.redisUp?.() === true ? 1 : 0);
    });
  }

  start(): void {
    this.sampler.start();
  }

  stop(): void {
    this.sampler.stop();
  }

  recordRequest(method: string, route: string, status: number, durationMs: number): void {
    this.requestRecorder(method, route).record(status, durationMs);
  }

  /** What records the requests of one route; callers that answer a route often may keep it. */
  requestRecorder(method: string, route: string): RequestRecorder {
    const key = `${method} ${route}`;
    let recorder = this.recorders.get(key);
    if (recorder === undefined) {
      recorder = new RequestRecorder(this, method, route, key);
      this.recorders.set(key, recorder);
    }
    return recorder;
  }

  recordIngest(events: number): void {
    this.metrics.ingestEvents.inc(events);
    this.metrics.ingestBatches.inc();
    const c = this.counts.current();
    c.events += events;
    c.batches++;
  }

  recordQuery(o: QueryObservation): void {
    this.metrics.queryDuration.observe({ kind: o.kind, outcome: o.outcome }, o.durationMs / 1000);
    this.queries.record(o.kind, o.durationMs, o.outcome === 'ok' ? 200 : o.outcome === 'timeout' ? 503 : 500);
    if (o.outcome === 'timeout') this.counts.current().timeouts++;
  }

  recordRejection(rateClass: string, scope: string, reason: 'limit' | 'penalty' | 'concurrency'): void {
    this.metrics.rateLimitRejections.inc({ class: rateClass, scope, reason });
    this.counts.current().rejections++;
  }

  liveOpened(transport: LiveTransport): void {
    this.liveConfigured = true;
    this.live.set(transport, (this.live.get(transport) ?? 0) + 1);
    this.metrics.liveConnections.inc({ transport });
  }

  liveClosed(transport: LiveTransport): void {
    this.live.set(transport, Math.max(0, (this.live.get(transport) ?? 0) - 1));
    this.metrics.liveConnections.dec({ transport });
  }

  liveReady(): void {
    this.liveConfigured = true;
  }

  async system(): Promise<SystemReport> {
    const seconds = this.counts.coveredMs(this.startedAt) / 1000;
    const totals = this.counts.values().reduce<Counts>(
      (acc, c) => {
        acc.events += c.events;
        acc.batches += c.batches;
        acc.rejections += c.rejections;
        acc.timeouts += c.timeouts;
        return acc;
      },
      { events: 0, batches: 0, rejections: 0, timeouts: 0 },
    );
    const requests = this.routes.summary();
    const queries = this.queries.summary();
    const slots = this.sources.querySlots?.() ?? null;
    const limits = this.sources.rateLimits?.() ?? null;
    const cache = this.sources.cache?.stats() ?? null;
    const layers = cache
      ? Object.fromEntries(
          (['memory', 'redis'] as const)
            .filter((l) => cache.layers[l].enabled !== false)
            .map((l) => [l, { hits: cache.layers[l].hits, misses: cache.layers[l].misses, hitRate: share(cache.layers[l].hits, cache.layers[l].misses) }]),
        )
      : {};
    return {
      windowSeconds: this.routes.windowSeconds,
      process: { ...this.sampler.sample(), pid: process.pid, node: process.version },
      requests: { ...requests, openConnections: this.sources.openConnections ? await this.sources.openConnections() : null },
      errorRate: requests.overall.errorRate,
      ingest: { eventsPerSecond: rate(totals.events, seconds), batchesPerSecond: rate(totals.batches, seconds), eventsInWindow: totals.events },
      queries: {
        overall: queries.overall,
        byKind: queries.routes,
        timeoutsInWindow: totals.timeouts,
        running: slots?.running ?? null,
        queued: slots?.queued ?? null,
      },
      cache: { configured: cache !== null, hitRate: cache?.hitRate ?? null, layers },
      live: { configured: this.liveConfigured, connections: [...this.live.values()].reduce((a, b) => a + b, 0), byTransport: Object.fromEntries(this.live) },
      rateLimits: { enabled: limits?.enabled ?? false, backend: limits?.backend ?? null, rejectionsInWindow: totals.rejections },
    };
  }
}

/**
 * The requests of one (method, route): the duration histogram's series bound once per status, so
 * a request hashes no labels (route templates and statuses keep them few), and the /system stats.
 */
export class RequestRecorder {
  private readonly series = new Map<number, HistogramSeries>();

  constructor(
    private readonly telemetry: Telemetry,
    private readonly method: string,
    private readonly route: string,
    private readonly key: string,
  ) {}

  record(status: number, durationMs: number): void {
    let series = this.series.get(status);
    if (series === undefined) {
      series = this.telemetry.metrics.httpDuration.bind({ method: this.method, route: this.route, status: String(status) });
      this.series.set(status, series);
    }
    series.observe(durationMs / 1000);
    this.telemetry.routes.record(this.key, durationMs, status);
  }
}
