/** An ISO 8601 instant sent as a request value (UTC unless it carries an offset), or a 400 naming it. */
import { fieldError } from '../domain/errors.js';
import { parseInstant } from '../query/time.js';

export function instantParam(value: string, path: string): number {
  const ms = parseInstant(value, 'UTC');
  if (ms === null) throw fieldError('VALIDATION', path, 'expected an ISO 8601 time');
  return ms;
}
