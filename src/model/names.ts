/** Naming rules shared by props and metrics, and the aggregate spelling used in model files. */
import type { AggregateFn } from './types.js';

export const NAME_RE = /^[a-z][a-z0-9_]{0,62}$/;
export const EVENT_NAME_RE = /^[A-Za-z0-9_.:/-]{1,200}$/;
export const MODEL_NAME_RE = /^[a-z][a-z0-9_-]{0,62}$/;

/** Store columns and query-language words a prop may not shadow. */
export const RESERVED_PROP_NAMES: ReadonlySet<string> = new Set([
  'event', 'actor', 'id', 'ts', 'time', 'org_id', 'org', 'received_at', 'extra', 'props',
]);

/**
 * Metric names share a namespace with ad hoc aggregates and result columns: `count` is itself an
 * ad hoc metric, and the reserved words are row keys or filter fields.
 */
export const RESERVED_METRIC_NAMES: ReadonlySet<string> = new Set([...RESERVED_PROP_NAMES, 'count']);

/** Fields every event has, usable in `prop` and `where` without being declared. */
export const BUILTIN_FIELDS: ReadonlySet<string> = new Set(['event', 'actor']);

const ACRONYMS: ReadonlySet<string> = new Set(['xp', 'csat', 'sla', 'id', 'url', 'utm', 'p50', 'p90', 'p95', 'p99']);

/** `p95_response_hours` → `P95 response hours`; known acronyms are upper-cased. */
export function humanize(name: string): string {
  const words = name.split('_').filter((w) => w !== '').map((w) => (ACRONYMS.has(w) ? w.toUpperCase() : w));
  const text = words.join(' ');
  return text.charAt(0).toUpperCase() + text.slice(1);
}

export interface ParsedAggregate {
  fn: AggregateFn;
  percentile: number | null;
}

const SIMPLE: Readonly<Record<string, AggregateFn>> = {
  count: 'count', count_distinct: 'count_distinct', sum: 'sum', avg: 'avg', min: 'min', max: 'max',
};
const PERCENTILE_RE = /^p([1-9][0-9]?(?:\.[0-9]+)?)$/;

/** `sum` → sum; `median` → percentile 0.5; `p99.9` → percentile 0.999. Null when not an aggregate. */
export function parseAggregate(word: string): ParsedAggregate | null {
  const simple = SIMPLE[word];
  if (simple) return { fn: simple, percentile: null };
  if (word === 'median') return { fn: 'percentile', percentile: 0.5 };
  const m = PERCENTILE_RE.exec(word);
  if (!m?.[1]) return null;
  // Parsing "99.9e-2" avoids the binary rounding of 99.9 / 100 (0.9990000000000001).
  return { fn: 'percentile', percentile: Number(`${m[1]}e-2`) };
}

export const AGGREGATE_SPELLINGS = 'count, count_distinct, sum, avg, min, max, median, pNN (p50, p95, p99.9)';
