/**
 * Which "events appended" notices can change a live query's answer: the notice's events must be
 * ones the query reads (its metrics' event restriction and its `event` filters), and their time
 * span must overlap the query's window or its comparison window. Anything else is skipped
 * without touching the engine. Conservative: when in doubt, recompute.
 */
import type { ParsedQuery } from '../query/index.js';
import { commonEvents, compareSpan, resolveTimeRange } from '../query/index.js';
import type { TimeSpan } from '../query/index.js';

export interface NoticeSpan {
  /** The events' names; null = any event (a retention sweep's deletion). */
  eventNames: readonly string[] | null;
  minTime: number;
  maxTime: number;
}

/** Clocks of instances differ a little; an event stamped "now" elsewhere must still count. */
const CLOCK_SLACK_MS = 5_000;

function intersect(a: Set<string> | null, b: readonly string[]): Set<string> {
  return a === null ? new Set(b) : new Set(b.filter((x) => a.has(x)));
}

/** The event names the query can read, or null when it reads every event. */
export function eventRestriction(q: ParsedQuery): ReadonlySet<string> | null {
  const fromMetrics = commonEvents(q.metrics.map((m) => m.expr));
  let events: Set<string> | null = fromMetrics === null ? null : new Set(fromMetrics);
  for (const f of q.filters) {
    if (f.field.kind !== 'column' || f.field.name !== 'event') continue;
    if (f.op === 'eq' && typeof f.value === 'string') events = intersect(events, [f.value]);
    else if (f.op === 'in' && Array.isArray(f.value)) events = intersect(events, f.value.filter((v): v is string => typeof v === 'string'));
  }
  return events;
}

export class QueryScope {
  readonly events: ReadonlySet<string> | null;

  constructor(private readonly q: ParsedQuery) {
    this.events = eventRestriction(q);
  }

  /** The windows (main, and compared) the answer reads at `now`. */
  spans(now: number): TimeSpan[] {
    const range = this.q.timeRange;
    if ('preset' in range && range.preset === 'all') return [{ from: -Infinity, to: Infinity }];
    const main = resolveTimeRange(range, this.q.timezone, { now, dataStart: null });
    const out: TimeSpan[] = ['preset' in range ? { from: main.from, to: main.to + CLOCK_SLACK_MS } : main];
    if (this.q.compare) out.push(compareSpan(this.q.compare, main, this.q.timezone));
    return out;
  }

  affects(notice: NoticeSpan, now: number): boolean {
    const events = this.events;
    const names = notice.eventNames;
    if (events !== null && names !== null && !names.some((n) => events.has(n))) return false;
    return this.spans(now).some((s) => notice.maxTime >= s.from && notice.minTime < s.to);
  }
}
