/**
 * Tags say what an answer read, so that an ingested event invalidates only the answers it can
 * change: an event of org O named E at time T matches an entry of O whose events include E (or
 * are "any") and one of whose time ranges contains T. A range read relative to now (a `7d`
 * preset) is open-ended: events newer than the `to` it was computed with still land in it.
 */

/** A half-open [from, to) range in epoch ms; to = null means open-ended (up to "now", moving). */
export type TagRange = [from: number, to: number | null];

/** What one executed read depended on (the engine reports one per plan it runs). */
export interface ReadTag {
  /** Event names the read can include; null = any event. */
  events: string[] | null;
  /** Metric names as requested (for manual invalidation by metric). */
  metrics: string[];
  ranges: TagRange[];
  /** Epoch ms after which the answer changes by itself (a new bucket, a new day); null = never. */
  validUntil: number | null;
}

export interface EntryTags {
  org: string;
  events: string[] | null;
  metrics: string[];
  ranges: TagRange[];
}

/** Times (inclusive [min, max]) at which events with one name were appended. */
export interface EventChange {
  event: string;
  spans: Array<[number, number]>;
}

export type InvalidationRule =
  /** Events were appended (ingest). */
  | { kind: 'events'; org: string; changes: EventChange[] }
  /** An admin asked (POST /cache/invalidate): entries using any listed metric or event, or all. */
  | { kind: 'manual'; org: string; all: boolean; metrics: string[]; events: string[]; range: [number, number] | null }
  /** Everything of one org, or of every org (org = null). */
  | { kind: 'org'; org: string | null };

/** A read of anything: what an answer is tagged with when nothing more precise was reported. */
export const ANY_READ: ReadTag = { events: null, metrics: [], ranges: [[0, null]], validUntil: null };

function sortedUnion(a: readonly string[], b: readonly string[]): string[] {
  return [...new Set([...a, ...b])].sort();
}

/**
 * One entry's tags from the reads of its computation. Unions are an over-approximation (events of
 * one read × ranges of another): safe, since invalidating too much only costs a recompute.
 */
export function entryTags(org: string, reads: readonly ReadTag[]): EntryTags {
  const all = reads.length === 0 ? [ANY_READ] : reads;
  let events: string[] | null = [];
  let metrics: string[] = [];
  const ranges: TagRange[] = [];
  for (const r of all) {
    events = events === null || r.events === null ? null : sortedUnion(events, r.events);
    metrics = sortedUnion(metrics, r.metrics);
    ranges.push(...r.ranges);
  }
  return { org, events, metrics, ranges: mergeRanges(ranges) };
}

/** Sorted, overlapping and touching ranges merged; an open-ended range swallows what follows it. */
export function mergeRanges(ranges: readonly TagRange[]): TagRange[] {
  const sorted = [...ranges].sort((a, b) => a[0] - b[0]);
  const out: TagRange[] = [];
  for (const [from, to] of sorted) {
    const last = out[out.length - 1];
    if (last && (last[1] === null || from <= last[1])) {
      last[1] = last[1] === null || to === null ? null : Math.max(last[1], to);
    } else {
      out.push([from, to]);
    }
  }
  return out;
}

/** The earliest validUntil of the reads, or null. */
export function validUntilOf(reads: readonly ReadTag[]): number | null {
  let out: number | null = null;
  for (const r of reads) if (r.validUntil !== null) out = out === null ? r.validUntil : Math.min(out, r.validUntil);
  return out;
}

function overlaps(ranges: readonly TagRange[], min: number, max: number): boolean {
  return ranges.some(([from, to]) => max >= from && (to === null || min < to));
}

function readsAny(tags: EntryTags, events: readonly string[]): boolean {
  return tags.events === null || events.some((e) => tags.events?.includes(e));
}

export function matches(tags: EntryTags, rule: InvalidationRule): boolean {
  if (rule.kind === 'org') return rule.org === null || rule.org === tags.org;
  if (rule.org !== tags.org) return false;
  if (rule.kind === 'events') {
    return rule.changes.some((c) => readsAny(tags, [c.event]) && c.spans.some(([min, max]) => overlaps(tags.ranges, min, max)));
  }
  if (rule.range && !overlaps(tags.ranges, rule.range[0], rule.range[1] - 1)) return false;
  if (rule.all) return true;
  return rule.metrics.some((m) => tags.metrics.includes(m)) || (rule.events.length > 0 && readsAny(tags, rule.events));
}

/** Events closer than this in time share one span: keeps notices small at little loss of precision. */
export const SPAN_GAP_MS = 60_000;

/**
 * The invalidation rule for appended events: per event name, the clusters of their timestamps.
 * A batch with one late event (last week) and current ones gives two spans, not one week-long span.
 */
export function eventsRule(org: string, events: ReadonlyArray<{ event: string; timestamp: number }>): InvalidationRule {
  const times = new Map<string, number[]>();
  for (const e of events) {
    const list = times.get(e.event);
    if (list) list.push(e.timestamp);
    else times.set(e.event, [e.timestamp]);
  }
  const changes: EventChange[] = [];
  for (const [event, list] of times) {
    list.sort((a, b) => a - b);
    const spans: Array<[number, number]> = [];
    for (const t of list) {
      const last = spans[spans.length - 1];
      if (last && t - last[1] <= SPAN_GAP_MS) last[1] = t;
      else spans.push([t, t]);
    }
    changes.push({ event, spans });
  }
  return { kind: 'events', org, changes };
}

/** The org a rule is about, or null for all orgs. */
export function ruleOrg(rule: InvalidationRule): string | null {
  return rule.org;
}
