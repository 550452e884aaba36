/** The pure part of the bucket cache: closed buckets, runs to compute, and merging back in order. */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { bucketSlots, mergeBuckets, missingRuns, splitByBucket } from '../../../src/engine/bucket-plan.js';
import { bucketStarts } from '../../../src/query/index.js';
import type { SqlRow } from '../../../src/store/port.js';

const HOUR = 3_600_000;
const DAY = 24 * HOUR;
const NOW = Date.UTC(2026, 10, 20, 10, 37);

function window(from: number, to: number, zone = 'UTC', g: '1d' | '1h' = '1d') {
  return { from, to, buckets: bucketStarts({ from, to }, g, zone) };
}

describe('bucketSlots', () => {
  it('closes only whole buckets inside the window that ended before now', () => {
    const w = window(NOW - 3 * DAY, NOW);
    const slots = bucketSlots(w, '1d', 'UTC', NOW);
    expect(slots.map((s) => s.closed)).toEqual([false, true, true, false]);
    expect(slots[0]).toMatchObject({ start: Date.UTC(2026, 10, 17), end: Date.UTC(2026, 10, 18) });
  });

  it('follows DST: Sunday 2026-10-25 in Berlin lasts 25 hours', () => {
    const from = Date.UTC(2026, 9, 24, 22);
    const w = window(from, from + 3 * DAY, 'Europe/Berlin');
    const slots = bucketSlots(w, '1d', 'Europe/Berlin', NOW);
    expect(slots.map((s) => (s.end - s.start) / HOUR)).toEqual([25, 24, 24]);
  });
});

describe('missingRuns', () => {
  it('groups consecutive missing buckets and clips the edges to the window', () => {
    const w = window(NOW - 4 * DAY, NOW);
    const slots = bucketSlots(w, '1d', 'UTC', NOW);
    const have = new Set([slots[1]!.start, slots[2]!.start]);
    const runs = missingRuns(slots, have, w);
    expect(runs).toEqual([
      { from: w.from, to: slots[1]!.start, starts: [slots[0]!.start] },
      { from: slots[3]!.start, to: w.to, starts: [slots[3]!.start, slots[4]!.start] },
    ]);
  });
});

describe('merge', () => {
  it('gives back the whole-window row sequence for any split into cached and computed buckets', () => {
    const w = window(NOW - 10 * DAY, NOW);
    const slots = bucketSlots(w, '1d', 'UTC', NOW);
    const rowArb = fc.array(fc.record({ t: fc.constantFrom(...slots.map((s) => s.start)), d0: fc.constantFrom('a', 'b', 'c', null), m0: fc.integer() }), { maxLength: 40 });
    fc.assert(
      fc.property(rowArb, fc.array(fc.boolean(), { minLength: slots.length, maxLength: slots.length }), (raw, cachedFlags) => {
        // The statement's order: t, then the dimension (nulls last), one row per (t, d0).
        const seen = new Set<string>();
        const rows: SqlRow[] = raw
          .filter((r) => !seen.has(`${r.t}|${r.d0}`) && seen.add(`${r.t}|${r.d0}`))
          .sort((a, b) => a.t - b.t || (a.d0 === null ? 1 : b.d0 === null ? -1 : a.d0.localeCompare(b.d0)));
        const byBucket = splitByBucket(rows);
        const parts = new Map<number, SqlRow[]>();
        const cached = new Set(slots.filter((_, i) => cachedFlags[i]).map((s) => s.start));
        for (const s of slots) if (cached.has(s.start)) parts.set(s.start, byBucket.get(s.start) ?? []);
        for (const run of missingRuns(slots, cached, w)) {
          // Each run is "computed" by filtering the full result to its buckets, as SQL would.
          const inRun = rows.filter((r) => run.starts.includes(r.t as number));
          const split = splitByBucket(inRun);
          for (const s of run.starts) parts.set(s, split.get(s) ?? []);
        }
        expect(mergeBuckets(slots, parts)).toEqual(rows);
      }),
      { numRuns: 200 },
    );
  });
});
