/**
 * Dashboard views: thin compositions over the query engine (API.md "Dashboard endpoints"). Each
 * view lives in its own file and either composes QuerySpecs for `engine.run`, or builds a
 * statement with the pure builders of src/query/views and runs it with `engine.runSql`.
 *
 * This file holds what the views share: the org scope, the model a view is about, and parsing of
 * the GET parameters that stand in for query-language fields. Errors name the parameter
 * (`/range`, `/metric`, `/model`), so a client can fix the one it sent.
 */
import type { Filter, TimeRangeSpec } from '../../domain/query.js';
import { PRESETS } from '../../domain/query.js';
import { AppError, fieldError } from '../../domain/errors.js';
import type { Catalog, SemanticModel } from '../../model/types.js';
import type { FieldRef, MetricExpr, ParsedMetric } from '../../query/index.js';
import { canonicalZone, parseInstant, parseMetricRef, resolveField } from '../../query/index.js';
import type { QueryEngine } from '../query-engine.js';

/** Everything a view needs: the engine and the caller's org (the tenant of every statement). */
export interface ViewContext {
  engine: QueryEngine;
  org: string;
}

/** Time parameters of GET views: `range` (a preset) or `from` + `to` (ISO), and `timezone`. */
export interface RangeParams {
  range?: string;
  from?: string;
  to?: string;
  timezone?: string;
}

export interface Span {
  from: number;
  to: number;
}

const quote = (v: string): string => JSON.stringify(v.length > 80 ? `${v.slice(0, 80)}…` : v);

/** The model a view is about: `name`, or the first loaded model. */
export function resolveModel(catalog: Catalog, name: string | undefined, path = '/model'): SemanticModel {
  const models = catalog.models;
  const found = name === undefined ? models[0] : models.find((m) => m.name === name);
  if (found) return found;
  if (name === undefined) throw new AppError('INTERNAL', 'no semantic model is loaded');
  const known = models.map((m) => m.name).join(', ');
  throw fieldError('VALIDATION', path, `unknown model ${quote(name)}; loaded models: ${known}`);
}

export function parseZoneParam(timezone: string | undefined, path = '/timezone'): string {
  if (timezone === undefined) return 'UTC';
  const zone = canonicalZone(timezone);
  if (zone === null) throw fieldError('INVALID_TIMEZONE', path, `unknown IANA time zone ${quote(timezone)}`);
  return zone;
}

/** `range=7d` or `from=…&to=…` → a TimeRangeSpec; `fallback` when neither is given. */
export function rangeSpec(params: RangeParams, zone: string, fallback: TimeRangeSpec = { preset: '30d' }): TimeRangeSpec {
  const { range, from, to } = params;
  if (range !== undefined && (from !== undefined || to !== undefined)) {
    throw fieldError('INVALID_TIME_RANGE', '/range', 'give either range or from and to, not both');
  }
  if (range !== undefined) {
    if ((PRESETS as readonly string[]).includes(range)) return { preset: range as (typeof PRESETS)[number] };
    throw fieldError('INVALID_TIME_RANGE', '/range', `unknown range ${quote(range)}; use one of ${PRESETS.join(', ')}`);
  }
  if (from === undefined && to === undefined) return fallback;
  for (const [name, value] of [['from', from], ['to', to]] as const) {
    if (value === undefined || parseInstant(value, zone) === null) {
      throw fieldError('INVALID_TIME_RANGE', `/${name}`, `${name} must be an ISO 8601 time`);
    }
  }
  if ((parseInstant(from as string, zone) as number) >= (parseInstant(to as string, zone) as number)) {
    throw fieldError('INVALID_TIME_RANGE', '/from', 'from must be before to');
  }
  return { from: from as string, to: to as string };
}

/**
 * The resolved window of a time range. Compiling a one-metric query is pure except for the `all`
 * preset (which needs the org's first event), so the window matches what engine.run would use.
 */
export async function windowOf(ctx: ViewContext, timeRange: TimeRangeSpec | undefined, timezone: string): Promise<Span> {
  const plan = await ctx.engine.plan({ metrics: ['count'], ...(timeRange ? { timeRange } : {}), timezone }, { org: ctx.org });
  return { from: plan.window.from, to: plan.window.to };
}

export function isoSpan(span: Span): { from: string; to: string } {
  return { from: new Date(span.from).toISOString(), to: new Date(span.to).toISOString() };
}

/** `filters=<JSON array>` on GET views: the query language's filter objects, URL-encoded. */
export function filtersParam(json: string | undefined, path = '/filters'): Filter[] {
  if (json === undefined || json === '') return [];
  let value: unknown;
  try {
    value = JSON.parse(json);
  } catch {
    throw fieldError('VALIDATION', path, 'must be a JSON array of {field, op, value} filters');
  }
  if (!Array.isArray(value) || value.some((f) => typeof f !== 'object' || f === null || Array.isArray(f))) {
    throw fieldError('VALIDATION', path, 'must be a JSON array of {field, op, value} filters');
  }
  if (value.length > 50) throw fieldError('VALIDATION', path, 'at most 50 filters');
  return value as Filter[];
}

/** `event=a,b` → an `event in […]` filter (none when absent). */
export function eventFilter(events: string | undefined): Filter[] {
  const names = (events ?? '').split(',').map((e) => e.trim()).filter((e) => e.length > 0);
  return names.length === 0 ? [] : [{ field: 'event', op: 'in', value: names }];
}

export function fieldParam(name: string, catalog: Catalog, path: string): FieldRef {
  const field = resolveField(name, catalog);
  if (!field) throw fieldError('UNKNOWN_FIELD', path, `unknown field ${quote(name)}; use event, actor, a declared prop or props.<name>`);
  return field;
}

export function metricParam(name: string, catalog: Catalog, path = '/metric'): ParsedMetric {
  return parseMetricRef(name, catalog, path);
}

/** Counts and sums add up across groups and are 0 over no rows; nothing else does. */
export function isAdditive(m: MetricExpr): boolean {
  return m.kind === 'aggregate' && (m.fn === 'count' || m.fn === 'sum');
}

/** Zero-filled like the query language's default fill (count, count_distinct, sum). */
export function zeroFilled(m: MetricExpr): boolean {
  return m.kind === 'aggregate' && (m.fn === 'count' || m.fn === 'count_distinct' || m.fn === 'sum');
}

/** A metric's display label: the model's, or the reference itself for ad hoc metrics. */
export function labelOf(catalog: Catalog, name: string): string {
  return catalog.metrics.get(name)?.label ?? name;
}

export function formatOf(catalog: Catalog, name: string): string {
  return catalog.metrics.get(name)?.format ?? 'number';
}

export function num(value: unknown): number | null {
  return typeof value === 'number' && Number.isFinite(value) ? value : null;
}

export function positiveInt(value: number | undefined, fallback: number, max: number, path: string): number {
  if (value === undefined) return fallback;
  if (!Number.isInteger(value) || value < 1) throw fieldError('VALIDATION', path, 'must be a positive integer');
  if (value > max) throw fieldError('LIMIT_TOO_LARGE', path, `at most ${max}`);
  return value;
}

export interface ViewMeta {
  timezone: string;
  cache: { hit: boolean; layer: 'memory' | 'redis' | null; generatedAt: string; ttlSeconds: number };
  durationMs: number;
}

/** `started` from performance.now() when the view began. */
export function viewMeta(started: number, timezone: string): ViewMeta {
  return {
    timezone,
    cache: { hit: false, layer: null, generatedAt: new Date().toISOString(), ttlSeconds: 0 },
    durationMs: Math.round((performance.now() - started) * 100) / 100,
  };
}
