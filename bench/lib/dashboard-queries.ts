/** Five typical dashboard queries over the three shipped models (names from models/*.yaml). */
import type { QuerySpec } from '../../src/domain/query.js';

export interface DashboardQuery {
  name: string;
  spec: QuerySpec;
}

const LEARNING_EVENTS = ['app.opened', 'lesson.started', 'lesson.completed', 'quiz.submitted'];

export const DASHBOARD_QUERIES: readonly DashboardQuery[] = [
  {
    name: 'KPI row: revenue, orders, success_rate, 30d vs previous period',
    spec: { metrics: ['revenue', 'orders', 'success_rate'], timeRange: { preset: '30d' }, compare: 'previous_period' },
  },
  {
    name: 'Daily count, 90d, Europe/Berlin',
    spec: { metrics: ['count'], timeRange: { preset: '90d' }, granularity: '1d', timezone: 'Europe/Berlin' },
  },
  {
    name: 'Top 10 products by revenue (count + revenue), 30d',
    spec: {
      metrics: ['count', 'revenue'],
      dimensions: ['product'],
      timeRange: { preset: '30d' },
      order: [{ by: 'revenue', dir: 'desc' }],
      limit: 10,
    },
  },
  {
    name: 'p50/p95 resolution hours by priority, 30d',
    spec: { metrics: ['p50_resolution_hours', 'p95_resolution_hours'], dimensions: ['priority'], timeRange: { preset: '30d' } },
  },
  {
    name: 'Hourly active learners, 7d',
    spec: {
      metrics: ['count_distinct(actor)'],
      timeRange: { preset: '7d' },
      granularity: '1h',
      filters: [{ field: 'event', op: 'in', value: LEARNING_EVENTS }],
    },
  },
];

const DAY_MS = 86_400_000;

/** The spec with an `Nd` preset turned into the same window ending at `end` (for a server whose clock is now). */
export function endingAt(spec: QuerySpec, end: number): QuerySpec {
  const range = spec.timeRange;
  const days = range && 'preset' in range ? /^(\d+)d$/.exec(range.preset)?.[1] : undefined;
  if (days === undefined) return spec;
  const from = new Date(end - Number(days) * DAY_MS).toISOString();
  return { ...spec, timeRange: { from, to: new Date(end).toISOString() } };
}
