/**
 * Pure shaping of retention rows into a cohort matrix: one row per period of the range (empty
 * cohorts included, so the matrix has no holes), `returned[k]` actors of the cohort active k
 * periods after it started, as far as the range reaches; and the average per offset, weighted by
 * cohort size over the cohorts that reach that offset.
 */
import type { SqlRow } from '../../store/port.js';

export interface Cohort {
  cohort: string;
  size: number;
  returned: number[];
  rates: (number | null)[];
}

export interface CohortMatrix {
  cohorts: Cohort[];
  average: (number | null)[];
}

export function cohortMatrix(rows: readonly SqlRow[], buckets: readonly number[]): CohortMatrix {
  const index = new Map(buckets.map((b, i) => [b, i]));
  const sizes = buckets.map(() => 0);
  const returned = buckets.map((_, i) => buckets.slice(i).map(() => 0));
  for (const r of rows) {
    const c = index.get(Number(r['c']));
    if (c === undefined) continue;
    const n = Number(r['n']);
    if (r['r'] === null) {
      sizes[c] = n;
      continue;
    }
    const k = (index.get(Number(r['r'])) ?? -1) - c;
    const row = returned[c];
    if (row && k >= 0 && k < row.length) row[k] = n;
  }
  const cohorts = buckets.map((b, i) => {
    const size = sizes[i] ?? 0;
    const back = returned[i] ?? [];
    return { cohort: new Date(b).toISOString(), size, returned: back, rates: back.map((n) => (size === 0 ? null : n / size)) };
  });
  const average = buckets.map((_, k) => {
    let size = 0;
    let back = 0;
    for (const c of cohorts) {
      if (k < c.returned.length && c.size > 0) {
        size += c.size;
        back += c.returned[k] ?? 0;
      }
    }
    return size === 0 ? null : back / size;
  });
  return { cohorts, average };
}
