/**
 * Pure planning for the bucket cache (bucket-cache.ts): which buckets of a window are closed
 * (whole inside the window and entirely in the past, so only a late event can change them),
 * which contiguous runs must be computed, and how cached and computed rows merge back into the
 * exact row sequence one statement over the whole window would have returned.
 */
import type { Granularity } from '../domain/query.js';
import { nextBucket } from '../query/index.js';
import type { TimeWindow } from '../query/index.js';
import type { SqlRow } from '../store/port.js';

export interface BucketSlot {
  start: number;
  end: number;
  closed: boolean;
}

/** A span to compute: [from, to) clipped to the window, and the bucket starts it covers. */
export interface BucketRun {
  from: number;
  to: number;
  starts: number[];
}

export function bucketSlots(window: TimeWindow, g: Granularity, zone: string, now: number): BucketSlot[] {
  const starts = window.buckets ?? [];
  return starts.map((start, i) => {
    const end = starts[i + 1] ?? nextBucket(start, g, zone);
    return { start, end, closed: start >= window.from && end <= window.to && end <= now };
  });
}

/** Runs of consecutive slots not in `have`; an edge bucket is clipped to the window. */
export function missingRuns(slots: readonly BucketSlot[], have: ReadonlySet<number>, window: Pick<TimeWindow, 'from' | 'to'>): BucketRun[] {
  const runs: BucketRun[] = [];
  let current: BucketRun | null = null;
  for (const slot of slots) {
    if (have.has(slot.start)) {
      current = null;
      continue;
    }
    if (current === null) {
      current = { from: Math.max(slot.start, window.from), to: Math.min(slot.end, window.to), starts: [] };
      runs.push(current);
    }
    current.starts.push(slot.start);
    current.to = Math.min(slot.end, window.to);
  }
  return runs;
}

/** Rows by their bucket (`t`), keeping their order inside each bucket. */
export function splitByBucket(rows: readonly SqlRow[], alias = 't'): Map<number, SqlRow[]> {
  const out = new Map<number, SqlRow[]>();
  for (const row of rows) {
    const t = Number(row[alias]);
    const list = out.get(t);
    if (list) list.push(row);
    else out.set(t, [row]);
  }
  return out;
}

/**
 * The rows in bucket order. The whole-window statement orders by t then the dimensions, and each
 * part was produced by the same statement over a sub-window, so concatenation is that order.
 */
export function mergeBuckets(slots: readonly BucketSlot[], parts: ReadonlyMap<number, readonly SqlRow[]>): SqlRow[] {
  const out: SqlRow[] = [];
  for (const slot of slots) {
    const rows = parts.get(slot.start);
    if (rows) out.push(...rows);
  }
  return out;
}
