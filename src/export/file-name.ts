/**
 * Download names that say what is inside: `tally_<org>_<subject>_<from>_<to>.<ext>`, e.g.
 * `tally_acme_events_2026-11-01_2026-11-07.csv` (whole days: the last day is inclusive) or
 * `tally_acme_query-revenue_2026-11-19T1200_2026-11-20T1200.xlsx`. Dates are in the export's
 * zone. Only `A-Z a-z 0-9 . -` survive, so the name is safe in any header and file system.
 */
import { isoFormatter } from './cells.js';
import type { ExportMeta } from './types.js';

const MAX_PART = 60;

function clean(text: string): string {
  const safe = text.replace(/[^A-Za-z0-9.-]+/g, '-').replace(/^[-.]+|[-.]+$/g, '');
  return safe.slice(0, MAX_PART) || 'x';
}

function rangeText(meta: ExportMeta): string {
  const iso = isoFormatter(meta.timezone);
  const from = iso(meta.timeRange.from);
  const to = iso(meta.timeRange.to);
  const midnight = (s: string): boolean => s.slice(11, 23) === '00:00:00.000';
  if (midnight(from) && midnight(to)) {
    const lastDay = iso(meta.timeRange.to - 1).slice(0, 10);
    return `${from.slice(0, 10)}_${lastDay}`;
  }
  const compact = (s: string): string => `${s.slice(0, 10)}T${s.slice(11, 13)}${s.slice(14, 16)}`;
  return `${compact(from)}_${compact(to)}`;
}

export function exportFileName(meta: ExportMeta, extension: string): string {
  return `tally_${clean(meta.org)}_${clean(meta.subject)}_${rangeText(meta)}.${extension}`;
}

/** `attachment; filename="…"`; the name is plain ASCII by construction. */
export function contentDisposition(fileName: string): string {
  return `attachment; filename="${fileName}"`;
}
