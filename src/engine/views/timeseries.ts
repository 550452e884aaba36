/**
 * POST /timeseries: a query with a granularity, reshaped for charts. Every bucket of the window
 * appears in every series (the engine fills gaps); the buckets come from the compiled plan, so a
 * range without any data still answers its empty buckets.
 */
import type { QuerySpec } from '../../domain/query.js';
import { fieldError } from '../../domain/errors.js';
import { MAX_LIMIT } from '../../query/index.js';
import type { ViewContext, ViewMeta } from './context.js';
import type { Series } from './series.js';
import { toSeries } from './series.js';

export interface TimeseriesResult {
  buckets: string[];
  series: Series[];
  meta: ViewMeta & { timeRange: { from: string; to: string }; granularity: string | null; compare?: { from: string; to: string }; truncated: boolean };
}

export async function timeseries(ctx: ViewContext, body: QuerySpec): Promise<TimeseriesResult> {
  const started = performance.now();
  if (body.fill === 'none') throw fieldError('VALIDATION', '/fill', 'time series always fill gaps; use zero or null (or omit fill)');
  // Rows are bucket × group; without an explicit limit take as many as a query may return.
  const spec: QuerySpec = { ...body, granularity: body.granularity ?? 'auto', limit: body.limit ?? MAX_LIMIT, offset: body.offset ?? 0 };
  const scope = { org: ctx.org };
  const plan = await ctx.engine.plan(spec, scope);
  const buckets = (plan.window.buckets ?? []).map((b) => new Date(b).toISOString());
  const dims = plan.columns.filter((c) => c.role === 'dimension').map((c) => c.name);
  const result = await ctx.engine.run(spec, scope);
  // The engine pages filled rows time-major, so a cut drops the latest buckets of every series.
  // Without dimensions the row count is known; with them a full page is taken as a cut.
  const limit = spec.limit ?? MAX_LIMIT;
  const truncated = result.rows.length >= limit && (dims.length > 0 || buckets.length - (spec.offset ?? 0) > limit);
  if (truncated && body.limit === undefined) {
    throw fieldError(
      'LIMIT_TOO_LARGE',
      '/granularity',
      `the chart needs more than ${MAX_LIMIT} points (buckets × groups); use a coarser granularity, fewer groups or filters`,
    );
  }
  const metrics = plan.columns.filter((c) => c.role === 'metric').map((c) => c.name);
  return {
    buckets,
    series: toSeries(result.rows, buckets, metrics, dims, plan.previous !== null),
    meta: {
      timezone: result.meta.timezone,
      timeRange: result.meta.timeRange,
      granularity: result.meta.granularity,
      ...(result.meta.compare ? { compare: result.meta.compare } : {}),
      truncated,
      cache: result.meta.cache,
      durationMs: Math.round((performance.now() - started) * 100) / 100,
    },
  };
}
