/**
 * Semantic validation of a shape-valid QuerySpec against the catalog (Plausible-style: parse is a
 * step of its own). Every problem is collected and thrown as one AppError whose `errors` name the
 * JSON pointers; the result references only whitelisted fields, so the builders cannot go wrong.
 */
import { GRANULARITIES, PRESETS, type Filter, type Granularity, type OrderSpec, type QuerySpec } from '../domain/query.js';
import { AppError } from '../domain/errors.js';
import type { Catalog } from '../model/types.js';
import { resolveField } from './fields.js';
import type { ParsedCompare, ParsedDimension, ParsedFilter, ParsedMetric, ParsedQuery, ParsedRange } from './parsed.js';
import { parseFilter } from './parse-filter.js';
import { parseMetric } from './parse-metric.js';
import { Problems, quote } from './problems.js';
import { DEFAULT_PRESET, canonicalZone, parseInstant } from './time.js';
import type { FillMode } from './types.js';

export const DEFAULT_LIMIT = 1000;
export const MAX_LIMIT = 10_000;

/** The row cap of a query: what an absent `limit` means and the largest one accepted. */
export interface QueryLimits {
  defaultLimit: number;
  maxLimit: number;
}

export const QUERY_LIMITS: Readonly<QueryLimits> = { defaultLimit: DEFAULT_LIMIT, maxLimit: MAX_LIMIT };
/**
 * Exports (src/export) stream any number of rows: no default cap, and an explicit limit is honoured
 * at any size. Infinity means "no LIMIT clause" to the planner.
 */
export const EXPORT_LIMITS: Readonly<QueryLimits> = { defaultLimit: Number.POSITIVE_INFINITY, maxLimit: Number.POSITIVE_INFINITY };
/** The response name of the time column; reserved. */
export const TIME_COLUMN = 'time';

const FILLS: readonly FillMode[] = ['zero', 'null', 'none'];

function includes<T extends string>(list: readonly T[], value: unknown): value is T {
  return typeof value === 'string' && (list as readonly string[]).includes(value);
}

function parseZone(zone: unknown, problems: Problems): string {
  if (zone === undefined) return 'UTC';
  const canonical = typeof zone === 'string' ? canonicalZone(zone) : null;
  if (canonical) return canonical;
  problems.add('INVALID_TIMEZONE', '/timezone', `unknown IANA time zone ${quote(zone)}`);
  return 'UTC'; // keeps validating the rest against some zone
}

/** An explicit `{from, to}`: ISO instants (no offset = wall time in `zone`), from < to. */
function parseSpan(value: object, zone: string, path: string, problems: Problems): { from: number; to: number } | null {
  const { from, to } = value as { from?: unknown; to?: unknown };
  const instant = (end: string, v: unknown): number | null => {
    const ms = typeof v === 'string' ? parseInstant(v, zone) : null;
    if (ms === null) problems.add('INVALID_TIME_RANGE', path, `${end} must be an ISO 8601 time, got ${quote(v)}`);
    return ms;
  };
  const f = instant('from', from);
  const t = instant('to', to);
  if (f === null || t === null) return null;
  if (f >= t) return problems.reject('INVALID_TIME_RANGE', path, 'from must be before to');
  return { from: f, to: t };
}

function parseRange(range: unknown, zone: string, problems: Problems): ParsedRange | null {
  if (range === undefined) return { preset: DEFAULT_PRESET };
  if (typeof range !== 'object' || range === null) return problems.reject('INVALID_TIME_RANGE', '/timeRange', 'expected {preset} or {from, to}');
  if ('preset' in range) {
    if (includes(PRESETS, range.preset)) return { preset: range.preset };
    return problems.reject('INVALID_TIME_RANGE', '/timeRange', `unknown preset ${quote(range.preset)}; use one of ${PRESETS.join(', ')}`);
  }
  return parseSpan(range, zone, '/timeRange', problems);
}

function parseCompare(compare: unknown, zone: string, problems: Problems): ParsedCompare | null {
  if (compare === undefined || compare === null) return null;
  if (compare === 'previous_period' || compare === 'previous_year') return compare;
  if (typeof compare === 'object') return parseSpan(compare, zone, '/compare', problems);
  return problems.reject('VALIDATION', '/compare', 'expected previous_period, previous_year or {from, to}');
}

function parseGranularity(g: unknown, problems: Problems): Granularity | 'auto' | null {
  if (g === undefined || g === null) return null;
  if (g === 'auto' || includes(GRANULARITIES, g)) return g;
  return problems.reject('VALIDATION', '/granularity', `unknown granularity ${quote(g)}; use auto or one of ${GRANULARITIES.join(', ')}`);
}

function parseCount(value: unknown, path: string, fallback: number, min: number, problems: Problems): number {
  if (value === undefined) return fallback;
  if (typeof value !== 'number' || !Number.isInteger(value) || value < min) {
    problems.add('VALIDATION', path, `expected an integer of at least ${min}`);
    return fallback;
  }
  return value;
}

/** Metric and dimension names become row keys, so they must be distinct from each other and `time`. */
function claimName(name: string, path: string, taken: Set<string>, problems: Problems): boolean {
  if (taken.has(name)) {
    problems.add('VALIDATION', path, `${quote(name)} names a column twice`);
    return false;
  }
  taken.add(name);
  return true;
}

/** `names`: every column name the request mentions, valid or not, so a bad metric is reported once. */
function parseOrder(order: unknown, names: ReadonlySet<string>, problems: Problems): Required<OrderSpec>[] {
  if (order === undefined) return [];
  if (!Array.isArray(order)) {
    problems.add('VALIDATION', '/order', 'expected an array');
    return [];
  }
  const out: Required<OrderSpec>[] = [];
  order.forEach((item: unknown, i) => {
    const { by, dir } = (typeof item === 'object' && item !== null ? item : {}) as { by?: unknown; dir?: unknown };
    if (typeof by !== 'string' || !names.has(by)) {
      problems.add('UNKNOWN_FIELD', `/order/${i}/by`, `${quote(by)} is not a metric, dimension or time column of this query`);
    } else if (dir !== undefined && dir !== 'asc' && dir !== 'desc') {
      problems.add('VALIDATION', `/order/${i}/dir`, 'expected asc or desc');
    } else if (!out.some((o) => o.by === by)) {
      out.push({ by, dir: dir ?? 'asc' });
    }
  });
  return out;
}

function list(value: unknown, path: string, problems: Problems): unknown[] {
  if (value === undefined) return [];
  if (Array.isArray(value)) return value;
  problems.add('VALIDATION', path, 'expected an array');
  return [];
}

/** Validates `spec` against `catalog`; throws one AppError listing every problem. */
export function parseQuery(spec: QuerySpec, catalog: Catalog, limits: Readonly<QueryLimits> = QUERY_LIMITS): ParsedQuery {
  const problems = new Problems();
  const timezone = parseZone(spec.timezone, problems);
  const granularity = parseGranularity(spec.granularity, problems);
  const names = new Set<string>(granularity ? [TIME_COLUMN] : []);

  const dimensions: ParsedDimension[] = [];
  const dimensionSpecs = list(spec.dimensions, '/dimensions', problems);
  dimensionSpecs.forEach((name, i) => {
    const path = `/dimensions/${i}`;
    const field = typeof name === 'string' ? resolveField(name, catalog) : null;
    if (!field) problems.add('UNKNOWN_FIELD', path, `unknown field ${quote(name)}`);
    else if (claimName(name as string, path, names, problems)) dimensions.push({ name: name as string, field });
  });

  const metrics: ParsedMetric[] = [];
  const metricSpecs = list(spec.metrics, '/metrics', problems);
  const metricsGiven: unknown = spec.metrics;
  if (metricSpecs.length === 0 && (metricsGiven === undefined || Array.isArray(metricsGiven))) {
    problems.add('VALIDATION', '/metrics', 'at least one metric is required');
  }
  metricSpecs.forEach((name, i) => {
    const path = `/metrics/${i}`;
    if (typeof name !== 'string') return problems.add('VALIDATION', path, 'expected a metric name');
    const expr = parseMetric(name, path, catalog, problems);
    if (expr && claimName(name, path, names, problems)) metrics.push({ name, expr });
  });

  const filters = list(spec.filters, '/filters', problems)
    .map((f, i) =>
      typeof f === 'object' && f !== null
        ? parseFilter(f as Filter, `/filters/${i}`, catalog, timezone, problems)
        : problems.reject('VALIDATION', `/filters/${i}`, 'expected {field, op, value}'),
    )
    .filter((f): f is ParsedFilter => f !== null);

  const timeRange = parseRange(spec.timeRange, timezone, problems);
  const compare = parseCompare(spec.compare, timezone, problems);
  const fill = spec.fill === undefined ? null : includes(FILLS, spec.fill) ? spec.fill : problems.reject('VALIDATION', '/fill', 'expected zero, null or none');
  const limit = parseCount(spec.limit, '/limit', limits.defaultLimit, 1, problems);
  if (limit > limits.maxLimit) problems.add('LIMIT_TOO_LARGE', '/limit', `limit is at most ${limits.maxLimit}`);
  const offset = parseCount(spec.offset, '/offset', 0, 0, problems);
  const mentioned = [...metricSpecs, ...dimensionSpecs].filter((n): n is string => typeof n === 'string');
  const orderable = new Set([...names, ...mentioned]);
  const order = parseOrder(spec.order, orderable, problems);

  problems.throwIfAny();
  return {
    metrics,
    dimensions,
    filters,
    timeRange: timeRange ?? { preset: DEFAULT_PRESET },
    granularity,
    timezone,
    compare,
    fill,
    order,
    limit,
    offset,
  };
}

/**
 * Filters alone, for views that build their own statements (exports, activity, funnels); throws
 * one AppError naming `${path}/i/…`.
 */
export function parseFilters(filters: readonly Filter[], catalog: Catalog, zone = 'UTC', path = '/filters'): ParsedFilter[] {
  const problems = new Problems();
  const out = filters
    .map((f, i) => parseFilter(f, `${path}/${i}`, catalog, zone, problems))
    .filter((f): f is ParsedFilter => f !== null);
  problems.throwIfAny();
  return out;
}

/** One metric reference (model name or ad hoc), e.g. a leaderboard's `metric=sum(xp)`. */
export function parseMetricRef(name: string, catalog: Catalog, path = '/metric'): ParsedMetric {
  const problems = new Problems();
  const expr = parseMetric(name, path, catalog, problems);
  problems.throwIfAny();
  if (!expr) throw new AppError('INTERNAL', `metric ${quote(name)} failed without a problem`);
  return { name, expr };
}
