/**
 * Pure shaping of the one-scan actor profile (src/query/views/actor-profile.ts) into the parts of
 * an insights reply. Follows the query language's conventions: a missing day reads 0 for counts,
 * distinct counts and sums and null otherwise; change = (current − previous) / previous.
 */
import type { CellValue } from '../../domain/query.js';
import { PROFILE_GROUPS } from '../../query/index.js';
import type { SqlRow } from '../../store/port.js';

export type Values = Record<string, number | null>;

export interface ProfileMetric {
  name: string;
  /** Zero-filled (counts, distinct counts, sums). */
  zero: boolean;
}

export interface Profile {
  totals: Values;
  previous: Values;
  change: Values;
  series: Record<string, (number | null)[]>;
  breakdown: Array<{ value: CellValue; metrics: Values }>;
  /** Local midnights (epoch ms) of days with activity events, over all history. */
  activeDays: number[];
  /** How many local days have an activity event within the range itself. */
  activeDaysInRange: number;
  /** Epoch ms of the actor's latest event of any kind; null when it has none. */
  lastSeen: number | null;
}

const num = (v: unknown): number | null => (typeof v === 'number' && Number.isFinite(v) ? v : null);

function values(row: SqlRow | undefined, metrics: readonly ProfileMetric[]): Values {
  return Object.fromEntries(metrics.map((m, i) => [m.name, row ? num(row[`m${i}`]) : m.zero ? 0 : null]));
}

function change(current: number | null, previous: number | null): number | null {
  return current === null || previous === null || previous === 0 ? null : (current - previous) / previous;
}

/** `buckets`: the day starts of the range (bucketStarts), for the series. `limit`: breakdown items. */
export function shapeProfile(rows: readonly SqlRow[], metrics: readonly ProfileMetric[], buckets: readonly number[], limit: number): Profile {
  const of = (g: number) => rows.filter((r) => Number(r['g']) === g);
  const totalsRows = of(PROFILE_GROUPS.totals);
  const totals = values(totalsRows.find((r) => r['p'] === 1), metrics);
  const previous = values(totalsRows.find((r) => r['p'] === 0), metrics);
  const daily = of(PROFILE_GROUPS.daily).filter((r) => r['p'] === 1);
  const byDay = new Map(daily.map((r) => [Number(r['day']), r]));
  const series = Object.fromEntries(
    metrics.map((m, i) => [m.name, buckets.map((b) => { const r = byDay.get(b); return r ? num(r[`m${i}`]) : m.zero ? 0 : null; })]),
  );
  const first = (r: SqlRow): number => num(r['m0']) ?? Number.NEGATIVE_INFINITY;
  const breakdown = of(PROFILE_GROUPS.breakdown)
    .filter((r) => r['p'] === 1 && r['d0'] !== null && Number(r['seen']) > 0)
    .sort((a, b) => first(b) - first(a) || String(a['d0']).localeCompare(String(b['d0'])))
    .slice(0, limit)
    .map((r) => ({ value: r['d0'] as CellValue, metrics: values(r, metrics) }));
  const days = of(PROFILE_GROUPS.days);
  const lasts = days.map((r) => num(r['last'])).filter((v): v is number => v !== null);
  return {
    totals,
    previous,
    change: Object.fromEntries(metrics.map((m) => [m.name, change(totals[m.name] ?? null, previous[m.name] ?? null)])),
    series,
    breakdown,
    activeDays: days.filter((r) => Number(r['active']) > 0).map((r) => Number(r['day'])),
    activeDaysInRange: daily.filter((r) => Number(r['active']) > 0).length,
    lastSeen: lasts.length ? Math.max(...lasts) : null,
  };
}
