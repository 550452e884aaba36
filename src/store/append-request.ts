/** One request's events for one org, as the store's group commit takes them (group-commit.ts). */
import type { StoredEvent } from '../domain/event.js';

export interface AppendRequest {
  org: string;
  events: readonly StoredEvent[];
}

/** First occurrence wins, as the API promises for a repeated id. */
function dropRepeatedIds(events: readonly StoredEvent[]): StoredEvent[] {
  const seen = new Set<string>();
  const kept: StoredEvent[] = [];
  for (const e of events) {
    if (e.id !== null) {
      if (seen.has(e.id)) continue;
      seen.add(e.id);
    }
    kept.push(e);
  }
  return kept;
}

/** A request after dropping ids repeated inside it: `unique` are the candidates, `ids` their ids to claim. */
export interface PreparedAppend {
  org: string;
  /** Events the request sent, repeats included (for the duplicates count). */
  received: number;
  unique: StoredEvent[];
  ids: string[];
}

export function prepareAppend(request: AppendRequest): PreparedAppend {
  const unique = dropRepeatedIds(request.events);
  const ids = unique.flatMap((e) => (e.id === null ? [] : [e.id]));
  return { org: request.org, received: request.events.length, unique, ids };
}
