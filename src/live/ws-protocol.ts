/**
 * Client → server WebSocket messages (API.md "Live"), checked here so a bad message becomes an
 * `error` frame naming the problem instead of a closed socket. The query of a subscription is
 * checked against the same schema as POST /query, then by the query parser.
 */
import { Compile } from 'typebox/compile';
import { AppError } from '../domain/errors.js';
import type { FieldError } from '../domain/errors.js';
import type { QuerySpec } from '../domain/query.js';
import { QuerySchema } from '../http/schemas/common.js';

export const DEFAULT_INTERVAL_S = 1;
export const MIN_INTERVAL_S = 0.1;
export const MAX_INTERVAL_S = 3600;
const MAX_ID_LENGTH = 128;

export type ClientMessage =
  | { type: 'subscribe'; id: string; query: QuerySpec; intervalMs: number }
  | { type: 'unsubscribe'; id: string }
  | { type: 'events'; id: string; patterns: unknown[] | undefined }
  | { type: 'ping' };

/** A message that could not be accepted; `id` when the message named one. */
export class ProtocolError extends Error {
  constructor(
    readonly error: AppError,
    readonly id: string | undefined,
  ) {
    super(error.message);
    this.name = 'ProtocolError';
  }
}

const checkQuery = Compile(QuerySchema);

function invalid(id: string | undefined, errors: FieldError[]): ProtocolError {
  return new ProtocolError(new AppError('VALIDATION', errors.map((e) => `${e.path} ${e.message}`).join('; '), errors), id);
}

function subscriptionId(raw: Record<string, unknown>): string {
  const id = raw['id'];
  if (typeof id !== 'string' || id.length === 0 || id.length > MAX_ID_LENGTH) {
    throw invalid(undefined, [{ path: '/id', message: `must be a string of 1–${MAX_ID_LENGTH} characters` }]);
  }
  return id;
}

function interval(id: string, raw: unknown): number {
  if (raw === undefined) return DEFAULT_INTERVAL_S * 1000;
  if (typeof raw !== 'number' || !Number.isFinite(raw) || raw < MIN_INTERVAL_S || raw > MAX_INTERVAL_S) {
    throw invalid(id, [{ path: '/interval', message: `must be a number of seconds from ${MIN_INTERVAL_S} to ${MAX_INTERVAL_S}` }]);
  }
  return Math.round(raw * 1000);
}

function query(id: string, raw: unknown): QuerySpec {
  if (checkQuery.Check(raw)) return raw as QuerySpec;
  const errors = [...checkQuery.Errors(raw)]
    // The schema reports a failed union branch by branch; the innermost messages say the most.
    .filter((e) => e.keyword !== 'anyOf' && e.keyword !== 'boolean')
    .slice(0, 20)
    .map((e) => ({ path: `/query${e.instancePath}`, message: e.message }));
  throw invalid(id, errors.length > 0 ? errors : [{ path: '/query', message: 'is not a valid query' }]);
}

export function parseClientMessage(text: string): ClientMessage {
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch {
    throw invalid(undefined, [{ path: '/', message: 'is not valid JSON' }]);
  }
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) throw invalid(undefined, [{ path: '/', message: 'must be a JSON object' }]);
  const msg = raw as Record<string, unknown>;
  switch (msg['type']) {
    case 'ping':
      return { type: 'ping' };
    case 'unsubscribe':
      return { type: 'unsubscribe', id: subscriptionId(msg) };
    case 'subscribe': {
      const id = subscriptionId(msg);
      return { type: 'subscribe', id, query: query(id, msg['query']), intervalMs: interval(id, msg['interval']) };
    }
    case 'events': {
      const id = subscriptionId(msg);
      const filter = msg['filter'];
      if (filter !== undefined && (typeof filter !== 'object' || filter === null || Array.isArray(filter))) {
        throw invalid(id, [{ path: '/filter', message: 'must be an object like {"events": ["payment.*"]}' }]);
      }
      const events = (filter as Record<string, unknown> | undefined)?.['events'];
      if (events !== undefined && !Array.isArray(events)) throw invalid(id, [{ path: '/filter/events', message: 'must be an array of event names or patterns' }]);
      return { type: 'events', id, patterns: events };
    }
    default: {
      const id = typeof msg['id'] === 'string' ? msg['id'] : undefined;
      throw invalid(id, [{ path: '/type', message: 'must be subscribe, unsubscribe, events or ping' }]);
    }
  }
}
