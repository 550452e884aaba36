/**
 * Event validation (API.md "Events"). Hand-written rather than schema-driven because it is the
 * ingest hot path and must name every bad field with a JSON pointer (`/3/props/amount`).
 */
import type { FieldError } from '../domain/errors.js';
import { AppError } from '../domain/errors.js';
import type { PropValue, StoredEvent } from '../domain/event.js';
import type { OldestAllowed } from '../domain/retention.js';
import { hasNul, NUL_MESSAGE } from '../domain/text.js';
import type { PropDef } from '../model/types.js';

const EVENT_NAME = /^[A-Za-z0-9_.:/-]{1,200}$/;
/** Undeclared props are queried as `props.<name>`, so names must be usable there. */
const PROP_NAME = /^[A-Za-z_][A-Za-z0-9_]{0,63}$/;
const MAX_PROPS = 100;
const MAX_STRING = 1000;
const MAX_ACTOR = 200;
const MAX_ID = 128;
/** Events older than this or more than a day ahead are almost always clock or unit bugs. */
const MIN_TIME = Date.UTC(2000, 0, 1);
const MAX_FUTURE_MS = 24 * 3600 * 1000;
const ISO_DATE = /^\d{4}-\d{2}-\d{2}(?:[T ]\d{2}:\d{2}(?::\d{2}(?:\.\d{1,9})?)?(?:Z|[+-]\d{2}:?\d{2})?)?$/;

export interface ValidationContext {
  props: ReadonlyMap<string, PropDef>;
  now: number;
  /** The org's retention (domain/retention.ts): older events are refused. */
  oldest?: OldestAllowed | null;
}

function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** Parses an ISO 8601 string or epoch milliseconds into epoch ms, or null when invalid. */
export function parseTime(value: unknown): number | null {
  if (typeof value === 'number') return Number.isFinite(value) ? Math.trunc(value) : null;
  if (typeof value !== 'string' || !ISO_DATE.test(value)) return null;
  const ms = Date.parse(value);
  return Number.isNaN(ms) ? null : ms;
}

function checkTimestamp(raw: unknown, at: string, ctx: ValidationContext, errors: FieldError[]): number {
  if (raw === undefined || raw === null) return ctx.now;
  const ms = parseTime(raw);
  if (ms === null) {
    errors.push({ path: `${at}/timestamp`, message: 'must be an ISO 8601 date-time or epoch milliseconds' });
    return 0;
  }
  if (ms < MIN_TIME || ms > ctx.now + MAX_FUTURE_MS) {
    errors.push({ path: `${at}/timestamp`, message: 'must be after 2000-01-01 and at most one day in the future' });
  } else if (ctx.oldest && ms < ctx.oldest.time) {
    errors.push({ path: `${at}/timestamp`, message: `is older than this org keeps events (${ctx.oldest.days} days, TALLY_RETENTION_DAYS)` });
  }
  return ms;
}

function checkOptionalString(raw: unknown, path: string, max: number, errors: FieldError[]): string | null {
  if (raw === undefined || raw === null) return null;
  if (typeof raw !== 'string' || raw.length === 0 || raw.length > max) {
    errors.push({ path, message: `must be a non-empty string of at most ${max} characters` });
    return null;
  }
  if (hasNul(raw)) {
    errors.push({ path, message: NUL_MESSAGE });
    return null;
  }
  return raw;
}

/** The JSON pointer of a prop; built only for a problem (validation runs for every prop of every event). */
function propPath(at: string, key: string): string {
  return `${at}/props/${key.replace(/~/g, '~0').replace(/\//g, '~1')}`;
}

function checkDeclared(value: PropValue, def: PropDef, at: string, key: string, errors: FieldError[]): PropValue {
  if (value === null) return null;
  switch (def.type) {
    case 'number':
      if (typeof value === 'number') return value;
      break;
    case 'boolean':
      if (typeof value === 'boolean') return value;
      break;
    case 'string':
      if (typeof value === 'string') return value;
      break;
    case 'time': {
      const ms = parseTime(value);
      if (ms !== null) return ms;
      errors.push({ path: propPath(at, key), message: 'must be an ISO 8601 date-time or epoch milliseconds' });
      return null;
    }
  }
  errors.push({ path: propPath(at, key), message: `must be a ${def.type} (declared in the model)` });
  return null;
}

/** Prop names repeat across events: remember the good ones (bounded, so junk names cannot grow it). */
const KNOWN_NAMES_MAX = 10_000;
const knownNames = new Set<string>();

function validPropName(key: string): boolean {
  if (knownNames.has(key)) return true;
  if (!PROP_NAME.test(key)) return false;
  if (knownNames.size < KNOWN_NAMES_MAX) knownNames.add(key);
  return true;
}

function checkProps(raw: unknown, at: string, ctx: ValidationContext, errors: FieldError[]): Record<string, PropValue> {
  if (raw === undefined || raw === null) return {};
  if (!isPlainObject(raw)) {
    errors.push({ path: `${at}/props`, message: 'must be a flat object' });
    return {};
  }
  const keys = Object.keys(raw);
  if (keys.length > MAX_PROPS) {
    errors.push({ path: `${at}/props`, message: `must have at most ${MAX_PROPS} keys` });
    return {};
  }
  // The parsed object is ours (JSON.parse made it): checked in place, with declared time props
  // rewritten to epoch ms, rather than copied — this runs for every event of every request.
  const props = raw as Record<string, PropValue>;
  for (const key of keys) {
    if (!validPropName(key)) {
      errors.push({ path: propPath(at, key), message: 'prop names must start with a letter or _ and use only letters, digits and _ (≤ 64)' });
      continue;
    }
    const value = raw[key];
    if (typeof value === 'string') {
      if (value.length > MAX_STRING) {
        errors.push({ path: propPath(at, key), message: `strings must be at most ${MAX_STRING} characters` });
        continue;
      }
      if (hasNul(value)) {
        errors.push({ path: propPath(at, key), message: NUL_MESSAGE });
        continue;
      }
    } else if (typeof value === 'number') {
      if (!Number.isFinite(value)) {
        errors.push({ path: propPath(at, key), message: 'must be a finite number' });
        continue;
      }
    } else if (value !== null && typeof value !== 'boolean') {
      errors.push({ path: propPath(at, key), message: 'must be a string, number, boolean or null (props are flat)' });
      continue;
    }
    const def = ctx.props.get(key);
    if (def !== undefined) props[key] = checkDeclared(value as PropValue, def, at, key, errors);
  }
  return props;
}

/** Validates one raw event; problems are pushed to `errors` with paths under `at`. */
export function validateEvent(raw: unknown, at: string, ctx: ValidationContext, errors: FieldError[]): StoredEvent | null {
  if (!isPlainObject(raw)) {
    errors.push({ path: at === '' ? '/' : at, message: 'must be an event object' });
    return null;
  }
  const before = errors.length;
  const name = raw['event'];
  if (typeof name !== 'string' || !EVENT_NAME.test(name)) {
    errors.push({ path: `${at}/event`, message: 'is required: 1–200 characters of A-Z a-z 0-9 _ . : / -' });
  }
  const event: StoredEvent = {
    event: name as string,
    timestamp: checkTimestamp(raw['timestamp'], at, ctx, errors),
    actor: checkOptionalString(raw['actor'], `${at}/actor`, MAX_ACTOR, errors),
    id: checkOptionalString(raw['id'], `${at}/id`, MAX_ID, errors),
    props: checkProps(raw['props'], at, ctx, errors),
  };
  return errors.length === before ? event : null;
}

/** Errors listed in one reply; beyond this the client has a systematic problem anyway. */
const MAX_REPORTED_ERRORS = 100;

/**
 * Validates a whole request body (one event or an array). All-or-nothing: any invalid event
 * rejects the request with every problem listed (up to a cap).
 */
export function validateBatch(body: unknown, ctx: ValidationContext): StoredEvent[] {
  const errors: FieldError[] = [];
  const events: StoredEvent[] = [];
  if (Array.isArray(body)) {
    for (let i = 0; i < body.length && errors.length < MAX_REPORTED_ERRORS; i++) {
      const event = validateEvent(body[i], `/${i}`, ctx, errors);
      if (event !== null) events.push(event);
    }
  } else {
    const event = validateEvent(body, '', ctx, errors);
    if (event !== null) events.push(event);
  }
  if (errors.length > 0) {
    const first = errors[0];
    const summary = first === undefined ? '' : ` First: ${first.path} ${first.message}.`;
    throw new AppError('INVALID_EVENT', `${errors.length} problem(s) in the request; nothing was stored.${summary}`, errors.slice(0, MAX_REPORTED_ERRORS));
  }
  if (events.length === 0) {
    throw new AppError('INVALID_EVENT', 'The request holds no events.', [{ path: '/', message: 'must contain at least one event' }]);
  }
  return events;
}
