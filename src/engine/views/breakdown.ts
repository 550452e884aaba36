/**
 * GET /breakdown/{field}: the top values of a field by a metric, each with its share of the
 * total, plus what the other values add up to; with `bins`, a histogram of a numeric field.
 *
 * Shares: for counts and sums, value / total, and `other` = total − the listed values. A distinct
 * count's share is value / total too (shares may add up to more than 1: an actor can use two
 * channels), and its `other` is null. Averages, percentiles and ratios do not split into shares:
 * both are null and `total` is the metric over all rows.
 */
import type { CellValue } from '../../domain/query.js';
import { fieldError } from '../../domain/errors.js';
import type { RangeParams, ViewContext, ViewMeta } from './context.js';
import type { HistogramResult } from './histogram.js';
import { histogram } from './histogram.js';
import {
  eventFilter, fieldParam, filtersParam, isAdditive, metricParam, num, parseZoneParam, positiveInt, rangeSpec, viewMeta, zeroFilled,
} from './context.js';

export interface BreakdownParams extends RangeParams {
  field: string;
  metric?: string;
  limit?: number;
  event?: string;
  filters?: string;
}

export interface BreakdownItem {
  value: CellValue;
  metric: number | null;
  share: number | null;
}

export interface BreakdownResult {
  field: string;
  metricName: string;
  items: BreakdownItem[];
  other: number | null;
  total: number | null;
  meta: ViewMeta & { timeRange: { from: string; to: string } };
}

export const MAX_BREAKDOWN_ITEMS = 1000;

/** The route's entry: a top-N breakdown, or a histogram when `bins` is given. */
export function breakdownOrHistogram(ctx: ViewContext, params: BreakdownParams & { bins?: number }): Promise<BreakdownResult | HistogramResult> {
  const { bins } = params;
  return bins === undefined ? breakdown(ctx, params) : histogram(ctx, { ...params, bins });
}

export async function breakdown(ctx: ViewContext, params: BreakdownParams): Promise<BreakdownResult> {
  const started = performance.now();
  const catalog = ctx.engine.catalog;
  fieldParam(params.field, catalog, '/field');
  const metricName = params.metric ?? 'count';
  const metric = metricParam(metricName, catalog);
  const timezone = parseZoneParam(params.timezone);
  const limit = positiveInt(params.limit, 10, MAX_BREAKDOWN_ITEMS, '/limit');
  const filters = [...eventFilter(params.event), ...filtersParam(params.filters)];
  if (metricName === params.field) throw fieldError('VALIDATION', '/metric', 'the metric and the field must differ');
  const timeRange = rangeSpec(params, timezone);
  const base = { timeRange, timezone, filters };
  const scope = { org: ctx.org };
  const [top, all] = await Promise.all([
    ctx.engine.run({ ...base, metrics: [metricName], dimensions: [params.field], order: [{ by: metricName, dir: 'desc' }], limit }, scope),
    ctx.engine.run({ ...base, metrics: [metricName] }, scope),
  ]);
  const total = num(all.rows[0]?.[metricName]);
  const shares = zeroFilled(metric.expr);
  const items = top.rows.map((row) => {
    const value = num(row[metricName]);
    return {
      value: (row[params.field] ?? null) as CellValue,
      metric: value,
      share: shares && value !== null && total !== null && total !== 0 ? value / total : null,
    };
  });
  const listed = items.reduce((sum, i) => sum + (i.metric ?? 0), 0);
  const other = isAdditive(metric.expr) && total !== null ? Math.max(0, total - listed) : null;
  return {
    field: params.field,
    metricName,
    items,
    other,
    total,
    meta: { ...viewMeta(started, timezone), timeRange: top.meta.timeRange },
  };
}
