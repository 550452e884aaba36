/**
 * Validates the `raw` part of an export against the catalog. Time range, time zone and filters
 * are checked by the query parser itself (with a stand-in metric), so raw exports accept exactly
 * what POST /query accepts and report problems the same way, under `/raw/…` paths.
 */
import { AppError, isAppError } from '../domain/errors.js';
import type { FieldError } from '../domain/errors.js';
import type { Catalog } from '../model/types.js';
import { EVENT_NAME_RE } from '../model/names.js';
import { parseQuery } from '../query/index.js';
import type { ParsedFilter, ParsedRange } from '../query/index.js';
import type { RawColumn } from './raw-columns.js';
import { resolveRawColumns } from './raw-columns.js';
import type { RawExportSpec, RawOrder } from './types.js';

export interface ParsedRaw {
  range: ParsedRange;
  timezone: string;
  filters: ParsedFilter[];
  events: string[];
  columns: RawColumn[];
  order: RawOrder;
}

export const MAX_RAW_EVENTS = 100;

/** The parser's problems with their paths moved under `prefix` (`/raw`, `/query`): paths point into the export body. */
export function underPath(prefix: string, err: unknown): unknown {
  if (!isAppError(err) || !err.errors) return err;
  const errors: FieldError[] = err.errors.map((e) => ({ path: `${prefix}${e.path === '/' ? '' : e.path}`, message: e.message }));
  return new AppError(err.code, errors.map((e) => `${e.path}: ${e.message}`).join('; '), errors, { cause: err });
}

function parseEvents(events: readonly unknown[] | undefined): string[] {
  if (events === undefined) return [];
  const errors: FieldError[] = [];
  if (events.length > MAX_RAW_EVENTS) errors.push({ path: '/raw/events', message: `at most ${MAX_RAW_EVENTS} event names` });
  events.forEach((e, i) => {
    if (typeof e !== 'string' || !EVENT_NAME_RE.test(e)) errors.push({ path: `/raw/events/${i}`, message: 'expected an event name (1–200 of A-Z a-z 0-9 _ . : / -)' });
  });
  if (errors.length > 0) throw new AppError('VALIDATION', errors.map((e) => `${e.path}: ${e.message}`).join('; '), errors);
  return [...new Set(events as string[])];
}

export function parseRawSpec(raw: RawExportSpec, catalog: Catalog): ParsedRaw {
  let parsed;
  try {
    parsed = parseQuery({ metrics: ['count'], timeRange: raw.timeRange, timezone: raw.timezone, filters: raw.filters }, catalog);
  } catch (err) {
    throw underPath('/raw', err);
  }
  return {
    range: parsed.timeRange,
    timezone: parsed.timezone,
    filters: parsed.filters,
    events: parseEvents(raw.events),
    columns: resolveRawColumns(catalog, raw.columns, '/raw/columns'),
    order: raw.order ?? 'time',
  };
}
