/** The semantic model: typed props, dimensions, named metrics, KPIs and the actor view. */
import type { Filter } from '../domain/query.js';

export const PROP_TYPES = ['string', 'number', 'boolean', 'time'] as const;
export type PropType = (typeof PROP_TYPES)[number];

export interface PropDef {
  name: string;
  type: PropType;
  label: string;
  /** The typed store column that holds this prop; always `p_<name>`. */
  column: string;
}

export const AGGREGATES = ['count', 'count_distinct', 'sum', 'avg', 'min', 'max', 'percentile'] as const;
export type AggregateFn = (typeof AGGREGATES)[number];

export type MetricFormat = 'number' | 'integer' | 'percent' | 'currency' | 'hours' | 'seconds';

export interface AggregateMetric {
  kind: 'aggregate';
  name: string;
  label: string;
  fn: AggregateFn;
  /** `actor`, `event`, a declared prop, or `props.<name>` for an undeclared one; absent for count. */
  field: string | null;
  /** For fn = percentile: a fraction in (0, 1). */
  percentile: number | null;
  /** Only events with these names count (empty = all events). */
  events: string[];
  /** Extra row filters that apply to this metric only. */
  filters: Filter[];
  format: MetricFormat;
}

export interface RatioMetric {
  kind: 'ratio';
  name: string;
  label: string;
  numerator: string;
  denominator: string;
  format: MetricFormat;
}

export type MetricDef = AggregateMetric | RatioMetric;

export interface ActorView {
  /** Metrics shown in per-actor insights and comparisons. */
  metrics: string[];
  /** The dimension an actor's work is broken down by (e.g. course → mastery per course). */
  dimension: string | null;
  /** The metric that ranks actors (leaderboard default). */
  rankBy: string;
  /** Dimension that groups actors (e.g. class); used by group views. */
  group: string | null;
}

export interface SemanticModel {
  name: string;
  label: string;
  file: string;
  /** Event names this model knows about (documentation and UI hints). */
  events: string[];
  props: PropDef[];
  dimensions: string[];
  metrics: MetricDef[];
  kpis: string[];
  actor: ActorView;
}

/**
 * All loaded models merged: the whitelist of props and metrics that the query compiler may use.
 * Prop names and metric names are unique across models (checked on load).
 */
export interface Catalog {
  models: SemanticModel[];
  props: ReadonlyMap<string, PropDef>;
  metrics: ReadonlyMap<string, MetricDef>;
  /** A short hash of every model file; part of cache keys. */
  version: string;
}
