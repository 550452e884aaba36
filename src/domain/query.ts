/** The JSON query language (API.md "Query") and its result shape. */

export const FILTER_OPS = [
  'eq', 'neq', 'in', 'nin', 'gt', 'gte', 'lt', 'lte', 'contains', 'starts_with', 'exists', 'not_exists',
] as const;
export type FilterOp = (typeof FILTER_OPS)[number];

export const PRESETS = [
  '1h', '6h', '24h', '7d', '30d', '90d', '1y', 'today', 'yesterday', 'this_week', 'last_week',
  'this_month', 'last_month', 'this_year', 'all',
] as const;
export type Preset = (typeof PRESETS)[number];

export const GRANULARITIES = ['1m', '5m', '15m', '30m', '1h', '6h', '1d', '1w', '1mo', '1q', '1y'] as const;
export type Granularity = (typeof GRANULARITIES)[number];

export type FilterValue = string | number | boolean | null | Array<string | number | boolean>;

export interface Filter {
  field: string;
  op: FilterOp;
  value?: FilterValue;
}

export type TimeRangeSpec = { preset: Preset } | { from: string; to: string };

export type CompareSpec = 'previous_period' | 'previous_year' | { from: string; to: string };

export interface OrderSpec {
  by: string;
  dir?: 'asc' | 'desc';
}

export interface QuerySpec {
  metrics: string[];
  dimensions?: string[];
  filters?: Filter[];
  timeRange?: TimeRangeSpec;
  granularity?: Granularity | 'auto';
  timezone?: string;
  compare?: CompareSpec;
  fill?: 'zero' | 'null' | 'none';
  order?: OrderSpec[];
  limit?: number;
  offset?: number;
}

export type ColumnType = 'time' | 'string' | 'number' | 'boolean';

export interface Column {
  name: string;
  type: ColumnType;
}

export type CellValue = string | number | boolean | null;
export type ResultRow = Record<string, CellValue | Record<string, CellValue>>;

export interface CacheMeta {
  hit: boolean;
  layer: 'memory' | 'redis' | null;
  generatedAt: string;
  ttlSeconds: number;
}

export interface QueryMeta {
  timeRange: { from: string; to: string };
  granularity: Granularity | null;
  timezone: string;
  compare?: { from: string; to: string };
  cache: CacheMeta;
  durationMs: number;
}

export interface QueryResult {
  columns: Column[];
  rows: ResultRow[];
  meta: QueryMeta;
}
