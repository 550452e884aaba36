import { describe, expect, it } from 'vitest';
import { bucketWidth, HISTOGRAM_BUCKETS, packWindows, planReads, rowidSpanOf } from '../../../src/export/time-windows.js';

const span = { from: 0, to: 1000 };

describe('packWindows', () => {
  it('packs consecutive buckets up to the row limit and covers the span to its end', () => {
    const counts = [
      { bucket: 0, rows: 40 },
      { bucket: 1, rows: 40 },
      { bucket: 2, rows: 40 },
      { bucket: 5, rows: 10 },
      { bucket: 9, rows: 90 },
    ];
    expect(packWindows(counts, span, 100, 100)).toEqual([
      { from: 0, to: 200 },
      { from: 200, to: 900 },
      { from: 900, to: 1000 },
    ]);
  });

  it('keeps an oversized bucket as one window, and yields nothing without rows', () => {
    expect(packWindows([{ bucket: 3, rows: 500 }], span, 100, 100)).toEqual([{ from: 300, to: 1000 }]);
    expect(packWindows([], span, 100, 100)).toEqual([]);
    expect(packWindows([{ bucket: 1, rows: 0 }], span, 100, 100)).toEqual([]);
  });

  it('accepts buckets in any order; windows are ordered and do not overlap', () => {
    const counts = Array.from({ length: 20 }, (_, i) => ({ bucket: 19 - i, rows: 30 }));
    const windows = packWindows(counts, { from: 0, to: 2000 }, 100, 100);
    expect(windows).toHaveLength(7);
    for (let i = 1; i < windows.length; i++) expect(windows[i]?.from).toBe(windows[i - 1]?.to);
  });
});

describe('bucketWidth', () => {
  it(`splits a span into at most ${HISTOGRAM_BUCKETS} buckets of at least 1 ms`, () => {
    expect(bucketWidth({ from: 0, to: 10 })).toBe(1);
    expect(bucketWidth({ from: 0, to: 86_400_000 })).toBe(Math.ceil(86_400_000 / HISTOGRAM_BUCKETS));
  });
});

describe('rowidSpanOf', () => {
  // Three blocks of 100 rowids stored in time order, then one holding late arrivals from t=150 to t=900.
  const blocks = [
    { lo: 0, hi: 99, first: 0, last: 99 },
    { lo: 100, hi: 199, first: 100, last: 199 },
    { lo: 200, hi: 299, first: 200, last: 299 },
    { lo: 300, hi: 310, first: 150, last: 900 },
  ];

  it('covers only the blocks whose times overlap the window', () => {
    expect(rowidSpanOf(blocks, { from: 0, to: 100 })).toEqual({ from: 0, to: 100 });
    expect(rowidSpanOf(blocks, { from: 50, to: 120 })).toEqual({ from: 0, to: 200 });
  });

  it('reaches the late block when its times overlap, with the blocks in between', () => {
    expect(rowidSpanOf(blocks, { from: 160, to: 180 })).toEqual({ from: 100, to: 311 });
    expect(rowidSpanOf(blocks, { from: 400, to: 1000 })).toEqual({ from: 300, to: 311 });
  });

  it('treats the window end as exclusive and a block end as inclusive', () => {
    expect(rowidSpanOf(blocks, { from: 99, to: 100 })).toEqual({ from: 0, to: 100 });
    expect(rowidSpanOf(blocks.slice(0, 3), { from: 300, to: 400 })).toBeNull();
    expect(rowidSpanOf([], { from: 0, to: 1 })).toBeNull();
  });
});

describe('planReads', () => {
  const w = (from: number, lo: number, hi: number, ordered = true, rows = hi - lo + 1) => ({ span: { from, to: from + 10 }, rows, ordered, lo, hi });

  it('reads consecutive ordered windows stored one after another as one unsorted statement', () => {
    expect(planReads([w(0, 0, 9), w(10, 10, 19), w(20, 20, 29)], 100)).toEqual([{ span: { from: 0, to: 30 }, rowids: { from: 0, to: 30 }, sorted: false }]);
  });

  it('sorts a window out of order on its own, and cuts runs at it', () => {
    expect(planReads([w(0, 0, 9), w(10, 10, 40, false, 11), w(20, 20, 29)], 100)).toEqual([
      { span: { from: 0, to: 10 }, rowids: { from: 0, to: 10 }, sorted: false },
      { span: { from: 10, to: 20 }, rowids: { from: 10, to: 41 }, sorted: true },
      { span: { from: 20, to: 30 }, rowids: { from: 20, to: 30 }, sorted: false },
    ]);
  });

  it('cuts a run where a window is stored before the end of the previous one, or at the row limit', () => {
    // Each window is in order, but the second starts (rowid 5) before the first ends (rowid 9).
    expect(planReads([w(0, 0, 9), w(10, 5, 19, true, 10)], 100).map((r) => r.rowids)).toEqual([
      { from: 0, to: 10 },
      { from: 5, to: 20 },
    ]);
    expect(planReads([w(0, 0, 9), w(10, 10, 19), w(20, 20, 29)], 20).map((r) => r.span)).toEqual([
      { from: 0, to: 20 },
      { from: 20, to: 30 },
    ]);
  });

  it('skips empty windows', () => {
    expect(planReads([w(0, 0, -1, true, 0)], 100)).toEqual([]);
  });
});
