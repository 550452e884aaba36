/**
 * Deleting events, for both adapters: erasing an actor (Store.eraseActor) and expiring events past
 * their org's retention (Store.expireEvents). Each deletion takes the events' ids with them, so the
 * ids table never outgrows the events.
 */
import type { ErasedEvents, ExpiredEvents } from '../domain/event.js';

export interface ErasedGroup {
  event: string;
  count: number;
  first: number;
  last: number;
}

export function erasedEvents(groups: readonly ErasedGroup[]): ErasedEvents {
  if (groups.length === 0) return { events: 0, eventNames: [], minTime: null, maxTime: null };
  return {
    events: groups.reduce((n, g) => n + g.count, 0),
    eventNames: groups.map((g) => g.event).sort(),
    minTime: Math.min(...groups.map((g) => g.first)),
    maxTime: Math.max(...groups.map((g) => g.last)),
  };
}

/**
 * The statements of an erasure, for both dialects ($1 = org, $2 = actor): the summary first, then
 * the ids of the actor's events, then the events. The summary's times are epoch milliseconds.
 */
export function erasureStatements(epochMs: (column: string) => string): { summary: string; deletes: string[] } {
  return {
    summary: `SELECT event, count(*) AS n, ${epochMs('min(ts)')} AS first, ${epochMs('max(ts)')} AS last FROM events WHERE org_id = $1 AND actor = $2 GROUP BY event`,
    deletes: [
      'DELETE FROM event_ids WHERE org_id = $1 AND id IN (SELECT id FROM events WHERE org_id = $1 AND actor = $2 AND id IS NOT NULL)',
      'DELETE FROM events WHERE org_id = $1 AND actor = $2',
    ],
  };
}

/**
 * The statements of an expiry, for both dialects (`timeParam` binds epoch ms as the dialect's
 * instant): `candidates` ($1 = the latest cutoff) finds the orgs with anything to delete; then per
 * org ($1 = org, $2 = its cutoff) `count`, and `deletes` in order.
 */
export function expiryStatements(timeParam: (placeholder: string) => string): { candidates: string; count: string; deletes: string[] } {
  return {
    candidates: `SELECT DISTINCT org_id FROM events WHERE ts < ${timeParam('$1')}`,
    count: `SELECT count(*) AS n FROM events WHERE org_id = $1 AND ts < ${timeParam('$2')}`,
    deletes: [
      `DELETE FROM event_ids WHERE org_id = $1 AND id IN (SELECT id FROM events WHERE org_id = $1 AND ts < ${timeParam('$2')} AND id IS NOT NULL)`,
      `DELETE FROM events WHERE org_id = $1 AND ts < ${timeParam('$2')}`,
    ],
  };
}

/** Expires each candidate org that has a cutoff, one at a time; returns the orgs that lost events. */
export async function expirePerOrg(
  orgs: readonly string[],
  beforeFor: (org: string) => number | null,
  expireOrg: (org: string, before: number) => Promise<number>,
): Promise<ExpiredEvents[]> {
  const expired: ExpiredEvents[] = [];
  for (const org of orgs) {
    const before = beforeFor(org);
    if (before === null) continue;
    const events = await expireOrg(org, before);
    if (events > 0) expired.push({ org, before, events });
  }
  return expired;
}
