/**
 * Raw events as rows: `SELECT <columns> FROM events WHERE org AND range AND events AND filters`,
 * built with the query compiler's SqlBuilder so the tenant filter and bound parameters are the
 * same as for every query. Streamed from the store in chunks (one dedicated connection per
 * statement, interrupted when the export is aborted).
 *
 * The export is a sequence of bounded statements, so that no single one has to hold or write
 * the whole export: order `time` reads in time windows (time-windows.ts), oldest first, on DuckDB
 * each limited to the rowids of the blocks that hold its times, and windows already stored in
 * time order read unsorted in storage order (DuckDB returns a plain SELECT in insertion order,
 * `preserve_insertion_order` being on); order `none` reads in storage order, on DuckDB in ranges
 * of `rowid` (a pseudo-column DuckDB filters on without scanning other ranges), elsewhere with a
 * single statement.
 */
import type { Dialect, TimeSpan } from '../query/index.js';
import { SqlBuilder, compileFilters, eventsCondition } from '../query/index.js';
import type { Store } from '../store/port.js';
import type { ParsedRaw } from './raw-spec.js';
import type { BucketCount, CheckedWindow, RowidBlock, RowidSpan } from './time-windows.js';
import { bucketWidth, packWindows, planReads, rowidSpanOf } from './time-windows.js';
import type { ExportColumn, ExportMeta, ExportRow, RowSource, SqlSelect } from './types.js';

export interface RawSourceOptions {
  store: Store;
  dialect: Dialect;
  org: string;
  raw: ParsedRaw;
  span: TimeSpan;
  meta: ExportMeta;
  chunkRows: number;
  /** Most rows per statement sorted at once (order `time`); a quarter of the rowids per range (order `none`). */
  windowRows: number;
}

/** Most rowids per block of the time-order plan: DuckDB's row group size, so a block is at most a row group. */
const ROWID_BLOCK = 122_880;

interface Planned {
  selects: SqlSelect[];
  total: number | null;
}

export class RawSource implements RowSource {
  readonly columns: readonly ExportColumn[];
  readonly meta: ExportMeta;
  private planned: Promise<Planned> | null = null;

  constructor(private readonly o: RawSourceOptions) {
    this.columns = o.raw.columns.map((c, i) => ({ key: `c${i}`, name: c.name, type: c.type }));
    this.meta = o.meta;
  }

  private where(b: SqlBuilder, span: TimeSpan): string[] {
    const where = [b.timeRange(span)];
    const events = eventsCondition(b, this.o.raw.events);
    if (events) where.push(events);
    where.push(...compileFilters(b, this.o.raw.filters));
    return where;
  }

  /** The export's SELECT over `span` (and a rowid range); sorted by time when asked. */
  select(span: TimeSpan, sorted: boolean, rows: RowidSpan | null = null): SqlSelect {
    const b = new SqlBuilder(this.o.dialect, this.o.org);
    const select = this.o.raw.columns.map((c, i) => `${c.expr(b)} AS c${i}`);
    const where = this.where(b, span);
    if (rows) where.push(`${b.ident('rowid')} >= ${b.param(rows.from)}`, `${b.ident('rowid')} < ${b.param(rows.to)}`);
    return b.select({ select, where, ...(sorted ? { orderBy: [`${b.ident('ts')} ASC`] } : {}) });
  }

  /**
   * DuckDB: consecutive rowid ranges over the org's rows, 4 × `windowRows` rowids each: without a
   * sort a statement needs no memory per row, and fewer, larger statements are measurably faster.
   */
  private async rowidRanges(signal: AbortSignal): Promise<RowidSpan[]> {
    const b = new SqlBuilder(this.o.dialect, this.o.org);
    const sql = b.select({ select: [`min(${b.ident('rowid')}) AS lo`, `max(${b.ident('rowid')}) AS hi`] });
    const row = (await this.o.store.query(sql.sql, sql.params, { signal }))[0];
    if (typeof row?.['lo'] !== 'number' || typeof row['hi'] !== 'number') return [];
    const ranges: RowidSpan[] = [];
    const size = 4 * this.o.windowRows;
    for (let from = row['lo']; from <= row['hi']; from += size) ranges.push({ from, to: Math.min(from + size, row['hi'] + 1) });
    return ranges;
  }

  private async histogram(signal: AbortSignal): Promise<BucketCount[]> {
    const b = new SqlBuilder(this.o.dialect, this.o.org);
    const span = this.o.span;
    const width = bucketWidth(span);
    const ms = b.dialect.epochMs(b.ident('ts'));
    const bucket = `floor((${ms} - CAST(${b.param(span.from)} AS BIGINT)) / CAST(${b.param(width)} AS BIGINT))`;
    const sql = b.select({ select: [`${bucket} AS bucket`, 'count(*) AS n'], where: this.where(b, span), groupBy: ['bucket'] });
    const rows = await this.o.store.query(sql.sql, sql.params, { signal });
    return rows.map((r) => ({ bucket: Number(r['bucket']), rows: Number(r['n']) }));
  }

  /** DuckDB: the rowids and times of the matching rows per block of rowids (no larger than a window). */
  private async rowidBlocks(signal: AbortSignal): Promise<RowidBlock[]> {
    const b = new SqlBuilder(this.o.dialect, this.o.org);
    const size = Math.min(ROWID_BLOCK, this.o.windowRows);
    const rowid = b.ident('rowid');
    const ms = b.dialect.epochMs(b.ident('ts'));
    const sql = b.select({
      select: [`${rowid} // CAST(${b.param(size)} AS BIGINT) AS block`, `min(${rowid}) AS lo`, `max(${rowid}) AS hi`, `min(${ms}) AS first`, `max(${ms}) AS last`],
      where: this.where(b, this.o.span),
      groupBy: ['block'],
    });
    const rows = await this.o.store.query(sql.sql, sql.params, { signal });
    return rows.map((r) => ({ lo: Number(r['lo']), hi: Number(r['hi']), first: Number(r['first']), last: Number(r['last']) }));
  }

  /**
   * DuckDB: how a window lies in storage — its rows' rowid range, and whether rowid order is
   * already time order (no row earlier than the one stored before it). A sort of two columns of
   * the window's rows, where sorting the window itself would sort every exported column.
   */
  private async checkWindow(span: TimeSpan, rows: RowidSpan, signal: AbortSignal): Promise<CheckedWindow> {
    const b = new SqlBuilder(this.o.dialect, this.o.org);
    const rowid = b.ident('rowid');
    const ts = b.ident('ts');
    const where = [...this.where(b, span), `${rowid} >= ${b.param(rows.from)}`, `${rowid} < ${b.param(rows.to)}`];
    const inner = b.select({ select: [`${rowid} AS r`, `${ts} AS t`, `lag(${ts}) OVER (ORDER BY ${rowid}) AS before`], where });
    const sql = `SELECT count(*) AS n, count(*) FILTER (WHERE before > t) AS inversions, min(r) AS lo, max(r) AS hi FROM (${inner.sql}) AS w`;
    const row = (await this.o.store.query(sql, inner.params, { signal }))[0] ?? {};
    const n = Number(row['n'] ?? 0);
    return { span, rows: n, ordered: Number(row['inversions'] ?? 0) === 0, lo: Number(row['lo'] ?? 0), hi: Number(row['hi'] ?? -1) };
  }

  /**
   * Order `time`: one sorted SELECT per window; on DuckDB each reads only the rowids that hold
   * it, and runs of windows already stored in time order are read in storage order unsorted.
   */
  private async timeWindows(signal: AbortSignal): Promise<Planned> {
    const span = this.o.span;
    const counts = await this.histogram(signal);
    const windows = packWindows(counts, span, bucketWidth(span), this.o.windowRows);
    const total = counts.reduce((n, c) => n + c.rows, 0);
    if (this.o.dialect.name !== 'duckdb') return { selects: windows.map((w) => this.select(w, true)), total };
    const blocks = await this.rowidBlocks(signal);
    const checked: CheckedWindow[] = [];
    for (const w of windows) {
      const rows = rowidSpanOf(blocks, w);
      if (rows) checked.push(await this.checkWindow(w, rows, signal));
    }
    const reads = planReads(checked, 4 * this.o.windowRows);
    return { selects: reads.map((r) => this.select(r.span, r.sorted, r.rowids)), total };
  }

  private async count(signal: AbortSignal): Promise<number> {
    const b = new SqlBuilder(this.o.dialect, this.o.org);
    const sql = b.select({ select: ['count(*) AS n'], where: this.where(b, this.o.span) });
    const rows = await this.o.store.query(sql.sql, sql.params, { signal });
    return Number(rows[0]?.['n'] ?? 0);
  }

  private plan(signal: AbortSignal): Promise<Planned> {
    this.planned ??= (async (): Promise<Planned> => {
      const span = this.o.span;
      if (this.o.raw.order === 'none') {
        if (this.o.dialect.name !== 'duckdb') return { selects: [this.select(span, false)], total: null };
        return { selects: (await this.rowidRanges(signal)).map((r) => this.select(span, false, r)), total: null };
      }
      return this.timeWindows(signal);
    })();
    return this.planned;
  }

  async *chunks(signal: AbortSignal): AsyncGenerator<ExportRow[]> {
    const { selects } = await this.plan(signal);
    for (const s of selects) {
      yield* this.o.store.stream(s.sql, s.params, { chunkRows: this.o.chunkRows, signal });
    }
  }

  async estimate(signal: AbortSignal): Promise<number | null> {
    const planned = await this.plan(signal);
    return planned.total ?? this.count(signal);
  }

  selects(signal: AbortSignal): AsyncIterable<SqlSelect> {
    const plan = (): Promise<Planned> => this.plan(signal);
    return {
      async *[Symbol.asyncIterator]() {
        yield* (await plan()).selects;
      },
    };
  }
}
