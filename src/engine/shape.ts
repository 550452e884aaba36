/**
 * Turns store rows (aliased columns) into the API's result rows: named columns, ISO times,
 * every bucket for every group (fill), and previous-period values matched by bucket index.
 */
import type { CellValue, ResultRow } from '../domain/query.js';
import type { PlannedColumn, QueryPlan } from '../query/types.js';
import type { SqlRow } from '../store/port.js';

type Cells = Record<string, CellValue>;

function groupKey(row: SqlRow, dims: readonly PlannedColumn[]): string {
  if (dims.length === 0) return '';
  if (dims.length === 1) return JSON.stringify(row[dims[0]!.alias] ?? null);
  return JSON.stringify(dims.map((d) => row[d.alias] ?? null));
}

function named(row: SqlRow, columns: readonly PlannedColumn[]): Cells {
  const out: Cells = {};
  for (const c of columns) {
    const v = row[c.alias] ?? null;
    out[c.name] = c.type === 'time' && typeof v === 'number' ? new Date(v).toISOString() : v;
  }
  return out;
}

function filledRow(bucket: number, sample: SqlRow | null, plan: QueryPlan): SqlRow {
  const row: SqlRow = {};
  for (const c of plan.columns) {
    if (c.role === 'time') row[c.alias] = bucket;
    else if (c.role === 'dimension') row[c.alias] = sample?.[c.alias] ?? null;
    else row[c.alias] = c.fill === 'zero' ? 0 : null;
  }
  return row;
}

/** Rows in time order with every (bucket × group) present; groups keep their first-seen order. */
export function fillBuckets(plan: QueryPlan, rows: readonly SqlRow[], buckets: readonly number[]): SqlRow[] {
  const dims = plan.columns.filter((c) => c.role === 'dimension');
  const time = plan.columns.find((c) => c.role === 'time');
  if (!time || plan.fill === 'none') return [...rows];
  const groups = new Map<string, SqlRow>();
  const byCell = new Map<string, SqlRow>();
  for (const row of rows) {
    const key = groupKey(row, dims);
    if (!groups.has(key)) groups.set(key, row);
    byCell.set(`${String(row[time.alias])}|${key}`, row);
  }
  if (groups.size === 0 && dims.length === 0) groups.set('', {});
  const out: SqlRow[] = [];
  for (const bucket of buckets) {
    for (const [key, sample] of groups) {
      out.push(byCell.get(`${bucket}|${key}`) ?? filledRow(bucket, dims.length === 0 ? null : sample, plan));
    }
  }
  return out;
}

/** Period-over-period change: (current − previous) / previous; null when either is not a number or previous is 0. */
export function change(current: CellValue, previous: CellValue): number | null {
  if (typeof current !== 'number' || typeof previous !== 'number' || previous === 0) return null;
  return (current - previous) / previous;
}

/** Index of previous rows by (bucket index, group) so the current row i finds its counterpart. */
function indexPrevious(plan: QueryPlan, rows: readonly SqlRow[], buckets: readonly number[] | null): Map<string, SqlRow> {
  const dims = plan.columns.filter((c) => c.role === 'dimension');
  const time = plan.columns.find((c) => c.role === 'time');
  const position = new Map<number, number>((buckets ?? []).map((b, i) => [b, i]));
  const index = new Map<string, SqlRow>();
  for (const row of rows) {
    const slot = time ? position.get(Number(row[time.alias])) ?? -1 : 0;
    index.set(`${slot}|${groupKey(row, dims)}`, row);
  }
  return index;
}

export function shapeRows(plan: QueryPlan, rows: readonly SqlRow[], previousRows: readonly SqlRow[] | null): ResultRow[] {
  const buckets = plan.window.buckets;
  let current = buckets ? fillBuckets(plan, rows, buckets) : [...rows];
  if (buckets) current = current.slice(plan.offset, plan.offset + plan.limit);
  const metrics = plan.columns.filter((c) => c.role === 'metric');
  if (!plan.previous || previousRows === null) return current.map((r) => named(r, plan.columns));

  const prevBuckets = plan.previous.window.buckets;
  const prevIndex = indexPrevious(plan, previousRows, prevBuckets);
  const position = new Map<number, number>((buckets ?? []).map((b, i) => [b, i]));
  const dims = plan.columns.filter((c) => c.role === 'dimension');
  const time = plan.columns.find((c) => c.role === 'time');
  return current.map((row) => {
    const out: ResultRow = named(row, plan.columns);
    const slot = time ? position.get(Number(row[time.alias])) ?? -1 : 0;
    const prev = prevIndex.get(`${slot}|${groupKey(row, dims)}`);
    const previous: Cells = {};
    const changes: Cells = {};
    for (const m of metrics) {
      // A group or bucket absent from the previous window counts as that metric's fill value.
      const p = prev ? prev[m.alias] ?? null : m.fill === 'zero' ? 0 : null;
      previous[m.name] = p;
      changes[m.name] = change(row[m.alias] ?? null, p);
    }
    out['previous'] = previous;
    out['change'] = changes;
    return out;
  });
}
