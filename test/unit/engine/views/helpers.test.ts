/** The pure parts of the dashboard views: bins, streaks, cursors, cohorts, series, ranks, params. */
import { describe, expect, it } from 'vitest';
import { binEdges, binLayout, niceWidth } from '../../../../src/engine/views/bins.js';
import { cohortMatrix } from '../../../../src/engine/views/cohorts.js';
import { decodeCursor, encodeCursor, nextCursor } from '../../../../src/engine/views/cursor.js';
import { parseWindow } from '../../../../src/engine/views/funnels.js';
import { groupValue } from '../../../../src/engine/views/groups.js';
import { parsePercentileList } from '../../../../src/engine/views/percentiles.js';
import { shapeProfile } from '../../../../src/engine/views/profile.js';
import { percentileOf, rankedEntry } from '../../../../src/engine/views/ranks.js';
import { toSeries } from '../../../../src/engine/views/series.js';
import { streaks } from '../../../../src/engine/views/streak.js';
import type { ViewContext } from '../../../../src/engine/views/context.js';
import { viewReadTag } from '../../../../src/engine/views/read-tags.js';
import { parseFilters, parseMetricRef } from '../../../../src/query/index.js';
import { testCatalog } from '../../../fixtures/catalog.js';
import { shapeSummary, sparklineGranularity } from '../../../../src/engine/views/summary.js';

const DAY = 86_400_000;
const H = 3_600_000;

describe('bins', () => {
  it('picks round widths of 1, 2, 2.5 or 5 × 10^k', () => {
    expect([0.7, 1, 1.1, 2.2, 3, 7, 0.013, 1234].map(niceWidth)).toEqual([1, 1, 2, 2.5, 5, 10, 0.02, 2000]);
  });

  it('covers [min, max] with at most the requested bins and round edges', () => {
    expect(binLayout(3.17, 97.4, 10)).toEqual({ start: 0, width: 10, bins: 10 });
    expect(binLayout(0.1, 0.7, 6)).toEqual({ start: 0.1, width: 0.1, bins: 6 });
    const l = binLayout(-7, 103, 5);
    expect(l.bins).toBeLessThanOrEqual(5);
    expect(l.start).toBeLessThanOrEqual(-7);
    expect(l.start + l.bins * l.width).toBeGreaterThanOrEqual(103);
    expect(binEdges(binLayout(0.1, 0.7, 6), 2)).toEqual({ from: 0.3, to: 0.4 });
  });

  it('one bin over values on both sides of 0 is min…max; over one side it stays aligned', () => {
    expect(binEdges(binLayout(-1, 1, 1), 0)).toEqual({ from: -1, to: 1 });
    expect(binEdges(binLayout(-0.5, 0.25, 1), 0)).toEqual({ from: -0.5, to: 0.25 });
    expect(binLayout(9, 11, 1)).toEqual({ start: 0, width: 20, bins: 1 });
  });

  it('puts aligned edges on exact multiples of the width', () => {
    const l = binLayout(-1.81, 0.01, 74);
    expect(l).toEqual({ start: -1.825, width: 0.025, bins: 74 });
    expect(binEdges(l, 73)).toEqual({ from: 0, to: 0.025 });
  });

  it('one distinct value is one degenerate bin', () => {
    const l = binLayout(5, 5, 10);
    expect(l.bins).toBe(1);
    expect(binEdges(l, 0)).toEqual({ from: 5, to: 5 });
  });
});

describe('streaks', () => {
  const days = (...d: number[]) => d.map((n) => Date.UTC(2026, 10, n));
  const now = Date.UTC(2026, 10, 20, 12);

  it('counts back from today, or from yesterday when today is not active yet', () => {
    expect(streaks(days(18, 19, 20), now, 'UTC')).toEqual({ current: 3, longest: 3, activeToday: true });
    expect(streaks(days(17, 18, 19), now, 'UTC')).toEqual({ current: 3, longest: 3, activeToday: false });
    expect(streaks(days(17, 18), now, 'UTC')).toEqual({ current: 0, longest: 2, activeToday: false });
    expect(streaks([], now, 'UTC')).toEqual({ current: 0, longest: 0, activeToday: false });
  });

  it('ignores days after today and finds the longest run anywhere', () => {
    expect(streaks(days(1, 2, 3, 4, 10, 20, 21), now, 'UTC')).toEqual({ current: 1, longest: 4, activeToday: true });
  });

  it('follows local midnights across a DST change (Berlin, 25-hour day on 2026-10-25)', () => {
    const berlin = [Date.UTC(2026, 9, 23, 22), Date.UTC(2026, 9, 24, 22), Date.UTC(2026, 9, 25, 23)]; // Oct 24, 25, 26 local
    expect(streaks(berlin, Date.UTC(2026, 9, 26, 12), 'Europe/Berlin')).toEqual({ current: 3, longest: 3, activeToday: true });
  });
});

describe('activity cursors', () => {
  it('round-trips and refuses anything else', () => {
    const c = { ts: 1_790_000_000_000, skip: 3 };
    expect(decodeCursor(encodeCursor(c))).toEqual(c);
    for (const bad of ['', 'abc', Buffer.from('{"t":1.5,"k":0}').toString('base64url'), Buffer.from('{"t":1,"k":-1}').toString('base64url')]) {
      expect(() => decodeCursor(bad)).toThrow(expect.objectContaining({ code: 'VALIDATION' }));
    }
  });

  it('counts the events served at the last timestamp, across pages', () => {
    expect(nextCursor([9, 8, 8], null)).toEqual({ ts: 8, skip: 2 });
    expect(nextCursor([8, 8], { ts: 8, skip: 2 })).toEqual({ ts: 8, skip: 4 });
    expect(nextCursor([8, 7], { ts: 8, skip: 2 })).toEqual({ ts: 7, skip: 1 });
    expect(nextCursor([], null)).toBeNull();
  });
});

describe('cohort matrix', () => {
  it('places sizes and returns by period index; empty cohorts keep their row', () => {
    const b = [0, 10, 20];
    const m = cohortMatrix(
      [
        { c: 0, r: null, n: 4 }, { c: 0, r: 0, n: 4 }, { c: 0, r: 20, n: 1 },
        { c: 20, r: null, n: 2 }, { c: 20, r: 20, n: 1 },
      ],
      b,
    );
    expect(m.cohorts.map((c) => [c.size, c.returned, c.rates])).toEqual([
      [4, [4, 0, 1], [1, 0, 0.25]],
      [0, [0, 0], [null, null]],
      [2, [1], [0.5]],
    ]);
    expect(m.average).toEqual([5 / 6, 0, 0.25]);
  });
});

describe('series', () => {
  it('one series per metric × group, values by bucket position, previous with compare', () => {
    const buckets = ['t0', 't1'];
    const rows = [
      { time: 't0', ch: 'web', n: 1, previous: { n: 5 } },
      { time: 't0', ch: 'ios', n: 2, previous: { n: 6 } },
      { time: 't1', ch: 'web', n: 3, previous: { n: 7 } },
      { time: 't1', ch: 'ios', n: 4, previous: { n: 8 } },
    ];
    expect(toSeries(rows, buckets, ['n'], ['ch'], true)).toEqual([
      { metric: 'n', group: { ch: 'web' }, values: [1, 3], previous: [5, 7] },
      { metric: 'n', group: { ch: 'ios' }, values: [2, 4], previous: [6, 8] },
    ]);
  });
});

describe('ranks and parameters', () => {
  it('percentiles are percent_rank × 100 with two decimals; the gap is to the next better value', () => {
    expect(percentileOf(2 / 3)).toBe(66.67);
    expect(percentileOf(null)).toBeNull();
    expect(rankedEntry({ r0: 3, m0: 20, p0: 0.5, next0: 30 })).toEqual({ rank: 3, value: 20, percentile: 50, gapToNext: 10 });
    expect(rankedEntry({ r0: null, m0: null, p0: null, next0: null })).toBeNull();
  });

  it('parses percentile lists and windows', () => {
    expect(parsePercentileList('50, 95,99.9,50')).toEqual(['50', '95', '99.9']);
    expect(() => parsePercentileList('100')).toThrow();
    expect(parseWindow('30m')).toBe(30 * 60_000);
    expect(parseWindow('2w')).toBe(14 * DAY);
    expect(() => parseWindow('1y')).toThrow();
  });

  it('picks sparkline buckets by range length', () => {
    expect(sparklineGranularity({ from: 0, to: 24 * H })).toBe('1h');
    expect(sparklineGranularity({ from: 0, to: 30 * DAY })).toBe('1d');
    expect(sparklineGranularity({ from: 0, to: 365 * DAY })).toBe('1w');
    expect(sparklineGranularity({ from: 0, to: 3 * 365 * DAY })).toBe('1mo');
  });

  it('reads a group value by the dimension type', () => {
    expect(groupValue({ kind: 'prop', name: 'n', column: 'p_n', type: 'number' }, '42')).toBe(42);
    expect(groupValue({ kind: 'prop', name: 'b', column: 'p_b', type: 'boolean' }, 'false')).toBe(false);
    expect(() => groupValue({ kind: 'prop', name: 'n', column: 'p_n', type: 'number' }, 'x')).toThrow();
  });
});

describe('actor profile shaping', () => {
  const metrics = [{ name: 'xp', zero: true }, { name: 'avg', zero: false }];
  const rows = [
    { g: 3, p: 1, day: null, d0: null, m0: 30, m1: 70, active: 3, seen: 3, last: 5 },
    { g: 3, p: 0, day: null, d0: null, m0: 20, m1: null, active: 1, seen: 1, last: 2 },
    { g: 3, p: null, day: null, d0: null, m0: 99, m1: 1, active: 9, seen: 9, last: 1 },
    { g: 1, p: 1, day: 100, d0: null, m0: 30, m1: 70, active: 3, seen: 3, last: 5 },
    // A day of the range with events that do not make it active (another model's).
    { g: 1, p: 1, day: 200, d0: null, m0: 0, m1: null, active: 0, seen: 0, last: 6 },
    { g: 2, p: 1, day: null, d0: 'algebra', m0: 10, m1: 60, active: 1, seen: 1, last: 5 },
    { g: 2, p: 1, day: null, d0: 'biology', m0: 20, m1: 80, active: 2, seen: 2, last: 5 },
    { g: 2, p: 1, day: null, d0: 'chess', m0: 0, m1: null, active: 1, seen: 0, last: 5 },
    { g: 2, p: 1, day: null, d0: null, m0: 0, m1: null, active: 1, seen: 1, last: 5 },
    { g: 5, p: null, day: 100, d0: null, m0: 30, m1: 70, active: 3, seen: 3, last: 5 },
    { g: 5, p: null, day: 0, d0: null, m0: 0, m1: null, active: 0, seen: 0, last: 1 },
    // Active before the range only.
    { g: 5, p: null, day: -100, d0: null, m0: 10, m1: null, active: 2, seen: 2, last: -50 },
  ];

  it('splits totals, previous, change, filled series, breakdown, active days and last seen', () => {
    const p = shapeProfile(rows, metrics, [100, 200], 10);
    expect(p.totals).toEqual({ xp: 30, avg: 70 });
    expect(p.previous).toEqual({ xp: 20, avg: null });
    expect(p.change).toEqual({ xp: 0.5, avg: null });
    expect(p.series).toEqual({ xp: [30, 0], avg: [70, null] });
    // chess has no rows of the metrics' events; the null value is not a breakdown item.
    expect(p.breakdown.map((b) => b.value)).toEqual(['biology', 'algebra']);
    expect(p.activeDays).toEqual([100, -100]);
    expect(p.activeDaysInRange).toBe(1);
    expect(p.lastSeen).toBe(5);
  });

  it('an actor without rows has no last seen; missing totals read like empty buckets', () => {
    const p = shapeProfile([], metrics, [100], 10);
    expect(p).toMatchObject({ totals: { xp: 0, avg: null }, lastSeen: null, activeDays: [], activeDaysInRange: 0, breakdown: [] });
  });
});

describe('summary shaping', () => {
  it('values, previous, change and a filled sparkline per metric', () => {
    const rows = [
      { g: 1, p: 1, t: null, m0: 12, m1: 0.5 },
      { g: 1, p: 0, t: null, m0: 8, m1: null },
      { g: 0, p: 1, t: 100, m0: 12, m1: 0.5 },
      { g: 0, p: 0, t: 50, m0: 8, m1: null },
    ];
    expect(shapeSummary(rows, [{ name: 'n', zero: true }, { name: 'r', zero: false }], [100, 200])).toEqual([
      { value: 12, previous: 8, change: 0.5, series: [12, 0] },
      { value: 0.5, previous: null, change: null, series: [0.5, null] },
    ]);
  });

  it('no rows at all: zero counts, null others', () => {
    expect(shapeSummary([], [{ name: 'n', zero: true }, { name: 'r', zero: false }], [1])).toEqual([
      { value: 0, previous: 0, change: null, series: [0] },
      { value: null, previous: null, change: null, series: [null] },
    ]);
  });
});

describe('read tags of view statements', () => {
  const now = Date.UTC(2026, 10, 20, 12);
  const ctx = { engine: { clock: () => now }, org: 'acme' } as unknown as ViewContext;
  const catalog = testCatalog();

  it('names the events of the metrics and leaves a window that ends now open', () => {
    const revenue = parseMetricRef('revenue', catalog);
    expect(viewReadTag(ctx, { metrics: [revenue], spans: [{ from: now - 7 * DAY, to: now }], validUntil: now + H })).toEqual({
      events: ['payment.completed'], metrics: ['revenue'], ranges: [[now - 7 * DAY, null]], validUntil: now + H,
    });
  });

  it('keeps a past window closed; event filters narrow, explicit events win', () => {
    const past = { from: now - 30 * DAY, to: now - 20 * DAY };
    const filters = parseFilters([{ field: 'event', op: 'in', value: ['a', 'b'] }], catalog);
    expect(viewReadTag(ctx, { filters, spans: [past] })).toMatchObject({ events: ['a', 'b'], ranges: [[past.from, past.to]], validUntil: null });
    expect(viewReadTag(ctx, { events: ['x'], spans: [past] }).events).toEqual(['x']);
    expect(viewReadTag(ctx, { spans: [past] }).events).toBeNull();
  });
});
