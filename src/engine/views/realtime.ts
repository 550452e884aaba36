/**
 * GET /realtime: what is happening now, by event time on the engine's clock — distinct actors in
 * the last 5 minutes, events in the last 60 seconds, and events per minute for the last 30
 * minutes (oldest first; the last value is the current, still running minute). Three concurrent
 * engine queries.
 */
import type { Filter } from '../../domain/query.js';
import type { ViewContext } from './context.js';
import { eventFilter, num, resolveModel, viewMeta } from './context.js';

export interface RealtimeParams {
  event?: string;
  model?: string;
}

export interface RealtimeResult {
  activeActors: number;
  eventsLastMinute: number;
  perMinute: number[];
  minutes: string[];
  now: string;
  meta: ReturnType<typeof viewMeta>;
}

const MINUTE = 60_000;
export const MINUTES = 30;

export async function realtime(ctx: ViewContext, params: RealtimeParams): Promise<RealtimeResult> {
  const started = performance.now();
  const now = ctx.engine.clock();
  const filters: Filter[] = eventFilter(params.event);
  if (params.model !== undefined) {
    const events = resolveModel(ctx.engine.catalog, params.model).events;
    if (events.length > 0) filters.push({ field: 'event', op: 'in', value: events });
  }
  const iso = (ms: number): string => new Date(ms).toISOString();
  // `to` is exclusive: one millisecond past now keeps an event stamped exactly now.
  const end = iso(now + 1);
  const minute = Math.floor(now / MINUTE) * MINUTE;
  const first = minute - (MINUTES - 1) * MINUTE;
  const scope = { org: ctx.org };
  const [actors, lastMinute, series] = await Promise.all([
    ctx.engine.run({ metrics: ['count_distinct(actor)'], filters, timeRange: { from: iso(now - 5 * MINUTE), to: end } }, scope),
    ctx.engine.run({ metrics: ['count'], filters, timeRange: { from: iso(now - MINUTE), to: end } }, scope),
    ctx.engine.run({ metrics: ['count'], filters, timeRange: { from: iso(first), to: end }, granularity: '1m', fill: 'zero' }, scope),
  ]);
  const counts = new Map(series.rows.map((r) => [String(r['time']), num(r['count']) ?? 0]));
  const minutes = Array.from({ length: MINUTES }, (_, i) => iso(first + i * MINUTE));
  return {
    activeActors: num(actors.rows[0]?.['count_distinct(actor)']) ?? 0,
    eventsLastMinute: num(lastMinute.rows[0]?.['count']) ?? 0,
    perMinute: minutes.map((m) => counts.get(m) ?? 0),
    minutes,
    now: iso(now),
    meta: viewMeta(started, 'UTC'),
  };
}
