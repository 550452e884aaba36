/** Resolves a metric reference: a model metric (aggregate or ratio) or an ad hoc aggregate. */
import type { AggregateFn, AggregateMetric, Catalog, MetricDef } from '../model/types.js';
import { isNumericField, resolveField } from './fields.js';
import type { AggregateExpr, FieldRef, MetricExpr, ParsedFilter } from './parsed.js';
import { parseFilter } from './parse-filter.js';
import { Problems, quote } from './problems.js';

const AD_HOC = /^(count_distinct|sum|avg|min|max|median)\((.+)\)$/;
/** `p95`, `p99.9`: the bound (1 ≤ NN < 100) is checked after matching so the error can say so. */
const PERCENTILE = /^p(\d{1,3}(?:\.\d{1,6})?)\((.+)\)$/;
/** Ratios may nest; this bounds a cycle in a (mis)configured model. */
const MAX_DEPTH = 8;

/** Why `fn` cannot aggregate `field`, or null when it can. */
function fieldMismatch(fn: AggregateFn, field: FieldRef): string | null {
  const numeric = isNumericField(field);
  if ((fn === 'sum' || fn === 'avg' || fn === 'percentile') && !numeric) {
    return `${fn} needs a numeric field; "${field.name}" is ${field.type}`;
  }
  if ((fn === 'min' || fn === 'max') && !numeric && field.type !== 'time') {
    return `${fn} needs a numeric or time field; "${field.name}" is ${field.type}`;
  }
  return null;
}

function aggregate(fn: AggregateFn, field: FieldRef | null, percentile: number | null = null): AggregateExpr {
  return { kind: 'aggregate', fn, field, percentile, events: [], filters: [] };
}

function adHoc(name: string, path: string, fn: AggregateFn, fieldName: string, catalog: Catalog, problems: Problems, percentile: number | null = null): MetricExpr | null {
  const field = resolveField(fieldName, catalog);
  if (!field) return problems.reject('UNKNOWN_FIELD', path, `unknown field ${quote(fieldName)} in metric ${quote(name)}`);
  const mismatch = fieldMismatch(fn, field);
  if (mismatch) return problems.reject('VALIDATION', path, mismatch);
  return aggregate(fn, field, percentile);
}

function fromAggregateDef(def: AggregateMetric, path: string, catalog: Catalog, problems: Problems): AggregateExpr | null {
  const broken = (why: string): null => problems.reject('VALIDATION', path, `model metric "${def.name}" ${why}`);
  let field: FieldRef | null = null;
  if (def.fn !== 'count') {
    field = def.field === null ? null : resolveField(def.field, catalog);
    if (!field) return broken(`refers to unknown field ${quote(def.field)}`);
    const mismatch = fieldMismatch(def.fn, field);
    if (mismatch) return broken(mismatch);
  }
  const p = def.percentile;
  if (def.fn === 'percentile' && (p === null || !Number.isFinite(p) || p <= 0 || p >= 1)) {
    return broken('needs a percentile between 0 and 1');
  }
  // Model filters are written by operators, not clients; any problem is reported as the metric's.
  const inner = new Problems();
  const filters = def.filters
    .map((f, i) => parseFilter(f, `/filters/${i}`, catalog, 'UTC', inner))
    .filter((f): f is ParsedFilter => f !== null);
  if (inner.size > 0) return broken('has an invalid filter');
  return { kind: 'aggregate', fn: def.fn, field, percentile: def.fn === 'percentile' ? p : null, events: [...def.events], filters };
}

function fromDef(def: MetricDef, path: string, catalog: Catalog, problems: Problems, depth: number): MetricExpr | null {
  if (def.kind === 'aggregate') return fromAggregateDef(def, path, catalog, problems);
  if (depth >= MAX_DEPTH) return problems.reject('VALIDATION', path, `model metric "${def.name}" nests ratios too deeply`);
  const part = (name: string): MetricExpr | null => {
    const inner = catalog.metrics.get(name);
    if (!inner) return problems.reject('UNKNOWN_METRIC', path, `model metric "${def.name}" refers to unknown metric ${quote(name)}`);
    return fromDef(inner, path, catalog, problems, depth + 1);
  };
  const numerator = part(def.numerator);
  const denominator = part(def.denominator);
  return numerator && denominator ? { kind: 'ratio', numerator, denominator } : null;
}

/** Parses metric `name` found at JSON pointer `path`; records problems and returns null when bad. */
export function parseMetric(name: string, path: string, catalog: Catalog, problems: Problems): MetricExpr | null {
  const def = catalog.metrics.get(name);
  if (def) return fromDef(def, path, catalog, problems, 0);
  if (name === 'count') return aggregate('count', null);
  const pm = PERCENTILE.exec(name);
  if (pm?.[1] !== undefined && pm[2] !== undefined) {
    const nn = Number(pm[1]);
    if (nn < 1 || nn >= 100) return problems.reject('VALIDATION', path, `percentile must be from 1 to 99.x, got ${pm[1]}`);
    // Scaling the decimal text (not dividing the double) keeps p99.9 exactly 0.999.
    return adHoc(name, path, 'percentile', pm[2], catalog, problems, Number(`${pm[1]}e-2`));
  }
  const am = AD_HOC.exec(name);
  if (am?.[1] !== undefined && am[2] !== undefined) {
    if (am[1] === 'median') return adHoc(name, path, 'percentile', am[2], catalog, problems, 0.5);
    return adHoc(name, path, am[1] as AggregateFn, am[2], catalog, problems);
  }
  return problems.reject('UNKNOWN_METRIC', path, `unknown metric ${quote(name)}`);
}
