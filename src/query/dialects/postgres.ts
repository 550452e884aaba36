/** PostgreSQL 15: `ts` is timestamptz, `extra` is jsonb; zone math uses AT TIME ZONE. */
import type { SqlParam } from '../../store/port.js';
import { type Dialect, type TruncUnit, fractionLiteral, intervalLiteral, quoteIdent } from './dialect.js';

/**
 * PostgreSQL has no TRY_CAST: only text shaped like a number is cast. The digit bounds keep every
 * match inside double range, so a stray huge string cannot make the cast (and the query) fail.
 */
const NUMBER_TEXT = String.raw`'^\s*[-+]?([0-9]{1,200}(\.[0-9]{0,100})?|\.[0-9]{1,100})([eE][-+]?[0-9]{1,2})?\s*$'`;

export const postgres: Dialect = {
  name: 'postgres',
  nativeUtc: false,
  // The PostgreSQL store keeps no dense actor keys (store/postgres/schema-migrations.ts): distinct
  // actors are counted over `actor`, and summaries use grouping sets instead of bitmap roll-ups.
  actorKeyColumn: null,
  actorBitmaps: null,
  quoteIdent,
  timeParam: (ph) => `to_timestamp(${ph}::double precision / 1000)`,
  // floor, not a plain cast: numeric → bigint rounds, which would move sub-millisecond instants.
  epochMs: (instant) => `floor(extract(epoch from ${instant}) * 1000)::bigint`,
  toLocal: (ts, tz) => `(${ts} AT TIME ZONE ${tz}::text)`,
  fromLocal: (local, tz) => `(${local} AT TIME ZONE ${tz}::text)`,
  truncate: (unit: TruncUnit, local) => `date_trunc('${unit}', ${local})`,
  bin: (minutes, local) => `date_bin(${intervalLiteral(minutes)}, ${local}, TIMESTAMP '2000-01-01')`,
  slotSeries: (from, to) =>
    `(SELECT s FROM generate_series(${from}, ${to}, INTERVAL '15 minutes') AS zone_slot_series(s) WHERE s < ${to}) AS zone_slot_range`,
  slotOf: (ts) => `date_bin(INTERVAL '15 minutes', ${ts}, TIMESTAMPTZ '2000-01-01 00:00:00+00')`,
  percentile: (expr, fraction) => `percentile_cont(${fractionLiteral(fraction)}) WITHIN GROUP (ORDER BY ${expr})`,
  jsonKey: (name): SqlParam => name,
  jsonText: (extra, key) => `(${extra} ->> ${key}::text)`,
  toDouble: (expr) => `CAST(${expr} AS double precision)`,
  tryDouble: (text) => `CASE WHEN ${text} ~ ${NUMBER_TEXT} THEN CAST(${text} AS double precision) END`,
  contains: (expr, ph) => `(strpos(${expr}, ${ph}) > 0)`,
  startsWith: (expr, ph) => `starts_with(${expr}, ${ph})`,
};
