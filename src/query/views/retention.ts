/**
 * Cohort retention. An actor's cohort is the period of its first-ever `cohortEvent` (history
 * before the range is read, so a returning actor is not counted as new); only cohorts that start
 * in the range are kept. An actor "returns" in a period when it has a `returnEvent` in it.
 *
 * Rows: `c` (cohort period start, epoch ms), `r` (return period start, or NULL for the row that
 * holds the cohort size) and `n` (actors).
 */
import type { Granularity } from '../../domain/query.js';
import { fieldExpr } from '../build/fields.js';
import { compileFilters, eventsCondition } from '../build/filters.js';
import { SqlBuilder } from '../build/sql-builder.js';
import { bucketExpr } from '../build/time-bucket.js';
import type { Dialect } from '../dialects/dialect.js';
import type { ParsedFilter } from '../parsed.js';
import type { TimeSpan } from '../time.js';
import type { CompiledSql } from '../types.js';

export interface RetentionOptions {
  org: string;
  span: TimeSpan;
  cohortEvent: string;
  returnEvent: string;
  period: Granularity;
  timezone: string;
  /** Apply to both the cohort and the return events. */
  filters: readonly ParsedFilter[];
}

export function buildRetention(dialect: Dialect, o: RetentionOptions): CompiledSql {
  const b = new SqlBuilder(dialect, o.org);
  const ts = b.ident('ts');
  const actor = fieldExpr(b, { kind: 'column', name: 'actor', type: 'string' });
  const zone = o.timezone === 'UTC' && dialect.nativeUtc ? null : b.param(o.timezone);
  const bucket = (): string => bucketExpr(b, o.period, zone);
  const from = b.time(o.span.from);
  const to = b.time(o.span.to);
  const common = [`${actor} IS NOT NULL`, ...compileFilters(b, o.filters)];
  const cohortWhere = [b.tenant, eventsCondition(b, [o.cohortEvent]), `${ts} < ${to}`, ...common];
  const returnWhere = [b.tenant, eventsCondition(b, [o.returnEvent]), `${ts} >= ${from}`, `${ts} < ${to}`, ...common];
  const events = b.ident('events');
  const sql = [
    'WITH firsts AS (',
    `  SELECT ${actor} AS a, min(${ts}) AS ${ts} FROM ${events}`,
    `  WHERE ${cohortWhere.join(' AND ')}`,
    '  GROUP BY a',
    '), cohorts AS (',
    `  SELECT a, ${bucket()} AS c FROM firsts WHERE ${ts} >= ${from}`,
    '), returns AS (',
    `  SELECT DISTINCT ${actor} AS a, ${bucket()} AS r FROM ${events}`,
    `  WHERE ${returnWhere.join(' AND ')}`,
    ')',
    'SELECT c, NULL AS r, count(*) AS n FROM cohorts GROUP BY c',
    'UNION ALL',
    'SELECT cohorts.c, returns.r, count(*) AS n',
    'FROM cohorts JOIN returns ON returns.a = cohorts.a AND returns.r >= cohorts.c',
    'GROUP BY cohorts.c, returns.r',
  ].join('\n');
  return b.finish(sql);
}
