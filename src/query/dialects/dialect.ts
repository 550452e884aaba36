/**
 * SQL dialects as small hooks (Cube-style): the builders compose these, so every statement is
 * written once for both stores. Hooks receive SQL fragments and placeholders (`$n`), never values.
 */
import { AppError } from '../../domain/errors.js';
import type { DialectName, SqlParam } from '../../store/port.js';

/** Calendar units for truncating a wall-clock timestamp. `week` is the ISO week (Monday). */
export type TruncUnit = 'minute' | 'hour' | 'day' | 'week' | 'month' | 'quarter' | 'year';

const IDENT = /^[A-Za-z_][A-Za-z0-9_]*$/;

export interface Dialect {
  readonly name: DialectName;
  /**
   * True when `ts` holds UTC wall-clock values (a naive TIMESTAMP), so UTC buckets need no zone
   * conversion and no time-zone parameter.
   */
  readonly nativeUtc: boolean;
  /**
   * The events column holding each event's dense integer actor key (numbered per org, NULL when
   * the event has no actor), or null when the store keeps none. Distinct actors are counted over
   * it: within one org it stands one-to-one for `actor`, and integers hash faster than strings.
   */
  readonly actorKeyColumn: string | null;
  /**
   * Sets of actor keys as bitmaps, or null when the dialect has none: `aggregate` collects the
   * keys of a group, `union` ORs a column of bitmaps (an aggregate), `count` counts the bits
   * (NULL for a NULL bitmap). Unlike a distinct count they roll up: the actors of a period are the
   * union of its buckets' bitmaps.
   */
  readonly actorBitmaps: {
    aggregate(key: string): string;
    union(bitmaps: string): string;
    count(bitmap: string): string;
  } | null;
  quoteIdent(name: string): string;
  /** A bound epoch-ms parameter as a timestamp comparable with `ts`. */
  timeParam(placeholder: string): string;
  /** Epoch milliseconds (BIGINT) of an instant; for DuckDB also of a naive UTC TIMESTAMP. */
  epochMs(instant: string): string;
  /** The zone's wall clock (a naive timestamp) at instant `ts`. */
  toLocal(ts: string, tzPlaceholder: string): string;
  /** The instant at which the zone's wall clock reads `local`. */
  fromLocal(local: string, tzPlaceholder: string): string;
  /** Truncates a naive timestamp to a calendar unit. */
  truncate(unit: TruncUnit, local: string): string;
  /** Floors a naive timestamp to a multiple of `minutes` (a divisor of a day) since midnight. */
  bin(minutes: number, local: string): string;
  /**
   * A FROM item of 15-minute slot starts in [from, to) as column `s`, of `ts`'s type; `from` and
   * `to` are time expressions (timeParam) and `from` is 15-minute aligned.
   */
  slotSeries(from: string, to: string): string;
  /** The start of the 15-minute slot (aligned to the epoch) holding instant `ts`. */
  slotOf(ts: string): string;
  /** Continuous percentile aggregate; `fraction` is a validated number the compiler renders. */
  percentile(expr: string, fraction: number): string;
  /** The JSON key parameter that addresses undeclared prop `name` (already validated). */
  jsonKey(name: string): SqlParam;
  /** The text of an undeclared prop of the `extra` JSON column, addressed by a bound key. */
  jsonText(extraColumn: string, keyPlaceholder: string): string;
  toDouble(expr: string): string;
  /** Text → double; NULL (not an error) when the text is not a number. */
  tryDouble(text: string): string;
  contains(expr: string, placeholder: string): string;
  startsWith(expr: string, placeholder: string): string;
}

/**
 * Quotes an identifier. The compiler only ever passes whitelisted names; the pattern check is a
 * second line of defence so that a bug upstream fails loudly instead of reaching SQL.
 */
export function quoteIdent(name: string): string {
  if (!IDENT.test(name)) throw new AppError('INTERNAL', `refusing to quote identifier ${JSON.stringify(name)}`);
  return `"${name}"`;
}

/** `INTERVAL '15 minutes'` / `INTERVAL '6 hours'`; `minutes` is a validated whole number. */
export function intervalLiteral(minutes: number): string {
  if (!Number.isInteger(minutes) || minutes <= 0) throw new AppError('INTERNAL', `bad interval ${minutes}`);
  return minutes % 60 === 0 ? `INTERVAL '${minutes / 60} hours'` : `INTERVAL '${minutes} minutes'`;
}

/** Renders a validated fraction in (0, 1) as a SQL numeric literal. */
export function fractionLiteral(fraction: number): string {
  if (!Number.isFinite(fraction) || fraction <= 0 || fraction >= 1) throw new AppError('INTERNAL', `bad percentile fraction ${fraction}`);
  return String(fraction);
}
