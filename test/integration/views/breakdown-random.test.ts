/**
 * Property: GET /breakdown/{field} follows docs/api.md for random requests over the fixture
 * events: the top `limit` values of the field by the metric (most first, equal values by the
 * field's value, null metrics last; a null value of the field is an item), each with its share of
 * the total for counts, sums and distinct counts, `other` = total − the listed values for counts
 * and sums (null otherwise), and `total` = the metric over all selected rows. Random fields,
 * metrics, limits, ranges, `event=` and filters. Runs on DuckDB and PostgreSQL.
 */
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { StoredEvent } from '../../../src/domain/event.js';
import type { BreakdownResult } from '../../../src/engine/views/breakdown.js';
import type { TestApp } from '../../fixtures/app.js';
import { createTestApp } from '../../fixtures/app.js';
import { FIXTURE_DAYS, FIXTURE_END, fixtureEvents } from '../../fixtures/events.js';
import { predicate, randomFilter } from '../../fixtures/random-queries.js';
import { agg, field } from '../../fixtures/reference.js';

const RUNS = Number(process.env['TALLY_FUZZ_RUNS'] ?? 12) * 5;
const START = FIXTURE_END - FIXTURE_DAYS * 86_400_000;
const events = fixtureEvents(800, 61);
const METRICS: Record<string, { compute: (xs: readonly StoredEvent[]) => number | null; shares: boolean; additive: boolean }> = {
  count: { compute: (xs) => agg.count(xs), shares: true, additive: true },
  'sum(amount)': { compute: (xs) => agg.sum(xs, 'amount'), shares: true, additive: true },
  'count_distinct(actor)': { compute: (xs) => agg.countDistinct(xs, 'actor'), shares: true, additive: false },
  'avg(amount)': { compute: (xs) => agg.avg(xs, 'amount'), shares: false, additive: false },
};
const FIELDS = ['channel', 'currency', 'page', 'props.coupon', 'event', 'actor', 'premium'];

let t: TestApp;
let token: string;

beforeAll(async () => {
  t = await createTestApp({ now: FIXTURE_END });
  await t.seed('acme', events);
  token = await t.token('acme', 'analyst');
});
afterAll(() => t.close());

const close = (a: number | null | undefined, b: number | null): boolean =>
  b === null ? a === null : typeof a === 'number' && Math.abs(a - b) <= 1e-9 * Math.max(1, Math.abs(b));

/** Field values sort like SQL: numbers and strings naturally, false before true, null last. */
function byValue(a: unknown, b: unknown): number {
  if (a === b) return 0;
  if (a === null) return 1;
  if (b === null) return -1;
  return (a as string) < (b as string) ? -1 : 1;
}

describe('random breakdowns', () => {
  it('list the top values with shares, other and total as documented', { timeout: Math.max(30_000, RUNS * 400) }, async () => {
    const request = fc.record({
      field: fc.constantFrom(...FIELDS),
      metric: fc.constantFrom(...Object.keys(METRICS)),
      limit: fc.integer({ min: 1, max: 8 }),
      event: fc.option(fc.constantFrom('payment.completed', 'page.viewed', 'payment.failed,page.viewed'), { nil: undefined }),
      filters: fc.array(randomFilter(events), { maxLength: 2 }),
      span: fc.tuple(fc.integer({ min: 0, max: FIXTURE_DAYS * 24 * 60 }), fc.integer({ min: 1, max: FIXTURE_DAYS * 24 * 60 })),
    });
    await fc.assert(
      fc.asyncProperty(request, async (q) => {
        const from = START + q.span[0] * 60_000;
        const to = from + q.span[1] * 60_000;
        const params = new URLSearchParams({ metric: q.metric, limit: String(q.limit), from: new Date(from).toISOString(), to: new Date(to).toISOString() });
        if (q.event) params.set('event', q.event);
        if (q.filters.length > 0) params.set('filters', JSON.stringify(q.filters));
        const res = await t.app.inject({ method: 'GET', url: `/api/v1/breakdown/${q.field}?${params.toString()}`, headers: { authorization: `Bearer ${token}` } });
        const what = JSON.stringify(q);
        expect(res.statusCode, `${what} → ${res.body}`).toBe(200);
        const body = res.json<BreakdownResult>();
        const names = q.event?.split(',');
        const rows = events.filter((e) => e.timestamp >= from && e.timestamp < to && (!names || names.includes(e.event)) && q.filters.every((f) => predicate(f)(e)));
        const m = METRICS[q.metric]!;
        const total = m.compute(rows);
        const groups = new Map<unknown, StoredEvent[]>();
        for (const e of rows) {
          const v = field(e, q.field) ?? null;
          groups.set(v, [...(groups.get(v) ?? []), e]);
        }
        const items = [...groups].map(([value, xs]) => ({ value, metric: m.compute(xs) }));
        items.sort((a, b) => (a.metric === b.metric ? byValue(a.value, b.value) : a.metric === null ? 1 : b.metric === null ? -1 : b.metric - a.metric));
        const top = items.slice(0, q.limit);
        expect(body.items.length, what).toBe(top.length);
        // Values whose metrics differ by float noise may swap places; equal ones must follow the field's order.
        body.items.forEach((item, i) => {
          const expected = top.find((x) => x.value === item.value);
          expect(expected, `${what}: ${JSON.stringify(item.value)} is not among the top ${q.limit}`).toBeDefined();
          expect(close(item.metric, expected!.metric), `${what} ${JSON.stringify(item.value)} metric`).toBe(true);
          expect(close(item.share, m.shares && expected!.metric !== null && total !== null && total !== 0 ? expected!.metric / total : null), `${what} share`).toBe(true);
          if (i > 0 && body.items[i - 1]!.metric === item.metric) expect(byValue(body.items[i - 1]!.value, item.value), `${what} tie order`).toBeLessThan(0);
        });
        expect(close(body.total, total), `${what} total`).toBe(true);
        const listed = top.reduce((n, x) => n + (x.metric ?? 0), 0);
        expect(close(body.other, m.additive && total !== null ? Math.max(0, total - listed) : null), `${what} other = ${body.other}`).toBe(true);
      }),
      { numRuns: RUNS },
    );
  });
});
