/**
 * Turns a validated-shape export request into a ready source: every semantic check (fields,
 * metrics, time range, columns) happens here, before a single byte is sent, so a bad request is
 * an ordinary 400 and never a truncated download.
 */
import { AppError } from '../domain/errors.js';
import type { TimeRangeSpec } from '../domain/query.js';
import type { Catalog } from '../model/types.js';
import type { Dialect } from '../query/index.js';
import { EXPORT_LIMITS, SqlBuilder, parseQuery, planQuery, resolveTimeRange } from '../query/index.js';
import type { Store } from '../store/port.js';
import { exportFileName } from './file-name.js';
import { FORMAT_INFO } from './formats/writer.js';
import { ShapedQuerySource, StreamedQuerySource } from './query-source.js';
import { RawSource } from './raw-source.js';
import { parseRawSpec, underPath } from './raw-spec.js';
import type { ExportFormat, ExportMeta, ExportRequest, RowSource } from './types.js';

export interface PrepareContext {
  store: Store;
  catalog: Catalog;
  dialect: Dialect;
  org: string;
  /** "Now" for presets: the request time, or a job's submission time so a re-run reads the same range. */
  now: number;
  chunkRows: number;
  windowRows: number;
}

export interface PreparedExport {
  format: ExportFormat;
  source: RowSource;
  fileName: string;
  contentType: string;
}

function usesAll(range: TimeRangeSpec | undefined): boolean {
  return range !== undefined && 'preset' in range && range.preset === 'all';
}

/** The org's first event time, for the `all` preset (as the engine resolves it). */
async function dataStart(ctx: PrepareContext): Promise<number | null> {
  const b = new SqlBuilder(ctx.dialect, ctx.org);
  const sql = b.select({ select: [`${ctx.dialect.epochMs('min(ts)')} AS start`] });
  const rows = await ctx.store.query(sql.sql, sql.params);
  const start = rows[0]?.['start'];
  return typeof start === 'number' ? start : null;
}

function subjectOf(names: readonly string[], prefix: string): string {
  const words = names.map((n) => n.replace(/[^A-Za-z0-9]+/g, '-').replace(/^-|-$/g, '')).join('-');
  return words ? `${prefix}-${words}`.slice(0, 60) : prefix;
}

async function querySource(request: ExportRequest, ctx: PrepareContext): Promise<RowSource> {
  const spec = request.query;
  if (!spec) throw new AppError('INTERNAL', 'querySource without a query');
  let parsed;
  try {
    parsed = parseQuery(spec, ctx.catalog, EXPORT_LIMITS);
  } catch (err) {
    throw underPath('/query', err);
  }
  const start = usesAll(spec.timeRange) ? await dataStart(ctx) : null;
  const plan = planQuery(parsed, ctx.dialect, { org: ctx.org, now: ctx.now, dataStart: start });
  const meta: ExportMeta = {
    org: ctx.org,
    kind: 'query',
    subject: subjectOf(parsed.metrics.map((m) => m.name), 'query'),
    timeRange: { from: plan.window.from, to: plan.window.to },
    timezone: plan.timezone,
    generatedAt: Date.now(),
  };
  const Source = plan.granularity !== null || plan.previous !== null ? ShapedQuerySource : StreamedQuerySource;
  return new Source(ctx.store, plan, meta, ctx.chunkRows);
}

async function rawSource(request: ExportRequest, ctx: PrepareContext): Promise<RowSource> {
  const spec = request.raw;
  if (!spec) throw new AppError('INTERNAL', 'rawSource without raw');
  const raw = parseRawSpec(spec, ctx.catalog);
  const start = usesAll(spec.timeRange) ? await dataStart(ctx) : null;
  const span = resolveTimeRange(raw.range, raw.timezone, { now: ctx.now, dataStart: start });
  const meta: ExportMeta = {
    org: ctx.org,
    kind: 'events',
    subject: raw.events.length > 0 && raw.events.length <= 3 ? subjectOf(raw.events, 'events') : 'events',
    timeRange: span,
    timezone: raw.timezone,
    generatedAt: Date.now(),
  };
  return new RawSource({ store: ctx.store, dialect: ctx.dialect, org: ctx.org, raw, span, meta, chunkRows: ctx.chunkRows, windowRows: ctx.windowRows });
}

export async function prepareExport(request: ExportRequest, ctx: PrepareContext): Promise<PreparedExport> {
  const hasQuery = request.query !== undefined;
  const hasRaw = request.raw !== undefined;
  if (hasQuery === hasRaw) {
    throw new AppError('VALIDATION', 'Give exactly one of "query" (a query result) and "raw" (events).', [
      { path: '/', message: 'exactly one of query and raw is required' },
    ]);
  }
  const source = hasQuery ? await querySource(request, ctx) : await rawSource(request, ctx);
  const info = FORMAT_INFO[request.format];
  return { format: request.format, source, fileName: exportFileName(source.meta, info.extension), contentType: info.contentType };
}
