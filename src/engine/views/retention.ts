/**
 * POST /retention: cohorts by the period of an actor's first `cohortEvent`, and the share of each
 * cohort doing `returnEvent` in every later period (rules in src/query/views/retention.ts). One
 * statement; periods are aligned in the request timezone.
 */
import type { Filter, Granularity, TimeRangeSpec } from '../../domain/query.js';
import { fieldError } from '../../domain/errors.js';
import { bucketStarts, buildRetention, parseFilters } from '../../query/index.js';
import type { ViewContext, ViewMeta } from './context.js';
import { isoSpan, parseZoneParam, viewMeta, windowOf } from './context.js';
import { runView } from './read-tags.js';
import type { Cohort } from './cohorts.js';
import { cohortMatrix } from './cohorts.js';

export const RETENTION_PERIODS = ['1d', '1w', '1mo'] as const;
export type RetentionPeriod = (typeof RETENTION_PERIODS)[number];

export interface RetentionBody {
  cohortEvent: string;
  returnEvent?: string;
  period?: RetentionPeriod;
  timeRange?: TimeRangeSpec;
  timezone?: string;
  filters?: Filter[];
}

export interface RetentionResult {
  cohortEvent: string;
  returnEvent: string;
  period: RetentionPeriod;
  cohorts: Cohort[];
  average: (number | null)[];
  meta: ViewMeta & { timeRange: { from: string; to: string } };
}

/** A matrix is periods²/2 cells; this keeps it readable and the reply small. */
export const MAX_PERIODS = 120;

export async function retention(ctx: ViewContext, body: RetentionBody): Promise<RetentionResult> {
  const started = performance.now();
  const period: RetentionPeriod = body.period ?? '1w';
  if (!(RETENTION_PERIODS as readonly string[]).includes(period)) throw fieldError('VALIDATION', '/period', 'expected 1d, 1w or 1mo');
  const returnEvent = body.returnEvent ?? body.cohortEvent;
  const timezone = parseZoneParam(body.timezone);
  const filters = parseFilters(body.filters ?? [], ctx.engine.catalog, timezone);
  const span = await windowOf(ctx, body.timeRange ?? { preset: '90d' }, timezone);
  let buckets: number[];
  try {
    buckets = bucketStarts(span, period as Granularity, timezone, MAX_PERIODS);
  } catch {
    throw fieldError('TOO_MANY_BUCKETS', '/period', `more than ${MAX_PERIODS} periods in the range; use a longer period or a shorter range`);
  }
  const sql = buildRetention(ctx.engine.dialect, {
    org: ctx.org, span, cohortEvent: body.cohortEvent, returnEvent, period, timezone, filters,
  });
  // First occurrences are looked up in all history before the range end.
  const events = [...new Set([body.cohortEvent, returnEvent])].sort();
  const rows = await runView(ctx, sql, { events, spans: [{ from: 0, to: span.to }] });
  return {
    cohortEvent: body.cohortEvent,
    returnEvent,
    period,
    ...cohortMatrix(rows, buckets),
    meta: { ...viewMeta(started, timezone), timeRange: isoSpan(span) },
  };
}
