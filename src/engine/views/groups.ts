/**
 * GET /groups/{dimension}/{value}: a group of actors (a class, a plan, a category) — members,
 * active members, the model's actor metrics for the group (and per active member for counts and
 * sums), and the top and bottom performers by the ranking metric. Four concurrent statements.
 *
 * Members: distinct actors with any event carrying dimension = value, ever (up to now). Active
 * members: those with such an event in the range; performers are ranked among them (equal values
 * by actor id), counts and sums being 0 for an active member without matching events. A group
 * without any member is a 404 (another org's group reads the same).
 */
import type { Filter } from '../../domain/query.js';
import { AppError, fieldError } from '../../domain/errors.js';
import type { FieldRef, ScalarValue } from '../../query/index.js';
import { buildRanking, parseFilters } from '../../query/index.js';
import type { RangeParams, ViewContext, ViewMeta } from './context.js';
import {
  fieldParam, formatOf, isAdditive, isoSpan, labelOf, metricParam, num, parseZoneParam, positiveInt, rangeSpec, resolveModel, viewMeta, windowOf,
  zeroFilled,
} from './context.js';
import { runView } from './read-tags.js';

export interface GroupParams extends RangeParams {
  model?: string;
  metric?: string;
  limit?: number;
}

export interface GroupMetric {
  metric: string;
  label: string;
  format: string;
  value: number | null;
  perActiveMember: number | null;
}

export interface Performer {
  actor: string;
  value: number | null;
}

export interface GroupResult {
  dimension: string;
  value: ScalarValue;
  members: number;
  activeMembers: number;
  metrics: GroupMetric[];
  rankedBy: string;
  top: Performer[];
  bottom: Performer[];
  meta: ViewMeta & { timeRange: { from: string; to: string } };
}

const ACTORS = 'count_distinct(actor)';
const ACTOR: FieldRef = { kind: 'column', name: 'actor', type: 'string' };

/** A path segment is text; the dimension's type says what it means. */
export function groupValue(field: FieldRef, text: string): ScalarValue {
  if (field.type === 'number') {
    const n = Number(text);
    if (text.trim() === '' || !Number.isFinite(n)) throw fieldError('VALIDATION', '/value', `expected a number for "${field.name}"`);
    return n;
  }
  if (field.type === 'boolean') {
    if (text === 'true' || text === 'false') return text === 'true';
    throw fieldError('VALIDATION', '/value', `expected true or false for "${field.name}"`);
  }
  if (field.type === 'time') throw fieldError('VALIDATION', '/dimension', 'time props do not group actors');
  return text;
}

export async function group(ctx: ViewContext, dimension: string, text: string, params: GroupParams): Promise<GroupResult> {
  const started = performance.now();
  const { engine } = ctx;
  const catalog = engine.catalog;
  const field = fieldParam(dimension, catalog, '/dimension');
  if (field.kind === 'column') throw fieldError('VALIDATION', '/dimension', 'group by a prop, not by event or actor');
  const value = groupValue(field, text);
  const model = resolveModel(catalog, params.model);
  const rankedBy = params.metric ?? model.actor.rankBy;
  const limit = positiveInt(params.limit, 5, 100, '/limit');
  const timezone = parseZoneParam(params.timezone);
  const span = await windowOf(ctx, rangeSpec(params, timezone), timezone);
  const timeRange = isoSpan(span);
  const inGroup: Filter[] = [{ field: dimension, op: 'eq', value }];
  const metrics = model.actor.metrics.filter((m) => m !== ACTORS);
  const scope = { org: ctx.org };
  const ranked = metricParam(rankedBy, catalog);
  const parsedGroup = parseFilters(inGroup, catalog, timezone);
  // Ranked among all active members (any event in the group), so members who did nothing the
  // metric counts still show up at the bottom with 0.
  const performers = async (dir: 'asc' | 'desc'): Promise<Performer[]> => {
    const sql = buildRanking(engine.dialect, {
      org: ctx.org, span, field: ACTOR, metrics: [{ expr: ranked.expr, zero: zeroFilled(ranked.expr) }],
      events: [], filters: parsedGroup, dir, limit, offset: 0, include: [],
    });
    const rows = await runView(ctx, sql, { metrics: [ranked], filters: parsedGroup, spans: [span] });
    return rows.filter((r) => Number(r['pos']) <= limit).map((r) => ({ actor: String(r['v']), value: num(r['m0']) }));
  };
  const [ever, totals, top, bottom] = await Promise.all([
    engine.run({ metrics: [ACTORS], filters: inGroup, timeRange: { preset: 'all' }, timezone }, scope),
    engine.run({ metrics: [ACTORS, ...metrics], filters: inGroup, timeRange, timezone }, scope),
    performers('desc'),
    performers('asc'),
  ]);
  const members = num(ever.rows[0]?.[ACTORS]) ?? 0;
  if (members === 0) throw new AppError('NOT_FOUND', `No group ${dimension} = ${JSON.stringify(value)} in this org.`);
  const row = totals.rows[0] ?? {};
  const activeMembers = num(row[ACTORS]) ?? 0;
  return {
    dimension,
    value,
    members,
    activeMembers,
    metrics: metrics.map((metric) => {
      const v = num(row[metric]);
      const additive = isAdditive(metricParam(metric, catalog).expr);
      return {
        metric,
        label: labelOf(catalog, metric),
        format: formatOf(catalog, metric),
        value: v,
        perActiveMember: additive && v !== null && activeMembers > 0 ? v / activeMembers : null,
      };
    }),
    rankedBy,
    top,
    bottom,
    meta: { ...viewMeta(started, timezone), timeRange },
  };
}
