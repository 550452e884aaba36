/**
 * Cell-level rules shared by the writers: ISO 8601 times in the export's zone, spreadsheet
 * formula neutralisation (OWASP "CSV injection"), and text that an XLSX part can hold.
 */
import { offsetAt } from '../query/index.js';

/**
 * Text a spreadsheet would evaluate when the cell is opened or edited: it starts with `=`, `+`,
 * `-`, `@`, a tab or a carriage return (OWASP's list; `-` and `+` matter because `-2+3` runs).
 */
export function looksLikeFormula(text: string): boolean {
  // Called for every text cell of a spreadsheet: a char code switch instead of a regex.
  switch (text.charCodeAt(0)) {
    case 0x3d: // =
    case 0x2b: // +
    case 0x2d: // -
    case 0x40: // @
    case 0x09: // tab
    case 0x0d: // CR
      return true;
    default:
      return false;
  }
}

/**
 * A CSV text cell per the OWASP recipe: a leading `'` on formula-like text, every `"` doubled, and
 * the cell wrapped in quotes. Quoting every text cell (numbers never) also keeps a cell whole in
 * spreadsheets whose locale splits on `;` or tabs, where an unquoted separator would start a new
 * cell that itself begins with `=`.
 */
export function csvText(text: string): string {
  const safe = looksLikeFormula(text) ? `'${text}` : text;
  return safe.includes('"') ? `"${safe.replaceAll('"', '""')}"` : `"${safe}"`;
}

const MINUTES_15 = 15 * 60_000;
const OFFSET_CACHE_LIMIT = 50_000;

function offsetText(offsetMs: number): string {
  const sign = offsetMs < 0 ? '-' : '+';
  const minutes = Math.abs(offsetMs) / 60_000;
  const hh = String(Math.floor(minutes / 60)).padStart(2, '0');
  const mm = String(Math.floor(minutes % 60)).padStart(2, '0');
  return `${sign}${hh}:${mm}`;
}

/**
 * The zone's UTC offset at an instant, memoised per quarter hour: since 1972 every zone's offset
 * is a whole number of quarter hours, so its changes fall on quarter hours of UTC too; a lookup
 * through Intl costs microseconds, too much per value of a million-row export.
 */
export function offsetLookup(zone: string): (ms: number) => number {
  if (zone === 'UTC') return () => 0;
  const cache = new Map<number, number>();
  return (ms) => {
    const slot = Math.floor(ms / MINUTES_15);
    let offset = cache.get(slot);
    if (offset === undefined) {
      if (cache.size >= OFFSET_CACHE_LIMIT) cache.clear();
      offset = offsetAt(zone, slot * MINUTES_15);
      cache.set(slot, offset);
    }
    return offset;
  };
}

/** `2026-11-20T10:00:00.000Z` in UTC, `2026-11-20T11:00:00.000+01:00` elsewhere: the same instant either way. */
export function isoFormatter(zone: string): (ms: number) => string {
  if (zone === 'UTC') return (ms) => new Date(ms).toISOString();
  const offset = offsetLookup(zone);
  return (ms) => {
    const o = offset(ms);
    return new Date(ms + o).toISOString().slice(0, -1) + offsetText(o);
  };
}

/** Characters XML 1.0 cannot carry (controls other than tab, LF, CR; lone surrogates; U+FFFE/F). */
const XML_INVALID_SOURCE = '[\\u0000-\\u0008\\u000B\\u000C\\u000E-\\u001F\\uFFFE\\uFFFF]|[\\uD800-\\uDBFF](?![\\uDC00-\\uDFFF])|(?<![\\uD800-\\uDBFF])[\\uDC00-\\uDFFF]';
const XML_INVALID_ALL = new RegExp(XML_INVALID_SOURCE, 'g');
/** A cheap first look (one character class): control characters, CR, surrogates, U+FFFE/F. */
// eslint-disable-next-line no-control-regex
const SUSPECT = /[\u0000-\u001f\ud800-\udfff\ufffe\uffff]/;
/** Excel's hard limit of characters in one cell. */
export const XLSX_MAX_CELL_CHARS = 32_767;

/**
 * Text an XLSX cell can hold: invalid XML characters become U+FFFD, overlong text is cut at
 * Excel's limit, and CR / CRLF become LF — XML parsers turn a raw CR into LF anyway, and LF is
 * how Excel itself stores a line break in a cell.
 */
export function xlsxText(text: string): string {
  let clean = text;
  if (SUSPECT.test(text)) {
    clean = text.replace(XML_INVALID_ALL, '\uFFFD');
    if (clean.includes('\r')) clean = clean.replace(/\r\n?/g, '\n');
  }
  return clean.length > XLSX_MAX_CELL_CHARS ? clean.slice(0, XLSX_MAX_CELL_CHARS) : clean;
}
