/**
 * Pure shaping of a bucketed query result into chart series: one series per metric × group, each
 * with one value per bucket (in bucket order), so a chart library can plot them directly.
 */
import type { CellValue, ResultRow } from '../../domain/query.js';

export interface Series {
  metric: string;
  group: Record<string, CellValue> | null;
  values: (number | null)[];
  /** Present when the query had `compare`: the previous period's value per bucket position. */
  previous?: (number | null)[];
}

const num = (v: unknown): number | null => (typeof v === 'number' && Number.isFinite(v) ? v : null);

/**
 * `buckets` are ISO bucket starts (the plan's); rows carry `time`, the dimensions and metrics.
 * Groups keep the order in which they first appear in the rows.
 */
export function toSeries(rows: readonly ResultRow[], buckets: readonly string[], metrics: readonly string[], dimensions: readonly string[], compare: boolean): Series[] {
  const slot = new Map(buckets.map((b, i) => [b, i]));
  const groups = new Map<string, { group: Record<string, CellValue> | null; rows: ResultRow[] }>();
  for (const row of rows) {
    const group = dimensions.length === 0 ? null : Object.fromEntries(dimensions.map((d) => [d, (row[d] ?? null) as CellValue]));
    const key = JSON.stringify(group);
    const entry = groups.get(key) ?? { group, rows: [] };
    entry.rows.push(row);
    groups.set(key, entry);
  }
  const out: Series[] = [];
  for (const { group, rows: groupRows } of groups.values()) {
    for (const metric of metrics) {
      const values: (number | null)[] = buckets.map(() => null);
      const previous: (number | null)[] = buckets.map(() => null);
      for (const row of groupRows) {
        const i = slot.get(String(row['time']));
        if (i === undefined) continue;
        values[i] = num(row[metric]);
        const prev = row['previous'];
        if (prev && typeof prev === 'object') previous[i] = num(prev[metric]);
      }
      out.push({ metric, group, values, ...(compare ? { previous } : {}) });
    }
  }
  return out;
}
