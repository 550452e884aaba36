/**
 * Metric expressions. Restrictions of a metric (its events and filters) become an aggregate
 * FILTER clause, so metrics over different events share one scan.
 */
import { AppError } from '../../domain/errors.js';
import type { AggregateExpr, FieldRef, MetricExpr } from '../parsed.js';
import { fieldExpr, numericExpr } from './fields.js';
import { compileFilters, eventsCondition } from './filters.js';
import type { SqlBuilder } from './sql-builder.js';

/** The aggregate's field; an aggregate that needs one always has one after parsing. */
export function needField(a: AggregateExpr): NonNullable<AggregateExpr['field']> {
  if (!a.field) throw new AppError('INTERNAL', `${a.fn} without a field`);
  return a.field;
}

/** True for the built-in actor field. */
export function isActor(field: FieldRef): boolean {
  return field.kind === 'column' && field.name === 'actor';
}

/** What a distinct count counts: the actor's integer key where the store keeps one, else the value. */
function distinctExpr(b: SqlBuilder, field: FieldRef): string {
  return isActor(field) && b.dialect.actorKeyColumn !== null ? b.ident(b.dialect.actorKeyColumn) : fieldExpr(b, field);
}

/** The aggregate call itself, before FILTER. */
function aggregateCall(b: SqlBuilder, a: AggregateExpr): string {
  switch (a.fn) {
    case 'count':
      return 'count(*)';
    case 'count_distinct':
      return `count(DISTINCT ${distinctExpr(b, needField(a))})`;
    case 'sum':
    case 'avg':
      return `${a.fn}(${numericExpr(b, needField(a))})`;
    case 'min':
    case 'max': {
      const field = needField(a);
      return `${a.fn}(${field.type === 'time' ? fieldExpr(b, field) : numericExpr(b, field)})`;
    }
    case 'percentile':
      if (a.percentile === null) throw new AppError('INTERNAL', 'percentile without a fraction');
      return b.dialect.percentile(numericExpr(b, needField(a)), a.percentile);
  }
}

/** `call` restricted to the aggregate's events and filters. */
export function withFilter(b: SqlBuilder, a: AggregateExpr, call: string): string {
  const conditions = [eventsCondition(b, a.events), ...compileFilters(b, a.filters)].filter((c) => c !== null);
  return conditions.length ? `${call} FILTER (WHERE ${conditions.join(' AND ')})` : call;
}

function aggregateSql(b: SqlBuilder, a: AggregateExpr): string {
  const filtered = withFilter(b, a, aggregateCall(b, a));
  // Time props answer in epoch ms, like the time column.
  return (a.fn === 'min' || a.fn === 'max') && a.field?.type === 'time' ? b.dialect.epochMs(filtered) : filtered;
}

function exprSql(b: SqlBuilder, m: MetricExpr): string {
  if (m.kind === 'aggregate') return aggregateSql(b, m);
  const num = b.dialect.toDouble(exprSql(b, m.numerator));
  const den = b.dialect.toDouble(exprSql(b, m.denominator));
  return `${num} / NULLIF(${den}, 0)`;
}

/** Counts are never NULL; everything else is NULL over no rows. */
export function canBeNull(m: MetricExpr): boolean {
  return m.kind === 'ratio' || (m.fn !== 'count' && m.fn !== 'count_distinct');
}

/**
 * `zero`: the metric fills with zero, so an existing group with no matching rows must read 0
 * too; otherwise a bucket with rows of other events would show NULL where an empty bucket shows 0.
 */
export function metricSql(b: SqlBuilder, m: MetricExpr, zero: boolean): string {
  const sql = exprSql(b, m);
  return zero && canBeNull(m) ? `coalesce(${sql}, 0)` : sql;
}

/**
 * The events that every metric is restricted to, or null when some metric reads all events.
 * Lets the WHERE clause prune the scan to those events.
 */
export function commonEvents(metrics: readonly MetricExpr[]): string[] | null {
  const out = new Set<string>();
  const visit = (m: MetricExpr): boolean => {
    if (m.kind === 'ratio') return visit(m.numerator) && visit(m.denominator);
    m.events.forEach((e) => out.add(e));
    return m.events.length > 0;
  };
  return metrics.length > 0 && metrics.every(visit) ? [...out] : null;
}
