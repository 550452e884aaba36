/**
 * The NUL character (U+0000) means nothing in analytics text, and PostgreSQL can neither store it
 * nor compare with it: ingest, the query language and every request value refuse it alike.
 */
export const NUL_MESSAGE = 'must not contain the NUL character (U+0000)';

export function hasNul(text: string): boolean {
  return text.includes('\u0000');
}
