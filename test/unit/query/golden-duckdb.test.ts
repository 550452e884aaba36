import { describe, expect, it } from 'vitest';
import { compileQuery, dialectFor } from '../../../src/query/index.js';
import { testCatalog } from '../../fixtures/catalog.js';
import { type CaseName, FROM, TO, cases, ctx } from './golden-cases.js';

const compile = (name: CaseName) => compileQuery(cases[name], testCatalog(), dialectFor('duckdb'), ctx).main;
const lines = (...l: string[]): string => l.join('\n');
const RANGE = `"org_id" = $1 AND "ts" >= epoch_ms($2::BIGINT) AND "ts" < epoch_ms($3::BIGINT)`;
const LOCAL_TS = `timezone($4, timezone('UTC', "ts"))`;
const LOCAL_SLOT = `timezone($4, timezone('UTC', s))`;
const SLOTS = `range(epoch_ms($5::BIGINT), epoch_ms($6::BIGINT), INTERVAL '15 minutes') AS zone_slot_range(s)`;
const SLOT_JOIN = `JOIN zone_slots ON zone_slots.slot = time_bucket(INTERVAL '15 minutes', "ts")`;

describe('golden SQL: duckdb', () => {
  it('counts by UTC day with a plain date_trunc and no zone parameter', () => {
    expect(compile('countByDayUtc')).toEqual({
      sql: lines(
        `SELECT epoch_ms(date_trunc('day', "ts")) AS t, count(*) AS m0`,
        `FROM "events"`,
        `WHERE ${RANGE}`,
        `GROUP BY t`,
        `ORDER BY t ASC`,
      ),
      params: ['acme', FROM, TO],
    });
  });

  it('sums by channel with in and eq filters, paged', () => {
    expect(compile('sumByChannel')).toEqual({
      sql: lines(
        `SELECT "p_channel" AS d0, coalesce(sum("p_amount"), 0) AS m0`,
        `FROM "events"`,
        `WHERE ${RANGE} AND "p_currency" IN ($4, $5) AND "p_premium" = $6`,
        `GROUP BY d0`,
        `ORDER BY m0 DESC NULLS LAST, d0 ASC NULLS LAST`,
        `LIMIT $7 OFFSET $8`,
      ),
      params: ['acme', FROM, TO, 'EUR', 'USD', true, 10, 0],
    });
  });

  it('renders percentiles with a literal fraction, model events as FILTER and pruning in WHERE', () => {
    expect(compile('percentile')).toEqual({
      sql: lines(
        `SELECT quantile_cont("p_resolution_hours", 0.95) AS m0, quantile_cont("p_resolution_hours", 0.95) FILTER (WHERE "event" = $5) AS m1`,
        `FROM "events"`,
        `WHERE ${RANGE} AND "event" = $4`,
        `ORDER BY m0 DESC NULLS LAST`,
        `LIMIT $6 OFFSET $7`,
      ),
      params: ['acme', FROM, TO, 'ticket.resolved', 'ticket.resolved', 1000, 0],
    });
  });

  it('buckets ISO weeks on the Berlin wall clock with the zone bound once, converting per 15-minute slot', () => {
    expect(compile('berlinWeekly')).toEqual({
      sql: lines(
        `WITH zone_slots AS (SELECT s AS slot, epoch_ms(timezone($4, date_trunc('week', ${LOCAL_SLOT}))) AS slot_bucket FROM ${SLOTS})`,
        `SELECT zone_slots.slot_bucket AS t, count(*) AS m0, coalesce(sum("p_amount") FILTER (WHERE "event" = $7), 0) AS m1`,
        `FROM "events"`,
        SLOT_JOIN,
        `WHERE ${RANGE}`,
        `GROUP BY t`,
        `ORDER BY t ASC`,
      ),
      params: ['acme', FROM, TO, 'Europe/Berlin', FROM, TO, 'payment.completed'],
    });
  });

  it('floors short buckets on the local clock but keeps the instant offset', () => {
    expect(compile('fifteenMinutesNewYork')).toEqual({
      sql: lines(
        `WITH zone_slots AS (SELECT s AS slot, epoch_ms(s - (${LOCAL_SLOT} - time_bucket(INTERVAL '15 minutes', ${LOCAL_SLOT}))) AS slot_bucket FROM ${SLOTS})`,
        `SELECT zone_slots.slot_bucket AS t, count(*) AS m0`,
        `FROM "events"`,
        SLOT_JOIN,
        `WHERE ${RANGE}`,
        `GROUP BY t`,
        `ORDER BY t ASC`,
      ),
      params: ['acme', FROM, TO, 'America/New_York', FROM, TO],
    });
  });

  it('converts row by row for 5-minute buckets (finer than the slot table)', () => {
    const main = compileQuery({ ...cases.fifteenMinutesNewYork, granularity: '5m' }, testCatalog(), dialectFor('duckdb'), ctx).main;
    expect(main.sql).toBe(
      lines(
        `SELECT epoch_ms("ts" - (${LOCAL_TS} - time_bucket(INTERVAL '5 minutes', ${LOCAL_TS}))) AS t, count(*) AS m0`,
        `FROM "events"`,
        `WHERE ${RANGE}`,
        `GROUP BY t`,
        `ORDER BY t ASC`,
      ),
    );
  });

  it('reads undeclared props through bound JSON paths, cast with TRY_CAST for numbers', () => {
    expect(compile('undeclared')).toEqual({
      sql: lines(
        `SELECT json_extract_string("extra", $8) AS d0, count(*) AS m0, avg(TRY_CAST(json_extract_string("extra", $9) AS DOUBLE)) AS m1`,
        `FROM "events"`,
        `WHERE ${RANGE} AND json_extract_string("extra", $4) <> $5 AND TRY_CAST(json_extract_string("extra", $6) AS DOUBLE) >= $7`,
        `GROUP BY d0`,
        `ORDER BY m0 DESC NULLS LAST, d0 ASC NULLS LAST`,
        `LIMIT $10 OFFSET $11`,
      ),
      params: ['acme', FROM, TO, '$."plan"', 'free', '$."level"', 3, '$."plan"', '$."score"', 1000, 0],
    });
  });

  it('divides ratio parts as doubles and prunes to the union of their events', () => {
    expect(compile('ratio')).toEqual({
      sql: lines(
        `SELECT "p_channel" AS d0, CAST(count(*) FILTER (WHERE "event" = $6) AS DOUBLE) / NULLIF(CAST(count(*) FILTER (WHERE "event" = $7) AS DOUBLE), 0) AS m0, count(*) FILTER (WHERE "event" = $8) AS m1`,
        `FROM "events"`,
        `WHERE ${RANGE} AND "event" IN ($4, $5)`,
        `GROUP BY d0`,
        `ORDER BY m0 DESC NULLS LAST, d0 ASC NULLS LAST`,
        `LIMIT $9 OFFSET $10`,
      ),
      params: ['acme', FROM, TO, 'payment.failed', 'payment.completed', 'payment.failed', 'payment.completed', 'payment.completed', 1000, 0],
    });
  });

  it('answers time props (dimension, min, max) in epoch ms', () => {
    expect(compile('timeProp')).toEqual({
      sql: lines(
        `SELECT epoch_ms("p_due_at") AS d0, epoch_ms(min("p_due_at")) AS m0, epoch_ms(max("p_due_at")) AS m1`,
        `FROM "events"`,
        `WHERE ${RANGE}`,
        `GROUP BY d0`,
        `ORDER BY m0 DESC NULLS LAST, d0 ASC NULLS LAST`,
        `LIMIT $4 OFFSET $5`,
      ),
      params: ['acme', FROM, TO, 1000, 0],
    });
  });

  it('compiles every filter op', () => {
    const where = [
      RANGE,
      `"p_channel" = $4`,
      `"p_channel" <> $5`,
      `"p_currency" IS NULL`,
      `"p_currency" IS NOT NULL`,
      `"p_channel" IN ($6, $7)`,
      `"p_channel" NOT IN ($8)`,
      `"p_amount" > $9`,
      `"p_amount" >= $10`,
      `"p_amount" < $11`,
      `"p_amount" <= $12`,
      `contains("event", $13)`,
      `starts_with("actor", $14)`,
      `"p_premium" IS NOT NULL`,
      `json_extract_string("extra", $15) IS NULL`,
      `"p_due_at" >= epoch_ms($16::BIGINT)`,
    ];
    expect(compile('everyOp')).toEqual({
      sql: lines(`SELECT count(*) AS m0`, `FROM "events"`, `WHERE ${where.join(' AND ')}`, `ORDER BY m0 DESC NULLS LAST`, `LIMIT $17 OFFSET $18`),
      params: ['acme', FROM, TO, 'web', 'ios', 'web', 'ios', 'android', 1, 2, 3, 4, 'pay', 'u_', '$."coupon"', Date.parse('2026-11-01T00:00:00Z'), 1000, 0],
    });
  });
});
