/**
 * Opaque activity cursors: `{ts, skip}` (see src/query/views/activity.ts) as base64url JSON.
 * Clients must not build them; a malformed one is a 400 naming `before`.
 */
import { fieldError } from '../../domain/errors.js';
import type { ActivityCursor } from '../../query/index.js';

export function encodeCursor(c: ActivityCursor): string {
  return Buffer.from(JSON.stringify({ t: c.ts, k: c.skip })).toString('base64url');
}

export function decodeCursor(text: string, path = '/before'): ActivityCursor {
  let value: unknown;
  try {
    value = JSON.parse(Buffer.from(text, 'base64url').toString('utf8'));
  } catch {
    value = null;
  }
  const { t, k } = (typeof value === 'object' && value !== null ? value : {}) as { t?: unknown; k?: unknown };
  if (typeof t !== 'number' || !Number.isSafeInteger(t) || typeof k !== 'number' || !Number.isSafeInteger(k) || k < 0) {
    throw fieldError('VALIDATION', path, 'not a cursor from a previous page');
  }
  return { ts: t, skip: k };
}

/**
 * The cursor after a page: the last event's time, and how many events at that time have now been
 * served (on this page, plus earlier pages when the previous cursor had the same time).
 */
export function nextCursor(times: readonly number[], before: ActivityCursor | null): ActivityCursor | null {
  const last = times[times.length - 1];
  if (last === undefined) return null;
  let skip = 0;
  for (let i = times.length - 1; i >= 0 && times[i] === last; i--) skip++;
  if (before && before.ts === last) skip += before.skip;
  return { ts: last, skip };
}
