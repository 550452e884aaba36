/**
 * Everything about one actor in one scan: the actor filter is the expensive part of an insights
 * request on a large org (a string comparison on every row), so totals of the range and of the
 * previous period, the daily series, the breakdown by a dimension and the active days of all
 * history come from one statement with GROUPING SETS instead of five statements.
 *
 * Metrics are the compiler's own expressions (metricSql), so they mean exactly what they mean in
 * a query. Result rows, by `g` = GROUPING(p, day, d0):
 * - 3: totals of period `p` (1 = the range, 0 = the previous period, NULL = neither);
 * - 1: period `p`, local `day` (epoch ms of its midnight): the daily series;
 * - 2: period `p`, dimension value `d0`: the breakdown (`seen` = rows of the metrics' events);
 * - 5: `day` over all history: `active` (rows of the activity events) and `last` (epoch ms).
 */
import { outputExpr } from '../build/fields.js';
import { eventsCondition } from '../build/filters.js';
import { metricSql } from '../build/metrics.js';
import { SqlBuilder } from '../build/sql-builder.js';
import { bucketExpr } from '../build/time-bucket.js';
import type { Dialect } from '../dialects/dialect.js';
import type { FieldRef } from '../parsed.js';
import type { TimeSpan } from '../time.js';
import type { CompiledSql } from '../types.js';
import type { RankedMetric } from './ranking.js';

export interface ActorProfileOptions {
  org: string;
  actor: string;
  timezone: string;
  span: TimeSpan;
  previous: TimeSpan;
  metrics: readonly RankedMetric[];
  dimension: FieldRef | null;
  /** Events that make a day active (empty: any event). */
  activeEvents: readonly string[];
  /** The events the metrics read (empty: any), for `seen`. */
  metricEvents: readonly string[];
}

export const PROFILE_GROUPS = { totals: 3, daily: 1, breakdown: 2, days: 5 } as const;

function countWhere(b: SqlBuilder, events: readonly string[]): string {
  const condition = eventsCondition(b, events);
  return condition ? `count(*) FILTER (WHERE ${condition})` : 'count(*)';
}

export function buildActorProfile(dialect: Dialect, o: ActorProfileOptions): CompiledSql {
  const b = new SqlBuilder(dialect, o.org);
  const ts = b.ident('ts');
  const actor = `${b.ident('actor')} = ${b.param(o.actor)}`;
  const inRange = (s: TimeSpan): string => `${ts} >= ${b.time(s.from)} AND ${ts} < ${b.time(s.to)}`;
  const period = `CASE WHEN ${inRange(o.span)} THEN 1 WHEN ${inRange(o.previous)} THEN 0 END`;
  const utc = o.timezone === 'UTC' && dialect.nativeUtc;
  const day = bucketExpr(b, '1d', utc ? null : b.param(o.timezone));
  const dim = o.dimension ? outputExpr(b, o.dimension) : 'NULL';
  const metrics = o.metrics.map((m, i) => `${metricSql(b, m.expr, m.zero)} AS m${i}`);
  const extra = [`${countWhere(b, o.activeEvents)} AS active`, `${countWhere(b, o.metricEvents)} AS seen`, `${dialect.epochMs(`max(${ts})`)} AS last`];
  const sql = [
    `SELECT p, day, d0, GROUPING(p, day, d0) AS g, ${[...metrics, ...extra].join(', ')}`,
    'FROM (',
    `  SELECT *, ${period} AS p, ${day} AS day, ${dim} AS d0`,
    `  FROM ${b.ident('events')}`,
    `  WHERE ${b.tenant} AND ${actor}`,
    ') AS r',
    'GROUP BY GROUPING SETS ((p), (p, day), (p, d0), (day))',
  ].join('\n');
  return b.finish(sql);
}
