/**
 * Request and response schemas of the dashboard views (API.md "Dashboard endpoints"). Response
 * schemas also drive serialization, so every field a view returns is listed here; objects keyed
 * by metric or dimension names are Records.
 */
import { Type } from 'typebox';
import { PRESETS } from '../../domain/query.js';
import { FilterSchema, TimeRangeSchema } from './common.js';

function StringEnum<T extends string>(values: readonly T[], description?: string) {
  return Type.Unsafe<T>({ type: 'string', enum: [...values], ...(description ? { description } : {}) });
}

const Num = Type.Union([Type.Number(), Type.Null()]);
const Scalar = Type.Union([Type.String(), Type.Number(), Type.Boolean(), Type.Null()]);
const Span = Type.Object({ from: Type.String(), to: Type.String() });
const NumMap = Type.Record(Type.String(), Num);

const Meta = Type.Object(
  {
    timezone: Type.String(),
    timeRange: Type.Optional(Span),
    cache: Type.Object({ hit: Type.Boolean(), layer: Type.Union([Type.String(), Type.Null()]), generatedAt: Type.String(), ttlSeconds: Type.Number() }),
    durationMs: Type.Number(),
  },
  { additionalProperties: true },
);

// --- shared query-string parameters --------------------------------------------------------------

/** Every read accepts `refresh` (API.md "Cache"), whether or not a cache sits in front of it. */
const refresh = { refresh: Type.Optional(Type.Boolean({ description: 'Bypass the cache' })) };
const range = {
  ...refresh,
  range: Type.Optional(StringEnum(PRESETS, 'A preset time range (default depends on the endpoint)')),
  from: Type.Optional(Type.String({ description: 'ISO 8601 start (inclusive); with `to`, instead of `range`' })),
  to: Type.Optional(Type.String({ description: 'ISO 8601 end (exclusive)' })),
  timezone: Type.Optional(Type.String({ maxLength: 64, description: 'IANA zone for day boundaries and buckets (default UTC)' })),
};
const model = { model: Type.Optional(Type.String({ maxLength: 100, description: 'Model name (default: the first loaded model)' })) };
const filters = {
  filters: Type.Optional(Type.String({ maxLength: 20_000, description: 'URL-encoded JSON array of query-language filters' })),
};
const event = { event: Type.Optional(Type.String({ maxLength: 2000, description: 'Only these events (comma-separated names)' })) };

// --- summary -----------------------------------------------------------------------------------

export const SummaryQuery = Type.Object(
  { ...range, ...model, ...filters, granularity: Type.Optional(Type.String({ description: 'Sparkline bucket (default by range length)' })) },
  { additionalProperties: false },
);
export const SummaryReply = Type.Object({
  model: Type.String(),
  kpis: Type.Array(
    Type.Object({
      metric: Type.String(),
      label: Type.String(),
      format: Type.String(),
      value: Num,
      previous: Num,
      change: Num,
      series: Type.Array(Num),
    }),
  ),
  buckets: Type.Array(Type.String()),
  granularity: Type.String(),
  timeRange: Span,
  previousRange: Span,
  meta: Meta,
});

// --- timeseries --------------------------------------------------------------------------------

export const TimeseriesReply = Type.Object({
  buckets: Type.Array(Type.String()),
  series: Type.Array(
    Type.Object({
      metric: Type.String(),
      group: Type.Union([Type.Record(Type.String(), Scalar), Type.Null()]),
      values: Type.Array(Num),
      previous: Type.Optional(Type.Array(Num)),
    }),
  ),
  meta: Meta,
});

// --- breakdown ---------------------------------------------------------------------------------

export const BreakdownParams = Type.Object({ field: Type.String({ minLength: 1, maxLength: 200 }) });
export const BreakdownQuery = Type.Object(
  {
    ...range,
    ...filters,
    ...event,
    metric: Type.Optional(Type.String({ maxLength: 200, description: 'Metric to rank values by (default count)' })),
    limit: Type.Optional(Type.Integer({ description: 'Top N values (default 10, at most 1000)' })),
    bins: Type.Optional(Type.Integer({ description: 'Histogram of a numeric field with at most this many round-edged bins (1–200)' })),
  },
  { additionalProperties: false },
);
export const BreakdownReply = Type.Object({
  field: Type.String(),
  metricName: Type.Optional(Type.String()),
  items: Type.Optional(Type.Array(Type.Object({ value: Scalar, metric: Num, share: Num }))),
  other: Type.Optional(Num),
  total: Type.Union([Type.Number(), Type.Null()]),
  bins: Type.Optional(Type.Array(Type.Object({ from: Type.Number(), to: Type.Number(), count: Type.Number() }))),
  min: Type.Optional(Num),
  max: Type.Optional(Num),
  meta: Meta,
});

// --- percentiles -------------------------------------------------------------------------------

export const PercentilesQuery = Type.Object(
  {
    ...range,
    ...filters,
    ...event,
    field: Type.String({ minLength: 1, maxLength: 200, description: 'A numeric prop' }),
    p: Type.Optional(Type.String({ maxLength: 200, description: 'Comma-separated percentiles (default 50,90,95,99)' })),
    threshold: Type.Optional(Type.Number({ description: 'SLA threshold: `sla.within` = share of values ≤ threshold' })),
    dimension: Type.Optional(Type.String({ maxLength: 200, description: 'Also per value of this field' })),
    limit: Type.Optional(Type.Integer({ description: 'Groups with a dimension, most values first (default 50)' })),
  },
  { additionalProperties: false },
);
const PercentileStats = {
  values: NumMap,
  count: Type.Number(),
  avg: Num,
  min: Num,
  max: Num,
  sla: Type.Optional(Type.Object({ threshold: Type.Number(), within: Num, count: Type.Number() })),
};
export const PercentilesReply = Type.Object({
  field: Type.String(),
  ...PercentileStats,
  groups: Type.Optional(Type.Array(Type.Object({ value: Scalar, ...PercentileStats }))),
  meta: Meta,
});

// --- compare -----------------------------------------------------------------------------------

const CompareValue = Type.Union([Type.String({ maxLength: 200 }), Type.Number(), Type.Boolean()]);
export const CompareBody = Type.Object(
  {
    dimension: Type.String({ minLength: 1, maxLength: 200 }),
    values: Type.Array(CompareValue, { minItems: 2, maxItems: 50 }),
    metrics: Type.Optional(Type.Array(Type.String({ minLength: 1, maxLength: 200 }), { minItems: 1, maxItems: 20 })),
    timeRange: Type.Optional(TimeRangeSchema),
    timezone: Type.Optional(Type.String({ maxLength: 64 })),
    filters: Type.Optional(Type.Array(FilterSchema, { maxItems: 50 })),
    compare: Type.Optional(
      Type.Union([
        Type.Literal('previous_period'),
        Type.Literal('previous_year'),
        Type.Object({ from: Type.String(), to: Type.String() }, { additionalProperties: false }),
      ]),
    ),
    model: Type.Optional(Type.String({ maxLength: 100 })),
  },
  { additionalProperties: false },
);
const Rank = Type.Object({ rank: Num, percentile: Num });
export const CompareReply = Type.Object({
  dimension: Type.String(),
  metrics: Type.Array(Type.String()),
  values: Type.Array(
    Type.Object({
      value: CompareValue,
      metrics: NumMap,
      previous: Type.Optional(NumMap),
      change: Type.Optional(NumMap),
      ranks: Type.Record(Type.String(), Rank),
    }),
  ),
  participants: Type.Record(Type.String(), Type.Number()),
  meta: Meta,
});

// --- leaderboard -------------------------------------------------------------------------------

export const LeaderboardQuery = Type.Object(
  {
    ...range,
    ...model,
    ...filters,
    metric: Type.Optional(Type.String({ maxLength: 200, description: "Default: the model's actor.rank_by" })),
    limit: Type.Optional(Type.Integer({ description: 'Entries (default 10, at most 1000)' })),
    offset: Type.Optional(Type.Integer({ description: 'Skip this many entries (paging)' })),
    order: Type.Optional(StringEnum(['desc', 'asc'] as const, 'desc: higher is better (default); asc: lower is better')),
  },
  { additionalProperties: false },
);
export const LeaderboardReply = Type.Object({
  metric: Type.String(),
  order: Type.String(),
  entries: Type.Array(Type.Object({ rank: Type.Number(), actor: Type.String(), value: Type.Number(), percentile: Type.Number() })),
  me: Type.Optional(Type.Object({ actor: Type.String(), rank: Num, value: Num, percentile: Num, gapToNext: Num })),
  participants: Type.Number(),
  meta: Meta,
});

// --- insights ----------------------------------------------------------------------------------

export const InsightsParams = Type.Object({ actor: Type.String({ minLength: 1, maxLength: 200 }) });
export const InsightsQuery = Type.Object({ ...range, ...model }, { additionalProperties: false });
export const InsightsReply = Type.Object({
  actor: Type.String(),
  model: Type.String(),
  totals: NumMap,
  previous: NumMap,
  change: NumMap,
  series: Type.Object({ buckets: Type.Array(Type.String()), values: Type.Record(Type.String(), Type.Array(Num)) }),
  streak: Type.Object({ current: Type.Number(), longest: Type.Number(), activeToday: Type.Boolean() }),
  activeDays: Type.Number(),
  rank: Type.Object({ metric: Type.String(), rank: Num, value: Num, percentile: Num, gapToNext: Num, participants: Type.Number() }),
  breakdown: Type.Union([
    Type.Object({ dimension: Type.String(), items: Type.Array(Type.Object({ value: Scalar, metrics: NumMap })) }),
    Type.Null(),
  ]),
  lastSeen: Type.String(),
  meta: Meta,
});

// --- groups ------------------------------------------------------------------------------------

export const GroupParams = Type.Object({ dimension: Type.String({ minLength: 1, maxLength: 200 }), value: Type.String({ maxLength: 1000 }) });
export const GroupQuery = Type.Object(
  {
    ...range,
    ...model,
    metric: Type.Optional(Type.String({ maxLength: 200, description: "Ranks top and bottom performers (default: the model's actor.rank_by)" })),
    limit: Type.Optional(Type.Integer({ description: 'Top and bottom performers each (default 5, at most 100)' })),
  },
  { additionalProperties: false },
);
const Performer = Type.Object({ actor: Type.String(), value: Num });
export const GroupReply = Type.Object({
  dimension: Type.String(),
  value: Type.Union([Type.String(), Type.Number(), Type.Boolean()]),
  members: Type.Number(),
  activeMembers: Type.Number(),
  metrics: Type.Array(Type.Object({ metric: Type.String(), label: Type.String(), format: Type.String(), value: Num, perActiveMember: Num })),
  rankedBy: Type.String(),
  top: Type.Array(Performer),
  bottom: Type.Array(Performer),
  meta: Meta,
});

// --- activity and realtime ---------------------------------------------------------------------

export const ActivityQuery = Type.Object(
  {
    ...refresh,
    ...filters,
    ...event,
    limit: Type.Optional(Type.Integer({ description: 'Events per page (default 50, at most 1000)' })),
    before: Type.Optional(Type.String({ maxLength: 200, description: 'The nextCursor of the previous page' })),
    actor: Type.Optional(Type.String({ maxLength: 200 })),
  },
  { additionalProperties: false },
);
export const ActivityReply = Type.Object({
  events: Type.Array(
    Type.Object({
      event: Type.String(),
      timestamp: Type.String(),
      actor: Type.Union([Type.String(), Type.Null()]),
      id: Type.Union([Type.String(), Type.Null()]),
      props: Type.Record(Type.String(), Scalar),
    }),
  ),
  nextCursor: Type.Union([Type.String(), Type.Null()]),
  meta: Meta,
});

export const RealtimeQuery = Type.Object({ ...refresh, ...event, ...model }, { additionalProperties: false });
export const RealtimeReply = Type.Object({
  activeActors: Type.Number(),
  eventsLastMinute: Type.Number(),
  perMinute: Type.Array(Type.Number()),
  minutes: Type.Array(Type.String()),
  now: Type.String(),
  meta: Meta,
});

// --- funnels and retention ---------------------------------------------------------------------

const EventName = Type.String({ minLength: 1, maxLength: 200, pattern: '^[A-Za-z0-9_.:/-]+$' });
export const FunnelBody = Type.Object(
  {
    steps: Type.Array(
      Type.Union([
        EventName,
        Type.Object(
          { event: EventName, filters: Type.Optional(Type.Array(FilterSchema, { maxItems: 20 })), label: Type.Optional(Type.String({ maxLength: 200 })) },
          { additionalProperties: false },
        ),
      ]),
      { minItems: 2, maxItems: 10 },
    ),
    window: Type.Optional(Type.String({ maxLength: 10, description: 'Conversion window from the first step: 30m, 12h, 1d (default), 2w; at most 90d' })),
    timeRange: Type.Optional(TimeRangeSchema),
    timezone: Type.Optional(Type.String({ maxLength: 64 })),
    filters: Type.Optional(Type.Array(FilterSchema, { maxItems: 50 })),
  },
  { additionalProperties: false },
);
export const FunnelReply = Type.Object({
  steps: Type.Array(
    Type.Object({
      step: Type.Number(),
      event: Type.String(),
      label: Type.String(),
      count: Type.Number(),
      conversion: Num,
      stepConversion: Num,
      dropOff: Type.Number(),
      medianMsFromPrevious: Num,
    }),
  ),
  window: Type.String(),
  meta: Meta,
});

export const RetentionBody = Type.Object(
  {
    cohortEvent: EventName,
    returnEvent: Type.Optional(EventName),
    period: Type.Optional(StringEnum(['1d', '1w', '1mo'] as const, 'Cohort and return period (default 1w)')),
    timeRange: Type.Optional(TimeRangeSchema),
    timezone: Type.Optional(Type.String({ maxLength: 64 })),
    filters: Type.Optional(Type.Array(FilterSchema, { maxItems: 50 })),
  },
  { additionalProperties: false },
);
export const RetentionReply = Type.Object({
  cohortEvent: Type.String(),
  returnEvent: Type.String(),
  period: Type.String(),
  cohorts: Type.Array(Type.Object({ cohort: Type.String(), size: Type.Number(), returned: Type.Array(Type.Number()), rates: Type.Array(Num) })),
  average: Type.Array(Num),
  meta: Meta,
});
