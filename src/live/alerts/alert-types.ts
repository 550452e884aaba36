/** Alert rules and firings as the API, the store and the bus see them. */
import type { Filter } from '../../domain/query.js';

export const COMPARISONS = ['gt', 'gte', 'lt', 'lte'] as const;
export type Comparison = (typeof COMPARISONS)[number];

/** The metric an alert watches: one metric over a trailing window (`5m`, `1h`, …). */
export interface AlertQuery {
  metric: string;
  filters?: Filter[];
  window: string;
}

export interface AlertRuleInput {
  name: string;
  query: AlertQuery;
  comparison: Comparison;
  threshold: number;
  /** Minimum time between two firings of the rule, e.g. `15m`. */
  cooldown?: string;
  /** Optional http(s) URL that receives each firing as JSON (POST, retried with backoff). */
  webhook?: string | null;
}

export interface AlertRule {
  id: string;
  org: string;
  name: string;
  query: AlertQuery;
  comparison: Comparison;
  threshold: number;
  cooldown: string;
  webhook: string | null;
  createdAt: string;
  /** The latest firing (ISO), or null; with `cooldown` it decides whether the rule may fire again. */
  lastFiredAt: string | null;
}

export type DeliveryStatus = 'none' | 'pending' | 'delivered' | 'failed';

/** One firing: stored in alert_events, pushed to WS/SSE clients of the org, sent to the webhook. */
export interface FiredAlert {
  id: string;
  ruleId: string;
  org: string;
  name: string;
  metric: string;
  window: string;
  comparison: Comparison;
  threshold: number;
  /** The metric's value over the window when the rule fired. */
  value: number;
  firedAt: string;
  /** Why it was evaluated: new data arrived, or the periodic timer. */
  trigger: 'data' | 'timer';
}

export interface AlertEventRecord extends FiredAlert {
  delivery: DeliveryStatus;
  deliveryAttempts: number;
  deliveryError: string | null;
}

export function compare(value: number, comparison: Comparison, threshold: number): boolean {
  switch (comparison) {
    case 'gt':
      return value > threshold;
    case 'gte':
      return value >= threshold;
    case 'lt':
      return value < threshold;
    case 'lte':
      return value <= threshold;
  }
}
