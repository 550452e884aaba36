/** Resolves a field name from a request or a model to a FieldRef, the compiler's whitelist. */
import type { Catalog } from '../model/types.js';
import type { FieldRef } from './parsed.js';

/** Undeclared prop names: bounded and identifier-like, so a key can never smuggle JSON-path syntax. */
export const EXTRA_PROP_NAME = /^[A-Za-z_][A-Za-z0-9_]{0,63}$/;

const EXTRA_PREFIX = 'props.';

/** `event`, `actor`, a declared prop, or `props.<name>`; null when none of those. */
export function resolveField(name: string, catalog: Catalog): FieldRef | null {
  if (name === 'event' || name === 'actor') return { kind: 'column', name, type: 'string' };
  const bare = name.startsWith(EXTRA_PREFIX) ? name.slice(EXTRA_PREFIX.length) : name;
  const prop = catalog.props.get(bare);
  if (prop) return { kind: 'prop', name: prop.name, column: prop.column, type: prop.type };
  if (bare !== name && EXTRA_PROP_NAME.test(bare)) return { kind: 'extra', name: bare, type: 'json' };
  return null;
}

/** Declared number props and undeclared props (cast with TRY_CAST semantics) can be summed. */
export function isNumericField(field: FieldRef): boolean {
  return field.type === 'number' || field.type === 'json';
}
