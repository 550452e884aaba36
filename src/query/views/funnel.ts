/**
 * Ordered funnels. An actor enters at its first step-0 event in the range; it reaches step k when
 * it has a step-k event strictly after the time it reached step k-1 and at most `windowMs` after
 * its entry. Earliest times are taken at every step, which is optimal for a fixed entry: a later
 * step-k time can only leave less room for step k+1. Later steps may fall after the range end
 * (up to the window), so that actors entering late still have the whole window.
 *
 * Result: one row with `c{k}` (actors that reached step k) and `d{k}` (median ms from step k-1,
 * null for step 0).
 */
import { fieldExpr } from '../build/fields.js';
import { compileFilters, eventsCondition } from '../build/filters.js';
import { SqlBuilder } from '../build/sql-builder.js';
import type { Dialect } from '../dialects/dialect.js';
import type { ParsedFilter } from '../parsed.js';
import type { TimeSpan } from '../time.js';
import type { CompiledSql } from '../types.js';

export interface FunnelStep {
  event: string;
  filters: readonly ParsedFilter[];
}

export interface FunnelOptions {
  org: string;
  span: TimeSpan;
  /** At least two. */
  steps: readonly FunnelStep[];
  windowMs: number;
  /** Apply to every step. */
  filters: readonly ParsedFilter[];
}

function stepCondition(b: SqlBuilder, step: FunnelStep): string {
  const parts = [eventsCondition(b, [step.event]), ...compileFilters(b, step.filters)].filter((c) => c !== null);
  return parts.length === 1 ? (parts[0] as string) : `(${parts.join(' AND ')})`;
}

export function buildFunnel(dialect: Dialect, o: FunnelOptions): CompiledSql {
  const b = new SqlBuilder(dialect, o.org);
  const ts = b.ident('ts');
  const actor = fieldExpr(b, { kind: 'column', name: 'actor', type: 'string' });
  // Each condition is bound once and its placeholders used twice (flag and WHERE).
  const conditions = o.steps.map((s) => stepCondition(b, s));
  const flags = conditions.map((c, k) => `${c} AS k${k}`);
  const where = [
    `${ts} >= ${b.time(o.span.from)}`,
    `${ts} < ${b.time(o.span.to + o.windowMs)}`,
    `${actor} IS NOT NULL`,
    `(${conditions.join(' OR ')})`,
    ...compileFilters(b, o.filters),
  ];
  const to = b.param(o.span.to);
  const win = b.param(o.windowMs);
  const ctes = [
    `e AS (\n  SELECT ${actor} AS a, ${dialect.epochMs(ts)} AS ms, ${flags.join(', ')}\n  FROM ${b.ident('events')}\n  WHERE ${[b.tenant, ...where].join(' AND ')}\n)`,
    `s0 AS (\n  SELECT a, min(ms) AS t0, min(ms) AS t\n  FROM e WHERE k0 AND ms < ${to}\n  GROUP BY a\n)`,
  ];
  for (let k = 1; k < o.steps.length; k++) {
    const p = `s${k - 1}`;
    ctes.push(
      `s${k} AS (\n  SELECT ${p}.a, ${p}.t0, ${p}.t AS prev, min(e.ms) AS t\n  FROM ${p} JOIN e ON e.a = ${p}.a AND e.k${k} AND e.ms > ${p}.t AND e.ms <= ${p}.t0 + ${win}\n  GROUP BY ${p}.a, ${p}.t0, ${p}.t\n)`,
    );
  }
  const outputs = o.steps.map((_, k) => {
    const median = k === 0 ? 'NULL' : `(SELECT ${dialect.percentile(`t - prev`, 0.5)} FROM s${k})`;
    return `(SELECT count(*) FROM s${k}) AS c${k}, ${median} AS d${k}`;
  });
  return b.finish(`WITH ${ctes.join(', ')}\nSELECT ${outputs.join(', ')}`);
}
