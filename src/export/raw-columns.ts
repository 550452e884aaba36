/**
 * The columns of a raw-events export: `time`, `event`, `actor`, `id`, every declared prop as a
 * typed column, and `props` (the undeclared props as JSON text). A request may pick and order
 * them, and may lift one undeclared prop into a column of its own with `props.<name>`.
 * Names resolve only against this whitelist; the SQL comes from the query builder's helpers.
 */
import { AppError } from '../domain/errors.js';
import type { FieldError } from '../domain/errors.js';
import type { Catalog } from '../model/types.js';
import { fieldExpr, resolveField } from '../query/index.js';
import type { SqlBuilder } from '../query/index.js';
import type { ExportColumnType } from './types.js';

export interface RawColumn {
  name: string;
  type: ExportColumnType;
  /** The SELECT expression; times as epoch milliseconds. */
  expr(b: SqlBuilder): string;
}

const FIXED: readonly RawColumn[] = [
  { name: 'time', type: 'time', expr: (b) => b.dialect.epochMs(b.ident('ts')) },
  { name: 'event', type: 'string', expr: (b) => b.ident('event') },
  { name: 'actor', type: 'string', expr: (b) => b.ident('actor') },
  { name: 'id', type: 'string', expr: (b) => b.ident('id') },
];

const PROPS: RawColumn = { name: 'props', type: 'json', expr: (b) => b.ident('extra') };

/** Every column in the default order. */
export function allRawColumns(catalog: Catalog): RawColumn[] {
  const declared = [...catalog.props.values()].map(
    (p): RawColumn => ({
      name: p.name,
      type: p.type,
      expr: (b) => (p.type === 'time' ? b.dialect.epochMs(b.ident(p.column)) : b.ident(p.column)),
    }),
  );
  return [...FIXED, ...declared, PROPS];
}

function lookup(name: string, all: ReadonlyMap<string, RawColumn>, catalog: Catalog): RawColumn | null {
  const known = all.get(name);
  if (known) return known;
  const field = name.startsWith('props.') ? resolveField(name, catalog) : null;
  if (field?.kind !== 'extra') return null;
  return { name, type: 'string', expr: (b) => fieldExpr(b, field) };
}

/** The requested columns in request order (all when absent); unknown or repeated names → 400. */
export function resolveRawColumns(catalog: Catalog, requested: readonly string[] | undefined, path: string): RawColumn[] {
  const all = allRawColumns(catalog);
  if (requested === undefined) return all;
  const byName = new Map(all.map((c) => [c.name, c]));
  const errors: FieldError[] = [];
  let unknown = false;
  const out: RawColumn[] = [];
  const seen = new Set<string>();
  requested.forEach((name, i) => {
    const column = lookup(name, byName, catalog);
    if (!column) {
      unknown = true;
      errors.push({ path: `${path}/${i}`, message: `unknown column "${name}"; use time, event, actor, id, a declared prop, props or props.<name>` });
    } else if (seen.has(name)) errors.push({ path: `${path}/${i}`, message: `column "${name}" is listed twice` });
    else {
      seen.add(name);
      out.push(column);
    }
  });
  if (errors.length > 0) {
    throw new AppError(unknown ? 'UNKNOWN_FIELD' : 'VALIDATION', errors.map((e) => `${e.path}: ${e.message}`).join('; '), errors);
  }
  if (out.length === 0) throw new AppError('VALIDATION', `${path}: at least one column is required`, [{ path, message: 'at least one column is required' }]);
  return out;
}
