/**
 * POST /compare: two or more values of one dimension (actors, classes, courses, products) side by
 * side, each with its percentile rank among all values of that dimension. Two concurrent
 * statements: the metrics of the chosen values (engine.run, with the query's `compare` giving
 * each value its previous period) and the ranks of every value (a window-function statement).
 *
 * Percentile rank = percent_rank: the share of the other values with a strictly worse metric
 * (higher is better), 0–100. Each metric's population is every value of the dimension with at
 * least one event that metric reads in the range; a value without such events has no rank for it.
 */
import type { CompareSpec, Filter, TimeRangeSpec } from '../../domain/query.js';
import { fieldError } from '../../domain/errors.js';
import type { ScalarValue } from '../../query/index.js';
import { buildRanking, commonEvents, parseFilters } from '../../query/index.js';
import type { ViewContext, ViewMeta } from './context.js';
import { fieldParam, isoSpan, metricParam, num, parseZoneParam, resolveModel, viewMeta, windowOf, zeroFilled } from './context.js';
import { change } from '../shape.js';
import { percentileOf } from './ranks.js';
import { runView } from './read-tags.js';

export interface CompareBody {
  dimension: string;
  values: ScalarValue[];
  metrics?: string[];
  timeRange?: TimeRangeSpec;
  timezone?: string;
  filters?: Filter[];
  compare?: CompareSpec;
  model?: string;
}

export interface ComparedValue {
  value: ScalarValue;
  metrics: Record<string, number | null>;
  previous?: Record<string, number | null>;
  change?: Record<string, number | null>;
  ranks: Record<string, { rank: number | null; percentile: number | null }>;
}

export interface CompareResult {
  dimension: string;
  metrics: string[];
  values: ComparedValue[];
  /** Per metric: how many values of the dimension have a (non-null) value, i.e. are ranked. */
  participants: Record<string, number>;
  meta: ViewMeta & { timeRange: { from: string; to: string }; compare?: { from: string; to: string } };
}

const key = (v: unknown): string => JSON.stringify(v ?? null);

function pick(source: unknown, metrics: readonly string[]): Record<string, number | null> {
  const obj = (source ?? {}) as Record<string, unknown>;
  return Object.fromEntries(metrics.map((m) => [m, num(obj[m])]));
}

export async function compare(ctx: ViewContext, body: CompareBody): Promise<CompareResult> {
  const started = performance.now();
  const catalog = ctx.engine.catalog;
  const field = fieldParam(body.dimension, catalog, '/dimension');
  const names = body.metrics ?? resolveModel(catalog, body.model).actor.metrics;
  if (names.length === 0) throw fieldError('VALIDATION', '/metrics', 'at least one metric is required');
  const parsed = names.map((m, i) => metricParam(m, catalog, `/metrics/${i}`));
  const values = [...new Map(body.values.map((v) => [key(v), v])).values()];
  const timezone = parseZoneParam(body.timezone);
  const filters = body.filters ?? [];
  const parsedFilters = parseFilters(filters, catalog, timezone);
  const span = await windowOf(ctx, body.timeRange, timezone);
  const timeRange = isoSpan(span);
  const scope = { org: ctx.org };
  // The metrics of some values of the dimension over a window (with the previous period when asked).
  const metricsOf = (wanted: ScalarValue[], window: { from: string; to: string }, previous?: CompareSpec) =>
    ctx.engine.run(
      {
        metrics: names,
        dimensions: [body.dimension],
        filters: [...filters, { field: body.dimension, op: 'in', value: wanted }],
        timeRange: window,
        timezone,
        limit: wanted.length,
        ...(previous ? { compare: previous } : {}),
      },
      scope,
    );
  // A value without a row reads like an empty bucket: 0 for counts and sums, null otherwise.
  const read = (row: Record<string, unknown> | undefined): Record<string, number | null> =>
    Object.fromEntries(parsed.map((m) => [m.name, row ? num(row[m.name]) : zeroFilled(m.expr) ? 0 : null]));
  const chosen = metricsOf(values, timeRange, body.compare);
  const ranking = buildRanking(ctx.engine.dialect, {
    org: ctx.org,
    span,
    field,
    metrics: parsed.map((m) => ({ expr: m.expr, zero: zeroFilled(m.expr), population: commonEvents([m.expr]) ?? [] })),
    events: commonEvents(parsed.map((m) => m.expr)) ?? [],
    filters: parsedFilters,
    dir: 'desc',
    limit: 0,
    offset: 0,
    include: values,
  });
  const [result, rankRows] = await Promise.all([chosen, runView(ctx, ranking, { metrics: parsed, filters: parsedFilters, spans: [span] })]);
  const rowsBy = new Map(result.rows.map((r) => [key(r[body.dimension]), r]));
  // The query's rows are the range's groups: a value idle in the range has no row, so its previous
  // period is read on its own.
  const idle = values.filter((v) => !rowsBy.has(key(v)));
  const previousWindow = result.meta.compare;
  const idleBefore = previousWindow && idle.length > 0 ? await metricsOf(idle, previousWindow) : null;
  const idleBy = new Map((idleBefore?.rows ?? []).map((r) => [key(r[body.dimension]), r]));
  const ranksBy = new Map(rankRows.map((r) => [key(r['v']), r]));
  const participants: Record<string, number> = {};
  names.forEach((m, i) => {
    participants[m] = num(rankRows[0]?.[`n${i}`]) ?? 0;
  });
  const compared = values.map((value): ComparedValue => {
    const row = rowsBy.get(key(value));
    const ranked = ranksBy.get(key(value));
    const ranks = Object.fromEntries(
      names.map((m, i) => [m, { rank: num(ranked?.[`r${i}`]), percentile: percentileOf(ranked?.[`p${i}`]) }]),
    );
    const metrics = read(row);
    const out: ComparedValue = { value, metrics, ranks };
    if (body.compare) {
      const previous = row ? pick(row['previous'], names) : read(idleBy.get(key(value)));
      out.previous = previous;
      out.change = row ? pick(row['change'], names) : Object.fromEntries(names.map((m) => [m, change(metrics[m] ?? null, previous[m] ?? null)]));
    }
    return out;
  });
  return {
    dimension: body.dimension,
    metrics: names,
    values: compared,
    participants,
    meta: { ...viewMeta(started, timezone), timeRange, ...(result.meta.compare ? { compare: result.meta.compare } : {}) },
  };
}
