/**
 * Pure helpers for ranked rows (src/query/views/ranking.ts): competition ranks ("1224": tied
 * values share a rank and the next rank skips), percentiles as percent_rank × 100, and the gap to
 * the next better value.
 */
import type { SqlRow } from '../../store/port.js';

const num = (v: unknown): number | null => (typeof v === 'number' && Number.isFinite(v) ? v : null);

/** percent_rank (0..1) → a percentile 0–100 with two decimals. */
export function percentileOf(value: unknown): number | null {
  const p = num(value);
  return p === null ? null : Math.round(p * 10_000) / 100;
}

export interface RankedEntry {
  rank: number;
  value: number;
  percentile: number;
  /** How much the value must improve to tie the next better value; null for the best. */
  gapToNext: number | null;
}

/** The first metric's rank of one ranked row; null when the row is unranked (null metric). */
export function rankedEntry(row: SqlRow): RankedEntry | null {
  const rank = num(row['r0']);
  const value = num(row['m0']);
  const percentile = percentileOf(row['p0']);
  if (rank === null || value === null || percentile === null) return null;
  const next = num(row['next0']);
  return { rank, value, percentile, gapToNext: next === null ? null : Math.abs(next - value) };
}

/** The row of buildRankOf → the same entry; null when the value is unranked. */
export function rankOfRow(row: SqlRow): RankedEntry | null {
  const value = num(row['m0']);
  const n = num(row['n0']) ?? 0;
  if (value === null) return null;
  const worse = num(row['worse']) ?? 0;
  const next = num(row['next0']);
  return {
    rank: (num(row['better']) ?? 0) + 1,
    value,
    percentile: percentileOf(n > 1 ? worse / (n - 1) : 0) ?? 0,
    gapToNext: next === null ? null : Math.abs(next - value),
  };
}
