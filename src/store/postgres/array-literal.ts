/**
 * PostgreSQL array literals for the insert's bound arrays. node-postgres can render JS arrays
 * itself, but it runs two regular-expression replaces on every element; events are mostly plain
 * text, so this checks once per string and escapes only what needs it.
 */
export type ArrayElement = string | number | boolean | null;

const NEEDS_ESCAPE = /["\\]/;
const ESCAPED = /["\\]/g;

/** `{"a","b\"c",NULL,1.5,t}`: strings quoted (so `NULL` and `{` stay text), numbers and booleans bare. */
export function arrayLiteral(values: readonly ArrayElement[]): string {
  let out = '{';
  for (let i = 0; i < values.length; i++) {
    if (i > 0) out += ',';
    const v = values[i] ?? null;
    if (v === null) out += 'NULL';
    else if (typeof v === 'number') out += String(v);
    else if (typeof v === 'boolean') out += v ? 't' : 'f';
    else out += `"${NEEDS_ESCAPE.test(v) ? v.replace(ESCAPED, '\\$&') : v}"`;
  }
  return `${out}}`;
}
