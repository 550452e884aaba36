/**
 * Property: POST /retention builds the cohort matrix the rules in docs/api.md describe, for random
 * histories. A few actors (and events without one) do random shop events at random minutes, some
 * long before the range and some after it; a random cohort event, return event (or none: the
 * cohort event), period (day, week, month), time zone, range (not aligned to periods) and at most
 * one filter go to the view. The reference names each period by its local calendar date from Intl
 * (weeks start on Monday) — no engine code, no SQL — and counts each cohort's size, its returns per
 * offset and the size-weighted average. Runs on DuckDB and PostgreSQL.
 */
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { PropValue, StoredEvent } from '../../../src/domain/event.js';
import type { RetentionResult } from '../../../src/engine/views/retention.js';
import type { TestApp } from '../../fixtures/app.js';
import { createTestApp } from '../../fixtures/app.js';
import { FIXTURE_END } from '../../fixtures/events.js';
import type { Filter } from '../../fixtures/random-queries.js';
import { predicate, randomFilter } from '../../fixtures/random-queries.js';
import { localDayKey, localParts } from '../../fixtures/reference.js';

const RUNS = Number(process.env['TALLY_FUZZ_RUNS'] ?? 12) * 8;
const M = 60_000;
const DAY = 24 * 60 * M;
/** Ranges start within 30 days after BASE and last up to 30 days. */
const BASE = FIXTURE_END - 60 * DAY;
const EVENTS = ['page.viewed', 'payment.completed', 'payment.failed'];
const ZONES = ['UTC', 'Europe/Berlin', 'Asia/Kathmandu', 'America/New_York', 'Pacific/Chatham'];
type Period = '1d' | '1w' | '1mo';

/** One event of a history, `minute` after the range's start (negative: before it). */
function happening(rangeMinutes: number) {
  return fc.record({
    actor: fc.constantFrom('a', 'b', 'c', 'd', null),
    event: fc.constantFrom(...EVENTS),
    minute: fc.oneof(
      { weight: 1, arbitrary: fc.integer({ min: -20 * 24 * 60, max: -3 * 24 * 60 }) },
      // Just before the range: in its first period when the range does not start at a period's start.
      { weight: 2, arbitrary: fc.integer({ min: -3 * 24 * 60, max: -1 }) },
      { weight: 5, arbitrary: fc.integer({ min: 0, max: rangeMinutes + 24 * 60 }) },
    ),
    channel: fc.constantFrom('web', 'app', null),
    amount: fc.option(fc.integer({ min: 0, max: 100 }), { nil: undefined }),
  });
}
type Happening = ReturnType<typeof happening> extends fc.Arbitrary<infer T> ? T : never;
/** Anchors without an actor give the number filters values to draw from (and retention must skip them). */
const ANCHORS: StoredEvent[] = [
  { event: 'payment.completed', timestamp: BASE, actor: null, id: null, props: { amount: 50, score: 5, currency: 'EUR', premium: true, page: '/home', coupon: 'VIP' } },
];

function toEvents(from: number, history: readonly Happening[]): StoredEvent[] {
  return [
    ...ANCHORS,
    ...history.map((d): StoredEvent => {
      const props: Record<string, PropValue> = { channel: d.channel };
      if (d.amount !== undefined) props['amount'] = d.amount;
      return { event: d.event, timestamp: from + d.minute * M, actor: d.actor, id: null, props };
    }),
  ];
}

/** The local calendar date (UTC midnight of it) of an instant in `zone`. */
function civilDay(ms: number, zone: string): number {
  const p = localParts(ms, zone);
  return Date.UTC(p.y, p.m - 1, p.d);
}

/** The name of the period holding `ms`: its first local day, as YYYY-MM-DD. */
function periodKey(ms: number, period: Period, zone: string): string {
  const day = civilDay(ms, zone);
  if (period === '1d') return new Date(day).toISOString().slice(0, 10);
  if (period === '1w') return new Date(day - ((new Date(day).getUTCDay() + 6) % 7) * DAY).toISOString().slice(0, 10);
  return `${new Date(day).toISOString().slice(0, 7)}-01`;
}

/** The period names from the one holding `from` to the one holding the range's last instant. */
function periodKeys(from: number, to: number, period: Period, zone: string): string[] {
  const last = periodKey(to - 1, period, zone);
  const keys: string[] = [];
  for (let key = periodKey(from, period, zone); key <= last; ) {
    keys.push(key);
    const d = new Date(`${key}T00:00:00Z`);
    if (period === '1d') d.setUTCDate(d.getUTCDate() + 1);
    else if (period === '1w') d.setUTCDate(d.getUTCDate() + 7);
    else d.setUTCMonth(d.getUTCMonth() + 1);
    key = d.toISOString().slice(0, 10);
  }
  return keys;
}

interface Request {
  cohortEvent: string;
  returnEvent: string | undefined;
  period: Period;
  zone: string;
  from: number;
  to: number;
  filter: Filter | undefined;
}

function reference(events: readonly StoredEvent[], q: Request) {
  const keys = periodKeys(q.from, q.to, q.period, q.zone);
  const index = new Map(keys.map((k, i) => [k, i]));
  const kept = events.filter((e) => e.actor !== null && (q.filter === undefined || predicate(q.filter)(e)));
  const first = new Map<string, number>();
  for (const e of kept) {
    if (e.event === q.cohortEvent && e.timestamp < q.to) first.set(e.actor!, Math.min(first.get(e.actor!) ?? Infinity, e.timestamp));
  }
  const cohortOf = new Map<string, number>();
  for (const [actor, ts] of first) if (ts >= q.from) cohortOf.set(actor, index.get(periodKey(ts, q.period, q.zone))!);
  const sizes = keys.map((_, c) => [...cohortOf.values()].filter((x) => x === c).length);
  const back = keys.map((_, c) => keys.slice(c).map(() => new Set<string>()));
  for (const e of kept) {
    if (e.event !== (q.returnEvent ?? q.cohortEvent) || e.timestamp < q.from || e.timestamp >= q.to) continue;
    const c = cohortOf.get(e.actor!);
    const r = index.get(periodKey(e.timestamp, q.period, q.zone))!;
    if (c !== undefined && r >= c) back[c]![r - c]!.add(e.actor!);
  }
  const returned = back.map((row) => row.map((s) => s.size));
  const average = keys.map((_, k) => {
    const reaching = keys.map((_, c) => c).filter((c) => k < keys.length - c && sizes[c]! > 0);
    const size = reaching.reduce((n, c) => n + sizes[c]!, 0);
    return size === 0 ? null : reaching.reduce((n, c) => n + returned[c]![k]!, 0) / size;
  });
  return { keys, sizes, returned, average };
}

/** A request without its filter, then a history around its range, then a filter over that history. */
const cases: fc.Arbitrary<[StoredEvent[], Request]> = fc
  .record({
    cohortEvent: fc.constantFrom(...EVENTS),
    returnEvent: fc.option(fc.constantFrom(...EVENTS), { nil: undefined }),
    period: fc.constantFrom<Period>('1d', '1w', '1mo'),
    zone: fc.constantFrom(...ZONES),
    from: fc.integer({ min: 0, max: 30 * 24 * 60 }).map((m) => BASE + m * M),
    length: fc.integer({ min: 60, max: 30 * 24 * 60 }),
  })
  .chain(({ length, ...r }) =>
    fc.array(happening(length), { minLength: 5, maxLength: 60 }).chain((history) => {
      const events = toEvents(r.from, history);
      const q = { ...r, to: r.from + length * M };
      return fc.option(randomFilter(events), { nil: undefined }).map((filter): [StoredEvent[], Request] => [events, { ...q, filter }]);
    }),
  );

let t: TestApp;
let org = 0;

beforeAll(async () => {
  t = await createTestApp({ now: FIXTURE_END });
});
afterAll(() => t.close());

describe('random retention over random histories', () => {
  it('sizes, returns per offset and the weighted average are what the rules say', { timeout: Math.max(30_000, RUNS * 600) }, async () => {
    await fc.assert(
      fc.asyncProperty(cases, async ([events, q]) => {
        const name = `retention-${org++}`;
        await t.seed(name, events);
        const res = await t.app.inject({
          method: 'POST',
          url: '/api/v1/retention',
          headers: { authorization: `Bearer ${await t.token(name, 'analyst')}` },
          payload: {
            cohortEvent: q.cohortEvent,
            ...(q.returnEvent === undefined ? {} : { returnEvent: q.returnEvent }),
            period: q.period,
            timezone: q.zone,
            timeRange: { from: new Date(q.from).toISOString(), to: new Date(q.to).toISOString() },
            ...(q.filter === undefined ? {} : { filters: [q.filter] }),
          },
        });
        const what = `${JSON.stringify({ ...q, from: new Date(q.from), to: new Date(q.to) })} over ${JSON.stringify(events)}`;
        expect(res.statusCode, `${what} → ${res.body}`).toBe(200);
        const body = res.json<RetentionResult>();
        const expected = reference(events, q);
        // Each cohort is labelled with the instant its period starts: local midnight of its first day.
        expect(body.cohorts.map((c) => periodKey(Date.parse(c.cohort), q.period, q.zone)), what).toEqual(expected.keys);
        expect(body.cohorts.map((c) => localDayKey(Date.parse(c.cohort), q.zone)), what).toEqual(expected.keys);
        for (const c of body.cohorts) expect([localParts(Date.parse(c.cohort), q.zone).h, localParts(Date.parse(c.cohort), q.zone).min], what).toEqual([0, 0]);
        expect(body.cohorts.map((c) => c.size), what).toEqual(expected.sizes);
        expect(body.cohorts.map((c) => c.returned), what).toEqual(expected.returned);
        expect(body.cohorts.map((c) => c.rates), what).toEqual(expected.returned.map((row, c) => row.map((n) => (expected.sizes[c] === 0 ? null : n / expected.sizes[c]!))));
        expect(body.average.length, what).toBe(expected.average.length);
        body.average.forEach((a, k) => {
          const e = expected.average[k];
          if (e === null || e === undefined) expect(a, what).toBeNull();
          else expect(a, what).toBeCloseTo(e, 12);
        });
      }),
      { numRuns: RUNS },
    );
  });
});
