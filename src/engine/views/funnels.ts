/**
 * POST /funnels: ordered steps per actor within a conversion window (rules in
 * src/query/views/funnel.ts), answered by one statement. Each step reports the actors that
 * reached it, the conversion from the first step and from the previous one, and the median time
 * from the previous step.
 */
import type { Filter, TimeRangeSpec } from '../../domain/query.js';
import { fieldError } from '../../domain/errors.js';
import { buildFunnel, parseFilters } from '../../query/index.js';
import type { ViewContext, ViewMeta } from './context.js';
import { isoSpan, num, parseZoneParam, viewMeta, windowOf } from './context.js';
import { runView } from './read-tags.js';

export type FunnelStepSpec = string | { event: string; filters?: Filter[]; label?: string };

export interface FunnelBody {
  steps: FunnelStepSpec[];
  window?: string;
  timeRange?: TimeRangeSpec;
  timezone?: string;
  filters?: Filter[];
}

export interface FunnelStepResult {
  step: number;
  event: string;
  label: string;
  count: number;
  conversion: number | null;
  stepConversion: number | null;
  dropOff: number;
  medianMsFromPrevious: number | null;
}

export interface FunnelResult {
  steps: FunnelStepResult[];
  window: string;
  meta: ViewMeta & { timeRange: { from: string; to: string } };
}

const UNIT_MS = { m: 60_000, h: 3_600_000, d: 86_400_000, w: 7 * 86_400_000 } as const;
const MAX_WINDOW_MS = 90 * UNIT_MS.d;

/** `30m`, `12h`, `1d`, `2w` → milliseconds; at most 90 days. */
export function parseWindow(text: string, path = '/window'): number {
  const match = /^(\d{1,4})(m|h|d|w)$/.exec(text);
  const ms = match ? Number(match[1]) * UNIT_MS[match[2] as keyof typeof UNIT_MS] : 0;
  if (!(ms > 0)) throw fieldError('VALIDATION', path, 'expected a duration like 30m, 12h, 1d or 2w');
  if (ms > MAX_WINDOW_MS) throw fieldError('VALIDATION', path, 'the window is at most 90 days');
  return ms;
}

const ratio = (a: number, b: number): number | null => (b === 0 ? null : a / b);

export async function funnel(ctx: ViewContext, body: FunnelBody): Promise<FunnelResult> {
  const started = performance.now();
  const catalog = ctx.engine.catalog;
  const timezone = parseZoneParam(body.timezone);
  const window = body.window ?? '1d';
  const windowMs = parseWindow(window);
  if (body.steps.length < 2) throw fieldError('VALIDATION', '/steps', 'a funnel needs at least two steps');
  const steps = body.steps.map((s, i) => {
    const spec = typeof s === 'string' ? { event: s } : s;
    return {
      event: spec.event,
      label: (typeof s === 'object' ? s.label : undefined) ?? spec.event,
      filters: parseFilters(spec.filters ?? [], catalog, timezone, `/steps/${i}/filters`),
    };
  });
  const filters = parseFilters(body.filters ?? [], catalog, timezone);
  const span = await windowOf(ctx, body.timeRange, timezone);
  const sql = buildFunnel(ctx.engine.dialect, { org: ctx.org, span, steps, windowMs, filters });
  const events = [...new Set(steps.map((s) => s.event))].sort();
  const row = (await runView(ctx, sql, { events, spans: [{ from: span.from, to: span.to + windowMs }] }))[0] ?? {};
  const counts = steps.map((_, k) => num(row[`c${k}`]) ?? 0);
  const first = counts[0] ?? 0;
  return {
    steps: steps.map((s, k) => {
      const count = counts[k] ?? 0;
      const prev = k === 0 ? count : counts[k - 1] ?? 0;
      return {
        step: k + 1,
        event: s.event,
        label: s.label,
        count,
        conversion: ratio(count, first),
        stepConversion: ratio(count, prev),
        dropOff: prev - count,
        medianMsFromPrevious: k === 0 ? null : num(row[`d${k}`]),
      };
    }),
    window,
    meta: { ...viewMeta(started, timezone), timeRange: isoSpan(span) },
  };
}
