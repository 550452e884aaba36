/**
 * Time windows for exports sorted by time. Sorting a whole export at once would make the store
 * hold every row in memory before the first one leaves; instead a histogram of the matching rows
 * (one cheap pass over `ts`) cuts the range into consecutive windows of at most `maxRows` rows,
 * and each window is sorted on its own. A single bucket with more rows than that stays one window.
 * On data ingested live (stored roughly in time order) each window reads only its own row groups.
 */
import type { TimeSpan } from '../query/index.js';

export const HISTOGRAM_BUCKETS = 1024;

export interface BucketCount {
  bucket: number;
  rows: number;
}

export function bucketWidth(span: TimeSpan): number {
  return Math.max(1, Math.ceil((span.to - span.from) / HISTOGRAM_BUCKETS));
}

/** Consecutive windows covering every non-empty bucket, each of at most `maxRows` rows where possible. */
export function packWindows(counts: readonly BucketCount[], span: TimeSpan, width: number, maxRows: number): TimeSpan[] {
  const sorted = [...counts].filter((c) => c.rows > 0).sort((a, b) => a.bucket - b.bucket);
  const first = sorted[0];
  if (first === undefined) return [];
  const edge = (bucket: number): number => Math.min(span.to, span.from + bucket * width);
  const windows: TimeSpan[] = [];
  let start = edge(first.bucket);
  let rows = 0;
  for (const c of sorted) {
    if (rows > 0 && rows + c.rows > maxRows) {
      const end = edge(c.bucket);
      windows.push({ from: start, to: end });
      start = end;
      rows = 0;
    }
    rows += c.rows;
  }
  windows.push({ from: start, to: span.to });
  return windows;
}
