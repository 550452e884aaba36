/**
 * A per-org cap on store statements running at once (the engine's queries and views), so one
 * org's burst of heavy queries cannot occupy every store connection. The engine takes a slot
 * around each statement it sends to the store — cache hits never get that far. Statements over
 * the cap wait in a short FIFO queue; a full queue answers 429 at once, a long wait 503.
 */
import { AppError } from '../../domain/errors.js';

/** 429 because the org's queue is full (the HTTP layer adds Retry-After). */
export class QuerySlotsFull extends AppError {
  constructor(readonly org: string, detail: string) {
    super('RATE_LIMITED', detail);
  }
}

export interface QuerySlotsOptions {
  perOrg: number;
  maxQueued: number;
  /** Longest wait for a slot before giving up (0 = as long as it takes). */
  waitMs: number;
}

interface Waiter {
  grant: () => void;
  timer: NodeJS.Timeout | null;
}

interface OrgSlots {
  running: number;
  queue: Waiter[];
}

export type Release = () => void;

export class QuerySlots {
  private readonly orgs = new Map<string, OrgSlots>();

  constructor(readonly options: QuerySlotsOptions) {}

  async acquire(org: string): Promise<Release> {
    let slots = this.orgs.get(org);
    if (!slots) {
      slots = { running: 0, queue: [] };
      this.orgs.set(org, slots);
    }
    if (slots.running < this.options.perOrg) {
      slots.running++;
      return this.releaser(org, slots);
    }
    if (slots.queue.length >= this.options.maxQueued) {
      throw new QuerySlotsFull(org, `Org "${org}" already has ${slots.running} queries running and ${slots.queue.length} waiting; retry shortly.`);
    }
    const own = slots;
    await new Promise<void>((resolve, reject) => {
      const waiter: Waiter = { grant: resolve, timer: null };
      if (this.options.waitMs > 0) {
        waiter.timer = setTimeout(() => {
          own.queue.splice(own.queue.indexOf(waiter), 1);
          reject(new AppError('QUERY_TIMEOUT', `No query slot of org "${org}" became free within ${this.options.waitMs} ms.`));
        }, this.options.waitMs);
        waiter.timer.unref();
      }
      own.queue.push(waiter);
    });
    return this.releaser(org, own);
  }

  /** Running and queued expensive reads over all orgs. */
  stats(): { running: number; queued: number } {
    let running = 0;
    let queued = 0;
    for (const s of this.orgs.values()) {
      running += s.running;
      queued += s.queue.length;
    }
    return { running, queued };
  }

  private releaser(org: string, slots: OrgSlots): Release {
    let released = false;
    return () => {
      if (released) return;
      released = true;
      const next = slots.queue.shift();
      if (next) {
        // The slot passes straight to the next waiter; `running` stays the same.
        if (next.timer) clearTimeout(next.timer);
        next.grant();
        return;
      }
      slots.running--;
      if (slots.running === 0) this.orgs.delete(org);
    };
  }
}
