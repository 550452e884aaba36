/**
 * The retention sweep: at start and then every interval, events older than their org keeps
 * (domain/retention.ts) are deleted through IngestService.expireEvents, whose listeners (the
 * answer cache, live queries) hear which org lost events before which instant. One sweep at a
 * time per process; with several instances on PostgreSQL each sweeps, and the later ones find
 * nothing left to delete.
 */
import type { ExpiredEvents } from '../domain/event.js';
import type { RetentionPolicy } from '../domain/retention.js';
import type { IngestService } from './ingest-service.js';

export interface SweepLog {
  info(obj: object, msg: string): void;
  error(obj: object, msg: string): void;
}

export interface RetentionSweeperOptions {
  ingest: Pick<IngestService, 'expireEvents'>;
  policy: RetentionPolicy;
  intervalMs: number;
  log: SweepLog;
  now?: () => number;
}

export class RetentionSweeper {
  private timer: NodeJS.Timeout | null = null;
  private running: Promise<ExpiredEvents[]> | null = null;
  private readonly now: () => number;

  constructor(private readonly options: RetentionSweeperOptions) {
    this.now = options.now ?? Date.now;
  }

  start(): void {
    if (this.timer !== null || !this.options.policy.enabled) return;
    void this.sweep();
    this.timer = setInterval(() => void this.sweep(), this.options.intervalMs);
    this.timer.unref();
  }

  /** Runs one sweep, or joins the one under way. Failures are logged; the next sweep tries again. */
  sweep(): Promise<ExpiredEvents[]> {
    this.running ??= this.run().finally(() => (this.running = null));
    return this.running;
  }

  async stop(): Promise<void> {
    if (this.timer !== null) clearInterval(this.timer);
    this.timer = null;
    await this.running;
  }

  private async run(): Promise<ExpiredEvents[]> {
    const { policy, ingest, log } = this.options;
    const now = this.now();
    const latest = policy.latestCutoff(now);
    if (latest === null) return [];
    try {
      const expired = await ingest.expireEvents(latest, (org) => policy.oldestAllowed(org, now)?.time ?? null);
      for (const e of expired) log.info({ org: e.org, expiredEvents: e.events, before: new Date(e.before).toISOString() }, 'retention: expired events');
      return expired;
    } catch (err) {
      log.error({ err }, 'retention: sweep failed');
      return [];
    }
  }
}
