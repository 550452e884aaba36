/** DuckDB: `ts` is a naive TIMESTAMP holding UTC; zone math goes through the built-in ICU functions. */
import type { SqlParam } from '../../store/port.js';
import { type Dialect, type TruncUnit, fractionLiteral, intervalLiteral, quoteIdent } from './dialect.js';

export const duckdb: Dialect = {
  name: 'duckdb',
  nativeUtc: true,
  actorKeyColumn: 'actor_id',
  // Without explicit bounds bitstring_agg sizes bitmaps from the column's statistics, which cover
  // every committed key: a key assigned after the statement started cannot fall outside them.
  actorBitmaps: {
    aggregate: (key) => `bitstring_agg(${key})`,
    union: (bitmaps) => `bit_or(${bitmaps})`,
    count: (bitmap) => `bit_count(${bitmap})`,
  },
  quoteIdent,
  timeParam: (ph) => `epoch_ms(${ph}::BIGINT)`,
  epochMs: (instant) => `epoch_ms(${instant})`,
  // timezone('UTC', ts) makes the instant explicit, so nothing depends on the session TimeZone.
  toLocal: (ts, tz) => `timezone(${tz}, timezone('UTC', ${ts}))`,
  fromLocal: (local, tz) => `timezone(${tz}, ${local})`,
  truncate: (unit: TruncUnit, local) => `date_trunc('${unit}', ${local})`,
  // The default origin (2000-01-03 00:00) is a midnight, so bins count from local midnight.
  bin: (minutes, local) => `time_bucket(${intervalLiteral(minutes)}, ${local})`,
  slotSeries: (from, to) => `range(${from}, ${to}, INTERVAL '15 minutes') AS zone_slot_range(s)`,
  // time_bucket's default origin (2000-01-03 00:00) lies on the epoch's 15-minute grid.
  slotOf: (ts) => `time_bucket(INTERVAL '15 minutes', ${ts})`,
  percentile: (expr, fraction) => `quantile_cont(${expr}, ${fractionLiteral(fraction)})`,
  jsonKey: (name): SqlParam => `$."${name}"`,
  jsonText: (extra, key) => `json_extract_string(${extra}, ${key})`,
  toDouble: (expr) => `CAST(${expr} AS DOUBLE)`,
  tryDouble: (text) => `TRY_CAST(${text} AS DOUBLE)`,
  contains: (expr, ph) => `contains(${expr}, ${ph})`,
  startsWith: (expr, ph) => `starts_with(${expr}, ${ph})`,
};
