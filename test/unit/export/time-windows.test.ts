import { describe, expect, it } from 'vitest';
import { bucketWidth, HISTOGRAM_BUCKETS, packWindows } from '../../../src/export/time-windows.js';

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
