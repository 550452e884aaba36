/**
 * Prometheus metrics. Each app has its own registry (tests build many apps in one process);
 * the process-wide default metrics (CPU, memory, GC, event-loop lag, handles) live in one
 * shared registry collected once, and GET /metrics prints both.
 */
import { collectDefaultMetrics, Counter, Gauge, Histogram, Registry } from 'prom-client';
import { BoundHistogram } from './bound-histogram.js';

let processRegistry: Registry | null = null;

/** Node's and the process's own metrics (process_*, nodejs_*), registered once per process. */
function processMetrics(): Registry {
  if (processRegistry === null) {
    processRegistry = new Registry();
    collectDefaultMetrics({ register: processRegistry });
  }
  return processRegistry;
}

/** Request and query latencies: sub-millisecond cache hits up to half-minute exports. */
const LATENCY_BUCKETS = [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30];

export class OpsMetrics {
  readonly registry = new Registry();
  readonly contentType = this.registry.contentType;

  /** Recorded on every request, so bound per label set (bound-histogram.ts), not prom-client's. */
  readonly httpDuration = new BoundHistogram({
    name: 'tally_http_request_duration_seconds',
    help: 'HTTP request duration by route template, method and status',
    labelNames: ['method', 'route', 'status'] as const,
    buckets: LATENCY_BUCKETS,
  });

  readonly ingestEvents = new Counter({
    name: 'tally_ingest_events_total',
    help: 'Events written by ingest (after de-duplication)',
    registers: [this.registry],
  });

  readonly ingestBatches = new Counter({
    name: 'tally_ingest_batches_total',
    help: 'Ingest requests that wrote at least one event',
    registers: [this.registry],
  });

  readonly ingestBytes = new Counter({
    name: 'tally_ingest_bytes_total',
    help: 'Request body bytes of successful ingest requests',
    registers: [this.registry],
  });

  readonly queryDuration = new Histogram({
    name: 'tally_query_duration_seconds',
    help: 'Store time of engine queries by kind (query, sql) and outcome (ok, error, timeout)',
    labelNames: ['kind', 'outcome'] as const,
    buckets: LATENCY_BUCKETS,
    registers: [this.registry],
  });

  /** Where tally_cache_requests_total comes from: the cache's own cumulative counters. */
  cacheCounts: (() => Array<{ layer: string; result: 'hit' | 'miss'; value: number }>) | null = null;

  readonly cacheRequests = ((read: () => ReturnType<NonNullable<OpsMetrics['cacheCounts']>>) =>
    new Counter({
      name: 'tally_cache_requests_total',
      help: 'Query cache lookups by layer (memory, redis) and result (hit, miss), read from the cache at scrape time',
      labelNames: ['layer', 'result'] as const,
      registers: [this.registry],
      collect() {
        // Absolute values: reset, then add each count once per scrape.
        this.reset();
        for (const c of read()) this.inc({ layer: c.layer, result: c.result }, c.value);
      },
    }))(() => this.cacheCounts?.() ?? []);

  readonly liveConnections = new Gauge({
    name: 'tally_live_connections',
    help: 'Open live connections by transport (ws, sse)',
    labelNames: ['transport'] as const,
    registers: [this.registry],
  });

  readonly rateLimitRejections = new Counter({
    name: 'tally_rate_limit_rejections_total',
    help: 'Requests refused with 429 by route class, scope (org, credential, ip) and reason (limit, penalty, concurrency)',
    labelNames: ['class', 'scope', 'reason'] as const,
    registers: [this.registry],
  });

  /**
   * A gauge read at scrape time from whoever owns the number (server connections, query slots,
   * Redis state), so nothing has to push updates.
   */
  gauge(name: string, help: string, read: (gauge: Gauge<string>) => void | Promise<void>, labelNames: readonly string[] = []): Gauge<string> {
    return new Gauge({
      name,
      help,
      labelNames,
      registers: [this.registry],
      async collect() {
        await read(this);
      },
    });
  }

  /** Prometheus text format: the process metrics, then this app's. */
  async text(): Promise<string> {
    const app = await this.registry.metrics();
    const proc = await processMetrics().metrics();
    return `${proc.trimEnd()}\n${this.httpDuration.render()}\n\n${app.trimEnd()}\n`;
  }
}
