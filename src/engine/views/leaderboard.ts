/**
 * GET /leaderboard: actors ranked by a metric, with competition ranking ("1224": tied values share
 * a rank, the next rank skips), a percentile (the share of the other participants with a strictly
 * worse value, 0–100) and `me` for the token's actor. One statement (src/query/views/ranking.ts).
 *
 * Participants: actors with at least one event the metric reads in the range (for a metric
 * restricted to events, those events; otherwise any event) and a non-null value. Counts and sums
 * are 0 for a participant without matching rows; averages, percentiles and ratios that are null
 * leave the actor unranked. Equal values are listed by actor id.
 */
import { fieldError } from '../../domain/errors.js';
import type { ParsedFilter } from '../../query/index.js';
import { buildRankOf, buildRanking, commonEvents, parseFilters } from '../../query/index.js';
import type { RangeParams, Span, ViewContext, ViewMeta } from './context.js';
import { filtersParam, isoSpan, metricParam, num, parseZoneParam, positiveInt, rangeSpec, resolveModel, viewMeta, windowOf, zeroFilled } from './context.js';
import type { RankedEntry } from './ranks.js';
import { rankOfRow, rankedEntry } from './ranks.js';
import { runView } from './read-tags.js';

export interface LeaderboardParams extends RangeParams {
  metric?: string;
  limit?: number;
  offset?: number;
  order?: 'asc' | 'desc';
  model?: string;
  filters?: string;
}

export interface LeaderboardResult {
  metric: string;
  order: 'asc' | 'desc';
  entries: Array<{ rank: number; actor: string; value: number; percentile: number }>;
  me?: { actor: string; rank: number | null; value: number | null; percentile: number | null; gapToNext: number | null };
  participants: number;
  meta: ViewMeta & { timeRange: { from: string; to: string } };
}

export const MAX_LEADERBOARD = 1000;

export interface RankActorsOptions {
  metric: string;
  span: Span;
  filters: ParsedFilter[];
  dir: 'asc' | 'desc';
  limit: number;
  offset: number;
  /** Actors returned whatever their position (the token's actor). */
  include: string[];
}

export interface RankedActors {
  participants: number;
  ranked: Array<{ actor: string; pos: number; entry: RankedEntry | null }>;
}

/** Ranks a page of actors (plus `include`, e.g. the token's actor) by `metric`. */
export async function rankActors(ctx: ViewContext, o: RankActorsOptions): Promise<RankedActors> {
  const metric = metricParam(o.metric, ctx.engine.catalog);
  const sql = buildRanking(ctx.engine.dialect, {
    org: ctx.org,
    span: o.span,
    field: { kind: 'column', name: 'actor', type: 'string' },
    metrics: [{ expr: metric.expr, zero: zeroFilled(metric.expr) }],
    events: commonEvents([metric.expr]) ?? [],
    filters: o.filters,
    dir: o.dir,
    limit: o.limit,
    offset: o.offset,
    include: o.include,
  });
  const rows = await runView(ctx, sql, { metrics: [metric], filters: o.filters, spans: [o.span] });
  const participants = num(rows[0]?.['n0']) ?? 0;
  const ranked = rows.map((r) => ({ actor: String(r['v']), pos: num(r['pos']) ?? 0, entry: rankedEntry(r) }));
  return { participants, ranked };
}

/** One actor's rank (insights): counted, not sorted; same rules as rankActors. */
export async function rankOf(ctx: ViewContext, o: Omit<RankActorsOptions, 'limit' | 'offset' | 'include'> & { actor: string }): Promise<{ participants: number; entry: RankedEntry | null }> {
  const metric = metricParam(o.metric, ctx.engine.catalog);
  const sql = buildRankOf(ctx.engine.dialect, {
    org: ctx.org,
    span: o.span,
    field: { kind: 'column', name: 'actor', type: 'string' },
    metric: { expr: metric.expr, zero: zeroFilled(metric.expr) },
    events: commonEvents([metric.expr]) ?? [],
    filters: o.filters,
    dir: o.dir,
    value: o.actor,
  });
  const row = (await runView(ctx, sql, { metrics: [metric], filters: o.filters, spans: [o.span] }))[0] ?? {};
  return { participants: num(row['n0']) ?? 0, entry: rankOfRow(row) };
}

export async function leaderboard(ctx: ViewContext, params: LeaderboardParams, me: string | null): Promise<LeaderboardResult> {
  const started = performance.now();
  const catalog = ctx.engine.catalog;
  const metric = params.metric ?? resolveModel(catalog, params.model).actor.rankBy;
  metricParam(metric, catalog);
  const timezone = parseZoneParam(params.timezone);
  const limit = positiveInt(params.limit, 10, MAX_LEADERBOARD, '/limit');
  const offset = params.offset ?? 0;
  if (!Number.isInteger(offset) || offset < 0) throw fieldError('VALIDATION', '/offset', 'must be a non-negative integer');
  const dir = params.order ?? 'desc';
  const filters = parseFilters(filtersParam(params.filters), catalog, timezone);
  const span = await windowOf(ctx, rangeSpec(params, timezone, { preset: '7d' }), timezone);
  const { participants, ranked } = await rankActors(ctx, { metric, span, filters, dir, limit, offset, include: me === null ? [] : [me] });

  const entries = ranked
    .filter((r): r is typeof r & { entry: RankedEntry } => r.entry !== null && r.pos > offset && r.pos <= offset + limit)
    .map((r) => ({ rank: r.entry.rank, actor: r.actor, value: r.entry.value, percentile: r.entry.percentile }));
  const result: LeaderboardResult = { metric, order: dir, entries, participants, meta: { ...viewMeta(started, timezone), timeRange: isoSpan(span) } };
  if (me !== null) {
    const mine = ranked.find((r) => r.actor === me)?.entry ?? null;
    result.me = { actor: me, rank: mine?.rank ?? null, value: mine?.value ?? null, percentile: mine?.percentile ?? null, gapToNext: mine?.gapToNext ?? null };
  }
  return result;
}
