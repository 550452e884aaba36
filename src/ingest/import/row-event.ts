/**
 * Rows of an import file → events in the POST /events shape, so that the ingest validation
 * decides what is acceptable exactly as it does for HTTP.
 *
 * A row is an event (`event`, `timestamp`, `actor`, `id`, `props`) or a flat record such as a
 * raw export writes: `time` (or a CSV header `time (<zone>)`) for the timestamp, declared props
 * as columns of their own, `props.<name>` for one undeclared prop, and `props` holding the
 * undeclared rest (an object, or its JSON text in a CSV cell). Every other key is a prop.
 */
import type { FieldError } from '../../domain/errors.js';
import type { PropDef } from '../../model/types.js';

export type ImportRow = Record<string, unknown>;

/** The event a row stands for, still unvalidated: validateEvent checks it like an HTTP one. */
export interface RawEvent {
  event: unknown;
  timestamp: unknown;
  actor: unknown;
  id: unknown;
  props: Record<string, unknown>;
}

const TIME_COLUMN = /^time \([^)]*\)$/;
const LIFTED_PROP = 'props.';

function isTimeKey(key: string): boolean {
  return key === 'timestamp' || key === 'time' || TIME_COLUMN.test(key);
}

function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** `props` as a row holds it: an object, JSON text of one (CSV), or nothing. */
function nestedProps(value: unknown, errors: FieldError[]): Record<string, unknown> {
  if (value === undefined || value === null || value === '') return {};
  if (isPlainObject(value)) return { ...value };
  if (typeof value === 'string') {
    try {
      const parsed: unknown = JSON.parse(value);
      if (isPlainObject(parsed)) return parsed;
    } catch {
      // Reported below, as for any other non-object.
    }
  }
  errors.push({ path: '/props', message: 'must be an object (in CSV: the JSON text of one)' });
  return {};
}

/** Maps one row; problems of the row's layout (not of its values) go to `errors`. */
export function rowToEvent(row: ImportRow, errors: FieldError[]): RawEvent {
  const props = nestedProps(row['props'], errors);
  const event: RawEvent = { event: row['event'], timestamp: undefined, actor: row['actor'], id: row['id'], props };
  let timeKey: string | null = null;
  for (const key of Object.keys(row)) {
    if (key === 'event' || key === 'actor' || key === 'id' || key === 'props') continue;
    const value = row[key];
    if (isTimeKey(key)) {
      if (timeKey !== null) errors.push({ path: `/${key}`, message: `the time is given twice (also as ${timeKey})` });
      timeKey = key;
      event.timestamp = value;
      continue;
    }
    const name = key.startsWith(LIFTED_PROP) ? key.slice(LIFTED_PROP.length) : key;
    if (Object.hasOwn(props, name)) {
      errors.push({ path: `/props/${name}`, message: 'is given twice: as a column and inside props' });
      continue;
    }
    props[name] = value;
  }
  return event;
}

const NUMBER = /^-?(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?$/;
const EPOCH_MS = /^-?\d+$/;

/** Reads one CSV cell of a column; undefined = absent. */
export type CellReader = (cell: string) => unknown;

const asText: CellReader = (cell) => (cell === '' ? undefined : cell);
const asEpochOrText: CellReader = (cell) => (cell === '' ? undefined : EPOCH_MS.test(cell) ? Number(cell) : cell);
const asNumber: CellReader = (cell) => (cell === '' ? undefined : NUMBER.test(cell) ? Number(cell) : cell);
const asBoolean: CellReader = (cell) => {
  if (cell === '') return undefined;
  const lower = cell.toLowerCase();
  return lower === 'true' ? true : lower === 'false' ? false : cell;
};
const TEXT_COLUMNS = new Set(['event', 'actor', 'id', 'props']);

/**
 * How a CSV column's cells read, decided once per column from its header: empty → absent, a
 * declared prop by its declared type, a time column's digits as epoch milliseconds, anything else
 * as text. A cell that does not read as its declared type stays text, so validation names it.
 */
export function csvColumnReader(column: string, declared: ReadonlyMap<string, PropDef>): CellReader {
  if (isTimeKey(column)) return asEpochOrText;
  if (TEXT_COLUMNS.has(column)) return asText;
  switch (declared.get(column.startsWith(LIFTED_PROP) ? column.slice(LIFTED_PROP.length) : column)?.type) {
    case 'number':
      return asNumber;
    case 'boolean':
      return asBoolean;
    case 'time':
      return asEpochOrText;
    default:
      return asText;
  }
}
