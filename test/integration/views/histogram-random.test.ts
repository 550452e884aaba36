/**
 * Property: `GET /breakdown/{field}?bins=N` keeps its documented shape for any values. Random
 * amounts (negative, fractional, repeated, far apart) and random N must give at most N contiguous
 * bins of one round width (1, 2, 2.5 or 5 × 10^k) starting at a multiple of it, covering min…max,
 * with every value counted once in the bin its edges say (the last bin includes the maximum), and
 * total, min and max as the values have them. Runs on DuckDB and PostgreSQL.
 */
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { StoredEvent } from '../../../src/domain/event.js';
import type { TestApp } from '../../fixtures/app.js';
import { createTestApp } from '../../fixtures/app.js';
import { FIXTURE_END } from './setup.js';

const RUNS = Number(process.env['TALLY_FUZZ_RUNS'] ?? 12) * 4;
const FROM = FIXTURE_END - 86_400_000;

interface Histogram {
  bins: Array<{ from: number; to: number; count: number }>;
  total: number;
  min: number | null;
  max: number | null;
}

/** Whether `w` is 1, 2, 2.5 or 5 times a power of ten (within float error). */
function isRound(w: number): boolean {
  const k = Math.floor(Math.log10(w));
  return [1, 2, 2.5, 5, 10].some((m) => Math.abs(w - m * 10 ** k) <= 1e-9 * w);
}

const amounts = fc.oneof(
  fc.array(fc.integer({ min: -50, max: 50 }), { minLength: 1, maxLength: 40 }),
  fc.array(fc.double({ min: -1e6, max: 1e6, noNaN: true }).map((x) => Math.round(x * 100) / 100), { minLength: 1, maxLength: 40 }),
  fc.array(fc.constantFrom(0.1, 0.3, 7, 7, 1e-3, 99.99), { minLength: 1, maxLength: 20 }),
);

let t: TestApp;
let org = 0;

beforeAll(async () => {
  t = await createTestApp({ now: FIXTURE_END });
});
afterAll(() => t.close());

describe('histograms of random values', () => {
  it('have at most N round, aligned, contiguous bins counting every value once', { timeout: Math.max(30_000, RUNS * 500) }, async () => {
    await fc.assert(
      fc.asyncProperty(amounts, fc.integer({ min: 1, max: 200 }), async (drawn, n) => {
        // -0 is 0 once stored.
        const values = drawn.map((v) => v + 0);
        const name = `histogram-${org++}`;
        const events = values.map((amount, i): StoredEvent => ({ event: 'payment.completed', timestamp: FROM + i * 1000, actor: 'u', id: null, props: { amount } }));
        await t.seed(name, events);
        const url = `/api/v1/breakdown/amount?bins=${n}&event=payment.completed&from=${new Date(FROM).toISOString()}&to=${new Date(FIXTURE_END).toISOString()}`;
        const res = await t.app.inject({ url, headers: { authorization: `Bearer ${await t.token(name, 'analyst')}` } });
        const what = `bins=${n} over ${JSON.stringify(values)}`;
        expect(res.statusCode, `${what} → ${res.body}`).toBe(200);
        const h = res.json<Histogram>();
        const min = Math.min(...values);
        const max = Math.max(...values);
        expect([h.total, h.min, h.max], what).toEqual([values.length, min, max]);
        expect(h.bins.length, what).toBeGreaterThanOrEqual(1);
        expect(h.bins.length, what).toBeLessThanOrEqual(n);
        // One value, or one bin over values on both sides of 0: the bin is min…max.
        if (min === max || (n === 1 && min < 0 && max > 0)) {
          expect(h.bins, what).toEqual([{ from: min, to: max, count: values.length }]);
          return;
        }
        const w = h.bins[0]!.to - h.bins[0]!.from;
        expect(isRound(w), `${what}: width ${w}`).toBe(true);
        expect(Math.abs(h.bins[0]!.from / w - Math.round(h.bins[0]!.from / w)), `${what}: start ${h.bins[0]!.from}`).toBeLessThan(1e-6);
        h.bins.forEach((b, i) => {
          expect(Math.abs(b.to - b.from - w), `${what}: bin ${i}`).toBeLessThanOrEqual(1e-9 * Math.max(1, Math.abs(w)));
          if (i > 0) expect(b.from, `${what}: bin ${i} starts where ${i - 1} ends`).toBe(h.bins[i - 1]!.to);
        });
        const last = h.bins.length - 1;
        expect(h.bins[0]!.from, what).toBeLessThanOrEqual(min);
        expect(h.bins[last]!.to, what).toBeGreaterThanOrEqual(max);
        const counted = h.bins.map((b, i) => values.filter((v) => v >= b.from && (v < b.to || (i === last && v <= b.to))).length);
        expect(h.bins.map((b) => b.count), what).toEqual(counted);
      }),
      { numRuns: RUNS },
    );
  });
});
