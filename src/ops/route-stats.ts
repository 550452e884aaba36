/**
 * Per-route request statistics over a rolling window (default 5 minutes): rate, p50/p95/p99
 * latency and error rates — the "system performance" panel. Routes are keyed by method and
 * route template, so ids in paths do not multiply the entries.
 */
import { LatencyHistogram } from './latency-histogram.js';
import { Rolling } from './rolling.js';

interface RouteSlice {
  latency: LatencyHistogram;
  serverErrors: number;
  clientErrors: number;
}

export interface RouteSummary {
  route: string;
  requests: number;
  perSecond: number;
  p50Ms: number | null;
  p95Ms: number | null;
  p99Ms: number | null;
  maxMs: number | null;
  /** Share of 5xx replies. */
  errorRate: number;
  /** Share of 4xx replies (401, 404, 429 …). */
  clientErrorRate: number;
}

export interface RouteStatsOptions {
  windowMs?: number;
  slots?: number;
  now?: () => number;
}

const round = (n: number | null, digits = 2): number | null => (n === null ? null : Math.round(n * 10 ** digits) / 10 ** digits);

function summarize(route: string, slices: RouteSlice[], seconds: number): RouteSummary {
  const latency = new LatencyHistogram();
  let serverErrors = 0;
  let clientErrors = 0;
  for (const s of slices) {
    latency.merge(s.latency);
    serverErrors += s.serverErrors;
    clientErrors += s.clientErrors;
  }
  const n = latency.total;
  return {
    route,
    requests: n,
    perSecond: round(n / seconds) ?? 0,
    p50Ms: round(latency.quantile(0.5)),
    p95Ms: round(latency.quantile(0.95)),
    p99Ms: round(latency.quantile(0.99)),
    maxMs: n === 0 ? null : round(latency.max),
    errorRate: n === 0 ? 0 : (round(serverErrors / n, 4) ?? 0),
    clientErrorRate: n === 0 ? 0 : (round(clientErrors / n, 4) ?? 0),
  };
}

export class RouteStats {
  private readonly rolling: Rolling<Map<string, RouteSlice>>;
  private readonly startedAt: number;
  private readonly now: () => number;

  constructor(options: RouteStatsOptions = {}) {
    this.now = options.now ?? Date.now;
    this.rolling = new Rolling(options.windowMs ?? 300_000, options.slots ?? 30, () => new Map(), this.now);
    this.startedAt = this.now();
  }

  get windowSeconds(): number {
    return this.rolling.windowMs / 1000;
  }

  record(route: string, durationMs: number, status: number): void {
    const slice = this.rolling.current();
    let entry = slice.get(route);
    if (!entry) {
      entry = { latency: new LatencyHistogram(), serverErrors: 0, clientErrors: 0 };
      slice.set(route, entry);
    }
    entry.latency.record(durationMs);
    if (status >= 500) entry.serverErrors++;
    else if (status >= 400) entry.clientErrors++;
  }

  /** Every route seen in the window (busiest first) and all of them together. */
  summary(): { routes: RouteSummary[]; overall: RouteSummary } {
    const seconds = this.rolling.coveredMs(this.startedAt) / 1000;
    const byRoute = new Map<string, RouteSlice[]>();
    const all: RouteSlice[] = [];
    for (const slice of this.rolling.values()) {
      for (const [route, entry] of slice) {
        const list = byRoute.get(route) ?? [];
        list.push(entry);
        byRoute.set(route, list);
        all.push(entry);
      }
    }
    const routes = [...byRoute].map(([route, slices]) => summarize(route, slices, seconds)).sort((a, b) => b.requests - a.requests);
    return { routes, overall: summarize('*', all, seconds) };
  }
}
