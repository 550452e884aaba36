/**
 * What a /query plan reads, for cache invalidation (cache/tags.ts): the event names it can
 * include, its metrics, its time ranges, and when its answer changes by itself.
 */
import { DateTime } from 'luxon';
import type { Preset } from '../domain/query.js';
import type { ReadTag, TagRange } from '../cache/tags.js';
import { commonEvents, floorToBucket, nextBucket } from '../query/index.js';
import type { ParsedQuery, QueryPlan } from '../query/index.js';

/**
 * A window that ends at now moves every moment, so the comparison window of a cached answer drifts
 * by up to its TTL (≤ 1 day): its range is widened by that much to catch late events there.
 */
const DRIFT_MS = 86_400_000;

type Unit = 'day' | 'week' | 'month' | 'year';

const PRESET_UNIT: Partial<Record<Preset, Unit>> = {
  today: 'day',
  yesterday: 'day',
  this_week: 'week',
  last_week: 'week',
  this_month: 'month',
  last_month: 'month',
  this_year: 'year',
};

/**
 * Event names a query (or a view's statement over these metrics and filters) can include, or null
 * when any event can matter. Views pass their parsed metrics and filters to build a withReadTag.
 */
export function queryEvents(q: Pick<ParsedQuery, 'metrics' | 'filters'>): string[] | null {
  const fromMetrics = commonEvents(q.metrics.map((m) => m.expr));
  let events: Set<string> | null = fromMetrics ? new Set(fromMetrics) : null;
  for (const f of q.filters) {
    if (f.field.kind !== 'column' || f.field.name !== 'event') continue;
    let values: string[] | null = null;
    if (f.op === 'eq' && typeof f.value === 'string') values = [f.value];
    else if (f.op === 'in' && Array.isArray(f.value)) values = f.value.map(String);
    if (values === null) continue; // neq, contains…: no narrower set that is cheap to state
    const allowed = values;
    events = events === null ? new Set(allowed) : new Set([...events].filter((e) => allowed.includes(e)));
  }
  return events === null ? null : [...events].sort();
}

/**
 * An explicit window ending less than this before now (or later) is treated like a preset that
 * ends at now: views resolve `range=7d` once and pass the engine explicit from/to, and such an
 * answer must still take in the events that keep arriving.
 */
export const NEAR_NOW_MS = 60_000;

/** When a relative answer changes without new events: a new bucket starts, or a new day/week/…. */
function validUntil(q: ParsedQuery, plan: QueryPlan, now: number, live: boolean): number | null {
  if (!live && !('preset' in q.timeRange)) return null;
  const candidates: number[] = [];
  if (plan.granularity) candidates.push(nextBucket(floorToBucket(now, plan.granularity, plan.timezone), plan.granularity, plan.timezone));
  const unit = 'preset' in q.timeRange ? PRESET_UNIT[q.timeRange.preset] : undefined;
  if (unit) {
    const here = DateTime.fromMillis(now, { zone: plan.timezone });
    candidates.push(here.startOf(unit).plus({ [`${unit}s`]: 1 }).toMillis());
  }
  return candidates.length ? Math.min(...candidates) : null;
}

export function queryReadTag(q: ParsedQuery, plan: QueryPlan, now: number): ReadTag {
  const relative = 'preset' in q.timeRange;
  const all = relative && 'preset' in q.timeRange && q.timeRange.preset === 'all';
  // A window that ends at now keeps growing: events after its `to` land in the next answer.
  const live = plan.window.to >= now - NEAR_NOW_MS && plan.window.to <= now + NEAR_NOW_MS;
  const open = (relative && plan.window.to >= now) || live;
  const ranges: TagRange[] = [[all ? 0 : plan.window.from, open ? null : plan.window.to]];
  if (plan.previous) ranges.push([plan.previous.window.from, plan.previous.window.to + (open ? DRIFT_MS : 0)]);
  return {
    // `all` starts at the org's first event, which any earlier event moves.
    events: all ? null : queryEvents(q),
    metrics: q.metrics.map((m) => m.name),
    ranges,
    validUntil: validUntil(q, plan, now, live),
  };
}
