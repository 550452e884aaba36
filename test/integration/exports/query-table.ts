/**
 * A POST /query answer as the table a query export holds (CSV, XLSX, Parquet): compare values
 * flattened to `previous.<metric>` / `change.<metric>` columns, times as epoch ms. Shared by the
 * query export tests.
 */
export type Cell = string | number | boolean | null;

export interface Column {
  name: string;
  type: string;
}

export interface QueryAnswer {
  columns: Column[];
  rows: Array<Record<string, Cell | Record<string, Cell>>>;
  meta: { timezone: string };
}

/**
 * `dimensions`: the query's dimension columns (numbers among them are not metrics); `compare`:
 * whether the query compares periods (its columns exist even when there are no rows).
 */
export function table(a: QueryAnswer, query: { dimensions: readonly string[]; compare: boolean }): { header: Column[]; rows: Cell[][] } {
  const { dimensions, compare } = query;
  const metrics = a.columns.filter((c) => c.type === 'number' && !dimensions.includes(c.name)).map((c) => c.name);
  const header = [
    ...a.columns,
    ...(compare ? metrics.map((m) => ({ name: `previous.${m}`, type: 'number' })) : []),
    ...(compare ? metrics.map((m) => ({ name: `change.${m}`, type: 'number' })) : []),
  ];
  const rows = a.rows.map((r) =>
    header.map((c) => {
      // Only the flattened compare columns nest; a dimension may have a dot of its own (props.coupon).
      const [group, field] = compare && /^(previous|change)\./.test(c.name) ? (c.name.split(/\.(.*)/) as [string, string]) : [null, c.name];
      const v = group ? (r[group] as Record<string, Cell>)[field] ?? null : (r[c.name] as Cell);
      return c.type === 'time' && typeof v === 'string' ? Date.parse(v) : v;
    }),
  );
  return { header, rows };
}

/** A CSV cell read back by its column's type. */
export function typed(text: string, type: string): Cell {
  if (text === '') return null;
  if (type === 'number') return Number(text);
  if (type === 'boolean') return text === 'true';
  if (type === 'time') return Date.parse(text);
  return text;
}
