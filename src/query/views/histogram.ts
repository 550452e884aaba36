/**
 * Histogram counts of a numeric field over equal-width bins whose edges the caller chose (the
 * engine picks round edges from the field's min and max). The top edge is inclusive: the maximum
 * falls into the last bin, not one past it.
 */
import { numericExpr } from '../build/fields.js';
import { compileFilters, eventsCondition } from '../build/filters.js';
import { SqlBuilder } from '../build/sql-builder.js';
import type { Dialect } from '../dialects/dialect.js';
import type { FieldRef, ParsedFilter } from '../parsed.js';
import type { TimeSpan } from '../time.js';
import type { CompiledSql } from '../types.js';

export interface HistogramOptions {
  org: string;
  span: TimeSpan;
  field: FieldRef;
  events: readonly string[];
  filters: readonly ParsedFilter[];
  /** First edge, bin width and number of bins. */
  start: number;
  width: number;
  bins: number;
}

/** How far below an integer a bin quotient may fall from floating-point noise and still count as it. */
const EDGE_TOLERANCE = '1e-9';

/** Aliases: `bin` (0-based index), `n` (rows in the bin). Empty bins are absent. */
export function buildHistogram(dialect: Dialect, o: HistogramOptions): CompiledSql {
  const b = new SqlBuilder(dialect, o.org);
  const x = numericExpr(b, o.field);
  const where = [b.timeRange(o.span), `${x} IS NOT NULL`];
  const events = eventsCondition(b, o.events);
  if (events) where.push(events);
  where.push(...compileFilters(b, o.filters));
  // A value on an edge belongs to the bin starting there, but (0.3 − 0.1) / 0.1 is 1.9999999999999998
  // in binary floating point: the quotient is nudged by far less than one bin before the floor,
  // so values placed on the (tidied) edges the reply shows land in the bin those edges say.
  const index = `floor((${x} - ${b.param(o.start)}) / ${b.param(o.width)} + ${EDGE_TOLERANCE})`;
  const bin = `CAST(least(greatest(${index}, 0), ${b.param(o.bins - 1)}) AS INTEGER)`;
  return b.select({ select: [`${bin} AS bin`, 'count(*) AS n'], where, groupBy: ['bin'], orderBy: ['bin ASC'] });
}
