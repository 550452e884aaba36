import type { AppendResult } from '../domain/event.js';
import type { AppendRequest } from './append-request.js';

export type { AppendRequest } from './append-request.js';

/** Runs a critical section after the ones before it (the store's write mutex). */
export type Serialise = <T>(fn: () => Promise<T>) => Promise<T>;
/** Writes a group of requests in one transaction; results in request order. */
export type WriteGroup = (group: readonly AppendRequest[]) => Promise<AppendResult[]>;

interface Waiting extends AppendRequest {
  resolve(result: AppendResult): void;
  reject(err: unknown): void;
}

/** Most events one group transaction takes; the rest wait for the next one. */
export const GROUP_MAX_EVENTS = 50_000;

/**
 * Group commit: the requests that arrive while a write transaction runs are written together in
 * the next one, so a COMMIT (and its fsync) is paid once per group rather than once per request.
 * Nobody waits on a timer: a request that finds the writer idle is written at once.
 *
 * Every request still gets its own answer and keeps its all-or-nothing rule: when a group fails,
 * each of its requests is written again alone, in its own transaction, so one bad request fails
 * only itself. A request is acknowledged only after the transaction holding it committed.
 */
export class GroupCommit {
  private waiting: Waiting[] = [];
  private scheduled = false;

  constructor(
    private readonly serialise: Serialise,
    private readonly writeGroup: WriteGroup,
    private readonly maxEvents = GROUP_MAX_EVENTS,
  ) {}

  submit(request: AppendRequest): Promise<AppendResult> {
    return new Promise<AppendResult>((resolve, reject) => {
      this.waiting.push({ ...request, resolve, reject });
      this.schedule();
    });
  }

  private schedule(): void {
    if (this.scheduled) return;
    this.scheduled = true;
    void this.serialise(() => this.drain());
  }

  /** Takes what is waiting now (up to maxEvents); later arrivals schedule the next group. */
  private async drain(): Promise<void> {
    this.scheduled = false;
    const group = this.take();
    if (this.waiting.length > 0) this.schedule();
    if (group.length > 0) await this.write(group);
  }

  private take(): Waiting[] {
    let events = 0;
    let n = 0;
    while (n < this.waiting.length) {
      const size = (this.waiting[n] as Waiting).events.length;
      if (n > 0 && events + size > this.maxEvents) break;
      events += size;
      n++;
    }
    return this.waiting.splice(0, n);
  }

  /** Never throws: every outcome goes to its request's promise. */
  private async write(group: Waiting[]): Promise<void> {
    try {
      const results = await this.writeGroup(group);
      group.forEach((w, i) => w.resolve(results[i] as AppendResult));
      return;
    } catch (err) {
      if (group.length === 1) {
        (group[0] as Waiting).reject(err);
        return;
      }
    }
    for (const w of group) {
      try {
        w.resolve((await this.writeGroup([w]))[0] as AppendResult);
      } catch (err) {
        w.reject(err);
      }
    }
  }
}
