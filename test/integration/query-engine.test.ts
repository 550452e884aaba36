/**
 * The engine's answers against an independent reference (plain TypeScript over the same fixture
 * events): every metric form, filter op, fill mode, timezone bucketing and compare mode.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { StoredEvent } from '../../src/domain/event.js';
import type { QueryResult, QuerySpec } from '../../src/domain/query.js';
import type { TestApp } from '../fixtures/app.js';
import { createTestApp } from '../fixtures/app.js';
import { FIXTURE_END, fixtureEvents } from '../fixtures/events.js';
import type { Pred } from '../fixtures/reference.js';
import { agg, field, groupBy, inRange, localDayKey, localParts } from '../fixtures/reference.js';

const DAY = 86_400_000;
const FROM = FIXTURE_END - 10 * DAY;
const TO = FIXTURE_END - DAY;
const RANGE = { from: new Date(FROM).toISOString(), to: new Date(TO).toISOString() };

let t: TestApp;
const events = fixtureEvents();
const run = (spec: QuerySpec, org = 'acme'): Promise<QueryResult> => t.engine.run(spec, { org });
const within = (extra: Pred = () => true) => events.filter((e) => inRange(FROM, TO)(e) && extra(e));
const only = (...names: string[]): Pred => (e) => names.includes(e.event);

beforeAll(async () => {
  t = await createTestApp({ now: FIXTURE_END });
  await t.seed('acme', events);
  // Another org's rows must never show up in acme's answers.
  await t.seed('other', fixtureEvents(500, 99));
});
afterAll(() => t.close());

function close(actual: unknown, expected: number | null): void {
  if (expected === null) {
    expect(actual).toBeNull();
    return;
  }
  expect(typeof actual).toBe('number');
  expect(actual as number).toBeCloseTo(expected, 6);
}

describe('metric forms', () => {
  it('computes every ad hoc aggregate', async () => {
    const metrics = [
      'count', 'count_distinct(actor)', 'count_distinct(event)', 'sum(amount)', 'avg(amount)', 'min(amount)',
      'max(amount)', 'p50(amount)', 'p95(amount)', 'p99.9(amount)', 'median(score)', 'count_distinct(props.coupon)',
    ];
    const res = await run({ metrics, timeRange: RANGE });
    const row = res.rows[0]!;
    const xs = within();
    close(row['count'], agg.count(xs));
    close(row['count_distinct(actor)'], agg.countDistinct(xs, 'actor'));
    close(row['count_distinct(event)'], agg.countDistinct(xs, 'event'));
    close(row['sum(amount)'], agg.sum(xs, 'amount'));
    close(row['avg(amount)'], agg.avg(xs, 'amount'));
    close(row['min(amount)'], agg.min(xs, 'amount'));
    close(row['max(amount)'], agg.max(xs, 'amount'));
    close(row['p50(amount)'], agg.percentile(xs, 'amount', 0.5));
    close(row['p95(amount)'], agg.percentile(xs, 'amount', 0.95));
    close(row['p99.9(amount)'], agg.percentile(xs, 'amount', 0.999));
    close(row['median(score)'], agg.percentile(xs, 'score', 0.5));
    close(row['count_distinct(props.coupon)'], agg.countDistinct(xs, 'props.coupon'));
    expect(res.columns.map((c) => c.name)).toEqual(metrics);
  });

  it('computes named metrics with event filters, where clauses and ratios', async () => {
    const res = await run({ metrics: ['revenue', 'payments', 'failures', 'failure_rate', 'p90_amount', 'buyers', 'big_payments'], timeRange: RANGE });
    const row = res.rows[0]!;
    const paid = within(only('payment.completed'));
    const failed = within(only('payment.failed'));
    close(row['revenue'], agg.sum(paid, 'amount'));
    close(row['payments'], paid.length);
    close(row['failures'], failed.length);
    close(row['failure_rate'], failed.length / (failed.length + paid.length));
    close(row['p90_amount'], agg.percentile(paid, 'amount', 0.9));
    close(row['buyers'], agg.countDistinct(paid, 'actor'));
    close(row['big_payments'], paid.filter((e) => (e.props['amount'] as number) >= 50).length);
  });

  it('returns JSON numbers, never strings or BigInt', async () => {
    const res = await run({ metrics: ['count', 'sum(amount)'], dimensions: ['currency'], timeRange: RANGE });
    for (const row of res.rows) {
      expect(typeof row['count']).toBe('number');
    }
  });
});

describe('filter ops', () => {
  const isNum = (v: unknown): v is number => typeof v === 'number';
  const present = (v: unknown) => v !== null && v !== undefined;
  const cases: Array<[string, QuerySpec['filters'], Pred]> = [
    ['eq', [{ field: 'currency', op: 'eq', value: 'EUR' }], (e) => e.props['currency'] === 'EUR'],
    ['neq', [{ field: 'currency', op: 'neq', value: 'EUR' }], (e) => present(e.props['currency']) && e.props['currency'] !== 'EUR'],
    ['eq null', [{ field: 'channel', op: 'eq', value: null }], (e) => !present(e.props['channel'])],
    ['in', [{ field: 'channel', op: 'in', value: ['web', 'store'] }], (e) => ['web', 'store'].includes(e.props['channel'] as string)],
    ['nin', [{ field: 'channel', op: 'nin', value: ['web', 'store'] }], (e) => present(e.props['channel']) && !['web', 'store'].includes(e.props['channel'] as string)],
    ['gt', [{ field: 'amount', op: 'gt', value: 20 }], (e) => isNum(e.props['amount']) && e.props['amount'] > 20],
    ['gte', [{ field: 'amount', op: 'gte', value: 20.5 }], (e) => isNum(e.props['amount']) && e.props['amount'] >= 20.5],
    ['lt', [{ field: 'score', op: 'lt', value: 30 }], (e) => isNum(e.props['score']) && e.props['score'] < 30],
    ['lte', [{ field: 'score', op: 'lte', value: 30 }], (e) => isNum(e.props['score']) && e.props['score'] <= 30],
    ['contains', [{ field: 'page', op: 'contains', value: 'ric' }], (e) => String(e.props['page'] ?? '').includes('ric')],
    ['starts_with', [{ field: 'event', op: 'starts_with', value: 'payment.' }], (e) => e.event.startsWith('payment.')],
    ['exists', [{ field: 'props.coupon', op: 'exists' }], (e) => present(e.props['coupon'])],
    ['not_exists', [{ field: 'amount', op: 'not_exists' }], (e) => !present(e.props['amount'])],
    ['boolean eq', [{ field: 'premium', op: 'eq', value: true }], (e) => e.props['premium'] === true],
    ['undeclared eq', [{ field: 'props.coupon', op: 'eq', value: 'VIP' }], (e) => e.props['coupon'] === 'VIP'],
    ['actor in', [{ field: 'actor', op: 'in', value: ['u_1', 'u_2'] }], (e) => ['u_1', 'u_2'].includes(e.actor ?? '')],
    [
      'two filters are ANDed',
      [{ field: 'event', op: 'eq', value: 'payment.completed' }, { field: 'currency', op: 'neq', value: 'USD' }],
      (e) => e.event === 'payment.completed' && present(e.props['currency']) && e.props['currency'] !== 'USD',
    ],
  ];
  it.each(cases)('%s', async (_name, filters, pred) => {
    const res = await run({ metrics: ['count'], filters, timeRange: RANGE });
    expect(res.rows[0]!['count']).toBe(within(pred).length);
    expect(within(pred).length).toBeGreaterThan(0);
  });
});

describe('dimensions, order and limit', () => {
  it('groups by a dimension', async () => {
    const res = await run({ metrics: ['count', 'sum(amount)'], dimensions: ['channel'], timeRange: RANGE });
    const expected = groupBy(within(), (e) => (e.props['channel'] as string | null | undefined) ?? null);
    expect(res.rows).toHaveLength(expected.size);
    for (const row of res.rows) {
      const group = expected.get(row['channel'] as string | null)!;
      expect(row['count']).toBe(group.length);
      close(row['sum(amount)'], agg.sum(group, 'amount'));
    }
  });

  it('orders, limits and offsets', async () => {
    const res = await run({
      metrics: ['count'],
      dimensions: ['actor'],
      timeRange: RANGE,
      order: [{ by: 'count', dir: 'desc' }, { by: 'actor', dir: 'asc' }],
      limit: 3,
      offset: 2,
    });
    const counts = [...groupBy(within(), (e) => e.actor)].map(([actor, xs]) => ({ actor, count: xs.length }));
    counts.sort((a, b) => b.count - a.count || String(a.actor).localeCompare(String(b.actor)));
    expect(res.rows.map((r) => [r['actor'], r['count']])).toEqual(counts.slice(2, 5).map((c) => [c.actor, c.count]));
  });
});

describe('time buckets and fill', () => {
  const sparse: QuerySpec['filters'] = [
    { field: 'event', op: 'eq', value: 'payment.failed' },
    { field: 'channel', op: 'eq', value: 'store' },
  ];
  const twoDays = { from: new Date(TO - 2 * DAY).toISOString(), to: new Date(TO).toISOString() };
  const sparsePred: Pred = (e) => e.event === 'payment.failed' && e.props['channel'] === 'store' && e.timestamp >= TO - 2 * DAY && e.timestamp < TO;

  it('fill zero: every hour appears, missing ones are 0', async () => {
    const res = await run({ metrics: ['count'], filters: sparse, timeRange: twoDays, granularity: '1h', fill: 'zero' });
    expect(res.rows).toHaveLength(48);
    const perHour = groupBy(events.filter(sparsePred), (e) => Math.floor(e.timestamp / 3_600_000) * 3_600_000);
    expect(perHour.size).toBeLessThan(48);
    res.rows.forEach((row, i) => {
      const bucket = TO - 2 * DAY + i * 3_600_000;
      expect(row['time']).toBe(new Date(bucket).toISOString());
      expect(row['count']).toBe(perHour.get(bucket)?.length ?? 0);
    });
  });

  it('fill null and none', async () => {
    const nulls = await run({ metrics: ['count'], filters: sparse, timeRange: twoDays, granularity: '1h', fill: 'null' });
    const hours = new Set(events.filter(sparsePred).map((e) => Math.floor(e.timestamp / 3_600_000)));
    expect(nulls.rows).toHaveLength(48);
    expect(nulls.rows.filter((r) => r['count'] === null)).toHaveLength(48 - hours.size);
    const none = await run({ metrics: ['count'], filters: sparse, timeRange: twoDays, granularity: '1h', fill: 'none' });
    expect(none.rows).toHaveLength(hours.size);
  });

  it('default fill: zero for counts and sums, null for averages', async () => {
    const res = await run({ metrics: ['count', 'avg(amount)'], filters: sparse, timeRange: twoDays, granularity: '1h' });
    const empty = res.rows.find((r) => r['count'] === 0)!;
    expect(empty['avg(amount)']).toBeNull();
  });

  it('fills every bucket for every group', async () => {
    const res = await run({ metrics: ['count'], dimensions: ['currency'], filters: [{ field: 'currency', op: 'exists' }], timeRange: twoDays, granularity: '6h' });
    const currencies = new Set(within((e) => e.timestamp >= TO - 2 * DAY && e.props['currency'] != null).map((e) => e.props['currency']));
    expect(res.rows).toHaveLength(8 * currencies.size);
    const times = res.rows.map((r) => r['time'] as string);
    expect([...times].sort()).toEqual(times);
  });

  it.each(['America/New_York', 'Asia/Kolkata', 'Europe/Berlin'])('aligns daily buckets to local midnight in %s', async (tz) => {
    const res = await run({ metrics: ['count'], timeRange: RANGE, granularity: '1d', timezone: tz });
    const expected = groupBy(within(), (e) => localDayKey(e.timestamp, tz));
    let total = 0;
    for (const row of res.rows) {
      const start = Date.parse(row['time'] as string);
      const local = localParts(start, tz);
      if (start >= FROM) expect([local.h, local.min]).toEqual([0, 0]);
      expect(row['count']).toBe(expected.get(localDayKey(start, tz))?.length ?? 0);
      total += row['count'] as number;
    }
    expect(total).toBe(within().length);
    expect(res.meta.timezone).toBe(tz);
  });

  it('puts an event just after local midnight in the new day', async () => {
    const tz = 'America/New_York';
    // 04:30Z on the 18th is 23:30 on the 17th in New York (EST, UTC−5): different days per zone.
    const ts = Date.UTC(2026, 10, 18, 4, 30);
    await t.store.append('tz-org', [{ event: 'tz.test', timestamp: ts, actor: null, id: null, props: {} }]);
    const range = { from: '2026-11-17T00:00:00Z', to: '2026-11-19T12:00:00Z' };
    const ny = await run({ metrics: ['count'], timeRange: range, granularity: '1d', timezone: tz }, 'tz-org');
    const utc = await run({ metrics: ['count'], timeRange: range, granularity: '1d' }, 'tz-org');
    const nonZero = (r: QueryResult) => r.rows.filter((x) => x['count'] === 1).map((x) => x['time']);
    expect(nonZero(ny)).toEqual(['2026-11-17T05:00:00.000Z']);
    expect(nonZero(utc)).toEqual(['2026-11-18T00:00:00.000Z']);
  });
});

describe('zone buckets across offsets and DST (the 15-minute slot table)', () => {
  it('splits local days at 18:15Z in Asia/Kathmandu (UTC+5:45)', async () => {
    const org = 'tz-kathmandu';
    const at = (h: number, m: number) => Date.UTC(2026, 10, 17, h, m);
    // 18:10Z is 23:55 on the 17th in Kathmandu; 18:20Z is 00:05 on the 18th.
    await t.store.append(org, [at(18, 10), at(18, 20), at(18, 29)].map((ts) => ({ event: 'tz.test', timestamp: ts, actor: null, id: null, props: {} })));
    const res = await run({ metrics: ['count'], timeRange: { from: '2026-11-16T12:00:00Z', to: '2026-11-19T00:00:00Z' }, granularity: '1d', timezone: 'Asia/Kathmandu' }, org);
    const counts = Object.fromEntries(res.rows.map((r) => [r['time'], r['count']]));
    expect(counts['2026-11-16T18:15:00.000Z']).toBe(1);
    expect(counts['2026-11-17T18:15:00.000Z']).toBe(2);
  });

  it('gives the repeated hour of the Berlin DST change two hourly buckets', async () => {
    const org = 'tz-berlin-dst';
    // Berlin leaves summer time at 01:00Z on 2026-10-25: local 02:00–03:00 happens twice.
    const from = Date.UTC(2026, 9, 24, 23, 0);
    const events = Array.from({ length: 24 }, (_, i) => ({ event: 'tz.test', timestamp: from + i * 10 * 60_000 + 60_000, actor: null, id: null, props: {} }));
    await t.store.append(org, events);
    const res = await run({ metrics: ['count'], timeRange: { from: new Date(from).toISOString(), to: new Date(from + 4 * 3_600_000).toISOString() }, granularity: '1h', timezone: 'Europe/Berlin' }, org);
    // Berlin's offsets are whole hours, so its hourly buckets are the UTC hours, six events each.
    expect(res.rows.map((r) => [r['time'], r['count']])).toEqual(
      [0, 1, 2, 3].map((h) => [new Date(from + h * 3_600_000).toISOString(), 6]),
    );
  });
});

describe('compare', () => {
  const week = { from: new Date(TO - 7 * DAY).toISOString(), to: new Date(TO).toISOString() };

  it('previous_period: same-length window just before', async () => {
    const res = await run({ metrics: ['count', 'revenue'], timeRange: week, compare: 'previous_period' });
    const cur = events.filter(inRange(TO - 7 * DAY, TO));
    const prev = events.filter(inRange(TO - 14 * DAY, TO - 7 * DAY));
    const row = res.rows[0]! as Record<string, unknown>;
    const previous = row['previous'] as Record<string, number>;
    const change = row['change'] as Record<string, number>;
    expect(row['count']).toBe(cur.length);
    expect(previous['count']).toBe(prev.length);
    close(change['count'], (cur.length - prev.length) / prev.length);
    const curRevenue = agg.sum(cur.filter(only('payment.completed')), 'amount')!;
    const prevRevenue = agg.sum(prev.filter(only('payment.completed')), 'amount')!;
    close(previous['revenue'], prevRevenue);
    close(change['revenue'], (curRevenue - prevRevenue) / prevRevenue);
    expect(res.meta.compare).toEqual({ from: new Date(TO - 14 * DAY).toISOString(), to: new Date(TO - 7 * DAY).toISOString() });
  });

  it('previous_period per bucket and group matches bucket by position', async () => {
    const from = TO - 3 * DAY;
    const three = { from: new Date(from).toISOString(), to: new Date(TO).toISOString() };
    const res = await run({ metrics: ['count'], dimensions: ['currency'], filters: [{ field: 'currency', op: 'eq', value: 'GBP' }], timeRange: three, granularity: '1d', compare: 'previous_period' });
    const gbp = (lo: number, hi: number) => events.filter((e) => inRange(lo, hi)(e) && e.props['currency'] === 'GBP').length;
    // UTC day buckets clipped to the window; the previous window is [from − 3d, from) bucketed alike.
    const floorDay = (ms: number) => Math.floor(ms / DAY) * DAY;
    expect(res.rows).toHaveLength(4);
    res.rows.forEach((row, i) => {
      const b = floorDay(from) + i * DAY;
      expect(row['time']).toBe(new Date(b).toISOString());
      expect(row['count']).toBe(gbp(Math.max(b, from), Math.min(b + DAY, TO)));
      const pb = floorDay(from - 3 * DAY) + i * DAY;
      expect((row['previous'] as Record<string, number>)['count']).toBe(gbp(Math.max(pb, from - 3 * DAY), Math.min(pb + DAY, from)));
    });
  });

  it('previous_year with no data a year ago gives previous 0 and change null', async () => {
    const res = await run({ metrics: ['count'], timeRange: week, compare: 'previous_year' });
    const row = res.rows[0]! as Record<string, unknown>;
    expect((row['previous'] as Record<string, number>)['count']).toBe(0);
    expect((row['change'] as Record<string, unknown>)['count']).toBeNull();
  });

  it('explicit comparison window', async () => {
    const compare = { from: new Date(FROM).toISOString(), to: new Date(FROM + 2 * DAY).toISOString() };
    const res = await run({ metrics: ['count'], timeRange: week, compare });
    expect((res.rows[0]!['previous'] as Record<string, number>)['count']).toBe(events.filter(inRange(FROM, FROM + 2 * DAY)).length);
  });
});

describe('presets and tenant scope', () => {
  it('7d ends at now and never counts another org', async () => {
    const res = await run({ metrics: ['count'], timeRange: { preset: '7d' } });
    expect(res.rows[0]!['count']).toBe(events.filter(inRange(FIXTURE_END - 7 * DAY, FIXTURE_END)).length);
    expect(res.meta.timeRange).toEqual({ from: new Date(FIXTURE_END - 7 * DAY).toISOString(), to: new Date(FIXTURE_END).toISOString() });
  });

  it('all covers the org’s first event', async () => {
    const res = await run({ metrics: ['count'], timeRange: { preset: 'all' } });
    expect(res.rows[0]!['count']).toBe(events.length);
  });

  it('an empty range gives zero, not an error', async () => {
    const res = await run({ metrics: ['count', 'sum(amount)'], timeRange: { from: '2020-01-01T00:00:00Z', to: '2020-01-02T00:00:00Z' } });
    expect(res.rows).toEqual([{ count: 0, 'sum(amount)': 0 }]);
  });
});

describe('the reference itself', () => {
  it('sees data in every filter case (guards against vacuous tests)', () => {
    const e: StoredEvent | undefined = events[0];
    expect(e).toBeDefined();
    expect(field(e!, 'event')).toBe(e!.event);
  });
});
