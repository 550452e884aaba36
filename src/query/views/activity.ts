/**
 * A page of the newest events. Paging is keyset on the event time plus a skip count within that
 * time: `ts <= cursor.ts … OFFSET cursor.skip`. Rows sharing a timestamp are ordered by arrival
 * (received_at ascending, strictly increasing per writer: store/arrival-clock.ts) and then by
 * their whole content (undeclared props too), so an event ingested meanwhile at the same
 * timestamp sorts after the ones already served and the skip count stays valid; events of other
 * timestamps never shift a page at all.
 */
import type { PropDef } from '../../model/types.js';
import { compileFilters } from '../build/filters.js';
import { SqlBuilder } from '../build/sql-builder.js';
import type { Dialect } from '../dialects/dialect.js';
import type { ParsedFilter } from '../parsed.js';
import type { CompiledSql } from '../types.js';

export interface ActivityCursor {
  /** Event time (epoch ms) of the last event served. */
  ts: number;
  /** Events at exactly `ts` already served. */
  skip: number;
}

export interface ActivityOptions {
  org: string;
  /** Declared props: read from their typed columns. */
  props: readonly PropDef[];
  filters: readonly ParsedFilter[];
  /** Newest first from here; null: from the newest event. */
  before: ActivityCursor | null;
  /** Events not after this instant (the engine clock), so future-dated events do not pin the top. */
  until: number | null;
  limit: number;
  /** From buildActivityEdge: no row of the page is older (null: no bound, the feed is short). */
  floor?: number | null;
}

function conditions(b: SqlBuilder, o: ActivityOptions): string[] {
  const ts = b.ident('ts');
  const where: string[] = [];
  if (o.until !== null) where.push(`${ts} <= ${b.time(o.until)}`);
  if (o.before) where.push(`${ts} <= ${b.time(o.before.ts)}`);
  if (o.floor !== undefined && o.floor !== null) where.push(`${ts} >= ${b.time(o.floor)}`);
  where.push(...compileFilters(b, o.filters));
  return where;
}

/** Alias `at`: the time of the page's last reachable row (row skip + limit − 1 in time order). */
export function buildActivityEdge(dialect: Dialect, o: ActivityOptions): CompiledSql {
  const b = new SqlBuilder(dialect, o.org);
  const ts = b.ident('ts');
  return b.select({
    select: [`${dialect.epochMs(ts)} AS at`],
    where: conditions(b, { ...o, floor: null }),
    orderBy: [`${ts} DESC`],
    limit: 1,
    offset: (o.before?.skip ?? 0) + o.limit - 1,
  });
}

/** Aliases: `at` (event time, epoch ms), `event`, `actor`, `id`, `extra` (JSON text), `c{i}` for props[i]. */
export function buildActivity(dialect: Dialect, o: ActivityOptions): CompiledSql {
  const b = new SqlBuilder(dialect, o.org);
  const ts = b.ident('ts');
  const where = conditions(b, o);
  const props = o.props.map((p, i) => `${p.type === 'time' ? dialect.epochMs(b.ident(p.column)) : b.ident(p.column)} AS c${i}`);
  const content = ['event', 'actor', 'id'].map((c) => `${b.ident(c)} ASC NULLS FIRST`);
  const propOrder = o.props.map((p) => `${b.ident(p.column)} ASC NULLS FIRST`);
  return b.select({
    select: [`${dialect.epochMs(ts)} AS at`, b.ident('event'), b.ident('actor'), b.ident('id'), b.ident('extra'), ...props],
    where,
    orderBy: [`${ts} DESC`, `${b.ident('received_at')} ASC`, ...content, ...propOrder, `${b.ident('extra')} ASC NULLS FIRST`],
    limit: o.limit,
    offset: o.before?.skip ?? 0,
  });
}
