/**
 * Property: POST /timeseries charts what the reference computes, previous period included. Random
 * queries (ad hoc aggregates, an optional dimension, random filters and ranges, by day or hour in
 * five zones, fill default / zero / null) optionally with `compare: "previous_period"`:
 * - every series has a value for every bucket, and those values are the reference's rows
 *   (test/fixtures/random-queries.ts, the same rules as POST /query);
 * - `previous[i]` is the metric over the group's events in bucket i of the period just before
 *   (buckets named by Intl in the zone), or the fill value where it had none, and `change` is not
 *   part of a series (the chart draws both lines).
 * Runs on DuckDB and PostgreSQL.
 */
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { StoredEvent } from '../../../src/domain/event.js';
import type { TimeseriesResult } from '../../../src/engine/views/timeseries.js';
import type { TestApp } from '../../fixtures/app.js';
import { createTestApp } from '../../fixtures/app.js';
import { FIXTURE_END, fixtureEvents } from '../../fixtures/events.js';
import type { RandomQuery } from '../../fixtures/random-queries.js';
import { bucketKey, expectedValue, expectReferenceAnswer, predicate, randomQuery, toSpec } from '../../fixtures/random-queries.js';
import { field } from '../../fixtures/reference.js';

const RUNS = Number(process.env['TALLY_FUZZ_RUNS'] ?? 12) * 4;
const M = 60_000;
type Bucketing = NonNullable<RandomQuery['bucketing']>;

let t: TestApp;
const events = fixtureEvents(1200, 77);

beforeAll(async () => {
  t = await createTestApp({ now: FIXTURE_END });
  await t.seed('acme', events);
});
afterAll(() => t.close());

/** A bucketed random query (time series always fill: `none` becomes the default). */
const cases = fc.record({
  q: randomQuery(events),
  bucketing: fc.record({
    granularity: fc.constantFrom('1d' as const, '1h' as const),
    timezone: fc.constantFrom('UTC', 'Europe/Berlin', 'Asia/Kathmandu', 'America/New_York', 'Pacific/Chatham'),
    fill: fc.constantFrom('zero' as const, 'null' as const, undefined),
  }),
  compare: fc.boolean(),
}).map(({ q, bucketing, compare }) => ({ q: { ...q, bucketing: bucketing as Bucketing }, compare }));

/** Bucket names of [from, to) in order (every bucket holds at least one sampled quarter hour). */
function bucketKeys(b: Bucketing, from: number, to: number): string[] {
  const keys = new Set<string>();
  for (let ms = from; ms < to; ms += 15 * M) keys.add(bucketKey(b.granularity, ms, b.timezone));
  keys.add(bucketKey(b.granularity, to - 1, b.timezone));
  return [...keys];
}

describe('random time series', () => {
  it('equal the reference, the previous period by bucket position', { timeout: Math.max(30_000, RUNS * 600) }, async () => {
    await fc.assert(
      fc.asyncProperty(cases, async ({ q, compare }) => {
        const spec = { ...toSpec(q), ...(compare ? { compare: 'previous_period' as const } : {}) };
        const what = JSON.stringify(spec);
        const res = await t.app.inject({ method: 'POST', url: '/api/v1/timeseries', headers: { authorization: `Bearer ${await t.token('acme', 'analyst')}` }, payload: spec });
        expect(res.statusCode, `${what} → ${res.body}`).toBe(200);
        const body = res.json<TimeseriesResult>();
        const dimension = q.dimension;
        // The series as query rows, one per bucket and group.
        const rows = new Map<string, Record<string, unknown>>();
        for (const s of body.series) {
          expect(s.values.length, what).toBe(body.buckets.length);
          s.values.forEach((v, i) => {
            const group = dimension ? (s.group?.[dimension] ?? null) : null;
            const key = JSON.stringify([i, group]);
            const row = rows.get(key) ?? { time: body.buckets[i], ...(dimension ? { [dimension]: group } : {}) };
            row[s.metric] = v;
            rows.set(key, row);
          });
        }
        expectReferenceAnswer({ rows: [...rows.values()] }, q, events, what);
        if (!compare) {
          for (const s of body.series) expect(s.previous, what).toBeUndefined();
          return;
        }
        const range = spec.timeRange as { from: string; to: string };
        const [from, to] = [Date.parse(range.from), Date.parse(range.to)];
        const [pFrom, pTo] = [from - (to - from), from];
        const before = events.filter((e) => e.timestamp >= pFrom && e.timestamp < pTo && q.filters.every((f) => predicate(f)(e)));
        const keys = bucketKeys(q.bucketing, pFrom, pTo);
        // Previous events by bucket name and group.
        const cells = new Map<string, StoredEvent[]>();
        for (const e of before) {
          const cell = JSON.stringify([bucketKey(q.bucketing.granularity, e.timestamp, q.bucketing.timezone), dimension ? (field(e, dimension) ?? null) : null]);
          cells.set(cell, [...(cells.get(cell) ?? []), e]);
        }
        for (const s of body.series) {
          const metric = q.metrics.find((m) => m.name === s.metric)!;
          const group = dimension ? (s.group?.[dimension] ?? null) : null;
          s.previous!.forEach((p, i) => {
            const xs = cells.get(JSON.stringify([keys[i] ?? null, group]));
            const expected = expectedValue(metric, xs, q.bucketing.fill);
            const close = expected === null ? p === null : p !== null && Math.abs(p - expected) <= 1e-9 * Math.max(1, Math.abs(expected));
            expect(close, `${what} ${s.metric} ${JSON.stringify(s.group)} previous[${i}] (${keys[i]}) = ${p}, expected ${expected}`).toBe(true);
          });
        }
      }),
      { numRuns: RUNS },
    );
  });
});
