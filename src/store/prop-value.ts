/** Declared props: the one check of a value against its prop's type, shared by every store adapter. */
import type { PropValue, StoredEvent } from '../domain/event.js';
import type { PropDef } from '../model/types.js';

/** A declared prop's value as its typed column takes it; times become epoch milliseconds. */
export type TypedPropValue = string | number | boolean | null;

function describe(value: unknown): string {
  return value === null ? 'null' : typeof value;
}

function typeError(prop: PropDef, value: unknown, e: StoredEvent): TypeError {
  const where = e.id === null ? `event "${e.event}"` : `event "${e.event}" (id ${e.id})`;
  return new TypeError(`prop "${prop.name}" of ${where} must be a ${prop.type}, got ${describe(value)}`);
}

/** Throws a TypeError naming the prop and the event when `value` does not fit the prop's type. */
export function typedValue(prop: PropDef, value: PropValue | undefined, e: StoredEvent): TypedPropValue {
  if (value === null || value === undefined) return null;
  switch (prop.type) {
    case 'number':
      if (typeof value === 'number') return value;
      break;
    case 'string':
      if (typeof value === 'string') return value;
      break;
    case 'boolean':
      if (typeof value === 'boolean') return value;
      break;
    case 'time': {
      // Ingest may hand over epoch milliseconds or an ISO 8601 string; both mean an instant.
      const ms = typeof value === 'number' ? value : typeof value === 'string' ? Date.parse(value) : NaN;
      if (Number.isFinite(ms)) return ms;
      break;
    }
  }
  throw typeError(prop, value, e);
}
