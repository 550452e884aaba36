/** Events as they travel from ingest to the store. */

export type PropValue = string | number | boolean | null;

/** A validated event, ready to append. Times are epoch milliseconds (UTC). */
export interface StoredEvent {
  event: string;
  timestamp: number;
  actor: string | null;
  /** Idempotency key; a repeated (org, id) is stored once. */
  id: string | null;
  props: Record<string, PropValue>;
}

/** What erasing one actor removed from an org (Store.eraseActor). */
export interface ErasedEvents {
  /** Events deleted (0 when the org holds nothing of the actor). */
  events: number;
  /** Their distinct names, and the span of their timestamps (epoch ms; null without events). */
  eventNames: string[];
  minTime: number | null;
  maxTime: number | null;
}

/** What expiring one org's events past its retention removed (Store.expireEvents). */
export interface ExpiredEvents {
  org: string;
  /** Events before this instant (epoch ms) were deleted. */
  before: number;
  events: number;
}

export interface AppendResult {
  accepted: number;
  duplicates: number;
  /** The events that were actually written (duplicates removed), for the bus. */
  written: StoredEvent[];
}
