/** Queries shared by the per-dialect golden SQL tests; each test file holds that dialect's SQL. */
import type { QuerySpec } from '../../../src/domain/query.js';
import type { QueryContext } from '../../../src/query/types.js';

export const ctx: QueryContext = { org: 'acme', now: Date.parse('2026-11-20T10:30:00Z') };

export const FROM = Date.parse('2026-11-01T00:00:00Z');
export const TO = Date.parse('2026-11-08T00:00:00Z');
const timeRange = { from: '2026-11-01T00:00:00Z', to: '2026-11-08T00:00:00Z' };

export const cases = {
  countByDayUtc: { metrics: ['count'], granularity: '1d', timeRange },
  sumByChannel: {
    metrics: ['sum(amount)'],
    dimensions: ['channel'],
    filters: [
      { field: 'currency', op: 'in', value: ['EUR', 'USD'] },
      { field: 'premium', op: 'eq', value: true },
    ],
    timeRange,
    limit: 10,
  },
  percentile: {
    metrics: ['p95(resolution_hours)', 'p95_resolution'],
    filters: [{ field: 'event', op: 'eq', value: 'ticket.resolved' }],
    timeRange,
  },
  berlinWeekly: { metrics: ['count', 'revenue'], granularity: '1w', timezone: 'Europe/Berlin', timeRange },
  fifteenMinutesNewYork: { metrics: ['count'], granularity: '15m', timezone: 'America/New_York', timeRange },
  undeclared: {
    metrics: ['count', 'avg(props.score)'],
    dimensions: ['props.plan'],
    filters: [
      { field: 'props.plan', op: 'neq', value: 'free' },
      { field: 'props.level', op: 'gte', value: 3 },
    ],
    timeRange,
  },
  ratio: { metrics: ['failure_rate', 'payments'], dimensions: ['channel'], timeRange },
  timeProp: { metrics: ['min(due_at)', 'max(due_at)'], dimensions: ['due_at'], timeRange },
  everyOp: {
    metrics: ['count'],
    timeRange,
    filters: [
      { field: 'channel', op: 'eq', value: 'web' },
      { field: 'channel', op: 'neq', value: 'ios' },
      { field: 'currency', op: 'eq', value: null },
      { field: 'currency', op: 'neq', value: null },
      { field: 'channel', op: 'in', value: ['web', 'ios'] },
      { field: 'channel', op: 'nin', value: ['android'] },
      { field: 'amount', op: 'gt', value: 1 },
      { field: 'amount', op: 'gte', value: 2 },
      { field: 'amount', op: 'lt', value: 3 },
      { field: 'amount', op: 'lte', value: 4 },
      { field: 'event', op: 'contains', value: 'pay' },
      { field: 'actor', op: 'starts_with', value: 'u_' },
      { field: 'premium', op: 'exists' },
      { field: 'props.coupon', op: 'not_exists' },
      { field: 'due_at', op: 'gte', value: '2026-11-01T00:00:00Z' },
    ],
  },
} satisfies Record<string, QuerySpec>;

export type CaseName = keyof typeof cases;
