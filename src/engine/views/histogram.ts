/**
 * GET /breakdown/{field}?bins=N: a histogram of a numeric field. Two steps: min, max and count
 * through the engine, then counts per round-edged bin (bins.ts) with one grouped statement.
 */
import { fieldError } from '../../domain/errors.js';
import { buildHistogram, isNumericField, parseFilters } from '../../query/index.js';
import type { BreakdownParams } from './breakdown.js';
import { binEdges, binLayout } from './bins.js';
import type { ViewContext, ViewMeta } from './context.js';
import { eventFilter, fieldParam, filtersParam, isoSpan, num, parseZoneParam, rangeSpec, viewMeta, windowOf } from './context.js';
import { runView } from './read-tags.js';

export interface HistogramBin {
  from: number;
  to: number;
  count: number;
}

export interface HistogramResult {
  field: string;
  bins: HistogramBin[];
  total: number;
  min: number | null;
  max: number | null;
  meta: ViewMeta & { timeRange: { from: string; to: string } };
}

export const MAX_BINS = 200;

export async function histogram(ctx: ViewContext, params: BreakdownParams & { bins: number }): Promise<HistogramResult> {
  const started = performance.now();
  const catalog = ctx.engine.catalog;
  const field = fieldParam(params.field, catalog, '/field');
  if (!isNumericField(field)) throw fieldError('VALIDATION', '/bins', `bins need a numeric field; "${params.field}" is ${field.type}`);
  if (!Number.isInteger(params.bins) || params.bins < 1 || params.bins > MAX_BINS) {
    throw fieldError('VALIDATION', '/bins', `bins must be an integer from 1 to ${MAX_BINS}`);
  }
  const timezone = parseZoneParam(params.timezone);
  const filters = [...eventFilter(params.event), ...filtersParam(params.filters)];
  const parsedFilters = parseFilters(filters, catalog, timezone);
  const timeRange = rangeSpec(params, timezone);
  const span = await windowOf(ctx, timeRange, timezone);
  const fixed = isoSpan(span);
  const f = params.field;
  const stats = await ctx.engine.run(
    { metrics: [`min(${f})`, `max(${f})`, 'count'], filters: [...filters, { field: f, op: 'exists' }], timeRange: fixed, timezone },
    { org: ctx.org },
  );
  const row = stats.rows[0] ?? {};
  const [min, max, total] = [num(row[`min(${f})`]), num(row[`max(${f})`]), num(row['count']) ?? 0];
  const meta = { ...viewMeta(started, timezone), timeRange: fixed };
  if (min === null || max === null || total === 0) return { field: f, bins: [], total: 0, min: null, max: null, meta };

  const layout = binLayout(min, max, params.bins);
  const sql = buildHistogram(ctx.engine.dialect, {
    org: ctx.org,
    span,
    field,
    events: [],
    filters: parsedFilters,
    start: layout.start,
    width: layout.width || 1,
    bins: layout.bins,
  });
  const counts = new Map<number, number>();
  for (const r of await runView(ctx, sql, { filters: parsedFilters, spans: [span] })) counts.set(Number(r['bin']), Number(r['n']));
  const bins = Array.from({ length: layout.bins }, (_, i) => ({ ...binEdges(layout, i), count: counts.get(i) ?? 0 }));
  // Summed from the bins: an undeclared prop may hold text that exists but is not a number.
  const binned = bins.reduce((n, b) => n + b.count, 0);
  return { field: f, bins, total: binned, min, max, meta: { ...meta, ...viewMeta(started, timezone) } };
}
