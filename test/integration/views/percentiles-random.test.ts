/**
 * Property: GET /percentiles answers what the values say, for random values. Random amounts in a
 * few currencies (ties, single values, wide spreads), random percentiles, threshold and dimension:
 * the overall and per-group percentiles (continuous, linear interpolation), count, avg, min, max
 * and SLA share at or under the threshold must equal the reference; groups come most values first.
 * Runs on DuckDB and PostgreSQL.
 */
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { StoredEvent } from '../../../src/domain/event.js';
import type { TestApp } from '../../fixtures/app.js';
import { createTestApp } from '../../fixtures/app.js';
import { agg, groupBy } from '../../fixtures/reference.js';
import { FIXTURE_END } from './setup.js';

const RUNS = Number(process.env['TALLY_FUZZ_RUNS'] ?? 12) * 4;
const FROM = FIXTURE_END - 86_400_000;

interface Stats {
  values: Record<string, number | null>;
  count: number;
  avg: number | null;
  min: number | null;
  max: number | null;
  sla?: { threshold: number; count: number; within: number | null };
}
type Reply = Stats & { groups?: Array<Stats & { value: unknown }> };

const payment = fc.record({ amount: fc.oneof(fc.integer({ min: 0, max: 20 }), fc.double({ min: -100, max: 1e5, noNaN: true }).map((x) => Math.round(x * 100) / 100)), currency: fc.constantFrom('EUR', 'USD', 'GBP') });

let t: TestApp;
let org = 0;

beforeAll(async () => {
  t = await createTestApp({ now: FIXTURE_END });
});
afterAll(() => t.close());

function close(actual: unknown, expected: number | null, what: string): void {
  if (expected === null) return expect(actual, what).toBeNull();
  expect(typeof actual, what).toBe('number');
  // Replies carry six significant digits.
  expect(Math.abs((actual as number) - expected), `${what}: ${String(actual)} vs ${expected}`).toBeLessThanOrEqual(1e-5 * Math.max(1, Math.abs(expected)));
}

function expectStats(actual: Stats, events: readonly StoredEvent[], ps: number[], threshold: number, what: string): void {
  const amounts = events.map((e) => e.props['amount'] as number);
  expect(actual.count, what).toBe(amounts.length);
  close(actual.avg, agg.avg(events, 'amount'), `${what} avg`);
  close(actual.min, agg.min(events, 'amount'), `${what} min`);
  close(actual.max, agg.max(events, 'amount'), `${what} max`);
  for (const p of ps) close(actual.values[`p${p}`], agg.percentile(events, 'amount', p / 100), `${what} p${p}`);
  const within = amounts.filter((a) => a <= threshold).length;
  expect(actual.sla?.count, `${what} sla.count`).toBe(within);
  close(actual.sla?.within ?? null, amounts.length === 0 ? null : within / amounts.length, `${what} sla.within`);
}

describe('percentiles of random values', () => {
  it('equal the reference overall and per group', { timeout: Math.max(30_000, RUNS * 500) }, async () => {
    const ps = fc.uniqueArray(fc.constantFrom(1, 25, 50, 90, 95, 99), { minLength: 1, maxLength: 4 });
    await fc.assert(
      fc.asyncProperty(fc.array(payment, { minLength: 1, maxLength: 40 }), ps, fc.integer({ min: -5, max: 100 }), async (paid, p, threshold) => {
        const name = `percentiles-${org++}`;
        const events = paid.map((x, i): StoredEvent => ({ event: 'payment.completed', timestamp: FROM + i * 1000, actor: 'u', id: null, props: { amount: x.amount + 0, currency: x.currency } }));
        await t.seed(name, events);
        const query = `field=amount&event=payment.completed&p=${p.join(',')}&threshold=${threshold}&dimension=currency&from=${new Date(FROM).toISOString()}&to=${new Date(FIXTURE_END).toISOString()}`;
        const res = await t.app.inject({ url: `/api/v1/percentiles?${query}`, headers: { authorization: `Bearer ${await t.token(name, 'analyst')}` } });
        const what = `${query} over ${JSON.stringify(paid)}`;
        expect(res.statusCode, `${what} → ${res.body}`).toBe(200);
        const body = res.json<Reply>();
        expectStats(body, events, p, threshold, what);
        const groups = groupBy(events, (e) => e.props['currency']);
        expect(body.groups?.length, what).toBe(groups.size);
        const counts = (body.groups ?? []).map((g) => g.count);
        expect(counts, `${what}: most values first`).toEqual([...counts].sort((a, b) => b - a));
        for (const g of body.groups ?? []) expectStats(g, groups.get(g.value as string) ?? [], p, threshold, `${what} [${String(g.value)}]`);
      }),
      { numRuns: RUNS },
    );
  });
});
