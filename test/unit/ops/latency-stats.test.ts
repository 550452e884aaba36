import { describe, expect, it } from 'vitest';
import { LatencyHistogram } from '../../../src/ops/latency-histogram.js';
import { RouteStats } from '../../../src/ops/route-stats.js';

describe('LatencyHistogram', () => {
  it('answers percentiles within its bucket resolution', () => {
    const h = new LatencyHistogram();
    for (let i = 1; i <= 1000; i++) h.record(i);
    expect(h.quantile(0.5)).toBeGreaterThan(500 * 0.95);
    expect(h.quantile(0.5)).toBeLessThan(500 * 1.05);
    expect(h.quantile(0.99)).toBeGreaterThan(990 * 0.95);
    expect(h.quantile(0.99)).toBeLessThanOrEqual(1000);
    expect(new LatencyHistogram().quantile(0.5)).toBeNull();
  });
});

describe('RouteStats', () => {
  it('reports per-route percentiles and error rates over a rolling window', () => {
    const now = { t: 1_000_000 };
    const stats = new RouteStats({ windowMs: 60_000, slots: 6, now: () => now.t });
    for (let i = 0; i < 90; i++) stats.record('GET /a', 10, 200);
    for (let i = 0; i < 10; i++) stats.record('GET /a', 100, 500);
    stats.record('POST /b', 5, 404);
    const { routes, overall } = stats.summary();
    const a = routes.find((r) => r.route === 'GET /a');
    expect(a).toMatchObject({ requests: 100, errorRate: 0.1, clientErrorRate: 0 });
    expect(a?.p50Ms).toBeCloseTo(10, -0.5);
    expect(a?.p99Ms).toBeGreaterThan(90);
    expect(overall.requests).toBe(101);
    expect(routes[0]?.route).toBe('GET /a');

    // Past the window everything has rolled out.
    now.t += 61_000;
    expect(stats.summary().overall.requests).toBe(0);
  });
});
