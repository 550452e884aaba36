/** NDJSON bodies: one JSON event per line; blank lines are ignored. */
import { AppError } from '../domain/errors.js';

export function parseNdjson(text: string): unknown[] {
  const items: unknown[] = [];
  let start = 0;
  let index = 0;
  while (start <= text.length) {
    let end = text.indexOf('\n', start);
    if (end === -1) end = text.length;
    // JSON.parse skips surrounding whitespace (a CR of CRLF too); only blank lines need a look.
    const first = text.charCodeAt(start);
    const line = text.slice(start, end);
    if (first === 123 /* { */ || line.trim().length > 0) {
      try {
        items.push(JSON.parse(line));
      } catch {
        throw new AppError('INVALID_EVENT', `Line ${index + 1} is not valid JSON; nothing was stored.`, [
          { path: `/${items.length}`, message: `line ${index + 1} is not valid JSON` },
        ]);
      }
    }
    index++;
    start = end + 1;
  }
  return items;
}
