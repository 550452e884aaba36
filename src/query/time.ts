/**
 * Time ranges: presets, explicit ISO ranges and comparison windows, resolved in an IANA time zone.
 * Pure: "now" and the org's first event time come in through TimeContext.
 */
import { DateTime, IANAZone } from 'luxon';
import type { Preset } from '../domain/query.js';
import type { ParsedCompare, ParsedRange } from './parsed.js';

/** A half-open interval of epoch milliseconds: [from, to). */
export interface TimeSpan {
  from: number;
  to: number;
}

export interface TimeContext {
  now: number;
  dataStart?: number | null;
}

export const DEFAULT_PRESET: Preset = '30d';

const MINUTE = 60_000;
const HOUR = 60 * MINUTE;

/** Valid names only; bounded because spellings (case variants) are unbounded. */
const zoneNames = new Map<string, string>();
const MAX_ZONE_NAMES = 1000;

/**
 * A valid IANA name with its case fixed (`europe/berlin` → `Europe/Berlin`) and every UTC alias
 * (`utc`, `Etc/UTC`, `GMT`) as `UTC`, or null. Links are kept as written: Node's ICU resolves
 * `Asia/Kathmandu` to the older `Asia/Katmandu`, which the client never asked for.
 */
export function canonicalZone(name: string): string | null {
  const known = zoneNames.get(name);
  if (known !== undefined) return known;
  if (!IANAZone.isValidZone(name)) return null;
  // Building a DateTimeFormat costs a fraction of a millisecond; the answers are memoised.
  const resolved = new Intl.DateTimeFormat('en-US', { timeZone: name }).resolvedOptions().timeZone;
  const canonical = resolved === 'UTC' || resolved.toLowerCase() === name.toLowerCase() ? resolved : name;
  if (zoneNames.size >= MAX_ZONE_NAMES) zoneNames.clear();
  zoneNames.set(name, canonical);
  return canonical;
}

/** Parses an ISO 8601 instant; a value without an offset is wall-clock time in `zone`. */
export function parseInstant(text: string, zone: string): number | null {
  const dt = DateTime.fromISO(text, { zone });
  return dt.isValid ? dt.toMillis() : null;
}

function local(ms: number, zone: string): DateTime {
  return DateTime.fromMillis(ms, { zone });
}

/**
 * Rolling presets step back in calendar units in the zone (7d ends at the same wall-clock time a
 * week earlier, even across a DST change); hour presets are exact durations.
 */
export function resolvePreset(preset: Preset, zone: string, ctx: TimeContext): TimeSpan {
  const now = ctx.now;
  const here = local(now, zone);
  const since = (start: DateTime): TimeSpan => ({ from: start.toMillis(), to: now });
  const between = (start: DateTime, end: DateTime): TimeSpan => ({ from: start.toMillis(), to: end.toMillis() });
  switch (preset) {
    case '1h':
      return { from: now - HOUR, to: now };
    case '6h':
      return { from: now - 6 * HOUR, to: now };
    case '24h':
      return { from: now - 24 * HOUR, to: now };
    case '7d':
      return since(here.minus({ days: 7 }));
    case '30d':
      return since(here.minus({ days: 30 }));
    case '90d':
      return since(here.minus({ days: 90 }));
    case '1y':
      return since(here.minus({ years: 1 }));
    case 'today':
      return since(here.startOf('day'));
    case 'yesterday': {
      const today = here.startOf('day');
      return between(today.minus({ days: 1 }), today);
    }
    case 'this_week':
      return since(here.startOf('week'));
    case 'last_week': {
      const week = here.startOf('week');
      return between(week.minus({ weeks: 1 }), week);
    }
    case 'this_month':
      return since(here.startOf('month'));
    case 'last_month': {
      const month = here.startOf('month');
      return between(month.minus({ months: 1 }), month);
    }
    case 'this_year':
      return since(here.startOf('year'));
    case 'all': {
      if (ctx.dataStart === undefined || ctx.dataStart === null) return since(here.minus({ years: 1 }));
      // Floored to the minute so that the cache key does not change with every millisecond of data.
      const floored = Math.floor(ctx.dataStart / MINUTE) * MINUTE;
      return { from: Math.min(floored, now), to: now };
    }
  }
}

export function resolveTimeRange(range: ParsedRange, zone: string, ctx: TimeContext): TimeSpan {
  return 'preset' in range ? resolvePreset(range.preset, zone, ctx) : { from: range.from, to: range.to };
}

/** The window a `compare` asks for; its buckets are generated with the same rules as the main one. */
export function compareSpan(compare: ParsedCompare, main: TimeSpan, zone: string): TimeSpan {
  if (compare === 'previous_period') return { from: main.from - (main.to - main.from), to: main.from };
  if (compare === 'previous_year') {
    const back = (ms: number): number => local(ms, zone).minus({ years: 1 }).toMillis();
    return { from: back(main.from), to: back(main.to) };
  }
  return { from: compare.from, to: compare.to };
}
