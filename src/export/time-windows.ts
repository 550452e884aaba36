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

/**
 * Where a window's rows can be in storage: per block of consecutive rowids, the rowids and times
 * of the matching rows it holds. On DuckDB a window then reads `rowid` from the first to the last
 * block whose times overlap it instead of every row group: with rows stored in time order (as live
 * ingest leaves them) that is one or two blocks, so a window costs what a storage-order range costs.
 * Rows in any order still come out right: the overlapping blocks then span the table.
 */
export interface RowidBlock {
  /** Smallest and largest rowid of a matching row in the block. */
  lo: number;
  hi: number;
  /** Earliest and latest time (epoch ms) of a matching row in the block. */
  first: number;
  last: number;
}

export interface RowidSpan {
  from: number;
  /** Exclusive. */
  to: number;
}

/** Rowids covering every block that holds a row of `window` (`to` exclusive); null when none does. */
export function rowidSpanOf(blocks: readonly RowidBlock[], window: TimeSpan): RowidSpan | null {
  let from = Infinity;
  let to = -Infinity;
  for (const b of blocks) {
    if (b.last < window.from || b.first >= window.to) continue;
    from = Math.min(from, b.lo);
    to = Math.max(to, b.hi + 1);
  }
  return from === Infinity ? null : { from, to };
}

/**
 * A window as it lies in storage: its matching rows, their smallest and largest rowid, and
 * whether they are already in time order when read in rowid order (no row earlier than the one
 * stored before it).
 */
export interface CheckedWindow {
  span: TimeSpan;
  rows: number;
  ordered: boolean;
  lo: number;
  hi: number;
}

/** One statement of a time-ordered export: a time range, the rowids to read, sorted or not. */
export interface PlannedRead {
  span: TimeSpan;
  rowids: RowidSpan;
  sorted: boolean;
}

/**
 * The statements of a time-ordered export. A window whose rows are out of order is sorted on its
 * own. Consecutive ordered windows, each stored wholly after the one before it, are read together
 * in storage order — which is then time order — up to `maxUnsortedRows` rows per statement: on
 * events ingested in arrival order nothing is sorted at all, and a late arrival costs one sort of
 * its own window.
 */
export function planReads(windows: readonly CheckedWindow[], maxUnsortedRows: number): PlannedRead[] {
  const reads: PlannedRead[] = [];
  let run: CheckedWindow[] = [];
  let runRows = 0;
  const flush = (): void => {
    const first = run[0];
    const last = run[run.length - 1];
    if (first !== undefined && last !== undefined) {
      reads.push({ span: { from: first.span.from, to: last.span.to }, rowids: { from: first.lo, to: last.hi + 1 }, sorted: false });
    }
    run = [];
    runRows = 0;
  };
  for (const w of windows) {
    if (w.rows === 0) continue;
    if (!w.ordered) {
      flush();
      reads.push({ span: w.span, rowids: { from: w.lo, to: w.hi + 1 }, sorted: true });
      continue;
    }
    const last = run[run.length - 1];
    if (last !== undefined && (last.hi >= w.lo || last.span.to !== w.span.from || runRows + w.rows > maxUnsortedRows)) flush();
    run.push(w);
    runRows += w.rows;
  }
  flush();
  return reads;
}
