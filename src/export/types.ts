/** Shared shapes of the export module: formats, the request body, columns, rows and sources. */
import type { Filter, QuerySpec, TimeRangeSpec } from '../domain/query.js';

export const EXPORT_FORMATS = ['csv', 'ndjson', 'json', 'xlsx', 'parquet'] as const;
export type ExportFormat = (typeof EXPORT_FORMATS)[number];

export const RAW_ORDERS = ['time', 'none'] as const;
export type RawOrder = (typeof RAW_ORDERS)[number];

/** Raw events: a time range, filters, optional event names and a column selection. */
export interface RawExportSpec {
  timeRange?: TimeRangeSpec;
  filters?: Filter[];
  events?: string[];
  /** `time event actor id`, declared props, `props` (undeclared props as JSON), `props.<name>`. */
  columns?: string[];
  /** IANA zone: explicit times without an offset, presets and the rendered timestamps. */
  timezone?: string;
  /** `time` (default): oldest first; `none`: storage order, the cheapest for huge exports. */
  order?: RawOrder;
}

/** The body of POST /exports: exactly one of `query` and `raw`. */
export interface ExportRequest {
  format: ExportFormat;
  query?: QuerySpec;
  raw?: RawExportSpec;
}

/** `json` cells hold JSON text (undeclared props); writers embed or quote it as their format needs. */
export type ExportColumnType = 'time' | 'string' | 'number' | 'boolean' | 'json';

export interface ExportColumn {
  /** The key of this column's value in a row record. */
  key: string;
  /** The name users see (header row, JSON key). */
  name: string;
  type: ExportColumnType;
  /** Compare columns: nested under `previous` / `change` in JSON, flattened as `previous.<name>` in tables. */
  group?: 'previous' | 'change';
  /** Within a group: the metric's name. */
  field?: string;
}

/** Times are epoch milliseconds; writers render them in the export's zone. */
export type ExportCell = string | number | boolean | null;
export type ExportRow = Record<string, ExportCell>;

/** What an export describes about itself: file names, JSON `meta`, the XLSX "About" sheet. */
export interface ExportMeta {
  org: string;
  kind: 'query' | 'events';
  /** Short words for the file name, e.g. `events` or `query-revenue-orders`. */
  subject: string;
  timeRange: { from: number; to: number };
  timezone: string;
  generatedAt: number;
}

/** A SELECT with bound params that yields exactly the export's columns under their keys. */
export interface SqlSelect {
  sql: string;
  params: readonly (string | number | boolean | null)[];
}

export interface RowSource {
  readonly columns: readonly ExportColumn[];
  readonly meta: ExportMeta;
  /** Rows in chunks; aborting the signal stops the store statement. */
  chunks(signal: AbortSignal): AsyncIterable<ExportRow[]>;
  /** Rows expected, when cheap to know up front (progress of jobs); null = unknown. */
  estimate(signal: AbortSignal): Promise<number | null>;
  /**
   * One or more SELECTs whose union (in order) is the export, for DuckDB's own writers (Parquet);
   * null when the rows are shaped in JavaScript (gap fill, compare).
   */
  selects(signal: AbortSignal): AsyncIterable<SqlSelect> | null;
}
