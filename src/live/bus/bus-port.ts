/**
 * The bus port: how "events appended" notices and alert firings reach every instance's live
 * module. Implementations: memory-bus.ts (one process) and redis-bus.ts (pub/sub, many
 * instances); both pass test/contract/bus.contract.ts. Call sites never ask which one they have.
 *
 * Every message carries per-org sequence numbers: one per raw event it carries, one per alert.
 * They become the SSE `id`s, so they must be increasing per org and shared by all instances
 * (Redis assigns them atomically with the publish; see redis-bus.ts).
 */
import type { StoredEvent } from '../../domain/event.js';
import type { FiredAlert } from '../alerts/alert-types.js';

/** What one ingest request appended to one org, after commit. */
export interface AppendedInput {
  kind: 'appended';
  org: string;
  /** Distinct event names of the whole request, for deciding which live queries to recompute. */
  eventNames: string[];
  minTime: number;
  maxTime: number;
  /** Events the request wrote (duplicates removed). */
  count: number;
  /** The first events of the request for raw-event subscribers, capped; `count - events.length` were dropped. */
  events: StoredEvent[];
  /** The publishing instance, so that exactly one instance reacts (alert evaluation). */
  origin: string;
}

export interface AlertInput {
  kind: 'alert';
  org: string;
  alert: FiredAlert;
  origin: string;
}

/** An org's alert rules changed: every instance drops its cached copy. */
export interface RulesInput {
  kind: 'rules';
  org: string;
  origin: string;
}

/**
 * An actor's events were erased from an org: every instance recomputes the live queries the
 * events could be in, and drops the actor's events from its SSE replay buffer.
 */
export interface ErasedInput {
  kind: 'erased';
  org: string;
  actor: string;
  eventNames: string[];
  minTime: number;
  maxTime: number;
  origin: string;
}

/**
 * The retention sweep deleted an org's events before `before`: every instance recomputes the live
 * queries that read that span, and drops those events from its SSE replay buffer.
 */
export interface ExpiredInput {
  kind: 'expired';
  org: string;
  before: number;
  origin: string;
}

export type BusInput = AppendedInput | AlertInput | RulesInput | ErasedInput | ExpiredInput;

/** A delivered message: entry i (event i, or the alert) has SSE id `firstSeq + i`. */
export type BusMessage = BusInput & { firstSeq: number };

export type BusHandler = (message: BusMessage) => void;

export interface LiveBus {
  readonly kind: 'memory' | 'redis';
  /**
   * Stamps the message with the org's next sequence numbers and delivers it to every subscriber
   * on every instance, this one included, in sequence order per org.
   */
  publish(message: BusInput): Promise<void>;
  subscribe(handler: BusHandler): () => void;
  /**
   * True for exactly one caller per key across instances until `ttlMs` passes: used so that one
   * alert firing or timer tick is acted on once, however many instances saw it.
   */
  claim(key: string, ttlMs: number): Promise<boolean>;
  close(): Promise<void>;
}

/** How many sequence numbers a message takes. */
export function entryCount(message: BusInput): number {
  if (message.kind === 'appended') return message.events.length;
  return message.kind === 'alert' ? 1 : 0;
}
