/**
 * The aggregate statement behind /query: time bucket, dimensions and metrics over one window.
 * Parameter order is stable: $1 org, $2 from, $3 to, then WHERE values, then the select list's,
 * then LIMIT and OFFSET.
 */
import type { Granularity, OrderSpec } from '../../domain/query.js';
import type { Dialect } from '../dialects/dialect.js';
import type { ParsedQuery } from '../parsed.js';
import type { TimeSpan } from '../time.js';
import type { CompiledSql, PlannedColumn } from '../types.js';
import { outputExpr } from './fields.js';
import { compileFilters, eventsCondition } from './filters.js';
import { commonEvents, metricSql } from './metrics.js';
import { SqlBuilder } from './sql-builder.js';
import type { ZoneSlots } from './time-bucket.js';
import { bucketColumn } from './time-bucket.js';

export interface AggregateOptions {
  org: string;
  span: TimeSpan;
  granularity: Granularity | null;
  /** In SELECT order: time, dimensions, metrics (aliases t, d0…, m0…). */
  columns: readonly PlannedColumn[];
  /** Per metric, in request order: coalesce NULL to 0. */
  zero: readonly boolean[];
  order: readonly Required<OrderSpec>[];
  /** LIMIT/OFFSET; only without a granularity, since gap filling must see every group. No limit: no LIMIT clause. */
  page: { limit?: number; offset: number } | null;
}

function orderBy(opts: AggregateOptions): string[] {
  const alias = new Map(opts.columns.map((c) => [c.name, c.alias]));
  const dims = opts.columns.filter((c) => c.role === 'dimension').map((c) => c.alias);
  // With buckets the engine orders the filled rows; SQL only needs a deterministic time order.
  const terms = opts.granularity
    ? [{ alias: 't', dir: 'asc' }]
    : opts.order.map((o) => ({ alias: alias.get(o.by) ?? 'm0', dir: o.dir }));
  const seen = new Set(terms.map((t) => t.alias));
  // Dimensions break ties so that pages do not overlap.
  const all = [...terms, ...dims.filter((d) => !seen.has(d)).map((d) => ({ alias: d, dir: 'asc' }))];
  return all.map((t) => (t.alias === 't' ? 't ASC' : `${t.alias} ${t.dir.toUpperCase()} NULLS LAST`));
}

export function buildAggregate(dialect: Dialect, q: ParsedQuery, opts: AggregateOptions): CompiledSql {
  const b = new SqlBuilder(dialect, opts.org);
  const where = [b.timeRange(opts.span)];
  const events = commonEvents(q.metrics.map((m) => m.expr));
  const prune = events ? eventsCondition(b, events) : null;
  if (prune) where.push(prune);
  where.push(...compileFilters(b, q.filters));

  const select: string[] = [];
  const groupBy: string[] = [];
  let slots: ZoneSlots | null = null;
  if (opts.granularity) {
    const column = bucketColumn(b, opts.granularity, q.timezone, opts.span);
    slots = column.slots;
    select.push(`${column.bucket} AS t`);
    groupBy.push('t');
  }
  q.dimensions.forEach((d, i) => {
    select.push(`${outputExpr(b, d.field)} AS d${i}`);
    groupBy.push(`d${i}`);
  });
  q.metrics.forEach((m, i) => select.push(`${metricSql(b, m.expr, opts.zero[i] ?? false)} AS m${i}`));

  const zone = slots ? { with: [slots.with], join: [slots.join] } : {};
  return b.select({ ...zone, select, where, groupBy, orderBy: orderBy(opts), ...(opts.page ?? {}) });
}
