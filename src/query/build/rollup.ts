/**
 * Metrics that roll up: aggregated once per bucket into partials, then read per bucket from those
 * partials and per period by merging them (sums of counts and sums, min of minimums, the union of
 * actor bitmaps) instead of aggregating the period's rows a second time. Percentiles and distinct
 * counts of anything but the actor, or without actor bitmaps, do not roll up.
 */
import { AppError } from '../../domain/errors.js';
import type { Dialect } from '../dialects/dialect.js';
import type { AggregateExpr, MetricExpr } from '../parsed.js';
import { fieldExpr, numericExpr } from './fields.js';
import { canBeNull, isActor, needField, withFilter } from './metrics.js';
import type { SqlBuilder } from './sql-builder.js';

export interface Rollup {
  /** Partial aggregates over the rows, as `<aggregate> AS r<n>`. */
  partials: string[];
  /** Per metric: its value from one group's partial columns. */
  bucket: string[];
  /** Per metric: its value merging the partial columns of many groups (an aggregate). */
  merged: string[];
}

/** One metric value, read from one group's partials or merged over groups. */
interface Value {
  bucket: string;
  merged: string;
}

class Partials {
  readonly sql: string[] = [];
  private readonly byKey = new Map<string, string>();

  /** The column of a partial aggregate, added once per distinct (aggregate, part). */
  column(key: string, sql: () => string): string {
    let name = this.byKey.get(key);
    if (name === undefined) {
      name = `r${this.sql.length}`;
      this.sql.push(`${sql()} AS ${name}`);
      this.byKey.set(key, name);
    }
    return name;
  }
}

/** True when every aggregate of `m` rolls up in dialect `d` (checked before any parameter is bound). */
export function rollsUp(d: Dialect, m: MetricExpr): boolean {
  if (m.kind === 'ratio') return rollsUp(d, m.numerator) && rollsUp(d, m.denominator);
  if (m.fn === 'percentile') return false;
  if (m.fn !== 'count_distinct') return true;
  return m.field !== null && isActor(m.field) && d.actorBitmaps !== null && d.actorKeyColumn !== null;
}

/** An aggregate as partials; rollsUp() said it rolls up. */
function aggregateValue(b: SqlBuilder, a: AggregateExpr, parts: Partials): Value {
  const key = (part: string): string => JSON.stringify([part, a.fn, a.field, a.events, a.filters]);
  const d = b.dialect;
  switch (a.fn) {
    case 'count': {
      const c = parts.column(key('count'), () => withFilter(b, a, 'count(*)'));
      return { bucket: c, merged: `CAST(sum(${c}) AS BIGINT)` };
    }
    case 'sum': {
      const c = parts.column(key('sum'), () => withFilter(b, a, `sum(${numericExpr(b, needField(a))})`));
      return { bucket: c, merged: `sum(${c})` };
    }
    case 'avg': {
      const s = parts.column(key('sum'), () => withFilter(b, a, `sum(${numericExpr(b, needField(a))})`));
      const n = parts.column(key('n'), () => withFilter(b, a, `count(${numericExpr(b, needField(a))})`));
      return {
        bucket: `${d.toDouble(s)} / NULLIF(${d.toDouble(n)}, 0)`,
        merged: `${d.toDouble(`sum(${s})`)} / NULLIF(${d.toDouble(`sum(${n})`)}, 0)`,
      };
    }
    case 'min':
    case 'max': {
      const f = needField(a);
      const time = f.type === 'time';
      const c = parts.column(key(a.fn), () => withFilter(b, a, `${a.fn}(${time ? fieldExpr(b, f) : numericExpr(b, f)})`));
      const out = (expr: string): string => (time ? d.epochMs(expr) : expr);
      return { bucket: out(c), merged: out(`${a.fn}(${c})`) };
    }
    case 'count_distinct': {
      const bitmaps = d.actorBitmaps;
      if (!isActor(needField(a)) || bitmaps === null || d.actorKeyColumn === null) throw new AppError('INTERNAL', 'a distinct count that does not roll up');
      const keyColumn = b.ident(d.actorKeyColumn);
      const c = parts.column(key('bitmap'), () => withFilter(b, a, bitmaps.aggregate(keyColumn)));
      return { bucket: `coalesce(${bitmaps.count(c)}, 0)`, merged: `coalesce(${bitmaps.count(bitmaps.union(c))}, 0)` };
    }
    case 'percentile':
      throw new AppError('INTERNAL', 'a percentile does not roll up');
  }
}

function metricValue(b: SqlBuilder, m: MetricExpr, parts: Partials): Value {
  if (m.kind === 'aggregate') return aggregateValue(b, m, parts);
  const num = metricValue(b, m.numerator, parts);
  const den = metricValue(b, m.denominator, parts);
  const ratio = (n: string, dd: string): string => `${b.dialect.toDouble(n)} / NULLIF(${b.dialect.toDouble(dd)}, 0)`;
  return { bucket: ratio(num.bucket, den.bucket), merged: ratio(num.merged, den.merged) };
}

/**
 * The rollup of `metrics` (`zero`: fills with zero, as metricSql); every one must roll up
 * (rollsUp). Partials shared by several metrics are aggregated once.
 */
export function rollupMetrics(b: SqlBuilder, metrics: ReadonlyArray<{ expr: MetricExpr; zero: boolean }>): Rollup {
  const parts = new Partials();
  const values = metrics.map((m) => ({ value: metricValue(b, m.expr, parts), zero: m.zero && canBeNull(m.expr) }));
  const fill = (sql: string, zero: boolean): string => (zero ? `coalesce(${sql}, 0)` : sql);
  return {
    partials: parts.sql,
    bucket: values.map(({ value, zero }) => fill(value.bucket, zero)),
    merged: values.map(({ value, zero }) => fill(value.merged, zero)),
  };
}
