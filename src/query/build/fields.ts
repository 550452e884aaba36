/** SQL for a resolved field: a whitelisted column, or an undeclared prop read by a bound JSON key. */
import type { FieldRef } from '../parsed.js';
import type { SqlBuilder } from './sql-builder.js';

/** The stored value: a column, or the JSON text of an undeclared prop. */
export function fieldExpr(b: SqlBuilder, field: FieldRef): string {
  switch (field.kind) {
    case 'column':
      return b.ident(field.name);
    case 'prop':
      return b.ident(field.column);
    case 'extra':
      return b.dialect.jsonText(b.ident('extra'), b.param(b.dialect.jsonKey(field.name)));
  }
}

/** A double: number props as stored; undeclared props cast, NULL when not a number. */
export function numericExpr(b: SqlBuilder, field: FieldRef): string {
  const expr = fieldExpr(b, field);
  return field.kind === 'extra' ? b.dialect.tryDouble(expr) : expr;
}

/** The value as the response carries it: time props as epoch ms, everything else as stored. */
export function outputExpr(b: SqlBuilder, field: FieldRef): string {
  const expr = fieldExpr(b, field);
  return field.type === 'time' ? b.dialect.epochMs(expr) : expr;
}
