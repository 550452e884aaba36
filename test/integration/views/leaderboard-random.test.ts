/**
 * Property: GET /leaderboard ranks as docs/api.md "Rankings" says, for random histories. A few
 * actors make random payments and page views (small amounts, so values tie), a random metric of
 * the shop model is ranked in either order with random paging, and the entries, participants and
 * the caller's `me` must equal a reference: participants are the actors with an event the metric
 * reads in the range and a non-null value, competition ranks ("1224"), ties listed by actor id,
 * percentile = share of the others strictly worse × 100 (two decimals). Runs on DuckDB and
 * PostgreSQL.
 */
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { StoredEvent } from '../../../src/domain/event.js';
import type { TestApp } from '../../fixtures/app.js';
import { createTestApp } from '../../fixtures/app.js';
import { agg, groupBy } from '../../fixtures/reference.js';
import { FIXTURE_END } from './setup.js';

const RUNS = Number(process.env['TALLY_FUZZ_RUNS'] ?? 12) * 4;
const M = 60_000;
const FROM = FIXTURE_END - 2 * 24 * 60 * M;
const TO = FIXTURE_END - 60 * M;
const PAID = 'payment.completed';
const FAILED = 'payment.failed';

/** Shop-model metrics (test/fixtures/models/shop.yaml): the events they read and their value. */
const METRICS: Record<string, { events: string[]; value: (xs: StoredEvent[]) => number | null }> = {
  revenue: { events: [PAID], value: (xs) => agg.sum(xs.filter((e) => e.event === PAID), 'amount') },
  payments: { events: [PAID], value: (xs) => xs.filter((e) => e.event === PAID).length },
  big_payments: { events: [PAID], value: (xs) => xs.filter((e) => e.event === PAID && (e.props['amount'] as number) >= 50).length },
  p90_amount: { events: [PAID], value: (xs) => agg.percentile(xs.filter((e) => e.event === PAID), 'amount', 0.9) },
  failure_rate: {
    events: [PAID, FAILED],
    value: (xs) => {
      const attempts = xs.filter((e) => e.event === PAID || e.event === FAILED).length;
      return attempts === 0 ? null : xs.filter((e) => e.event === FAILED).length / attempts;
    },
  },
};

interface Entry {
  rank: number;
  actor: string;
  value: number;
  percentile: number;
}

function reference(events: readonly StoredEvent[], metric: string, order: 'asc' | 'desc'): Entry[] {
  const def = METRICS[metric]!;
  const inRange = events.filter((e) => e.timestamp >= FROM && e.timestamp < TO);
  const rows: Array<{ actor: string; value: number }> = [];
  for (const [actor, xs] of groupBy(inRange, (e) => e.actor ?? '')) {
    if (!xs.some((e) => def.events.includes(e.event))) continue;
    const value = def.value(xs);
    if (value !== null) rows.push({ actor, value });
  }
  const better = (a: number, b: number): boolean => (order === 'desc' ? a > b : a < b);
  const n = rows.length;
  return rows
    .map((r) => ({
      actor: r.actor,
      value: r.value,
      rank: 1 + rows.filter((o) => better(o.value, r.value)).length,
      percentile: n <= 1 ? 0 : Math.round((rows.filter((o) => better(r.value, o.value)).length / (n - 1)) * 10_000) / 100,
    }))
    .sort((a, b) => a.rank - b.rank || (a.actor < b.actor ? -1 : a.actor > b.actor ? 1 : 0));
}

const history = fc.array(
  fc.record({
    actor: fc.constantFrom('u_a', 'u_b', 'u_c', 'u_d', 'u_e', 'u_f'),
    event: fc.constantFrom(PAID, PAID, FAILED, 'page.viewed'),
    minute: fc.integer({ min: -60, max: 2 * 24 * 60 }),
    amount: fc.constantFrom(10, 20, 50, 60),
  }),
  { minLength: 1, maxLength: 30 },
);

let t: TestApp;
let org = 0;

beforeAll(async () => {
  t = await createTestApp({ now: FIXTURE_END });
});
afterAll(() => t.close());

describe('random leaderboards over random histories', () => {
  it('rank, page and place the caller as the rules say', { timeout: Math.max(30_000, RUNS * 500) }, async () => {
    const params = fc.record({
      metric: fc.constantFrom(...Object.keys(METRICS)),
      order: fc.constantFrom('asc' as const, 'desc' as const),
      limit: fc.integer({ min: 1, max: 4 }),
      offset: fc.integer({ min: 0, max: 4 }),
      me: fc.constantFrom('u_a', 'u_f', 'u_nobody'),
    });
    await fc.assert(
      fc.asyncProperty(history, params, async (done, p) => {
        const name = `leaderboard-${org++}`;
        const events = done.map((d): StoredEvent => ({
          event: d.event,
          timestamp: FROM + d.minute * M,
          actor: d.actor,
          id: null,
          props: d.event === 'page.viewed' ? { page: '/' } : { amount: d.amount, currency: 'EUR' as string },
        }));
        await t.seed(name, events);
        const query = `metric=${p.metric}&order=${p.order}&limit=${p.limit}&offset=${p.offset}&from=${new Date(FROM).toISOString()}&to=${new Date(TO).toISOString()}`;
        const res = await t.app.inject({ url: `/api/v1/leaderboard?${query}`, headers: { authorization: `Bearer ${await t.token(name, 'viewer', p.me)}` } });
        const what = `${query} me=${p.me} over ${JSON.stringify(done)}`;
        expect(res.statusCode, `${what} → ${res.body}`).toBe(200);
        const body = res.json<{ entries: Entry[]; participants: number; me: (Omit<Entry, 'rank'> & { rank: number | null; gapToNext: number | null }) | null }>();
        const all = reference(events, p.metric, p.order);
        expect(body.participants, what).toBe(all.length);
        expect(body.entries.map((e) => ({ ...e, value: Math.round(e.value * 1e9) / 1e9 })), what).toEqual(
          all.slice(p.offset, p.offset + p.limit).map((e) => ({ ...e, value: Math.round(e.value * 1e9) / 1e9 })),
        );
        const mine = all.find((e) => e.actor === p.me);
        expect(body.me?.rank ?? null, what).toBe(mine?.rank ?? null);
        if (mine) {
          expect(body.me?.percentile, what).toBe(mine.percentile);
          const betterValues = all.filter((e) => e.rank < mine.rank).map((e) => e.value);
          const next = betterValues.length === 0 ? null : p.order === 'desc' ? Math.min(...betterValues) : Math.max(...betterValues);
          const gap = body.me?.gapToNext ?? null;
          if (next === null) expect(gap, what).toBeNull();
          else expect(gap, what).toBeCloseTo(Math.abs(next - mine.value), 9);
        }
      }),
      { numRuns: RUNS },
    );
  });
});
