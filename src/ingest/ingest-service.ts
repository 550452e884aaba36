/**
 * Ingest: validate → enforce limits → append through the store port (one transaction per
 * request) → tell listeners what was appended. Replies only after the store committed.
 * Erasing an actor (DELETE /actors/{actor}) goes the same way back: the store deletes, then
 * listeners hear what changed, so caches and live queries stop showing the actor's data; so does
 * the retention sweep (expireEvents).
 */
import { AppError } from '../domain/errors.js';
import type { ErasedEvents, ExpiredEvents, StoredEvent } from '../domain/event.js';
import type { RetentionPolicy } from '../domain/retention.js';
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

/** An actor's events were erased from an org (ErasedEvents with at least one event). */
export interface ErasedNotice {
  org: string;
  actor: string;
  eventNames: string[];
  minTime: number;
  maxTime: number;
}

export type ErasedListener = (notice: ErasedNotice) => void | Promise<void>;

/** The retention sweep deleted an org's events before `before` (ExpiredEvents with at least one event). */
export type ExpiredListener = (notice: ExpiredEvents) => void | Promise<void>;

/** Listeners of one kind of notice; a rejected promise of one never stops the others. */
class Listeners<N> {
  private readonly set = new Set<(notice: N) => void | Promise<void>>();

  add(listener: (notice: N) => void | Promise<void>): () => void {
    this.set.add(listener);
    return () => this.set.delete(listener);
  }

  get size(): number {
    return this.set.size;
  }

  async emit(notice: N): Promise<void> {
    const pending: Promise<void>[] = [];
    for (const listener of this.set) {
      const done = listener(notice);
      if (done) pending.push(done);
    }
    if (pending.length) await Promise.allSettled(pending);
  }
}

export interface IngestOptions {
  maxBatchEvents: number;
  /** Events older than their org keeps are refused (400 naming the timestamp). */
  retention?: RetentionPolicy;
  now?: () => number;
}

export interface IngestReply {
  accepted: number;
  duplicates: number;
}

export class IngestService {
  private readonly appended = new Listeners<AppendedNotice>();
  private readonly erased = new Listeners<ErasedNotice>();
  private readonly expired = new Listeners<ExpiredEvents>();
  private readonly now: () => number;

  constructor(
    private readonly store: Store,
    private readonly catalog: Catalog,
    private readonly options: IngestOptions,
  ) {
    this.now = options.now ?? Date.now;
  }

  onAppended(listener: AppendedListener): () => void {
    return this.appended.add(listener);
  }

  onErased(listener: ErasedListener): () => void {
    return this.erased.add(listener);
  }

  onExpired(listener: ExpiredListener): () => void {
    return this.expired.add(listener);
  }

  async ingest(org: string, body: unknown): Promise<IngestReply> {
    const count = Array.isArray(body) ? body.length : 1;
    if (count > this.options.maxBatchEvents) {
      throw new AppError('PAYLOAD_TOO_LARGE', `A request may hold at most ${this.options.maxBatchEvents} events; this one has ${count}.`);
    }
    const now = this.now();
    const events = validateBatch(body, { props: this.catalog.props, now, oldest: this.options.retention?.oldestAllowed(org, now) ?? null });
    const result = await this.store.append(org, events);
    if (result.written.length > 0) await this.notify(org, result.written);
    return { accepted: result.accepted, duplicates: result.duplicates };
  }

  /** Deletes everything of `actor` in `org`; resolves after the caches were told (like ingest). */
  async eraseActor(org: string, actor: string): Promise<ErasedEvents> {
    const result = await this.store.eraseActor(org, actor);
    if (result.events > 0 && result.minTime !== null && result.maxTime !== null) {
      await this.erased.emit({ org, actor, eventNames: result.eventNames, minTime: result.minTime, maxTime: result.maxTime });
    }
    return result;
  }

  /**
   * The retention sweep (Store.expireEvents): deletes, then tells the listeners of every org that
   * lost events before it resolves.
   */
  async expireEvents(latest: number, beforeFor: (org: string) => number | null): Promise<ExpiredEvents[]> {
    const expired = await this.store.expireEvents(latest, beforeFor);
    for (const e of expired) await this.expired.emit(e);
    return expired;
  }

  private async notify(org: string, events: readonly StoredEvent[]): Promise<void> {
    if (this.appended.size === 0) return;
    const names = new Set<string>();
    let minTime = Infinity;
    let maxTime = -Infinity;
    for (const e of events) {
      names.add(e.event);
      if (e.timestamp < minTime) minTime = e.timestamp;
      if (e.timestamp > maxTime) maxTime = e.timestamp;
    }
    await this.appended.emit({ org, events, eventNames: [...names], minTime, maxTime });
  }
}
