/**
 * The validated form of a QuerySpec: every name resolved against the catalog, so the SQL builders
 * never see the catalog and never have to handle an unknown or ill-typed reference.
 */
import type { FilterOp, Granularity, OrderSpec, Preset } from '../domain/query.js';
import type { AggregateFn, PropType } from '../model/types.js';
import type { FillMode } from './types.js';

/** A field a filter, dimension or metric may read. Only these three shapes ever reach SQL. */
export type FieldRef =
  | { kind: 'column'; name: 'event' | 'actor'; type: 'string' }
  | { kind: 'prop'; name: string; column: string; type: PropType }
  /** Undeclared prop in the `extra` JSON column; read as text, cast on demand. */
  | { kind: 'extra'; name: string; type: 'json' };

export type ScalarValue = string | number | boolean;

export interface ParsedFilter {
  field: FieldRef;
  op: FilterOp;
  /**
   * Normalised value: time props carry epoch ms, `extra` booleans become 'true'/'false', and the
   * value of exists/not_exists is dropped (null).
   */
  value: ScalarValue | ScalarValue[] | null;
  /** For `extra` fields: compare as double (numeric values) rather than as text. */
  numeric: boolean;
}

export interface AggregateExpr {
  kind: 'aggregate';
  fn: AggregateFn;
  field: FieldRef | null;
  /** Fraction in (0, 1) for fn = percentile. */
  percentile: number | null;
  events: string[];
  filters: ParsedFilter[];
}

export interface RatioExpr {
  kind: 'ratio';
  numerator: MetricExpr;
  denominator: MetricExpr;
}

export type MetricExpr = AggregateExpr | RatioExpr;

export interface ParsedMetric {
  /** As written in the request; also the response column name. */
  name: string;
  expr: MetricExpr;
}

export interface ParsedDimension {
  name: string;
  field: FieldRef;
}

/** A time range whose explicit ends are already parsed to epoch ms (from inclusive, to exclusive). */
export type ParsedRange = { preset: Preset } | { from: number; to: number };

export type ParsedCompare = 'previous_period' | 'previous_year' | { from: number; to: number };

export interface ParsedQuery {
  metrics: ParsedMetric[];
  dimensions: ParsedDimension[];
  filters: ParsedFilter[];
  /** Defaults to the `30d` preset. */
  timeRange: ParsedRange;
  granularity: Granularity | 'auto' | null;
  /** Canonical IANA name (e.g. `utc` → `UTC`). */
  timezone: string;
  compare: ParsedCompare | null;
  /** null = per-metric default. */
  fill: FillMode | null;
  /** As requested, `dir` filled in; every `by` names a column of the query. */
  order: Required<OrderSpec>[];
  limit: number;
  offset: number;
}
