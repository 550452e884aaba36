/**
 * GET /percentiles: any percentiles of a numeric field, optionally per value of a dimension, and
 * SLA compliance: `within` is the share of values at or under `threshold`. Percentiles are
 * continuous (linear interpolation), like the query language's pNN. Two or four concurrent
 * engine queries: the values, and the count at or under the threshold (overall and per group).
 */
import type { CellValue, Filter, QueryResult, ResultRow } from '../../domain/query.js';
import { fieldError } from '../../domain/errors.js';
import { isNumericField } from '../../query/index.js';
import type { RangeParams, ViewContext, ViewMeta } from './context.js';
import { eventFilter, fieldParam, filtersParam, isoSpan, num, parseZoneParam, positiveInt, rangeSpec, viewMeta, windowOf } from './context.js';

export interface PercentilesParams extends RangeParams {
  field: string;
  p?: string;
  event?: string;
  threshold?: number;
  dimension?: string;
  limit?: number;
  filters?: string;
}

export interface PercentileStats {
  values: Record<string, number | null>;
  count: number;
  avg: number | null;
  min: number | null;
  max: number | null;
  sla?: { threshold: number; within: number | null; count: number };
}

export interface PercentilesResult extends PercentileStats {
  field: string;
  groups?: Array<PercentileStats & { value: CellValue }>;
  meta: ViewMeta & { timeRange: { from: string; to: string } };
}

const P = /^\d{1,2}(\.\d{1,6})?$/;
const DEFAULT_P = '50,90,95,99';
const MAX_P = 20;

/** `50,95,99.9` → ['50', '95', '99.9']; each in (0, 100). */
export function parsePercentileList(text: string): string[] {
  const list = text.split(',').map((p) => p.trim()).filter((p) => p.length > 0);
  if (list.length === 0 || list.length > MAX_P) throw fieldError('VALIDATION', '/p', `give 1 to ${MAX_P} percentiles, e.g. 50,95,99`);
  for (const p of list) {
    if (!P.test(p) || Number(p) <= 0) throw fieldError('VALIDATION', '/p', `percentile ${JSON.stringify(p)} must be a number above 0 and below 100`);
  }
  return [...new Set(list.map((p) => String(Number(p))))];
}

function stats(row: ResultRow | undefined, field: string, ps: readonly string[]): PercentileStats {
  const values: Record<string, number | null> = {};
  for (const p of ps) values[`p${p}`] = num(row?.[`p${p}(${field})`]);
  return {
    values,
    count: num(row?.['count']) ?? 0,
    avg: num(row?.[`avg(${field})`]),
    min: num(row?.[`min(${field})`]),
    max: num(row?.[`max(${field})`]),
  };
}

function withSla(s: PercentileStats, within: number, threshold: number | undefined): PercentileStats {
  if (threshold === undefined) return s;
  return { ...s, sla: { threshold, count: within, within: s.count === 0 ? null : within / s.count } };
}

export async function percentiles(ctx: ViewContext, params: PercentilesParams): Promise<PercentilesResult> {
  const started = performance.now();
  const catalog = ctx.engine.catalog;
  const f = params.field;
  const field = fieldParam(f, catalog, '/field');
  if (!isNumericField(field)) throw fieldError('VALIDATION', '/field', `percentiles need a numeric field; "${f}" is ${field.type}`);
  if (params.dimension !== undefined) fieldParam(params.dimension, catalog, '/dimension');
  if (params.threshold !== undefined && !Number.isFinite(params.threshold)) throw fieldError('VALIDATION', '/threshold', 'must be a number');
  const ps = parsePercentileList(params.p ?? DEFAULT_P);
  const timezone = parseZoneParam(params.timezone);
  const limit = positiveInt(params.limit, 50, 1000, '/limit');
  const filters: Filter[] = [...eventFilter(params.event), ...filtersParam(params.filters), { field: f, op: 'exists' }];
  const span = await windowOf(ctx, rangeSpec(params, timezone), timezone);
  const timeRange = isoSpan(span);
  const metrics = [...ps.map((p) => `p${p}(${f})`), 'count', `avg(${f})`, `min(${f})`, `max(${f})`];
  const dims = params.dimension === undefined ? [] : [params.dimension];
  const within: Filter[] = params.threshold === undefined ? [] : [{ field: f, op: 'lte', value: params.threshold }];
  const scope = { org: ctx.org };
  const run = (m: string[], d: string[], extra: Filter[]): Promise<QueryResult | null> =>
    ctx.engine.run({ metrics: m, dimensions: d, filters: [...filters, ...extra], timeRange, timezone, limit, order: [{ by: 'count', dir: 'desc' }] }, scope);
  const none = Promise.resolve(null);
  const sla = params.threshold !== undefined;
  const [overall, overallWithin, grouped, groupedWithin] = await Promise.all([
    run(metrics, [], []),
    sla ? run(['count'], [], within) : none,
    dims.length ? run(metrics, dims, []) : none,
    dims.length && sla ? run(['count'], dims, within) : none,
  ]);
  const total = withSla(stats(overall?.rows[0], f, ps), num(overallWithin?.rows[0]?.['count']) ?? 0, params.threshold);
  const result: PercentilesResult = { field: f, ...total, meta: { ...viewMeta(started, timezone), timeRange } };
  if (grouped && params.dimension !== undefined) {
    const dim = params.dimension;
    const withinBy = new Map((groupedWithin?.rows ?? []).map((r) => [JSON.stringify(r[dim] ?? null), num(r['count']) ?? 0]));
    result.groups = grouped.rows.map((row) => ({
      value: (row[dim] ?? null) as CellValue,
      ...withSla(stats(row, f, ps), withinBy.get(JSON.stringify(row[dim] ?? null)) ?? 0, params.threshold),
    }));
  }
  return result;
}
