/**
 * The retention sweep: at start and then every interval, events older than their org keeps
 * (domain/retention.ts) are deleted through the store, and whoever listens (the answer cache)
 * hears which org lost events before which instant. One sweep at a time per process; with
 * several instances on PostgreSQL each sweeps, and the later ones find nothing left to delete.
 */
import type { ExpiredEvents } from '../domain/event.js';
import type { RetentionPolicy } from '../domain/retention.js';
import type { Store } from '../store/port.js';

export interface SweepLog {
  info(obj: object, msg: string): void;
  error(obj: object, msg: string): void;
}

export interface RetentionSweeperOptions {
  store: Pick<Store, 'expireEvents'>;
  policy: RetentionPolicy;
  intervalMs: number;
  log: SweepLog;
  /** Called for every org that lost events (before the sweep resolves). */
  onExpired?: (expired: ExpiredEvents) => Promise<void> | void;
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
    const { policy, store, log } = this.options;
    const now = this.now();
    const latest = policy.latestCutoff(now);
    if (latest === null) return [];
    try {
      const expired = await store.expireEvents(latest, (org) => policy.oldestAllowed(org, now)?.time ?? null);
      for (const e of expired) {
        log.info({ org: e.org, expiredEvents: e.events, before: new Date(e.before).toISOString() }, 'retention: expired events');
        await this.options.onExpired?.(e);
      }
      return expired;
    } catch (err) {
      log.error({ err }, 'retention: sweep failed');
      return [];
    }
  }
}
