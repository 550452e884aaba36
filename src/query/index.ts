/**
 * The pure query compiler: JSON query → validated ParsedQuery → QueryPlan with SQL and bound
 * params for DuckDB or PostgreSQL. No I/O, no clock: "now" and the tenant come in QueryContext.
 *
 * Pipeline: parse.ts (semantic checks, all problems at once) → time.ts / buckets.ts (windows and
 * buckets in the zone) → plan.ts (columns, fill, order) → build/ (SQL through SqlBuilder, which
 * owns params and the tenant filter) → dialects/ (small per-store hooks).
 *
 * SQL conventions of the /query statement (both dialects):
 * - `$1` is always the org (`"org_id" = $1` comes first in WHERE), `$2`/`$3` the window's from/to
 *   as epoch ms; then WHERE values, then select-list values (zone, JSON keys, metric filters),
 *   then LIMIT/OFFSET. Positional `$n` placeholders in both dialects.
 * - Aliases: `t` (bucket start, epoch ms BIGINT), `d0…` (dimensions), `m0…` (metrics, numbers;
 *   time-valued ones in epoch ms). PlannedColumn maps alias → response name and type.
 * - With a granularity: ORDER BY t and no LIMIT (the engine fills gaps, then pages); without:
 *   ORDER BY the requested terms (default first metric DESC), dimensions as tie-breakers,
 *   LIMIT/OFFSET bound.
 */
export type { CompiledSql, FillMode, PlannedColumn, QueryContext, QueryPlan, TimeWindow } from './types.js';
export type {
  AggregateExpr,
  FieldRef,
  MetricExpr,
  ParsedCompare,
  ParsedDimension,
  ParsedFilter,
  ParsedMetric,
  ParsedQuery,
  ParsedRange,
  RatioExpr,
  ScalarValue,
} from './parsed.js';

export { compileQuery, planColumns, planQuery } from './plan.js';
export { DEFAULT_LIMIT, EXPORT_LIMITS, MAX_LIMIT, QUERY_LIMITS, TIME_COLUMN, parseFilters, parseMetricRef, parseQuery, type QueryLimits } from './parse.js';
export { parseFilter, MAX_IN_VALUES } from './parse-filter.js';
export { parseMetric } from './parse-metric.js';
export { EXTRA_PROP_NAME, isNumericField, resolveField } from './fields.js';
export { Problems } from './problems.js';

export {
  DEFAULT_PRESET,
  canonicalZone,
  compareSpan,
  parseInstant,
  resolvePreset,
  resolveTimeRange,
  type TimeContext,
  type TimeSpan,
} from './time.js';
export { AUTO_MAX_BUCKETS, MAX_BUCKETS, autoGranularity, bucketStarts, floorToBucket, nextBucket, resolveBuckets } from './buckets.js';
export { offsetAt, wallToInstant } from './zone-clock.js';

export { type Dialect, type TruncUnit, dialectFor, duckdb, postgres } from './dialects/index.js';
export { EVENTS_TABLE, SqlBuilder, type EventColumn, type SelectParts } from './build/sql-builder.js';
export { compileFilter, compileFilters, eventsCondition } from './build/filters.js';
export { fieldExpr, numericExpr, outputExpr } from './build/fields.js';
export { commonEvents, metricSql } from './build/metrics.js';
export { bucketExpr } from './build/time-bucket.js';
export { buildAggregate, type AggregateOptions } from './build/aggregate.js';
export * from './views/index.js';
