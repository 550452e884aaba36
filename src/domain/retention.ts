/**
 * Which events an org keeps (config/retention.ts): the oldest instant an event of `org` may have
 * at `now`, or null when the org keeps everything. Pure; used by ingest (refuse older events),
 * import (check the file) and the sweep (delete older events).
 */
const DAY_MS = 86_400_000;

export interface RetentionRules {
  defaultDays: number;
  orgDays: Readonly<Record<string, number>>;
}

export interface OldestAllowed {
  /** Epoch ms: events before it are refused or deleted. */
  time: number;
  days: number;
}

export class RetentionPolicy {
  constructor(private readonly rules: RetentionRules) {}

  /** True when some org keeps less than forever (otherwise nothing ever needs sweeping). */
  get enabled(): boolean {
    return this.rules.defaultDays > 0 || Object.values(this.rules.orgDays).some((d) => d > 0);
  }

  daysFor(org: string): number | null {
    const days = Object.hasOwn(this.rules.orgDays, org) ? (this.rules.orgDays[org] as number) : this.rules.defaultDays;
    return days > 0 ? days : null;
  }

  oldestAllowed(org: string, now: number): OldestAllowed | null {
    const days = this.daysFor(org);
    return days === null ? null : { time: now - days * DAY_MS, days };
  }

  /** The latest cutoff of any org at `now`: an org with nothing before it has nothing to delete. */
  latestCutoff(now: number): number | null {
    const days = [this.rules.defaultDays, ...Object.values(this.rules.orgDays)].filter((d) => d > 0);
    return days.length === 0 ? null : now - Math.min(...days) * DAY_MS;
  }
}
