/**
 * Tells running instances about events appended by a process that serves no live clients of
 * its own (`tally import`). Notices are merged per org and published at most once per interval,
 * the first one at once, and without their events: live queries recompute as after any ingest,
 * while event subscribers (WebSocket `events`, SSE) get one `dropped` count per publish instead
 * of a flood of historical events.
 */
import type { AppendedNotice } from '../../ingest/ingest-service.js';
import { Coalescer } from '../coalescer.js';
import type { LiveBus } from './bus-port.js';

interface Merged {
  names: Set<string>;
  minTime: number;
  maxTime: number;
  count: number;
}

export interface AnnouncerOptions {
  /** Never an instance's id, so no instance takes the notices for its own (alert evaluation). */
  origin: string;
  intervalMs: number;
  onError: (err: unknown, org: string) => void;
  now?: () => number;
}

export class AppendedAnnouncer {
  private readonly pending = new Map<string, Merged>();
  /** At most one publish per interval, the first at once (the live queries' own rule). */
  private readonly coalescer: Coalescer;
  private inFlight: Promise<void> = Promise.resolve();

  constructor(
    private readonly bus: Pick<LiveBus, 'publish'>,
    private readonly options: AnnouncerOptions,
  ) {
    this.coalescer = new Coalescer(() => this.publishPending(), options.intervalMs, options.now);
  }

  /** IngestService.onAppended listener; never delays the ingest. */
  readonly onAppended = (notice: AppendedNotice): void => {
    if (notice.events.length === 0) return;
    const merged = this.pending.get(notice.org);
    if (merged === undefined) {
      this.pending.set(notice.org, { names: new Set(notice.eventNames), minTime: notice.minTime, maxTime: notice.maxTime, count: notice.events.length });
    } else {
      for (const name of notice.eventNames) merged.names.add(name);
      merged.minTime = Math.min(merged.minTime, notice.minTime);
      merged.maxTime = Math.max(merged.maxTime, notice.maxTime);
      merged.count += notice.events.length;
    }
    this.coalescer.request();
  };

  /** Publishes what is waiting, without waiting for the interval, and resolves when every publish has settled. */
  async flush(): Promise<void> {
    // No timed run starts after this; one under way is waited for, then the rest goes out.
    this.coalescer.stop();
    await this.inFlight;
    await this.publishPending();
  }

  private publishPending(): Promise<void> {
    const sends: Promise<void>[] = [];
    for (const [org, m] of this.pending) {
      const message = { kind: 'appended' as const, org, eventNames: [...m.names], minTime: m.minTime, maxTime: m.maxTime, count: m.count, events: [], origin: this.options.origin };
      sends.push(this.bus.publish(message).catch((err: unknown) => this.options.onError(err, org)));
    }
    this.pending.clear();
    this.inFlight = Promise.all(sends).then(() => undefined);
    return this.inFlight;
  }
}
