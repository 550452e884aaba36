/**
 * Shared setup of the dashboard view tests: a Tally app on the three shipped models, seeded with
 * small deterministic demo datasets, and a plain-TypeScript reference for model metrics (it reads
 * the model's definitions as data and evaluates them over the fixture events, without SQL).
 */
import type { Role } from '../../../src/auth/principal.js';
import { generateEvents } from '../../../src/datasets/index.js';
import type { DatasetName } from '../../../src/datasets/index.js';
import type { PropValue, StoredEvent } from '../../../src/domain/event.js';
import type { Filter } from '../../../src/domain/query.js';
import { defaultModelPaths } from '../../../src/model/load.js';
import type { Catalog } from '../../../src/model/types.js';
import type { TestApp } from '../../fixtures/app.js';
import { createTestApp } from '../../fixtures/app.js';
import { FIXTURE_END } from '../../fixtures/events.js';
import { agg, field, groupBy } from '../../fixtures/reference.js';

export { FIXTURE_END };

/** An error reply (RFC 9457). */
export interface Problem {
  status: number;
  code: string;
  detail: string;
  errors?: Array<{ path: string; message: string }>;
}
export const DAY = 86_400_000;
export const ORG = 'acme';
export const OTHER = 'other';

export function dataset(name: DatasetName, events: number, seed: number, days = 14, end = FIXTURE_END): StoredEvent[] {
  return [...generateEvents({ dataset: name, events, days, end, seed })].flat();
}

export interface ViewsFixture {
  t: TestApp;
  events: StoredEvent[];
  get<T = Problem>(url: string, role?: Role, actor?: string, org?: string): Promise<{ status: number; body: T }>;
  post<T = Problem>(url: string, payload: object, role?: Role, actor?: string, org?: string): Promise<{ status: number; body: T }>;
  close(): Promise<void>;
}

/** acme: learning + support + commerce events; other: a different sample that must never show up. */
export async function viewsFixture(
  options: { sizes?: Partial<Record<DatasetName, number>>; extra?: Record<string, StoredEvent[]>; now?: number } = {},
): Promise<ViewsFixture> {
  const t = await createTestApp({ models: defaultModelPaths(), now: options.now ?? FIXTURE_END });
  const sizes = { learning: 6000, support: 3000, commerce: 3000, ...options.sizes };
  const events = [
    ...dataset('learning', sizes.learning, 1),
    ...dataset('support', sizes.support, 2),
    ...dataset('commerce', sizes.commerce, 3),
  ];
  await t.seed(ORG, events);
  await t.seed(OTHER, [...dataset('learning', 800, 91), ...dataset('support', 400, 92), ...dataset('commerce', 400, 93)]);
  for (const [org, list] of Object.entries(options.extra ?? {})) await t.seed(org, list);
  const request = async <T>(method: 'GET' | 'POST', url: string, payload: object | undefined, role: Role, actor?: string, org = ORG) => {
    const token = await t.token(org, role, actor);
    const res = await t.app.inject({
      method,
      url: `/api/v1${url}`,
      headers: { authorization: `Bearer ${token}` },
      ...(payload ? { payload } : {}),
    });
    return { status: res.statusCode, body: res.json<T>() };
  };
  return {
    t,
    events,
    get: <T>(url: string, role: Role = 'analyst', actor?: string, org?: string) => request<T>('GET', url, undefined, role, actor, org),
    post: <T>(url: string, payload: object, role: Role = 'analyst', actor?: string, org?: string) => request<T>('POST', url, payload, role, actor, org),
    close: () => t.close(),
  };
}

// --- reference evaluation of model metrics ------------------------------------------------------

function matches(e: StoredEvent, f: Filter): boolean {
  const v = field(e, f.field);
  const present = v !== null && v !== undefined;
  switch (f.op) {
    case 'exists':
      return present;
    case 'not_exists':
      return !present;
    case 'eq':
      return f.value === null ? !present : v === f.value;
    case 'neq':
      return present && v !== f.value;
    case 'in':
      return present && Array.isArray(f.value) && (f.value as PropValue[]).includes(v);
    case 'gte':
      return typeof v === 'number' && v >= (f.value as number);
    case 'lte':
      return typeof v === 'number' && v <= (f.value as number);
    case 'gt':
      return typeof v === 'number' && v > (f.value as number);
    case 'lt':
      return typeof v === 'number' && v < (f.value as number);
    default:
      throw new Error(`reference does not implement ${f.op}`);
  }
}

export function filterEvents(events: readonly StoredEvent[], filters: readonly Filter[]): StoredEvent[] {
  return events.filter((e) => filters.every((f) => matches(e, f)));
}

/** A model metric over `events` (already restricted to the range and the query's filters). */
export function metricValue(catalog: Catalog, name: string, events: readonly StoredEvent[]): number | null {
  const def = catalog.metrics.get(name);
  if (!def) throw new Error(`no metric ${name}`);
  if (def.kind === 'ratio') {
    const num = metricValue(catalog, def.numerator, events);
    const den = metricValue(catalog, def.denominator, events);
    return num === null || den === null || den === 0 ? null : num / den;
  }
  const rows = events.filter((e) => (def.events.length === 0 || def.events.includes(e.event)) && def.filters.every((f) => matches(e, f)));
  const f = def.field ?? '';
  switch (def.fn) {
    case 'count':
      return rows.length;
    case 'count_distinct':
      return agg.countDistinct(rows, f);
    case 'sum':
      return agg.sum(rows, f);
    case 'avg':
      return agg.avg(rows, f);
    case 'min':
      return agg.min(rows, f);
    case 'max':
      return agg.max(rows, f);
    case 'percentile':
      return agg.percentile(rows, f, def.percentile ?? 0.5);
  }
}

/** The events a metric reads (empty: all), as the ranking population rule uses them. */
export function metricEvents(catalog: Catalog, name: string): string[] {
  const def = catalog.metrics.get(name);
  if (!def) return [];
  if (def.kind === 'ratio') {
    const a = metricEvents(catalog, def.numerator);
    const b = metricEvents(catalog, def.denominator);
    return a.length === 0 || b.length === 0 ? [] : [...new Set([...a, ...b])];
  }
  return def.events;
}

export function within(events: readonly StoredEvent[], from: number, to: number): StoredEvent[] {
  return events.filter((e) => e.timestamp >= from && e.timestamp < to);
}

export function closeTo(actual: unknown, expected: number | null, digits = 6): boolean {
  if (expected === null) return actual === null;
  return typeof actual === 'number' && Math.abs(actual - expected) < 10 ** -digits * Math.max(1, Math.abs(expected));
}

export function iso(ms: number): string {
  return new Date(ms).toISOString();
}

/** Competition ranks ("1224") and percent_rank × 100 (2 decimals) of values, best = highest. */
/** Period-over-period change as docs/api.md defines it: null when either value is null or the previous is 0. */
export function changeReference(now: number | null, before: number | null): number | null {
  return now === null || before === null || before === 0 ? null : (now - before) / before;
}

/**
 * The participants of a ranking by `metric` (docs/api.md Rankings): each value of the field with
 * at least one event in `events` that the metric reads, and a non-null metric over its events.
 */
export function rankPopulation(catalog: Catalog, events: readonly StoredEvent[], valueOf: (e: StoredEvent) => PropValue | undefined, metric: string): Map<string, number> {
  const reads = metricEvents(catalog, metric);
  const out = new Map<string, number>();
  for (const [v, list] of groupBy(events, (e) => valueOf(e) ?? null)) {
    if (v === null || !list.some((e) => reads.length === 0 || reads.includes(e.event))) continue;
    const value = metricValue(catalog, metric, list);
    if (value !== null) out.set(String(v), value);
  }
  return out;
}

export function rankReference(values: ReadonlyMap<string, number>, dir: 'desc' | 'asc' = 'desc') {
  const better = (a: number, b: number) => (dir === 'desc' ? a > b : a < b);
  const list = [...values.entries()];
  const n = list.length;
  const out = new Map<string, { rank: number; percentile: number }>();
  for (const [k, v] of list) {
    const above = list.filter(([, w]) => better(w, v)).length;
    const below = list.filter(([, w]) => better(v, w)).length;
    out.set(k, { rank: above + 1, percentile: n > 1 ? Math.round((below / (n - 1)) * 10_000) / 100 : 0 });
  }
  return out;
}

// --- reference of the funnel rules (docs/api.md POST /funnels) -----------------------------------

/** Continuous median (linear interpolation), as the funnel view reports times. */
function median(xs: number[]): number | null {
  if (xs.length === 0) return null;
  const s = [...xs].sort((a, b) => a - b);
  const pos = (s.length - 1) / 2;
  return s[Math.floor(pos)]! + (s[Math.ceil(pos)]! - s[Math.floor(pos)]!) * (pos - Math.floor(pos));
}

/**
 * Per step, how many actors reached it and the median time from the previous step: an actor enters
 * at its first step-1 event in [from, to); step k is its earliest step-k event strictly after step
 * k−1, at most `windowMs` after entering.
 */
export function funnelReference(
  events: readonly StoredEvent[],
  stepsOrNames: ReadonlyArray<string | ((e: StoredEvent) => boolean)>,
  windowMs: number,
  from: number,
  to: number,
): { counts: number[]; medians: Array<number | null> } {
  // A step is an event name, or a predicate (a name with the step's filters).
  const steps = stepsOrNames.map((s) => (typeof s === 'string' ? (e: StoredEvent) => e.event === s : s));
  const counts = steps.map(() => 0);
  const gaps: number[][] = steps.map(() => []);
  for (const [, list] of groupBy(events.filter((x) => x.actor !== null), (x) => x.actor)) {
    const sorted = [...list].sort((a, b) => a.timestamp - b.timestamp);
    const entry = sorted.find((x) => steps[0]!(x) && x.timestamp >= from && x.timestamp < to);
    if (!entry) continue;
    counts[0]!++;
    let last = entry.timestamp;
    for (let k = 1; k < steps.length; k++) {
      const next = sorted.find((x) => steps[k]!(x) && x.timestamp > last && x.timestamp <= entry.timestamp + windowMs);
      if (!next) break;
      counts[k]!++;
      gaps[k]!.push(next.timestamp - last);
      last = next.timestamp;
    }
  }
  return { counts, medians: gaps.map((g, k) => (k === 0 ? null : median(g))) };
}

/** The learning model's events (models/learning.yaml). */
export const LEARNING_EVENTS = ['app.opened', 'lesson.started', 'lesson.completed', 'quiz.submitted'];

/**
 * A learning event of the random histories: xp, duration and score from one small number (so
 * values tie), `passed` on quizzes, and the given props (class, course).
 */
export function learningEvent(o: { event: string; actor: string; timestamp: number; small: number; passed: boolean; props: Record<string, PropValue> }): StoredEvent {
  const props: Record<string, PropValue> = { ...o.props };
  if (o.event === 'lesson.completed') Object.assign(props, { xp: 10 * o.small, duration_seconds: 60 * o.small });
  if (o.event === 'quiz.submitted') Object.assign(props, { xp: 5 * o.small, score: 25 * o.small, passed: o.passed });
  return { event: o.event, timestamp: o.timestamp, actor: o.actor, id: null, props };
}
