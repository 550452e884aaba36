/**
 * Rankings of the values of one field (actors for leaderboards and insights, any dimension for
 * /compare) by one or more metrics: what the query language cannot express (rank, percent_rank).
 *
 * Result aliases: `v` (the value), per metric i `m{i}` (value), `r{i}` (competition rank, best
 * first: 1, 2, 2, 4), `p{i}` (percent_rank among non-null values: share of the others that are
 * strictly worse, 0..1), `n{i}` (how many values have a non-null metric); `pos` (row number in
 * ranking order of the first metric, value as tie-break) and `next0` (the next better distinct
 * value of the first metric, null for the best).
 */
import type { ParsedFilter, FieldRef, MetricExpr, ScalarValue } from '../parsed.js';
import type { Dialect } from '../dialects/dialect.js';
import type { TimeSpan } from '../time.js';
import type { CompiledSql } from '../types.js';
import { fieldExpr, outputExpr } from '../build/fields.js';
import { compileFilters, eventsCondition } from '../build/filters.js';
import { metricSql } from '../build/metrics.js';
import { SqlBuilder } from '../build/sql-builder.js';

export interface RankedMetric {
  expr: MetricExpr;
  /** Coalesce NULL to 0 (counts and sums: a participant without matching rows scores 0). */
  zero: boolean;
  /**
   * The metric's own population when it is narrower than the ranking's `events` (several metrics
   * reading different events): a value without a row of these events has a null metric, so it is
   * neither ranked nor counted for this metric. Absent or empty: the ranking's population.
   */
  population?: readonly string[];
}

export interface RankingOptions {
  org: string;
  span: TimeSpan;
  field: FieldRef;
  /** At least one; the first orders `pos`, `next0` and the page. */
  metrics: readonly RankedMetric[];
  /** The population: values with at least one row of these events (empty: any event). */
  events: readonly string[];
  filters: readonly ParsedFilter[];
  /** `desc`: higher is better. */
  dir: 'asc' | 'desc';
  /** Rows with `pos` in (offset, offset + limit], plus pos 1 and `include` whatever the page. */
  limit: number;
  offset: number;
  /** Values returned whatever their position (the token's actor, compared values). */
  include: readonly ScalarValue[];
}

const flip = (dir: 'asc' | 'desc'): 'ASC' | 'DESC' => (dir === 'desc' ? 'ASC' : 'DESC');

function windows(i: number, dir: 'asc' | 'desc'): string[] {
  const m = `m${i}`;
  // Null metrics form their own partition so that they neither rank nor count as participants.
  const part = `PARTITION BY ${m} IS NULL`;
  return [
    `CASE WHEN ${m} IS NULL THEN NULL ELSE rank() OVER (${part} ORDER BY ${m} ${dir.toUpperCase()}) END AS r${i}`,
    `CASE WHEN ${m} IS NULL THEN NULL ELSE percent_rank() OVER (${part} ORDER BY ${m} ${flip(dir)}) END AS p${i}`,
    `count(${m}) OVER () AS n${i}`,
  ];
}

/**
 * The condition that a value has a row of the metric's own events, when that population is
 * narrower than the ranking's `events`; null when the metric ranks the whole population.
 */
function ownPopulation(b: SqlBuilder, m: RankedMetric, events: readonly string[]): string | null {
  const own = [...new Set(m.population ?? [])];
  const narrower = own.length > 0 && (events.length === 0 || events.some((e) => !own.includes(e)));
  // Only when used: each bound value becomes a parameter of the statement.
  return narrower ? eventsCondition(b, own) : null;
}

/** A metric's score per value: null outside its own population (neither ranked nor counted). */
function scoreSql(b: SqlBuilder, m: RankedMetric, events: readonly string[]): string {
  const reads = ownPopulation(b, m, events);
  const sql = metricSql(b, m.expr, m.zero);
  return reads ? `CASE WHEN count(*) FILTER (WHERE ${reads}) > 0 THEN ${sql} END` : sql;
}

/** The `scores` CTE body shared by both statements: one row per value with its metrics. */
function scores(b: SqlBuilder, o: Pick<RankingOptions, 'span' | 'field' | 'metrics' | 'events' | 'filters'>): string {
  const field = fieldExpr(b, o.field);
  const where = [b.timeRange(o.span), `${field} IS NOT NULL`];
  const population = eventsCondition(b, o.events);
  if (population) where.push(population);
  where.push(...compileFilters(b, o.filters));
  const metrics = o.metrics.map((m, i) => `${scoreSql(b, m, o.events)} AS m${i}`);
  return [
    `  SELECT ${outputExpr(b, o.field)} AS v, ${metrics.join(', ')}`,
    `  FROM ${b.ident('events')}`,
    `  WHERE ${[b.tenant, ...where].join(' AND ')}`,
    '  GROUP BY v',
  ].join('\n');
}

export function buildRanking(dialect: Dialect, o: RankingOptions): CompiledSql {
  const b = new SqlBuilder(dialect, o.org);
  const body = scores(b, o);
  const dir = o.dir.toUpperCase();
  const columns = o.metrics.map((_, i) => [`m${i}`, ...windows(i, o.dir)]).flat();
  // pos = 1 always comes back, so the counts (n…) are known even for an empty page.
  const page = ['pos = 1', `(pos > ${b.param(o.offset)} AND pos <= ${b.param(o.offset + o.limit)})`];
  if (o.include.length > 0) page.push(`v IN (${o.include.map((v) => b.param(v)).join(', ')})`);
  const sql = [
    'WITH scores AS (',
    body,
    '), ranked AS (',
    `  SELECT v, ${columns.join(', ')}, row_number() OVER (ORDER BY m0 ${dir} NULLS LAST, v ASC) AS pos`,
    '  FROM scores',
    '), levels AS (',
    `  SELECT m0, lead(m0) OVER (ORDER BY m0 ${flip(o.dir)}) AS next0`,
    '  FROM (SELECT DISTINCT m0 FROM scores WHERE m0 IS NOT NULL) AS d',
    ')',
    'SELECT ranked.*, levels.next0',
    'FROM ranked LEFT JOIN levels ON levels.m0 = ranked.m0',
    `WHERE ${page.join(' OR ')}`,
    'ORDER BY pos ASC',
  ].join('\n');
  return b.finish(sql);
}

export type RankOfOptions = Omit<RankingOptions, 'metrics' | 'limit' | 'offset' | 'include'> & { metric: RankedMetric; value: ScalarValue };

/**
 * The rank of one value only (insights): the same population and metric as buildRanking, but
 * counted instead of sorted — no window over every value. One row: `m0` (the value's metric,
 * null when unranked), `n0` (ranked values), `better` and `worse` (values strictly better and
 * worse) and `next0` (the next better value). rank = better + 1; percent_rank = worse / (n0 − 1).
 */
export function buildRankOf(dialect: Dialect, o: RankOfOptions): CompiledSql {
  const b = new SqlBuilder(dialect, o.org);
  const body = scores(b, { ...o, metrics: [o.metric] });
  const mine = `(SELECT m0 FROM scores WHERE v = ${b.param(o.value)})`;
  const [above, below, next] = o.dir === 'desc' ? ['>', '<', 'min'] : ['<', '>', 'max'];
  const sql = [
    'WITH scores AS MATERIALIZED (',
    body,
    ')',
    `SELECT ${mine} AS m0, count(m0) AS n0, count(*) FILTER (WHERE m0 ${above} ${mine}) AS better, ` +
      `count(*) FILTER (WHERE m0 ${below} ${mine}) AS worse, ${next}(m0) FILTER (WHERE m0 ${above} ${mine}) AS next0`,
    'FROM scores',
  ].join('\n');
  return b.finish(sql);
}
