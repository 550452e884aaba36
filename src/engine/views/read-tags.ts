/**
 * What a view's own statement reads, for the cache (cache/tags.ts). engine.runSql alone counts as
 * "any event, any time", so that one late event would invalidate every cached view; views that
 * know their events and time ranges say so here, like engine.run does for a query plan.
 */
import type { ReadTag, TagRange } from '../../cache/tags.js';
import { withReadTag } from '../../cache/read-scope.js';
import type { CompiledSql, MetricExpr, ParsedFilter } from '../../query/index.js';
import type { SqlRow } from '../../store/port.js';
import { NEAR_NOW_MS, queryEvents } from '../read-tag.js';
import type { Span, ViewContext } from './context.js';

export interface ViewReads {
  /** The metrics the statement computes (their events narrow the tag) and their names. */
  metrics?: ReadonlyArray<{ name: string; expr: MetricExpr }>;
  filters?: readonly ParsedFilter[];
  /** Event names read, when the view knows them better than metrics and filters (funnels). */
  events?: string[] | null;
  /** Time ranges read; one ending at (about) now stays open for the events still arriving. */
  spans: readonly Span[];
  /** When the answer changes without new events (a new bucket or day begins). */
  validUntil?: number | null;
}

export function viewReadTag(ctx: ViewContext, r: ViewReads): ReadTag {
  const now = ctx.engine.clock();
  const metrics = r.metrics ?? [];
  const ranges: TagRange[] = r.spans.map((s) => [s.from, s.to >= now - NEAR_NOW_MS ? null : s.to]);
  const events = r.events !== undefined ? r.events : queryEvents({ metrics: metrics.map((m) => ({ name: m.name, expr: m.expr })), filters: [...(r.filters ?? [])] });
  return { events, metrics: metrics.map((m) => m.name), ranges, validUntil: r.validUntil ?? null };
}

/** Runs a view statement in the caller's org slot, tagged with what it reads (null: anything). */
export function runView(ctx: ViewContext, sql: CompiledSql, reads: ViewReads | null): Promise<SqlRow[]> {
  const run = (): Promise<SqlRow[]> => ctx.engine.runSql(sql.sql, sql.params, { org: ctx.org });
  return reads === null ? run() : withReadTag(viewReadTag(ctx, reads), run);
}
