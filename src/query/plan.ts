/**
 * compileQuery: QuerySpec → QueryPlan. Parses against the catalog, resolves time in the zone,
 * plans the response columns and builds the main (and comparison) statement.
 */
import type { Granularity, OrderSpec, QuerySpec } from '../domain/query.js';
import type { Catalog } from '../model/types.js';
import { bucketStarts, resolveBuckets } from './buckets.js';
import { buildAggregate } from './build/aggregate.js';
import type { Dialect } from './dialects/dialect.js';
import type { MetricExpr, ParsedQuery } from './parsed.js';
import { TIME_COLUMN, parseQuery } from './parse.js';
import { type TimeSpan, compareSpan, resolveTimeRange } from './time.js';
import type { FillMode, PlannedColumn, QueryContext, QueryPlan, TimeWindow } from './types.js';

/** Counts and sums of nothing are 0; an average or percentile of nothing is unknown. */
function defaultFill(m: MetricExpr): 'zero' | 'null' {
  return m.kind === 'aggregate' && (m.fn === 'count' || m.fn === 'count_distinct' || m.fn === 'sum') ? 'zero' : 'null';
}

function metricFill(m: MetricExpr, fill: FillMode | null): 'zero' | 'null' {
  return fill === 'zero' || fill === 'null' ? fill : defaultFill(m);
}

export function planColumns(q: ParsedQuery, granularity: Granularity | null): PlannedColumn[] {
  const columns: PlannedColumn[] = [];
  if (granularity) columns.push({ name: TIME_COLUMN, alias: 't', type: 'time', role: 'time', fill: 'null' });
  q.dimensions.forEach((d, i) => {
    const type = d.field.type === 'json' ? 'string' : d.field.type;
    columns.push({ name: d.name, alias: `d${i}`, type, role: 'dimension', fill: 'null' });
  });
  q.metrics.forEach((m, i) => {
    columns.push({ name: m.name, alias: `m${i}`, type: 'number', role: 'metric', fill: metricFill(m.expr, q.fill) });
  });
  return columns;
}

/** With buckets: time, then groups; without: the first metric, largest first. */
function defaultOrder(q: ParsedQuery, granularity: Granularity | null): Required<OrderSpec>[] {
  if (granularity) return [{ by: TIME_COLUMN, dir: 'asc' }, ...q.dimensions.map((d) => ({ by: d.name, dir: 'asc' as const }))];
  const first = q.metrics[0];
  return first ? [{ by: first.name, dir: 'desc' }] : [];
}

function windowOf(span: TimeSpan, granularity: Granularity | null, zone: string): TimeWindow {
  return { from: span.from, to: span.to, buckets: granularity ? bucketStarts(span, granularity, zone) : null };
}

/** Plans an already parsed query (for callers that adjust a ParsedQuery before planning). */
export function planQuery(q: ParsedQuery, dialect: Dialect, ctx: QueryContext): QueryPlan {
  const zone = q.timezone;
  const span = resolveTimeRange(q.timeRange, zone, ctx);
  const resolved = q.granularity ? resolveBuckets(span, q.granularity, zone) : null;
  const granularity = resolved?.granularity ?? null;
  const window: TimeWindow = { ...span, buckets: resolved?.buckets ?? null };
  const columns = planColumns(q, granularity);
  // A metric's value in a row that exists does not depend on whether missing rows are filled: fill
  // 'none' only leaves out buckets without data (a day of page views still sums to 0 revenue).
  const zero = columns.filter((c) => c.role === 'metric').map((c) => c.fill === 'zero');
  const order = q.order.length ? q.order : defaultOrder(q, granularity);
  const base = { org: ctx.org, granularity, columns, zero, order };
  // An unbounded limit (exports, EXPORT_LIMITS) leaves out LIMIT instead of binding Infinity.
  const page = granularity ? null : Number.isFinite(q.limit) ? { limit: q.limit, offset: q.offset } : { offset: q.offset };
  const main = buildAggregate(dialect, q, { ...base, span, page });

  let previous: QueryPlan['previous'] = null;
  if (q.compare) {
    const prev = compareSpan(q.compare, span, zone);
    // Unpaged: rows are matched to the main rows by group, and the main page's groups need not
    // be the previous window's top groups.
    previous = { window: windowOf(prev, granularity, zone), sql: buildAggregate(dialect, q, { ...base, span: prev, page: null }) };
  }
  return { window, granularity, timezone: zone, columns, fill: q.fill ?? 'zero', order, limit: q.limit, offset: q.offset, main, previous };
}

/** Validates `spec` against `catalog` and compiles it for `dialect`; throws AppError when invalid. */
export function compileQuery(spec: QuerySpec, catalog: Catalog, dialect: Dialect, ctx: QueryContext): QueryPlan {
  return planQuery(parseQuery(spec, catalog), dialect, ctx);
}
