/**
 * Zone offsets and wall-clock ↔ instant conversion, with as few Intl calls as possible (each
 * offset lookup costs several microseconds, and a year of daily buckets needs hundreds).
 *
 * Wall time is represented as "local epoch" milliseconds: the instant at which a UTC clock would
 * show the same reading. A wall time is turned back into an instant the way DuckDB (ICU) and
 * PostgreSQL do it: in a DST gap with the offset from before the gap, and an ambiguous reading
 * (fall-back) as the later instant. Both stores were checked to agree on this.
 */
import { IANAZone } from 'luxon';

const SECOND = 1000;
const MINUTE = 60 * SECOND;
const HOUR = 60 * MINUTE;

/** The zone's UTC offset at instant `ms`, in milliseconds. */
export function offsetAt(zone: string, ms: number): number {
  if (zone === 'UTC') return 0;
  return IANAZone.create(zone).offset(ms) * MINUTE;
}

/**
 * The instant at which `zone`'s wall clock reads `wall`. Offsets span −12h…+14h, so every
 * solution lies between the offsets found well before and well after; at most one transition is
 * assumed in that 28-hour window.
 */
export function wallToInstant(zone: string, wall: number): number {
  const early = offsetAt(zone, wall - 15 * HOUR);
  const late = offsetAt(zone, wall + 13 * HOUR);
  const solutions = [early, late].map((o) => wall - o).filter((t) => offsetAt(zone, t) === wall - t);
  if (solutions.length === 0) return wall - Math.min(early, late); // a gap
  return Math.max(...solutions); // the later one when ambiguous
}

/**
 * Offsets for an increasing sequence of instants. A miss probes the offset `stretch` later: equal
 * offsets are taken to mean no transition in between; otherwise the transition is found by
 * bisection. Sequential lookups then cost about one Intl call per stretch instead of one per
 * lookup. The default stretch is safe with margin: in tzdata for 1970–2037 the closest pairs of
 * transitions of any zone are seven days apart (Brazil, October 2000).
 */
export class OffsetProbe {
  private lo = 0;
  private hi = 0;
  private offset = 0;
  /** The offset at `hi`, so that the next stretch can start there without a lookup. */
  private next: number | null = null;

  constructor(
    private readonly zone: string,
    private readonly stretch = 3 * 24 * HOUR,
  ) {}

  at(ms: number): number {
    while (ms < this.lo || ms >= this.hi) {
      const extend = this.next !== null && ms >= this.hi && ms < this.hi + this.stretch;
      const from = extend ? this.hi : ms;
      const o = extend && this.next !== null ? this.next : offsetAt(this.zone, from);
      let end = from + this.stretch;
      const after = offsetAt(this.zone, end);
      if (after !== o) {
        // tzdata transitions fall on whole seconds, so bisecting seconds finds the exact instant.
        let same = Math.floor(from / SECOND);
        let changed = Math.ceil(end / SECOND);
        while (changed - same > 1) {
          const mid = Math.floor((same + changed) / 2);
          if (offsetAt(this.zone, mid * SECOND) === o) same = mid;
          else changed = mid;
        }
        end = changed * SECOND;
      }
      this.lo = from;
      this.hi = end;
      this.offset = o;
      this.next = after;
    }
    return this.offset;
  }
}
