/**
 * GET /actors/{actor}/insights: one actor's totals (with the previous period), daily series,
 * breakdown by the model's actor dimension (e.g. mastery per course), streaks, rank and
 * percentile among all actors, and when it was last seen. Two concurrent statements: the actor's
 * profile in one scan (src/query/views/actor-profile.ts) and its rank (the leaderboard's rules,
 * counted rather than sorted).
 *
 * An actor the org has never seen (no event at all, in any range) is a 404, exactly as an actor
 * of another org; an actor seen before but idle in the range answers 200 with zeros. The
 * breakdown lists the dimension's values on the events the metrics read, best first by the first
 * metric (at most 100). Streaks count days with an event of the model (see streak.ts).
 */
import { AppError } from '../../domain/errors.js';
import type { CellValue } from '../../domain/query.js';
import { bucketStarts, buildActorProfile, commonEvents, floorToBucket, nextBucket } from '../../query/index.js';
import type { RangeParams, ViewContext, ViewMeta } from './context.js';
import { fieldParam, isoSpan, metricParam, parseZoneParam, rangeSpec, resolveModel, viewMeta, windowOf, zeroFilled } from './context.js';
import { rankOf } from './leaderboard.js';
import { runView } from './read-tags.js';
import type { Values } from './profile.js';
import { shapeProfile } from './profile.js';
import type { Streaks } from './streak.js';
import { streaks } from './streak.js';

export interface InsightsParams extends RangeParams {
  model?: string;
}

export interface InsightsResult {
  actor: string;
  model: string;
  totals: Values;
  previous: Values;
  change: Values;
  series: { buckets: string[]; values: Record<string, (number | null)[]> };
  streak: Streaks;
  activeDays: number;
  rank: { metric: string; rank: number | null; value: number | null; percentile: number | null; gapToNext: number | null; participants: number };
  breakdown: { dimension: string; items: Array<{ value: CellValue; metrics: Values }> } | null;
  lastSeen: string;
  meta: ViewMeta & { timeRange: { from: string; to: string }; previousRange: { from: string; to: string } };
}

const BREAKDOWN_LIMIT = 100;

export async function insights(ctx: ViewContext, actor: string, params: InsightsParams): Promise<InsightsResult> {
  const started = performance.now();
  const { engine } = ctx;
  const catalog = engine.catalog;
  const model = resolveModel(catalog, params.model);
  const timezone = parseZoneParam(params.timezone);
  const span = await windowOf(ctx, rangeSpec(params, timezone), timezone);
  const previous = { from: span.from - (span.to - span.from), to: span.from };
  const metrics = model.actor.metrics.map((name) => {
    const parsed = metricParam(name, catalog, '/model');
    return { name, expr: parsed.expr, zero: zeroFilled(parsed.expr) };
  });
  const dimension = model.actor.dimension;
  const profile = buildActorProfile(engine.dialect, {
    org: ctx.org,
    actor,
    timezone,
    span,
    previous,
    metrics,
    dimension: dimension === null ? null : fieldParam(dimension, catalog, '/model'),
    activeEvents: model.events,
    metricEvents: commonEvents(metrics.map((m) => m.expr)) ?? [],
  });
  const [rows, ranked] = await Promise.all([
    // Any event of the org can be this actor's (a tag has no actor), over all history; the
    // streak moves on at the next local midnight by itself.
    runView(ctx, profile, { events: null, spans: [{ from: 0, to: engine.clock() }], validUntil: nextBucket(floorToBucket(engine.clock(), '1d', timezone), '1d', timezone) }),
    rankOf(ctx, { metric: model.actor.rankBy, span, filters: [], dir: 'desc', actor }),
  ]);
  const buckets = bucketStarts(span, '1d', timezone);
  const p = shapeProfile(rows, metrics, buckets, BREAKDOWN_LIMIT);
  if (p.lastSeen === null) throw new AppError('NOT_FOUND', `No actor ${JSON.stringify(actor)} in this org.`);
  const mine = ranked.entry;
  return {
    actor,
    model: model.name,
    totals: p.totals,
    previous: p.previous,
    change: p.change,
    series: { buckets: buckets.map((b) => new Date(b).toISOString()), values: p.series },
    streak: streaks(p.activeDays, engine.clock(), timezone),
    activeDays: p.activeDaysInRange,
    rank: {
      metric: model.actor.rankBy,
      rank: mine?.rank ?? null,
      value: mine?.value ?? null,
      percentile: mine?.percentile ?? null,
      gapToNext: mine?.gapToNext ?? null,
      participants: ranked.participants,
    },
    breakdown: dimension === null ? null : { dimension, items: p.breakdown },
    lastSeen: new Date(p.lastSeen).toISOString(),
    meta: { ...viewMeta(started, timezone), timeRange: isoSpan(span), previousRange: isoSpan(previous) },
  };
}
