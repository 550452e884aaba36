/**
 * Property: for random queries — ad hoc aggregates, an optional dimension, up to three filters
 * with every operator over values taken from the data (and look-alikes with LIKE wildcards and
 * quotes), random time ranges, by day or hour in several time zones — the engine answers exactly
 * what the independent reference
 * (test/fixtures/reference.ts, plain TypeScript over the same events) computes. Runs on DuckDB
 * and PostgreSQL.
 */
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { PropValue, StoredEvent } from '../../src/domain/event.js';
import type { QuerySpec } from '../../src/domain/query.js';
import type { TestApp } from '../fixtures/app.js';
import { createTestApp } from '../fixtures/app.js';
import { FIXTURE_DAYS, FIXTURE_END, fixtureEvents } from '../fixtures/events.js';
import type { Pred } from '../fixtures/reference.js';
import { agg, field, groupBy, inRange, localDayKey, localParts } from '../fixtures/reference.js';

const RUNS = Number(process.env['TALLY_FUZZ_RUNS'] ?? 12) * 10;
const MINUTE = 60_000;
const START = FIXTURE_END - FIXTURE_DAYS * 86_400_000;

type Filter = NonNullable<QuerySpec['filters']>[number];
type Metric = { name: string; compute: (events: readonly StoredEvent[]) => number | null };

const METRICS: Metric[] = [
  { name: 'count', compute: (xs) => agg.count(xs) },
  { name: 'count_distinct(actor)', compute: (xs) => agg.countDistinct(xs, 'actor') },
  { name: 'count_distinct(channel)', compute: (xs) => agg.countDistinct(xs, 'channel') },
  { name: 'sum(amount)', compute: (xs) => agg.sum(xs, 'amount') },
  { name: 'avg(amount)', compute: (xs) => agg.avg(xs, 'amount') },
  { name: 'min(score)', compute: (xs) => agg.min(xs, 'score') },
  { name: 'max(amount)', compute: (xs) => agg.max(xs, 'amount') },
  { name: 'p50(amount)', compute: (xs) => agg.percentile(xs, 'amount', 0.5) },
  { name: 'p90(score)', compute: (xs) => agg.percentile(xs, 'score', 0.9) },
];
const DIMENSIONS = ['event', 'channel', 'currency', 'premium', 'page', 'props.coupon'];
const ZONES = ['UTC', 'Europe/Berlin', 'Asia/Kathmandu', 'America/New_York', 'Pacific/Chatham'];
/** A bucket's local name, from Intl (independent of the engine's luxon): the day, or the day and hour. */
const BUCKETS = {
  '1d': (ms: number, zone: string) => localDayKey(ms, zone),
  '1h': (ms: number, zone: string) => `${localDayKey(ms, zone)} ${localParts(ms, zone).h}`,
} as const;

const present = (v: unknown): boolean => v !== null && v !== undefined;
const isNum = (v: unknown): v is number => typeof v === 'number';

/** The query language's filter semantics, written out (docs/api.md: neq and nin follow SQL). */
function predicate(f: Filter): Pred {
  const name = f.field;
  const value = f.value as PropValue | PropValue[] | undefined;
  return (e) => {
    const v = field(e, name);
    switch (f.op) {
      case 'eq':
        return value === null ? !present(v) : present(v) && v === value;
      case 'neq':
        return value === null ? present(v) : present(v) && v !== value;
      case 'in':
        return present(v) && (value as PropValue[]).includes(v as PropValue);
      case 'nin':
        return present(v) && !(value as PropValue[]).includes(v as PropValue);
      case 'gt':
        return isNum(v) && v > (value as number);
      case 'gte':
        return isNum(v) && v >= (value as number);
      case 'lt':
        return isNum(v) && v < (value as number);
      case 'lte':
        return isNum(v) && v <= (value as number);
      case 'contains':
        return typeof v === 'string' && v.includes(value as string);
      case 'starts_with':
        return typeof v === 'string' && v.startsWith(value as string);
      case 'exists':
        return present(v);
      case 'not_exists':
        return !present(v);
      default:
        throw new Error(`no reference for ${f.op}`);
    }
  };
}

let t: TestApp;
const events = fixtureEvents(1500, 31);
const valuesOf = (name: string): PropValue[] => [...new Set(events.map((e) => field(e, name)).filter(present) as PropValue[])];

function filterArb(): fc.Arbitrary<Filter> {
  const strings = (name: string) => fc.constantFrom(...(valuesOf(name) as string[]), 'nope');
  const substring = (name: string) =>
    fc.oneof(
      strings(name).chain((s) => fc.tuple(fc.nat({ max: s.length }), fc.nat({ max: s.length })).map(([a, b]) => s.slice(Math.min(a, b), Math.max(a, b) + 1))),
      fc.constantFrom('%', '_', "'", '\\', 'e%', 'w_b', "x'", '.'),
    );
  const text = (name: string): fc.Arbitrary<Filter> =>
    fc.oneof(
      fc.record({ field: fc.constant(name), op: fc.constantFrom('eq', 'neq'), value: fc.oneof(strings(name), fc.constant(null)) }),
      fc.record({ field: fc.constant(name), op: fc.constantFrom('in', 'nin'), value: fc.uniqueArray(strings(name), { minLength: 1, maxLength: 3 }) }),
      fc.record({ field: fc.constant(name), op: fc.constantFrom('contains', 'starts_with'), value: substring(name) }),
      fc.record({ field: fc.constant(name), op: fc.constantFrom('exists', 'not_exists') }),
    ) as fc.Arbitrary<Filter>;
  const number = (name: string): fc.Arbitrary<Filter> =>
    fc.oneof(
      fc.record({ field: fc.constant(name), op: fc.constantFrom('gt', 'gte', 'lt', 'lte', 'eq', 'neq'), value: fc.oneof(fc.constantFrom(...(valuesOf(name) as number[])), fc.double({ min: 0, max: 200, noNaN: true })) }),
      fc.record({ field: fc.constant(name), op: fc.constantFrom('exists', 'not_exists') }),
    ) as fc.Arbitrary<Filter>;
  const bool: fc.Arbitrary<Filter> = fc.record({ field: fc.constant('premium'), op: fc.constantFrom('eq', 'neq'), value: fc.constantFrom(true, false, null) }) as fc.Arbitrary<Filter>;
  return fc.oneof(text('event'), text('actor'), text('channel'), text('currency'), text('page'), text('props.coupon'), number('amount'), number('score'), bool);
}

const query = fc.record({
  metrics: fc.uniqueArray(fc.constantFrom(...METRICS), { minLength: 1, maxLength: 4, selector: (m) => m.name }),
  dimension: fc.option(fc.constantFrom(...DIMENSIONS), { nil: undefined }),
  filters: fc.array(filterArb(), { maxLength: 3 }),
  span: fc.tuple(fc.integer({ min: 0, max: FIXTURE_DAYS * 24 * 60 }), fc.integer({ min: 1, max: FIXTURE_DAYS * 24 * 60 })),
  bucketing: fc.option(fc.record({ granularity: fc.constantFrom('1d' as const, '1h' as const), timezone: fc.constantFrom(...ZONES) }), { nil: undefined }),
});

beforeAll(async () => {
  t = await createTestApp({ now: FIXTURE_END });
  await t.seed('acme', events);
  await t.seed('other', fixtureEvents(300, 5));
});
afterAll(() => t.close());

function expectClose(actual: unknown, expected: number | null, what: string): void {
  if (expected === null) return expect(actual, what).toBeNull();
  expect(typeof actual, what).toBe('number');
  expect(Math.abs((actual as number) - expected), what).toBeLessThanOrEqual(1e-9 * Math.max(1, Math.abs(expected)));
}

describe('random queries', () => {
  it('equal the reference', { timeout: Math.max(30_000, RUNS * 300) }, async () => {
    await fc.assert(
      fc.asyncProperty(query, async ({ metrics, dimension, filters, span, bucketing }) => {
        const from = START + span[0] * MINUTE;
        const to = from + span[1] * MINUTE;
        const spec: QuerySpec = {
          metrics: metrics.map((m) => m.name),
          ...(dimension ? { dimensions: [dimension] } : {}),
          filters,
          timeRange: { from: new Date(from).toISOString(), to: new Date(to).toISOString() },
          ...(bucketing ? { granularity: bucketing.granularity, timezone: bucketing.timezone, fill: 'none' as const } : {}),
        };
        const what = JSON.stringify(spec);
        const selected = events.filter((e) => inRange(from, to)(e) && filters.every((f) => predicate(f)(e)));
        const result = await t.engine.run(spec, { org: 'acme' });
        // Rows and expected groups are keyed alike: the bucket's local name (if any) and the dimension's value.
        const bucketOf = (ms: number): string => (bucketing ? BUCKETS[bucketing.granularity](ms, bucketing.timezone) : '');
        const keyOf = (bucket: string, value: unknown): string => JSON.stringify([bucket, value ?? null]);
        const groups = groupBy(selected, (e) => keyOf(bucketOf(e.timestamp), dimension ? field(e, dimension) : null));
        if (!dimension && !bucketing) groups.set(keyOf('', null), selected);
        const rows = new Map(result.rows.map((r) => [keyOf(bucketing ? bucketOf(Date.parse(String(r['time']))) : '', dimension ? r[dimension] : null), r]));
        expect([...rows.keys()].sort(), what).toEqual([...groups.keys()].sort());
        for (const [key, xs] of groups) {
          for (const m of metrics) expectClose(rows.get(key)![m.name], m.compute(xs), `${what} ${key} ${m.name}`);
        }
      }),
      { numRuns: RUNS },
    );
  });
});
