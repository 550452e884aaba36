/** What the pure compiler hands to the engine: resolved time, columns and SQL with bound params. */
import type { ColumnType, Granularity, OrderSpec } from '../domain/query.js';
import type { SqlParam } from '../store/port.js';

export interface QueryContext {
  /** Tenant: the planner adds `org_id = $1` to every statement. */
  org: string;
  /** "Now" in epoch ms; presets end here. Passed in so the compiler stays pure. */
  now: number;
  /** Earliest event time of the org (epoch ms), used to resolve the `all` preset. */
  dataStart?: number | null;
}

export type FillMode = 'zero' | 'null' | 'none';

export interface PlannedColumn {
  /** Name in the response (row key), e.g. `time`, `channel`, `sum(amount)`. */
  name: string;
  /** Alias in the SQL result, always a safe generated identifier (t, d0, m0…). */
  alias: string;
  type: ColumnType;
  role: 'time' | 'dimension' | 'metric';
  /** For metrics: what a missing bucket gets when filling. */
  fill: 'zero' | 'null';
}

export interface CompiledSql {
  sql: string;
  params: SqlParam[];
}

export interface TimeWindow {
  from: number;
  to: number;
  /** Bucket starts (epoch ms) in time order when the query has a granularity. */
  buckets: number[] | null;
}

export interface QueryPlan {
  window: TimeWindow;
  granularity: Granularity | null;
  timezone: string;
  columns: PlannedColumn[];
  fill: FillMode;
  order: OrderSpec[];
  limit: number;
  offset: number;
  main: CompiledSql;
  /** The same query over the comparison window, when `compare` was asked for. */
  previous: { window: TimeWindow; sql: CompiledSql } | null;
}
