import { describe, expect, it } from 'vitest';
import { compileQuery, dialectFor } from '../../../src/query/index.js';
import { testCatalog } from '../../fixtures/catalog.js';
import { type CaseName, FROM, TO, cases, ctx } from './golden-cases.js';

const compile = (name: CaseName) => compileQuery(cases[name], testCatalog(), dialectFor('postgres'), ctx).main;
const lines = (...l: string[]): string => l.join('\n');
const RANGE = `"org_id" = $1 AND "ts" >= to_timestamp($2::double precision / 1000) AND "ts" < to_timestamp($3::double precision / 1000)`;
const LOCAL_TS = `("ts" AT TIME ZONE $4::text)`;
const LOCAL_SLOT = `(s AT TIME ZONE $4::text)`;
const TO_SLOT = `to_timestamp($6::double precision / 1000)`;
const SLOTS = `(SELECT s FROM generate_series(to_timestamp($5::double precision / 1000), ${TO_SLOT}, INTERVAL '15 minutes') AS zone_slot_series(s) WHERE s < ${TO_SLOT}) AS zone_slot_range`;
const SLOT_JOIN = `JOIN zone_slots ON zone_slots.slot = date_bin(INTERVAL '15 minutes', "ts", TIMESTAMPTZ '2000-01-01 00:00:00+00')`;
const ms = (instant: string): string => `floor(extract(epoch from ${instant}) * 1000)::bigint`;
const NUMBER_TEXT = String.raw`'^\s*[-+]?([0-9]{1,200}(\.[0-9]{0,100})?|\.[0-9]{1,100})([eE][-+]?[0-9]{1,2})?\s*$'`;
const tryDouble = (text: string): string => `CASE WHEN ${text} ~ ${NUMBER_TEXT} THEN CAST(${text} AS double precision) END`;

describe('golden SQL: postgres', () => {
  it('counts by UTC day through the zone parameter (ts is timestamptz; the session zone must not matter)', () => {
    expect(compile('countByDayUtc')).toEqual({
      sql: lines(
        `SELECT ${ms(`(date_trunc('day', ${LOCAL_TS}) AT TIME ZONE $4::text)`)} AS t, count(*) AS m0`,
        `FROM "events"`,
        `WHERE ${RANGE}`,
        `GROUP BY t`,
        `ORDER BY t ASC`,
      ),
      params: ['acme', FROM, TO, 'UTC'],
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

  it('renders percentile_cont WITHIN GROUP, with FILTER after it', () => {
    expect(compile('percentile')).toEqual({
      sql: lines(
        `SELECT percentile_cont(0.95) WITHIN GROUP (ORDER BY "p_resolution_hours") AS m0, percentile_cont(0.95) WITHIN GROUP (ORDER BY "p_resolution_hours") FILTER (WHERE "event" = $5) AS m1`,
        `FROM "events"`,
        `WHERE ${RANGE} AND "event" = $4`,
        `ORDER BY m0 DESC NULLS LAST`,
        `LIMIT $6 OFFSET $7`,
      ),
      params: ['acme', FROM, TO, 'ticket.resolved', 'ticket.resolved', 1000, 0],
    });
  });

  it('buckets ISO weeks on the Berlin wall clock', () => {
    expect(compile('berlinWeekly')).toEqual({
      sql: lines(
        `WITH zone_slots AS (SELECT s AS slot, ${ms(`(date_trunc('week', ${LOCAL_SLOT}) AT TIME ZONE $4::text)`)} AS slot_bucket FROM ${SLOTS})`,
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

  it('floors short buckets with date_bin on the local clock, keeping the instant offset', () => {
    expect(compile('fifteenMinutesNewYork')).toEqual({
      sql: lines(
        `WITH zone_slots AS (SELECT s AS slot, ${ms(`s - (${LOCAL_SLOT} - date_bin(INTERVAL '15 minutes', ${LOCAL_SLOT}, TIMESTAMP '2000-01-01'))`)} AS slot_bucket FROM ${SLOTS})`,
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

  it('reads undeclared props with ->> and a bound key, cast only when the text is a number', () => {
    expect(compile('undeclared')).toEqual({
      sql: lines(
        `SELECT ("extra" ->> $8::text) AS d0, count(*) AS m0, avg(${tryDouble(`("extra" ->> $9::text)`)}) AS m1`,
        `FROM "events"`,
        `WHERE ${RANGE} AND ("extra" ->> $4::text) <> $5 AND ${tryDouble(`("extra" ->> $6::text)`)} >= $7`,
        `GROUP BY d0`,
        `ORDER BY m0 DESC NULLS LAST, d0 ASC NULLS LAST`,
        `LIMIT $10 OFFSET $11`,
      ),
      params: ['acme', FROM, TO, 'plan', 'free', 'level', 3, 'plan', 'score', 1000, 0],
    });
  });

  it('divides ratio parts as double precision and prunes to the union of their events', () => {
    expect(compile('ratio')).toEqual({
      sql: lines(
        `SELECT "p_channel" AS d0, CAST(count(*) FILTER (WHERE "event" = $6) AS double precision) / NULLIF(CAST(count(*) FILTER (WHERE "event" = $7) AS double precision), 0) AS m0, count(*) FILTER (WHERE "event" = $8) AS m1`,
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
        `SELECT ${ms('"p_due_at"')} AS d0, ${ms('min("p_due_at")')} AS m0, ${ms('max("p_due_at")')} AS m1`,
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
      `(strpos("event", $13) > 0)`,
      `starts_with("actor", $14)`,
      `"p_premium" IS NOT NULL`,
      `("extra" ->> $15::text) IS NULL`,
      `"p_due_at" >= to_timestamp($16::double precision / 1000)`,
    ];
    expect(compile('everyOp')).toEqual({
      sql: lines(`SELECT count(*) AS m0`, `FROM "events"`, `WHERE ${where.join(' AND ')}`, `ORDER BY m0 DESC NULLS LAST`, `LIMIT $17 OFFSET $18`),
      params: ['acme', FROM, TO, 'web', 'ios', 'web', 'ios', 'android', 1, 2, 3, 4, 'pay', 'u_', 'coupon', Date.parse('2026-11-01T00:00:00Z'), 1000, 0],
    });
  });
});
