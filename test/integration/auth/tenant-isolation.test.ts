/**
 * Property: whatever org A asks, it gets exactly what an installation holding only org A's data
 * would answer — so no row, value or count of org B can leak in. Random queries (model metrics and
 * ad hoc aggregates, dimensions including actor, filters with every op and values of both orgs,
 * presets and explicit ranges, granularities, timezones, comparisons) run through HTTP, the full
 * stack including the answer cache (on in the test app as in `tally serve`): each query is asked
 * by org B first, so a cache key without the org would hand B's answer to A, and A asks twice so
 * its cached answer is checked too. Exports and live queries must join this property as they land.
 */
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { defaultOpsConfig } from '../../../src/config/ops.js';
import type { StoredEvent } from '../../../src/domain/event.js';
import type { TestApp } from '../../fixtures/app.js';
import { createTestApp } from '../../fixtures/app.js';
import { FIXTURE_DAYS, FIXTURE_END, fixtureEvents } from '../../fixtures/events.js';

const ORG_A = 'acme';
const ORG_B = 'globex';
/** Values that exist only in org B's data. */
const B_ONLY = ['b-only-channel', 'B-ONLY-COUPON'];

function orgEvents(prefix: 'a' | 'b', seed: number): StoredEvent[] {
  return fixtureEvents(400, seed).map((e, i) => ({
    ...e,
    actor: e.actor ? e.actor.replace(/^u_/, `${prefix}_`) : null,
    id: `${prefix}-${i}`,
    props: prefix === 'b' && i % 3 === 0 ? { ...e.props, channel: B_ONLY[0]!, coupon: B_ONLY[1]! } : e.props,
  }));
}

let full: TestApp;
let onlyA: TestApp;
let tokenA: string;
let tokenB: string;
let tokenOnlyA: string;

beforeAll(async () => {
  // Request rate limits off: hundreds of queries per minute from one token are the point here.
  const ops = { rateLimits: { ...defaultOpsConfig().rateLimits, enabled: false } };
  [full, onlyA] = await Promise.all([createTestApp({ now: FIXTURE_END, ops }), createTestApp({ now: FIXTURE_END, ops })]);
  const a = orgEvents('a', 7);
  await full.seed(ORG_A, a);
  await full.seed(ORG_B, orgEvents('b', 11));
  await onlyA.seed(ORG_A, a);
  tokenA = await full.token(ORG_A, 'analyst');
  tokenB = await full.token(ORG_B, 'analyst');
  tokenOnlyA = await onlyA.token(ORG_A, 'analyst');
});
afterAll(async () => {
  await Promise.all([full?.close(), onlyA?.close()]);
});

const STRING_FIELDS = ['actor', 'event', 'channel', 'currency', 'page', 'props.coupon'];
const NUMBER_FIELDS = ['amount', 'score'];
const STRING_VALUES = ['a_1', 'a_12', 'b_1', 'b_12', 'a_', 'b_', 'EUR', 'USD', 'web', 'app', 'payment.completed', 'page.viewed', '/home', 'SPRING', 'VIP', ...B_ONLY];

const stringFilter = fc.record({
  field: fc.constantFrom(...STRING_FIELDS),
  op: fc.constantFrom('eq', 'neq', 'contains', 'starts_with'),
  value: fc.constantFrom(...STRING_VALUES),
});
const listFilter = fc.record({
  field: fc.constantFrom(...STRING_FIELDS),
  op: fc.constantFrom('in', 'nin'),
  value: fc.uniqueArray(fc.constantFrom(...STRING_VALUES), { minLength: 1, maxLength: 4 }),
});
const numberFilter = fc.record({
  field: fc.constantFrom(...NUMBER_FIELDS),
  op: fc.constantFrom('eq', 'neq', 'gt', 'gte', 'lt', 'lte'),
  value: fc.integer({ min: 0, max: 150 }),
});
const presenceFilter = fc.record({ field: fc.constantFrom(...STRING_FIELDS, ...NUMBER_FIELDS, 'premium'), op: fc.constantFrom('exists', 'not_exists') });
const boolFilter = fc.record({ field: fc.constant('premium'), op: fc.constantFrom('eq', 'neq'), value: fc.boolean() });

const DAY = 86_400_000;
const explicitRange = fc
  .tuple(fc.integer({ min: 0, max: FIXTURE_DAYS + 2 }), fc.integer({ min: 1, max: FIXTURE_DAYS + 2 }))
  .map(([back, length]) => ({
    from: new Date(FIXTURE_END - back * DAY - 3_600_000).toISOString(),
    to: new Date(FIXTURE_END - back * DAY - 3_600_000 + length * DAY).toISOString(),
  }));
const timeRange = fc.oneof(fc.constantFrom('24h', '7d', '30d', '90d', 'all', 'this_month', 'last_month', 'this_week').map((preset) => ({ preset })), explicitRange);

function queryArbitrary(modelMetrics: string[]) {
  const adHoc = ['count', 'count_distinct(actor)', 'count_distinct(props.coupon)', 'sum(amount)', 'avg(score)', 'min(amount)', 'max(score)', 'p50(amount)', 'p95(score)', 'median(amount)'];
  return fc
    .record({
      metrics: fc.uniqueArray(fc.constantFrom(...adHoc, ...modelMetrics), { minLength: 1, maxLength: 3 }),
      dimensions: fc.uniqueArray(fc.constantFrom('actor', 'event', 'channel', 'currency', 'premium', 'page', 'props.coupon'), { maxLength: 2 }),
      filters: fc.array(fc.oneof(stringFilter, listFilter, numberFilter, presenceFilter, boolFilter), { maxLength: 3 }),
      timeRange,
      granularity: fc.constantFrom(undefined, '1d', '1w'),
      timezone: fc.constantFrom('UTC', 'Europe/Berlin', 'America/New_York'),
      compare: fc.constantFrom(undefined, 'previous_period'),
      fill: fc.constantFrom(undefined, 'none'),
    })
    .map((q) => {
      // Keep results small enough that the row limit never cuts them (then ties could differ).
      const dimensions = q.granularity ? q.dimensions.slice(0, 1) : q.dimensions;
      return Object.fromEntries(Object.entries({ ...q, dimensions, limit: 10_000 }).filter(([, v]) => v !== undefined));
    });
}

async function ask(t: TestApp, token: string, query: object) {
  const res = await t.app.inject({ method: 'POST', url: '/api/v1/query', headers: { authorization: `Bearer ${token}` }, payload: query });
  return {
    status: res.statusCode,
    body: res.json() as { rows?: Array<Record<string, unknown>>; columns?: unknown; meta?: { timeRange?: unknown; cache?: { hit?: boolean } } },
  };
}

/** Rows as sorted JSON with numbers at 10 significant digits (float sums may differ in the last bits). */
function canonical(rows: Array<Record<string, unknown>>): string[] {
  const round = (v: unknown): unknown => {
    if (typeof v === 'number') return Number(v.toPrecision(10));
    if (v && typeof v === 'object') return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, round(x)]));
    return v;
  };
  return rows.map((r) => JSON.stringify(round(r))).sort();
}

function stringsIn(value: unknown, out: string[] = []): string[] {
  if (typeof value === 'string') out.push(value);
  else if (value && typeof value === 'object') for (const v of Object.values(value)) stringsIn(v, out);
  return out;
}

describe('tenant isolation (property)', () => {
  it('org A’s answers equal those of an installation with only org A’s data', async () => {
    const modelMetrics = [...full.catalog.metrics.keys()];
    let answered = 0;
    let total = 0;
    let cacheHits = 0;
    await fc.assert(
      fc.asyncProperty(queryArbitrary(modelMetrics), async (query) => {
        total++;
        await ask(full, tokenB, query);
        const mixed = await ask(full, tokenA, query);
        const alone = await ask(onlyA, tokenOnlyA, query);
        expect(mixed.status).toBe(alone.status);
        if (mixed.status !== 200) return;
        answered++;
        expect(mixed.body.columns).toEqual(alone.body.columns);
        expect(mixed.body.meta?.timeRange).toEqual(alone.body.meta?.timeRange);
        const rows = mixed.body.rows ?? [];
        for (const s of stringsIn(rows)) {
          expect(s.startsWith('b_') || B_ONLY.includes(s), `org B value "${s}" in org A's answer`).toBe(false);
        }
        expect(canonical(rows)).toEqual(canonical(alone.body.rows ?? []));
        const again = await ask(full, tokenA, query);
        if (again.body.meta?.cache?.hit) cacheHits++;
        expect(canonical(again.body.rows ?? [])).toEqual(canonical(alone.body.rows ?? []));
      }),
      { numRuns: 150 },
    );
    // The property means little if most random queries were rejected as invalid.
    expect(answered / total).toBeGreaterThan(0.6);
    if (full.cache) expect(cacheHits).toBeGreaterThan(answered / 2);
  });

  it('and org B, asked the same, sees its own data (the seed is not empty)', async () => {
    const res = await ask(full, tokenB, { metrics: ['count'], dimensions: ['channel'], timeRange: { preset: '30d' } });
    expect(res.status).toBe(200);
    expect(stringsIn(res.body.rows)).toContain(B_ONLY[0]);
  });
});
