/**
 * A query's result as rows: the same columns and values as POST /query, without its row cap
 * (EXPORT_LIMITS: no default limit; an explicit `limit` is honoured at any size).
 *
 * Without a granularity or comparison the compiled statement is streamed straight from the
 * store, so a result of millions of groups never sits in memory. With either, the rows need the
 * engine's shaping (every bucket of every group, previous-period values), which sees all rows at
 * once; such results are bounded by buckets × groups and are shaped as POST /query shapes them.
 */
import type { QueryPlan } from '../query/index.js';
import type { Store } from '../store/port.js';
import { shapeRows } from '../engine/shape.js';
import type { CellValue, ResultRow } from '../domain/query.js';
import type { ExportColumn, ExportMeta, ExportRow, RowSource, SqlSelect } from './types.js';

function planColumns(plan: QueryPlan): ExportColumn[] {
  const columns: ExportColumn[] = plan.columns.map((c) => ({ key: c.alias, name: c.name, type: c.type }));
  if (plan.previous) {
    plan.columns.forEach((c, i) => {
      if (c.role === 'metric') columns.push({ key: `p${i}`, name: `previous.${c.name}`, type: 'number', group: 'previous', field: c.name });
    });
    plan.columns.forEach((c, i) => {
      if (c.role === 'metric') columns.push({ key: `x${i}`, name: `change.${c.name}`, type: 'number', group: 'change', field: c.name });
    });
  }
  return columns;
}

export class StreamedQuerySource implements RowSource {
  readonly columns: readonly ExportColumn[];

  constructor(
    private readonly store: Store,
    private readonly plan: QueryPlan,
    readonly meta: ExportMeta,
    private readonly chunkRows: number,
  ) {
    this.columns = planColumns(plan);
  }

  chunks(signal: AbortSignal): AsyncIterable<ExportRow[]> {
    return this.store.stream(this.plan.main.sql, this.plan.main.params, { chunkRows: this.chunkRows, signal });
  }

  async estimate(): Promise<number | null> {
    return null;
  }

  selects(): AsyncIterable<SqlSelect> {
    const main = this.plan.main;
    return {
      async *[Symbol.asyncIterator]() {
        yield main;
      },
    };
  }
}

export class ShapedQuerySource implements RowSource {
  readonly columns: readonly ExportColumn[];
  private rows: Promise<ExportRow[]> | null = null;

  constructor(
    private readonly store: Store,
    private readonly plan: QueryPlan,
    readonly meta: ExportMeta,
    private readonly chunkRows: number,
  ) {
    this.columns = planColumns(plan);
  }

  /** Named POST /query rows → rows keyed like the columns, times back to epoch ms. */
  private flatten(row: ResultRow): ExportRow {
    const out: ExportRow = {};
    const nested = (key: 'previous' | 'change', name: string): CellValue => {
      const group = row[key];
      return typeof group === 'object' && group !== null ? (group[name] ?? null) : null;
    };
    for (const c of this.columns) {
      if (c.group) {
        out[c.key] = nested(c.group, c.field ?? c.name);
        continue;
      }
      const v = row[c.name];
      const cell = typeof v === 'object' && v !== null ? null : (v ?? null);
      out[c.key] = c.type === 'time' && typeof cell === 'string' ? Date.parse(cell) : cell;
    }
    return out;
  }

  private all(signal: AbortSignal): Promise<ExportRow[]> {
    this.rows ??= (async () => {
      const { main, previous } = this.plan;
      const [rows, previousRows] = await Promise.all([
        this.store.query(main.sql, main.params, { signal }),
        previous ? this.store.query(previous.sql.sql, previous.sql.params, { signal }) : Promise.resolve(null),
      ]);
      return shapeRows(this.plan, rows, previousRows).map((r) => this.flatten(r));
    })();
    return this.rows;
  }

  async *chunks(signal: AbortSignal): AsyncGenerator<ExportRow[]> {
    const rows = await this.all(signal);
    for (let i = 0; i < rows.length; i += this.chunkRows) {
      signal.throwIfAborted();
      yield rows.slice(i, i + this.chunkRows);
    }
  }

  async estimate(signal: AbortSignal): Promise<number | null> {
    return (await this.all(signal)).length;
  }

  selects(): null {
    return null;
  }
}
