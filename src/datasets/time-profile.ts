/**
 * When episodes happen: hour-of-day and day-of-week shapes, growth over the range and a little
 * day-to-day noise, flattened into one weight per UTC hour so a draw is one binary search.
 */
import { cumulative, searchCdf } from './categorical.js';
import { Rng } from './random.js';

export const HOUR = 3_600_000;
export const DAY = 86_400_000;

export interface TimeProfile {
  /** Relative activity for each UTC hour 0–23. */
  hourly: readonly number[];
  /** Relative activity Sunday..Saturday (getUTCDay order). */
  weekly: readonly number[];
  /** Growth factor per 30 days (1.25 = +25 % a month); capped so long ranges stay plausible. */
  monthlyGrowth: number;
  /** Spread of the per-day log-normal noise. */
  dailyNoise: number;
}

/** Largest first-to-last-day ratio growth may produce, however long the range. */
const MAX_TOTAL_GROWTH = 6;

export class TimeSampler {
  readonly start: number;
  readonly end: number;
  private readonly slotStart: Float64Array;
  private readonly slotWidth: Float64Array;
  private readonly cdf: Float64Array;

  constructor(start: number, end: number, profile: TimeProfile, seed: number) {
    this.start = start;
    this.end = end;
    const noise = new Rng(seed ^ 0x5eed);
    const days = (end - start) / DAY;
    const rate = Math.min(Math.log(profile.monthlyGrowth) / 30, Math.log(MAX_TOTAL_GROWTH) / Math.max(days, 1));
    const first = Math.floor(start / HOUR) * HOUR;
    const n = Math.ceil((end - first) / HOUR);
    this.slotStart = new Float64Array(n);
    this.slotWidth = new Float64Array(n);
    const weights = new Float64Array(n);
    const dayFactor = new Map<number, number>();
    for (let i = 0; i < n; i++) {
      const h = first + i * HOUR;
      const lo = Math.max(h, start);
      const hi = Math.min(h + HOUR, end);
      const day = Math.floor(h / DAY);
      let f = dayFactor.get(day);
      if (f === undefined) {
        // 1970-01-01 was a Thursday (getUTCDay 4).
        const dow = (((day + 4) % 7) + 7) % 7;
        f = (profile.weekly[dow] ?? 1) * Math.exp(rate * ((h - start) / DAY) + profile.dailyNoise * noise.normal());
        dayFactor.set(day, f);
      }
      const hourOfDay = Math.floor((h - day * DAY) / HOUR);
      this.slotStart[i] = lo;
      this.slotWidth[i] = Math.max(hi - lo, 0);
      weights[i] = (profile.hourly[hourOfDay] ?? 1) * f * ((hi - lo) / HOUR);
    }
    this.cdf = cumulative(weights);
  }

  /** An epoch-ms time in [start, end). */
  sample(rng: Rng): number {
    const i = searchCdf(this.cdf, rng.next());
    const t = Math.floor((this.slotStart[i] ?? this.start) + rng.next() * (this.slotWidth[i] ?? 0));
    return t < this.end ? t : this.end - 1;
  }

  /** Where t falls in the range, 0 at start and 1 at end. */
  fraction(t: number): number {
    return (t - this.start) / (this.end - this.start);
  }
}
