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

export interface AppendResult {
  accepted: number;
  duplicates: number;
  /** The events that were actually written (duplicates removed), for the bus. */
  written: StoredEvent[];
}
