/**
 * The time-bucket column: bucket start as epoch ms. Mirrors ../buckets.ts exactly (see there for
 * the rules); the engine matches SQL rows to the generated buckets by value.
 */
import type { Granularity } from '../../domain/query.js';
import { FIXED_MINUTES } from '../buckets.js';
import type { TruncUnit } from '../dialects/dialect.js';
import type { SqlBuilder } from './sql-builder.js';

const FLOOR: Record<Granularity, { unit: TruncUnit } | { minutes: number }> = {
  '1m': { unit: 'minute' },
  '5m': { minutes: 5 },
  '15m': { minutes: 15 },
  '30m': { minutes: 30 },
  '1h': { unit: 'hour' },
  '6h': { minutes: 360 },
  '1d': { unit: 'day' },
  '1w': { unit: 'week' },
  '1mo': { unit: 'month' },
  '1q': { unit: 'quarter' },
  '1y': { unit: 'year' },
};

/**
 * `tz`: the zone's placeholder, or null when the dialect stores UTC wall time and the zone is UTC,
 * in which case the column is truncated directly.
 */
export function bucketExpr(b: SqlBuilder, g: Granularity, tz: string | null): string {
  const d = b.dialect;
  const rule = FLOOR[g];
  const floor = (local: string): string => ('unit' in rule ? d.truncate(rule.unit, local) : d.bin(rule.minutes, local));
  const ts = b.ident('ts');
  if (tz === null) return d.epochMs(floor(ts));
  const local = d.toLocal(ts, tz);
  // Short buckets keep the offset of the instant itself: subtract the time since the local floor.
  if (FIXED_MINUTES[g] !== undefined) return d.epochMs(`${ts} - (${local} - ${floor(local)})`);
  return d.epochMs(d.fromLocal(floor(local), tz));
}
