/**
 * Pure statement builders for the dashboard views that the query language cannot express
 * (ranks and percentiles of actors, streak days, histograms, activity pages, funnels, retention).
 * Same rules as the query compiler: values only as bound parameters, identifiers only from
 * resolved FieldRefs or fixed columns, and the tenant filter through SqlBuilder.
 */
export { buildActivity, buildActivityEdge, type ActivityCursor, type ActivityOptions } from './activity.js';
export { buildActorProfile, PROFILE_GROUPS, type ActorProfileOptions } from './actor-profile.js';
export { buildFunnel, type FunnelOptions, type FunnelStep } from './funnel.js';
export { buildHistogram, type HistogramOptions } from './histogram.js';
export { BITMAP_BUDGET_BYTES, buildPeriodSummary, SUMMARY_GROUPS, type PeriodSummaryOptions } from './period-summary.js';
export { buildRankOf, buildRanking, type RankOfOptions, type RankedMetric, type RankingOptions } from './ranking.js';
export { buildRetention, type RetentionOptions } from './retention.js';
