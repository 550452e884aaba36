/**
 * Ingest: validate → enforce limits → append through the store port (one transaction per
 * request) → tell listeners what was appended. Replies only after the store committed.
 */
import { AppError } from '../domain/errors.js';
import type { StoredEvent } from '../domain/event.js';
import type { Catalog } from '../model/types.js';
import type { Store } from '../store/port.js';
import { validateBatch } from './validate.js';

/** What changed, for cache invalidation and live updates: no payloads beyond the events. */
export interface AppendedNotice {
  org: string;
  events: readonly StoredEvent[];
  eventNames: string[];
  minTime: number;
  maxTime: number;
}

/**
 * A listener may return a promise (cache invalidation): the ingest replies after it settles, so a
 * client's next read after the reply is fresh. A rejected promise does not fail the committed
 * write: async listeners report their own failures.
 */
export type AppendedListener = (notice: AppendedNotice) => void | Promise<void>;

export interface IngestOptions {
  maxBatchEvents: number;
  now?: () => number;
}

export interface IngestReply {
  accepted: number;
  duplicates: number;
}

export class IngestService {
  private readonly listeners = new Set<AppendedListener>();
  private readonly now: () => number;

  constructor(
    private readonly store: Store,
    private readonly catalog: Catalog,
    private readonly options: IngestOptions,
  ) {
    this.now = options.now ?? Date.now;
  }

  onAppended(listener: AppendedListener): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  async ingest(org: string, body: unknown): Promise<IngestReply> {
    const count = Array.isArray(body) ? body.length : 1;
    if (count > this.options.maxBatchEvents) {
      throw new AppError('PAYLOAD_TOO_LARGE', `A request may hold at most ${this.options.maxBatchEvents} events; this one has ${count}.`);
    }
    const events = validateBatch(body, { props: this.catalog.props, now: this.now() });
    const result = await this.store.append(org, events);
    if (result.written.length > 0) await this.notify(org, result.written);
    return { accepted: result.accepted, duplicates: result.duplicates };
  }

  private async notify(org: string, events: readonly StoredEvent[]): Promise<void> {
    if (this.listeners.size === 0) return;
    const names = new Set<string>();
    let minTime = Infinity;
    let maxTime = -Infinity;
    for (const e of events) {
      names.add(e.event);
      if (e.timestamp < minTime) minTime = e.timestamp;
      if (e.timestamp > maxTime) maxTime = e.timestamp;
    }
    const notice: AppendedNotice = { org, events, eventNames: [...names], minTime, maxTime };
    const pending: Promise<void>[] = [];
    for (const listener of this.listeners) {
      const done = listener(notice);
      if (done) pending.push(done);
    }
    if (pending.length) await Promise.allSettled(pending);
  }
}
