/**
 * Filters → SQL conditions, values always bound. SQL NULL semantics are kept on purpose: a row
 * whose field is NULL (or absent) matches neither `neq` nor `nin`, as in any SQL tool; use
 * `not_exists` or `eq null` to select those rows.
 */
import { AppError } from '../../domain/errors.js';
import type { ParsedFilter, ScalarValue } from '../parsed.js';
import { fieldExpr, numericExpr } from './fields.js';
import type { SqlBuilder } from './sql-builder.js';

const COMPARISONS = { eq: '=', neq: '<>', gt: '>', gte: '>=', lt: '<', lte: '<=' } as const;

function scalarOf(f: ParsedFilter): ScalarValue {
  if (f.value === null || Array.isArray(f.value)) throw new AppError('INTERNAL', `filter ${f.op} needs one value`);
  return f.value;
}

function listOf(f: ParsedFilter): ScalarValue[] {
  if (!Array.isArray(f.value) || f.value.length === 0) throw new AppError('INTERNAL', `filter ${f.op} needs a list`);
  return f.value;
}

/** One condition, safe to AND with others. */
export function compileFilter(b: SqlBuilder, f: ParsedFilter): string {
  const x = f.numeric ? numericExpr(b, f.field) : fieldExpr(b, f.field);
  const bind = (v: ScalarValue): string => (f.field.type === 'time' && typeof v === 'number' ? b.time(v) : b.param(v));
  switch (f.op) {
    case 'exists':
      return `${x} IS NOT NULL`;
    case 'not_exists':
      return `${x} IS NULL`;
    case 'eq':
    case 'neq':
      if (f.value === null) return `${x} ${f.op === 'eq' ? 'IS NULL' : 'IS NOT NULL'}`;
      return `${x} ${COMPARISONS[f.op]} ${bind(scalarOf(f))}`;
    case 'gt':
    case 'gte':
    case 'lt':
    case 'lte':
      return `${x} ${COMPARISONS[f.op]} ${bind(scalarOf(f))}`;
    case 'in':
    case 'nin':
      return `${x} ${f.op === 'in' ? 'IN' : 'NOT IN'} (${listOf(f).map(bind).join(', ')})`;
    case 'contains':
      return b.dialect.contains(x, b.param(scalarOf(f)));
    case 'starts_with':
      return b.dialect.startsWith(x, b.param(scalarOf(f)));
  }
}

export function compileFilters(b: SqlBuilder, filters: readonly ParsedFilter[]): string[] {
  return filters.map((f) => compileFilter(b, f));
}

/** `"event" = $n` or `"event" IN (…)`; null for no restriction. */
export function eventsCondition(b: SqlBuilder, events: readonly string[]): string | null {
  const col = b.ident('event');
  if (events.length === 0) return null;
  if (events.length === 1 && events[0] !== undefined) return `${col} = ${b.param(events[0])}`;
  return `${col} IN (${events.map((e) => b.param(e)).join(', ')})`;
}
