/**
 * Golden SQL of the view builders (src/query/views). Values only as parameters, identifiers from
 * the whitelist, and the tenant filter in every statement (SqlBuilder.finish checks it too).
 */
import { describe, expect, it } from 'vitest';
import type { FieldRef, MetricExpr } from '../../../src/query/index.js';
import {
  BITMAP_BUDGET_BYTES, buildActivity, buildActivityEdge, buildActorProfile, buildFunnel, buildHistogram, buildPeriodSummary, buildRankOf, buildRanking, buildRetention, dialectFor, parseFilters, parseMetricRef,
} from '../../../src/query/index.js';
import { testCatalog } from '../../fixtures/catalog.js';

const duck = dialectFor('duckdb');
const pg = dialectFor('postgres');
const catalog = testCatalog();
const span = { from: Date.parse('2026-11-01T00:00:00Z'), to: Date.parse('2026-11-08T00:00:00Z') };
const ACTOR: FieldRef = { kind: 'column', name: 'actor', type: 'string' };
const AMOUNT: FieldRef = { kind: 'prop', name: 'amount', column: 'p_amount', type: 'number' };
const RANGE = `"ts" >= epoch_ms($2::BIGINT) AND "ts" < epoch_ms($3::BIGINT)`;
const lines = (...l: string[]): string => l.join('\n');

function ranking(dialect = duck) {
  const revenue = parseMetricRef('revenue', catalog);
  return buildRanking(dialect, {
    org: 'acme', span, field: ACTOR, metrics: [{ expr: revenue.expr, zero: true }], events: ['payment.completed'],
    filters: parseFilters([{ field: 'currency', op: 'eq', value: 'EUR' }], catalog), dir: 'desc', limit: 10, offset: 20, include: ['u_1'],
  });
}

describe('golden SQL: view builders (duckdb)', () => {
  it('ranking: scores per value, competition rank, percent_rank, page + included values', () => {
    expect(ranking()).toEqual({
      sql: lines(
        'WITH scores AS (',
        `  SELECT "actor" AS v, coalesce(sum("p_amount") FILTER (WHERE "event" = $6), 0) AS m0`,
        '  FROM "events"',
        `  WHERE "org_id" = $1 AND ${RANGE} AND "actor" IS NOT NULL AND "event" = $4 AND "p_currency" = $5`,
        '  GROUP BY v',
        '), ranked AS (',
        '  SELECT v, m0, CASE WHEN m0 IS NULL THEN NULL ELSE rank() OVER (PARTITION BY m0 IS NULL ORDER BY m0 DESC) END AS r0, ' +
          'CASE WHEN m0 IS NULL THEN NULL ELSE percent_rank() OVER (PARTITION BY m0 IS NULL ORDER BY m0 ASC) END AS p0, ' +
          'count(m0) OVER () AS n0, row_number() OVER (ORDER BY m0 DESC NULLS LAST, v ASC) AS pos',
        '  FROM scores',
        '), levels AS (',
        '  SELECT m0, lead(m0) OVER (ORDER BY m0 ASC) AS next0',
        '  FROM (SELECT DISTINCT m0 FROM scores WHERE m0 IS NOT NULL) AS d',
        ')',
        'SELECT ranked.*, levels.next0',
        'FROM ranked LEFT JOIN levels ON levels.m0 = ranked.m0',
        'WHERE pos = 1 OR (pos > $7 AND pos <= $8) OR v IN ($9)',
        'ORDER BY pos ASC',
      ),
      params: ['acme', span.from, span.to, 'payment.completed', 'EUR', 'payment.completed', 20, 30, 'u_1'],
    });
  });

  it('rank of one value: the same scores, counted instead of sorted', () => {
    const revenue = parseMetricRef('revenue', catalog);
    const { sql, params } = buildRankOf(duck, {
      org: 'acme', span, field: ACTOR, metric: { expr: revenue.expr, zero: true }, events: ['payment.completed'], filters: [], dir: 'desc', value: 'u_1',
    });
    expect(sql).toBe(
      lines(
        'WITH scores AS MATERIALIZED (',
        `  SELECT "actor" AS v, coalesce(sum("p_amount") FILTER (WHERE "event" = $5), 0) AS m0`,
        '  FROM "events"',
        `  WHERE "org_id" = $1 AND ${RANGE} AND "actor" IS NOT NULL AND "event" = $4`,
        '  GROUP BY v',
        ')',
        'SELECT (SELECT m0 FROM scores WHERE v = $6) AS m0, count(m0) AS n0, ' +
          'count(*) FILTER (WHERE m0 > (SELECT m0 FROM scores WHERE v = $6)) AS better, ' +
          'count(*) FILTER (WHERE m0 < (SELECT m0 FROM scores WHERE v = $6)) AS worse, ' +
          'min(m0) FILTER (WHERE m0 > (SELECT m0 FROM scores WHERE v = $6)) AS next0',
        'FROM scores',
      ),
    );
    expect(params).toEqual(['acme', span.from, span.to, 'payment.completed', 'payment.completed', 'u_1']);
  });

  it('ranking by metrics of different events: each metric ranks only the values with one of its own events', () => {
    const revenue = parseMetricRef('revenue', catalog);
    const failed = parseMetricRef('failed', catalog);
    const failureRate = parseMetricRef('failure_rate', catalog);
    const { sql, params } = buildRanking(duck, {
      org: 'acme', span, field: ACTOR, filters: [], dir: 'desc', limit: 1, offset: 0, include: [],
      events: ['payment.completed', 'payment.failed'],
      metrics: [
        { expr: revenue.expr, zero: true, population: ['payment.completed'] },
        { expr: failed.expr, zero: true, population: ['payment.failed'] },
        { expr: failureRate.expr, zero: false, population: ['payment.failed', 'payment.completed'] },
      ],
    });
    expect(sql.split('\n')[1]).toBe(
      '  SELECT "actor" AS v, ' +
        'CASE WHEN count(*) FILTER (WHERE "event" = $6) > 0 THEN coalesce(sum("p_amount") FILTER (WHERE "event" = $7), 0) END AS m0, ' +
        'CASE WHEN count(*) FILTER (WHERE "event" = $8) > 0 THEN count(*) FILTER (WHERE "event" = $9) END AS m1, ' +
        // The ratio reads every event of the ranking's population: no narrowing.
        'CAST(count(*) FILTER (WHERE "event" = $10) AS DOUBLE) / NULLIF(CAST(count(*) FILTER (WHERE "event" = $11) AS DOUBLE), 0) AS m2',
    );
    expect(params.slice(5, 11)).toEqual(['payment.completed', 'payment.completed', 'payment.failed', 'payment.failed', 'payment.failed', 'payment.completed']);
  });

  it('ranking ascending: lower is better, the next better value is the next lower one', () => {
    const revenue = parseMetricRef('payments', catalog);
    const { sql } = buildRanking(duck, { org: 'acme', span, field: ACTOR, metrics: [{ expr: revenue.expr, zero: true }], events: [], filters: [], dir: 'asc', limit: 5, offset: 0, include: [] });
    expect(sql).toContain('rank() OVER (PARTITION BY m0 IS NULL ORDER BY m0 ASC)');
    expect(sql).toContain('percent_rank() OVER (PARTITION BY m0 IS NULL ORDER BY m0 DESC)');
    expect(sql).toContain('lead(m0) OVER (ORDER BY m0 DESC)');
    expect(sql).toMatch(/WHERE pos = 1 OR \(pos > \$\d+ AND pos <= \$\d+\)\nORDER BY pos ASC$/);
  });

  it('actor profile: one scan of the actor, GROUPING SETS for totals, days, breakdown and history', () => {
    const payments = parseMetricRef('payments', catalog);
    const sql = buildActorProfile(duck, {
      org: 'acme', actor: 'u_1', timezone: 'Europe/Berlin', span, previous: { from: span.from - 7 * 86_400_000, to: span.from },
      metrics: [{ expr: payments.expr, zero: true }], dimension: { kind: 'prop', name: 'currency', column: 'p_currency', type: 'string' },
      activeEvents: ['a', 'b'], metricEvents: ['payment.completed'],
    });
    expect(sql).toEqual({
      sql: lines(
        'SELECT p, day, d0, GROUPING(p, day, d0) AS g, count(*) FILTER (WHERE "event" = $8) AS m0, ' +
          'count(*) FILTER (WHERE "event" IN ($9, $10)) AS active, count(*) FILTER (WHERE "event" = $11) AS seen, epoch_ms(max("ts")) AS last',
        'FROM (',
        '  SELECT *, CASE WHEN "ts" >= epoch_ms($3::BIGINT) AND "ts" < epoch_ms($4::BIGINT) THEN 1 ' +
          'WHEN "ts" >= epoch_ms($5::BIGINT) AND "ts" < epoch_ms($6::BIGINT) THEN 0 END AS p, ' +
          `epoch_ms(timezone($7, date_trunc('day', timezone($7, timezone('UTC', "ts"))))) AS day, "p_currency" AS d0`,
        '  FROM "events"',
        '  WHERE "org_id" = $1 AND "actor" = $2',
        ') AS r',
        'GROUP BY GROUPING SETS ((p), (p, day), (p, d0), (day))',
      ),
      params: ['acme', 'u_1', span.from, span.to, span.from - 7 * 86_400_000, span.from, 'Europe/Berlin', 'payment.completed', 'a', 'b', 'payment.completed'],
    });
  });

  it('activity edge: a top-N over the time column alone', () => {
    const edge = buildActivityEdge(duck, { org: 'acme', props: [], filters: [], before: { ts: 5, skip: 2 }, until: 9, limit: 51 });
    expect(edge).toEqual({
      sql: lines(
        'SELECT epoch_ms("ts") AS at',
        'FROM "events"',
        `WHERE "org_id" = $1 AND "ts" <= epoch_ms($2::BIGINT) AND "ts" <= epoch_ms($3::BIGINT)`,
        'ORDER BY "ts" DESC',
        'LIMIT $4 OFFSET $5',
      ),
      params: ['acme', 9, 5, 1, 52],
    });
  });

  it('period summary (GROUPING SETS): totals of both periods and the range buckets in one pruned scan when a KPI does not roll up', () => {
    const revenue = parseMetricRef('revenue', catalog);
    const p95 = parseMetricRef('p95_resolution', catalog);
    const week = 7 * 86_400_000;
    expect(
      buildPeriodSummary(duck, {
        org: 'acme', span, previous: { from: span.from - week, to: span.from }, granularity: '1d', timezone: 'UTC',
        metrics: [{ expr: revenue.expr, zero: true }, { expr: p95.expr, zero: false }],
        filters: parseFilters([{ field: 'currency', op: 'eq', value: 'EUR' }], catalog), bucketCount: 7, largestActorKey: 10,
      }),
    ).toEqual({
      sql: lines(
        'SELECT p, t, GROUPING(p, t) AS g, coalesce(sum("p_amount") FILTER (WHERE "event" = $8), 0) AS m0, quantile_cont("p_resolution_hours", 0.95) FILTER (WHERE "event" = $9) AS m1',
        'FROM (',
        `  SELECT *, CASE WHEN "ts" >= epoch_ms($7::BIGINT) THEN 1 ELSE 0 END AS p, epoch_ms(date_trunc('day', "ts")) AS t`,
        '  FROM "events"',
        `  WHERE "org_id" = $1 AND "ts" >= epoch_ms($2::BIGINT) AND "ts" < epoch_ms($3::BIGINT) AND "event" IN ($4, $5) AND "p_currency" = $6`,
        ') AS r',
        'GROUP BY GROUPING SETS ((p), (p, t))',
      ),
      params: ['acme', span.from - week, span.to, 'payment.completed', 'ticket.resolved', 'EUR', span.from, 'payment.completed', 'ticket.resolved'],
    });
    expect(() => buildPeriodSummary(duck, { org: 'acme', span, previous: span, granularity: '1d', timezone: 'UTC', metrics: [{ expr: revenue.expr, zero: true }], filters: [], bucketCount: 7, largestActorKey: 0 })).toThrow();
  });

  it('period summary (rollup): partials per range bucket and for the previous period, totals merged; actors as bitmaps', () => {
    const revenue = parseMetricRef('revenue', catalog);
    const failureRate = parseMetricRef('failure_rate', catalog);
    const buyers: MetricExpr = { kind: 'aggregate', fn: 'count_distinct', field: ACTOR, percentile: null, events: ['payment.completed'], filters: [] };
    const week = 7 * 86_400_000;
    const options = {
      org: 'acme', span, previous: { from: span.from - week, to: span.from }, granularity: '1d' as const, timezone: 'UTC',
      metrics: [{ expr: revenue.expr, zero: true }, { expr: failureRate.expr, zero: true }, { expr: buyers, zero: true }],
      filters: [], bucketCount: 7, largestActorKey: 1000,
    };
    expect(buildPeriodSummary(duck, options)).toEqual({
      sql: lines(
        'WITH parts AS (',
        '  SELECT p, t, sum("p_amount") FILTER (WHERE "event" = $7) AS r0, count(*) FILTER (WHERE "event" = $8) AS r1, count(*) FILTER (WHERE "event" = $9) AS r2, ' +
          'bitstring_agg("actor_id") FILTER (WHERE "event" = $10) AS r3',
        '  FROM (',
        `    SELECT *, CASE WHEN "ts" >= epoch_ms($6::BIGINT) THEN 1 ELSE 0 END AS p, CASE WHEN "ts" >= epoch_ms($6::BIGINT) THEN epoch_ms(date_trunc('day', "ts")) END AS t`,
        '    FROM "events"',
        `    WHERE "org_id" = $1 AND "ts" >= epoch_ms($2::BIGINT) AND "ts" < epoch_ms($3::BIGINT) AND "event" IN ($4, $5)`,
        '  ) AS r',
        '  GROUP BY p, t',
        ')',
        'SELECT p, t, 0 AS g, coalesce(r0, 0) AS m0, coalesce(CAST(r1 AS DOUBLE) / NULLIF(CAST(r2 AS DOUBLE), 0), 0) AS m1, coalesce(bit_count(r3), 0) AS m2 FROM parts WHERE p = 1',
        'UNION ALL',
        'SELECT p, NULL AS t, 1 AS g, coalesce(sum(r0), 0) AS m0, coalesce(CAST(CAST(sum(r1) AS BIGINT) AS DOUBLE) / NULLIF(CAST(CAST(sum(r2) AS BIGINT) AS DOUBLE), 0), 0) AS m1, ' +
          'coalesce(bit_count(bit_or(r3)), 0) AS m2 FROM parts GROUP BY p',
      ),
      params: ['acme', span.from - week, span.to, 'payment.completed', 'payment.failed', span.from, 'payment.completed', 'payment.failed', 'payment.completed', 'payment.completed'],
    });
    // Bitmaps past the budget (one per bucket and the previous period): distinct actors are hashed per grouping set.
    // 8 groups (7 buckets and the previous period) of one bitmap of K bits: K bytes in all.
    const tooWide = buildPeriodSummary(duck, { ...options, largestActorKey: BITMAP_BUDGET_BYTES + 8 });
    expect(tooWide.sql).toContain('GROUPING SETS');
    expect(tooWide.sql).toContain('count(DISTINCT "actor_id")');
    expect(buildPeriodSummary(duck, { ...options, largestActorKey: BITMAP_BUDGET_BYTES }).sql).toContain('bitstring_agg');
    // Without actor keys (PostgreSQL until its store keeps them) distinct actors do not roll up.
    expect(buildPeriodSummary(pg, options).sql).toContain('count(DISTINCT "actor")');
  });

  it('histogram: clamped bin index over bound edges', () => {
    expect(buildHistogram(duck, { org: 'acme', span, field: AMOUNT, events: ['payment.completed'], filters: [], start: 0, width: 5, bins: 4 })).toEqual({
      sql: lines(
        'SELECT CAST(least(greatest(floor(("p_amount" - $5) / $6 + 1e-9), 0), $7) AS INTEGER) AS bin, count(*) AS n',
        'FROM "events"',
        `WHERE "org_id" = $1 AND ${RANGE} AND "p_amount" IS NOT NULL AND "event" = $4`,
        'GROUP BY bin',
        'ORDER BY bin ASC',
      ),
      params: ['acme', span.from, span.to, 'payment.completed', 0, 5, 3],
    });
  });

  it('activity: keyset on time with a skip count, arrival order within a timestamp', () => {
    const props = [catalog.props.get('amount')!, catalog.props.get('due_at')!];
    expect(buildActivity(duck, { org: 'acme', props, filters: [], before: { ts: 5, skip: 2 }, until: 9, limit: 51 })).toEqual({
      sql: lines(
        'SELECT epoch_ms("ts") AS at, "event", "actor", "id", "extra", "p_amount" AS c0, epoch_ms("p_due_at") AS c1',
        'FROM "events"',
        `WHERE "org_id" = $1 AND "ts" <= epoch_ms($2::BIGINT) AND "ts" <= epoch_ms($3::BIGINT)`,
        'ORDER BY "ts" DESC, "received_at" ASC, "event" ASC NULLS FIRST, "actor" ASC NULLS FIRST, "id" ASC NULLS FIRST, ' +
          '"p_amount" ASC NULLS FIRST, "p_due_at" ASC NULLS FIRST, "extra" ASC NULLS FIRST',
        'LIMIT $4 OFFSET $5',
      ),
      params: ['acme', 9, 5, 51, 2],
    });
  });

  it('funnel: one scan with a flag per step, then a chain of earliest-next joins', () => {
    const steps = [
      { event: 'a', filters: [] },
      { event: 'b', filters: parseFilters([{ field: 'amount', op: 'gt', value: 1 }], catalog) },
    ];
    expect(buildFunnel(duck, { org: 'acme', span, steps, windowMs: 3_600_000, filters: [] })).toEqual({
      sql: lines(
        'WITH e AS (',
        `  SELECT "actor" AS a, epoch_ms("ts") AS ms, "event" = $2 AS k0, ("event" = $3 AND "p_amount" > $4) AS k1`,
        '  FROM "events"',
        `  WHERE "org_id" = $1 AND "ts" >= epoch_ms($5::BIGINT) AND "ts" < epoch_ms($6::BIGINT) AND "actor" IS NOT NULL AND ("event" = $2 OR ("event" = $3 AND "p_amount" > $4))`,
        '), s0 AS (',
        '  SELECT a, min(ms) AS t0, min(ms) AS t',
        '  FROM e WHERE k0 AND ms < $7',
        '  GROUP BY a',
        '), s1 AS (',
        '  SELECT s0.a, s0.t0, s0.t AS prev, min(e.ms) AS t',
        '  FROM s0 JOIN e ON e.a = s0.a AND e.k1 AND e.ms > s0.t AND e.ms <= s0.t0 + $8',
        '  GROUP BY s0.a, s0.t0, s0.t',
        ')',
        'SELECT (SELECT count(*) FROM s0) AS c0, NULL AS d0, (SELECT count(*) FROM s1) AS c1, (SELECT quantile_cont(t - prev, 0.5) FROM s1) AS d1',
      ),
      params: ['acme', 'a', 'b', 1, span.from, span.to + 3_600_000, span.to, 3_600_000],
    });
  });

  it('retention: first-ever cohort event, distinct return periods, sizes in the same result', () => {
    expect(buildRetention(duck, { org: 'acme', span, cohortEvent: 'a', returnEvent: 'b', period: '1w', timezone: 'UTC', filters: [] })).toEqual({
      sql: lines(
        'WITH firsts AS (',
        `  SELECT "actor" AS a, min("ts") AS "ts" FROM "events"`,
        `  WHERE "org_id" = $1 AND "event" = $4 AND "ts" < epoch_ms($3::BIGINT) AND "actor" IS NOT NULL`,
        '  GROUP BY a',
        '), cohorts AS (',
        `  SELECT a, epoch_ms(date_trunc('week', "ts")) AS c FROM firsts WHERE "ts" >= epoch_ms($2::BIGINT)`,
        '), returns AS (',
        `  SELECT DISTINCT "actor" AS a, epoch_ms(date_trunc('week', "ts")) AS r FROM "events"`,
        `  WHERE "org_id" = $1 AND "event" = $5 AND "ts" >= epoch_ms($2::BIGINT) AND "ts" < epoch_ms($3::BIGINT) AND "actor" IS NOT NULL`,
        ')',
        'SELECT c, NULL AS r, count(*) AS n FROM cohorts GROUP BY c',
        'UNION ALL',
        'SELECT cohorts.c, returns.r, count(*) AS n',
        'FROM cohorts JOIN returns ON returns.a = cohorts.a AND returns.r >= cohorts.c',
        'GROUP BY cohorts.c, returns.r',
      ),
      params: ['acme', span.from, span.to, 'a', 'b'],
    });
  });
});

describe('golden SQL: view builders (postgres)', () => {
  it('the same statements through the postgres hooks', () => {
    const { sql } = ranking(pg);
    expect(sql).toContain(`"ts" >= to_timestamp($2::double precision / 1000)`);
    expect(sql).toContain('percent_rank() OVER (PARTITION BY m0 IS NULL ORDER BY m0 ASC)');
    const profile = buildActorProfile(pg, {
      org: 'acme', actor: 'u_1', timezone: 'UTC', span, previous: span, metrics: [], dimension: null, activeEvents: [], metricEvents: [],
    });
    expect(profile.sql).toContain(`date_trunc('day', ("ts" AT TIME ZONE $7::text))`);
    const funnel = buildFunnel(pg, { org: 'acme', span, steps: [{ event: 'a', filters: [] }, { event: 'b', filters: [] }], windowMs: 60_000, filters: [] });
    expect(funnel.sql).toContain('percentile_cont(0.5) WITHIN GROUP (ORDER BY t - prev)');
  });

  it('never inlines user values', () => {
    const evil = "x' OR 1=1 --";
    const all = [
      buildActorProfile(duck, { org: evil, actor: evil, timezone: 'UTC', span, previous: span, metrics: [], dimension: null, activeEvents: [evil], metricEvents: [] }),
      buildRanking(duck, { org: evil, span, field: ACTOR, metrics: [{ expr: parseMetricRef('count', catalog).expr, zero: true }], events: [evil], filters: [], dir: 'desc', limit: 1, offset: 0, include: [evil] }),
      buildFunnel(duck, { org: evil, span, steps: [{ event: evil, filters: [] }, { event: evil, filters: [] }], windowMs: 1, filters: [] }),
      buildRetention(duck, { org: evil, span, cohortEvent: evil, returnEvent: evil, period: '1d', timezone: 'UTC', filters: [] }),
    ];
    for (const s of all) {
      expect(s.sql).not.toContain(evil);
      expect(s.params).toContain(evil);
      expect(s.sql).toContain('"org_id" = $1');
    }
  });
});
