/**
 * Time buckets in an IANA zone. These rules are mirrored by the SQL in build/time-bucket.ts; the
 * engine trusts both to agree exactly, so change them together.
 *
 * - Short granularities (1m 5m 15m 30m 1h) floor the local clock using the offset in force at the
 *   instant itself: a 25-hour DST day has 25 hourly buckets, the repeated local hour being two.
 * - Calendar granularities (6h 1d 1w 1mo 1q 1y) floor the local clock and turn that wall time
 *   back into an instant (zone-clock.ts); they step on the local calendar, so a local day lasts
 *   23 or 25 hours across DST. Weeks are ISO weeks (Monday).
 */
import { GRANULARITIES, type Granularity } from '../domain/query.js';
import { AppError, fieldError } from '../domain/errors.js';
import type { TimeSpan } from './time.js';
import { OffsetProbe, offsetAt, wallToInstant } from './zone-clock.js';

export const MAX_BUCKETS = 10_000;
/** `auto` picks the finest granularity that yields at most this many buckets. */
export const AUTO_MAX_BUCKETS = 200;

const MINUTE = 60_000;
const HOUR = 60 * MINUTE;
const DAY = 24 * HOUR;

/** Granularities that divide an hour: bucketed on the instant's own offset. */
export const FIXED_MINUTES: Partial<Record<Granularity, number>> = { '1m': 1, '5m': 5, '15m': 15, '30m': 30, '1h': 60 };

/** Upper bounds of a bucket's length (DST shifts included), for cheap lower bounds on counts. */
const LONGEST: Record<Granularity, number> = {
  '1m': 2 * MINUTE,
  '5m': 10 * MINUTE,
  '15m': 30 * MINUTE,
  '30m': HOUR,
  '1h': 2 * HOUR,
  '6h': 8 * HOUR,
  '1d': DAY + 2 * HOUR,
  '1w': 7 * DAY + 2 * HOUR,
  '1mo': 31 * DAY + 2 * HOUR,
  '1q': 92 * DAY + 2 * HOUR,
  '1y': 366 * DAY + 2 * HOUR,
};

function floorMod(a: number, n: number): number {
  return ((a % n) + n) % n;
}

/** Local-epoch ms of a calendar reading; setUTCFullYear keeps years below 100 literal. */
function wallOf(year: number, month: number, day = 1, hour = 0): number {
  const d = new Date(0);
  d.setUTCFullYear(year, month, day);
  d.setUTCHours(hour, 0, 0, 0);
  return d.getTime();
}

function floorWall(wall: number, g: Granularity): number {
  const d = new Date(wall);
  const [y, m, day] = [d.getUTCFullYear(), d.getUTCMonth(), d.getUTCDate()];
  switch (g) {
    case '6h':
      return wallOf(y, m, day, Math.floor(d.getUTCHours() / 6) * 6);
    case '1d':
      return wallOf(y, m, day);
    case '1w':
      return wallOf(y, m, day) - ((d.getUTCDay() + 6) % 7) * DAY;
    case '1mo':
      return wallOf(y, m);
    case '1q':
      return wallOf(y, m - (m % 3));
    default:
      return wallOf(y, 0);
  }
}

function stepWall(wall: number, g: Granularity): number {
  const d = new Date(wall);
  switch (g) {
    case '6h':
      return wall + 6 * HOUR;
    case '1d':
      return wall + DAY;
    case '1w':
      return wall + 7 * DAY;
    case '1mo':
      return wallOf(d.getUTCFullYear(), d.getUTCMonth() + 1);
    case '1q':
      return wallOf(d.getUTCFullYear(), d.getUTCMonth() + 3);
    default:
      return wallOf(d.getUTCFullYear() + 1, 0);
  }
}

function floorFixed(ms: number, step: number, offset: number): number {
  return ms - floorMod(ms + offset, step);
}

/** The start of the bucket that contains `ms`. */
export function floorToBucket(ms: number, g: Granularity, zone: string): number {
  const minutes = FIXED_MINUTES[g];
  if (minutes !== undefined) return floorFixed(ms, minutes * MINUTE, offsetAt(zone, ms));
  return wallToInstant(zone, floorWall(ms + offsetAt(zone, ms), g));
}

/** The start of the bucket after the one starting at `start`. */
export function nextBucket(start: number, g: Granularity, zone: string): number {
  const minutes = FIXED_MINUTES[g];
  if (minutes !== undefined) {
    const end = start + minutes * MINUTE;
    // Re-flooring picks up a grid shift where the offset moves by less than the bucket
    // (Australia/Lord_Howe moves 30 minutes; its hourly grid moves with it).
    const next = floorFixed(end, minutes * MINUTE, offsetAt(zone, end));
    return next > start ? next : end;
  }
  return wallToInstant(zone, stepWall(floorWall(start + offsetAt(zone, start), g), g));
}

/** Pushes bucket starts of a short granularity; false once more than `cap`. */
function walkFixed(span: TimeSpan, minutes: number, zone: string, cap: number, out: number[]): boolean {
  const step = minutes * MINUTE;
  const probe = new OffsetProbe(zone);
  for (let b = floorFixed(span.from, step, probe.at(span.from)); b < span.to; ) {
    if (out.length >= cap) return false;
    out.push(b);
    const end = b + step;
    const next = floorFixed(end, step, probe.at(end));
    b = next > b ? next : end;
  }
  return true;
}

/** Pushes bucket starts of a calendar granularity; false once more than `cap`. */
function walkCalendar(span: TimeSpan, g: Granularity, zone: string, cap: number, out: number[]): boolean {
  const probe = new OffsetProbe(zone);
  let wall = floorWall(span.from + probe.at(span.from), g);
  let start = wallToInstant(zone, wall);
  let offset = probe.at(start);
  while (start < span.to) {
    if (out.length >= cap) return false;
    out.push(start);
    const prevWall = wall;
    wall = stepWall(wall, g);
    // Most buckets keep the previous offset; checking that guess needs no Intl call.
    const guess = wall - offset;
    start = probe.at(guess) === offset ? guess : wallToInstant(zone, wall);
    const changed = probe.at(start) !== offset;
    if (changed) {
      // Around a transition the guess may be the earlier reading of an ambiguous wall time:
      // resolve both ends exactly.
      const last = out.length - 1;
      out[last] = wallToInstant(zone, prevWall);
      start = wallToInstant(zone, wall);
      if (last > 0 && (out[last] ?? 0) <= (out[last - 1] ?? 0)) throw new AppError('INTERNAL', `bucket sequence broke in ${zone}`);
    }
    offset = probe.at(start);
  }
  return true;
}

/** Pushes the bucket starts of `span` into `out`; false (with `out` partial) past `cap`. */
function walk(span: TimeSpan, g: Granularity, zone: string, cap: number, out: number[]): boolean {
  if (Math.floor((span.to - span.from) / LONGEST[g]) > cap) return false;
  const minutes = FIXED_MINUTES[g];
  return minutes !== undefined ? walkFixed(span, minutes, zone, cap, out) : walkCalendar(span, g, zone, cap, out);
}

/** Bucket starts (epoch ms) covering [from, to); TOO_MANY_BUCKETS past `max`. */
export function bucketStarts(span: TimeSpan, g: Granularity, zone: string, max = MAX_BUCKETS): number[] {
  const out: number[] = [];
  if (!walk(span, g, zone, max, out)) {
    throw fieldError(
      'TOO_MANY_BUCKETS',
      '/granularity',
      `granularity ${g} gives more than ${max} buckets for this time range; choose a coarser one`,
    );
  }
  return out;
}

/**
 * The granularity to use and its buckets: `auto` picks the finest granularity that gives at most
 * AUTO_MAX_BUCKETS buckets (1y when none does).
 */
export function resolveBuckets(span: TimeSpan, g: Granularity | 'auto', zone: string): { granularity: Granularity; buckets: number[] } {
  if (g !== 'auto') return { granularity: g, buckets: bucketStarts(span, g, zone) };
  for (const candidate of GRANULARITIES) {
    const buckets: number[] = [];
    if (walk(span, candidate, zone, AUTO_MAX_BUCKETS, buckets)) return { granularity: candidate, buckets };
  }
  return { granularity: '1y', buckets: bucketStarts(span, '1y', zone) };
}

export function autoGranularity(span: TimeSpan, zone: string): Granularity {
  return resolveBuckets(span, 'auto', zone).granularity;
}
