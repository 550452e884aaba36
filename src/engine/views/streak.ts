/**
 * Streaks from active days. Days are identified by their local midnight (epoch ms) in the request
 * zone, so "consecutive" follows the zone's calendar across DST (a day may last 23 or 25 hours).
 *
 * The current streak counts consecutive active days ending today; when the actor has not been
 * active yet today, it ends yesterday instead (a streak is not broken before the day is over).
 */
import { floorToBucket, nextBucket } from '../../query/index.js';

export interface Streaks {
  current: number;
  longest: number;
  activeToday: boolean;
}

export function streaks(activeDays: Iterable<number>, now: number, zone: string): Streaks {
  const today = floorToBucket(now, '1d', zone);
  const days = new Set([...activeDays].filter((d) => d <= today));
  const previous = (day: number): number => floorToBucket(day - 1, '1d', zone);
  const activeToday = days.has(today);
  let current = 0;
  for (let d = activeToday ? today : previous(today); days.has(d); d = previous(d)) current++;
  let longest = 0;
  let run = 0;
  let last: number | null = null;
  for (const d of [...days].sort((a, b) => a - b)) {
    run = last !== null && nextBucket(last, '1d', zone) === d ? run + 1 : 1;
    longest = Math.max(longest, run);
    last = d;
  }
  return { current, longest, activeToday };
}
