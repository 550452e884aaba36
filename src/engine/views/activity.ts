/**
 * GET /activity: the newest events, newest first, cursor-paginated (`before`). A page is two
 * short statements (edge, then rows); paging stays exact while events are being ingested (see the
 * activity builder).
 * Events stamped in the future (ingest allows a day ahead) appear once their time has come.
 */
import type { PropValue } from '../../domain/event.js';
import type { Filter } from '../../domain/query.js';
import type { PropDef } from '../../model/types.js';
import { buildActivity, buildActivityEdge, parseFilters } from '../../query/index.js';
import type { SqlRow } from '../../store/port.js';
import type { ViewContext } from './context.js';
import { eventFilter, filtersParam, positiveInt, viewMeta } from './context.js';
import { decodeCursor, encodeCursor, nextCursor } from './cursor.js';
import { runView } from './read-tags.js';

export interface ActivityParams {
  limit?: number;
  before?: string;
  event?: string;
  actor?: string;
  filters?: string;
}

export interface ActivityEvent {
  event: string;
  timestamp: string;
  actor: string | null;
  id: string | null;
  props: Record<string, PropValue>;
}

export interface ActivityResult {
  events: ActivityEvent[];
  nextCursor: string | null;
  meta: ReturnType<typeof viewMeta>;
}

export const MAX_ACTIVITY = 1000;

/** Props from the typed columns (declared props) and the JSON of undeclared ones. */
export function toActivityEvent(row: SqlRow, props: readonly PropDef[]): ActivityEvent {
  const out: Record<string, PropValue> = {};
  const extra = row['extra'];
  if (typeof extra === 'string' && extra !== '') Object.assign(out, JSON.parse(extra) as Record<string, PropValue>);
  props.forEach((p, i) => {
    const v = row[`c${i}`];
    if (v === null || v === undefined) return;
    out[p.name] = p.type === 'time' && typeof v === 'number' ? new Date(v).toISOString() : v;
  });
  return {
    event: String(row['event']),
    timestamp: new Date(Number(row['at'])).toISOString(),
    actor: typeof row['actor'] === 'string' ? row['actor'] : null,
    id: typeof row['id'] === 'string' ? row['id'] : null,
    props: out,
  };
}

export async function activity(ctx: ViewContext, params: ActivityParams): Promise<ActivityResult> {
  const started = performance.now();
  const catalog = ctx.engine.catalog;
  const limit = positiveInt(params.limit, 50, MAX_ACTIVITY, '/limit');
  const before = params.before ? decodeCursor(params.before) : null;
  const filters: Filter[] = [...eventFilter(params.event), ...filtersParam(params.filters)];
  if (params.actor !== undefined) filters.push({ field: 'actor', op: 'eq', value: params.actor });
  const props = [...catalog.props.values()];
  // One row more than the page tells whether there is a next page.
  const options = { org: ctx.org, props, filters: parseFilters(filters, catalog), before, until: ctx.engine.clock(), limit: limit + 1 };
  const edge = buildActivityEdge(ctx.engine.dialect, options);
  // Any new event can belong on a page: the reads stay untagged (any event, any time).
  const floor = (await runView(ctx, edge, null))[0]?.['at'];
  const sql = buildActivity(ctx.engine.dialect, { ...options, floor: typeof floor === 'number' ? floor : null });
  const rows = await runView(ctx, sql, null);
  const page = rows.slice(0, limit);
  const cursor = rows.length > limit ? nextCursor(page.map((r) => Number(r['at'])), before) : null;
  return {
    events: page.map((r) => toActivityEvent(r, props)),
    nextCursor: cursor ? encodeCursor(cursor) : null,
    meta: viewMeta(started, 'UTC'),
  };
}
