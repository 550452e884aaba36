/** The per-request histogram (ops/bound-histogram.ts): Prometheus bucket semantics and text format. */
import { describe, expect, it } from 'vitest';
import { BoundHistogram } from '../../../src/ops/bound-histogram.js';

const BUCKETS = [0.001, 0.01, 0.1, 1];

function histogram(): BoundHistogram<'route' | 'status'> {
  return new BoundHistogram({ name: 'req_seconds', help: 'Request time', labelNames: ['route', 'status'], buckets: BUCKETS });
}

/** Cumulative count of observations ≤ bound, counted directly from the raw values. */
function atMost(values: readonly number[], bound: number): number {
  return values.filter((v) => v <= bound).length;
}

describe('BoundHistogram', () => {
  it('counts each observation in every bucket whose bound it does not exceed (le), plus sum and count', () => {
    const h = histogram();
    const values = [0.0005, 0.001, 0.0011, 0.05, 0.1, 0.7, 3];
    const series = h.bind({ route: '/a', status: '200' });
    for (const v of values) series.observe(v);
    const text = h.render();
    for (const bound of BUCKETS) {
      expect(text).toContain(`req_seconds_bucket{le="${bound}",route="/a",status="200"} ${atMost(values, bound)}`);
    }
    expect(text).toContain(`req_seconds_bucket{le="+Inf",route="/a",status="200"} ${values.length}`);
    expect(text).toContain(`req_seconds_count{route="/a",status="200"} ${values.length}`);
    const sum = Number(/req_seconds_sum\{route="\/a",status="200"\} (\S+)/.exec(text)?.[1]);
    expect(sum).toBeCloseTo(values.reduce((a, b) => a + b, 0), 12);
  });

  it('binds a label set once: the same series however often it is asked for', () => {
    const h = histogram();
    h.bind({ route: '/a', status: '200' }).observe(0.002);
    h.bind({ route: '/a', status: '200' }).observe(0.003);
    h.bind({ route: '/a', status: '500' }).observe(0.004);
    const text = h.render();
    expect(text).toContain('req_seconds_count{route="/a",status="200"} 2');
    expect(text).toContain('req_seconds_count{route="/a",status="500"} 1');
    expect(text.match(/# TYPE req_seconds histogram/g)).toHaveLength(1);
  });

  it('escapes label values and ignores values that are not finite', () => {
    const h = histogram();
    const s = h.bind({ route: 'a "quoted" \\ path\nnext', status: '200' });
    s.observe(Number.NaN);
    s.observe(Number.POSITIVE_INFINITY);
    s.observe(0.5);
    const text = h.render();
    expect(text).toContain('req_seconds_count{route="a \\"quoted\\" \\\\ path\\nnext",status="200"} 1');
    expect(text.split('\n').every((line) => !line.includes('NaN'))).toBe(true);
  });

  it('renders HELP and TYPE even before the first observation', () => {
    expect(histogram().render()).toBe('# HELP req_seconds Request time\n# TYPE req_seconds histogram');
  });

  it('refuses buckets that are not ascending', () => {
    expect(() => new BoundHistogram({ name: 'x', help: 'x', labelNames: [], buckets: [1, 0.5] })).toThrow(/ascending/);
  });
});
