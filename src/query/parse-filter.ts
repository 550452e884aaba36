/** Semantic checks of one filter: a known field and op, and a value of the field's type. */
import { FILTER_OPS, type Filter, type FilterOp } from '../domain/query.js';
import type { Catalog } from '../model/types.js';
import { resolveField } from './fields.js';
import type { FieldRef, ParsedFilter, ScalarValue } from './parsed.js';
import { type Problems, quote } from './problems.js';
import { hasNul, NUL_MESSAGE } from '../domain/text.js';
import { parseInstant } from './time.js';

/** Bounds the number of bound parameters one filter can add. */
export const MAX_IN_VALUES = 1000;

const TEXT_OPS: ReadonlySet<FilterOp> = new Set(['contains', 'starts_with']);
const RANGE_OPS: ReadonlySet<FilterOp> = new Set(['gt', 'gte', 'lt', 'lte']);

type Checked = { ok: true; value: ScalarValue } | { ok: false; message: string };
type Value = ParsedFilter['value'];

export function isFilterOp(op: unknown): op is FilterOp {
  return typeof op === 'string' && (FILTER_OPS as readonly string[]).includes(op);
}

/** Why `op` cannot apply to `field`, or null when it can. */
function opMismatch(field: FieldRef, op: FilterOp): string | null {
  if (TEXT_OPS.has(op) && field.type !== 'string' && field.type !== 'json') {
    return `${op} applies to string fields only, not to ${field.type} field "${field.name}"`;
  }
  if (RANGE_OPS.has(op) && field.type === 'boolean') return `${op} does not apply to boolean field "${field.name}"`;
  return null;
}

/** Checks one scalar against the field's type; time values become epoch ms. */
function checkScalar(field: FieldRef, op: FilterOp, value: unknown, zone: string): Checked {
  const ok = (v: ScalarValue): Checked => ({ ok: true, value: v });
  const bad = (want: string): Checked => ({
    ok: false,
    message: `expected ${want} for ${field.type} field "${field.name}", got ${quote(value)}`,
  });
  if (typeof value === 'string' && hasNul(value)) return { ok: false, message: NUL_MESSAGE };
  const finite = typeof value === 'number' && Number.isFinite(value);
  switch (field.type) {
    case 'string':
      return typeof value === 'string' ? ok(value) : bad('a string');
    case 'number':
      return finite ? ok(value) : bad('a finite number');
    case 'boolean':
      return typeof value === 'boolean' ? ok(value) : bad('true or false');
    case 'time': {
      if (finite) return ok(Math.trunc(value));
      const ms = typeof value === 'string' ? parseInstant(value, zone) : null;
      return ms === null ? bad('an ISO 8601 time or epoch milliseconds') : ok(ms);
    }
    case 'json':
      if (TEXT_OPS.has(op)) return typeof value === 'string' ? ok(value) : bad('a string');
      if (RANGE_OPS.has(op)) return typeof value === 'string' || finite ? ok(value) : bad('a string or number');
      return typeof value === 'string' || typeof value === 'boolean' || finite ? ok(value) : bad('a string, number or boolean');
  }
}

/** Checks and normalises the value; undefined when a problem was recorded. */
function checkValue(field: FieldRef, op: FilterOp, value: unknown, at: string, zone: string, problems: Problems): Value | undefined {
  if (op === 'exists' || op === 'not_exists') return null;
  if (op === 'in' || op === 'nin') {
    if (!Array.isArray(value)) return problems.add('VALIDATION', at, `${op} needs an array of values`);
    if (value.length === 0) return problems.add('VALIDATION', at, `${op} needs at least one value`);
    if (value.length > MAX_IN_VALUES) return problems.add('VALIDATION', at, `${op} takes at most ${MAX_IN_VALUES} values`);
    const out: ScalarValue[] = [];
    value.forEach((v: unknown, i) => {
      const r = checkScalar(field, op, v, zone);
      if (r.ok) out.push(r.value);
      else problems.add('VALIDATION', `${at}/${i}`, r.message);
    });
    return out.length === value.length ? out : undefined;
  }
  if (value === undefined) return problems.add('VALIDATION', at, `${op} needs a value`);
  if (value === null) {
    if (op === 'eq' || op === 'neq') return null;
    return problems.add('VALIDATION', at, `${op} does not accept null; use eq/neq null or exists/not_exists`);
  }
  if (Array.isArray(value)) return problems.add('VALIDATION', at, `${op} takes one value; use in/nin for a list`);
  const r = checkScalar(field, op, value, zone);
  if (!r.ok) return problems.add('VALIDATION', at, r.message);
  return r.value;
}

/**
 * Undeclared props are untyped JSON: numbers compare as doubles, everything else as the JSON
 * text, so `true` matches a JSON true and `"7"` matches the text 7.
 */
function forExtra(value: Value): { value: Value; numeric: boolean } {
  if (value === null) return { value, numeric: false };
  const numeric = (Array.isArray(value) ? value : [value]).every((v) => typeof v === 'number');
  if (numeric) return { value, numeric };
  return { value: Array.isArray(value) ? value.map(String) : String(value), numeric };
}

/**
 * Validates `filter` found at JSON pointer `path`; records problems and returns null when bad.
 * `zone` interprets ISO times without an offset.
 */
export function parseFilter(filter: Filter, path: string, catalog: Catalog, zone: string, problems: Problems): ParsedFilter | null {
  const before = problems.size;
  const field = typeof filter.field === 'string' ? resolveField(filter.field, catalog) : null;
  if (!field) problems.add('UNKNOWN_FIELD', `${path}/field`, `unknown field ${quote(filter.field)}`);
  const op: unknown = filter.op;
  if (!isFilterOp(op)) {
    problems.add('UNKNOWN_OP', `${path}/op`, `unknown operator ${quote(op)}; use one of ${FILTER_OPS.join(', ')}`);
    return null;
  }
  if (!field) return null;
  const mismatch = opMismatch(field, op);
  if (mismatch) {
    problems.add('VALIDATION', `${path}/op`, mismatch);
    return null;
  }
  const value = checkValue(field, op, filter.value, `${path}/value`, zone, problems);
  if (value === undefined || problems.size > before) return null;
  if (field.kind === 'extra') return { field, op, ...forExtra(value) };
  return { field, op, value, numeric: field.type === 'number' };
}
