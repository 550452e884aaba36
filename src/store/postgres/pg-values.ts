/**
 * Result values as the engine sees them (port.ts SqlValue): node-postgres hands BIGINT and NUMERIC
 * over as strings and timestamps as Date objects; the store turns them into numbers and epoch
 * milliseconds, like the DuckDB adapter does. JSON stays text, as DuckDB returns it.
 */
import pg from 'pg';
import type { CustomTypesConfig } from 'pg';

const OID = { int8: 20, numeric: 1700, date: 1082, timestamp: 1114, timestamptz: 1184, json: 114, jsonb: 3802 } as const;

/** `2026-11-20 10:00:00.123456+00`, `…+05:30`, or without an offset (a naive timestamp, read as UTC). */
const TIMESTAMP = /^(\d{4})-(\d\d)-(\d\d) (\d\d):(\d\d):(\d\d)(?:\.(\d{1,6}))?(?:([+-])(\d\d)(?::?(\d\d))?(?::?(\d\d))?)?$/;

/**
 * Epoch milliseconds of PostgreSQL's text form of a timestamp, floored like the dialect's epochMs
 * (sub-millisecond digits are cut, never rounded up). ±infinity and BC dates are not instants
 * the engine can use: they read as null.
 */
export function parseTimestamp(text: string): number | null {
  const m = TIMESTAMP.exec(text);
  if (m === null) return null;
  const [, y, mo, d, h, mi, s, frac, sign, oh, om, os] = m;
  const ms = frac === undefined ? 0 : Number(frac.padEnd(6, '0').slice(0, 3));
  const utc = Date.UTC(Number(y), Number(mo) - 1, Number(d), Number(h), Number(mi), Number(s), ms);
  // Date.UTC maps years 0–99 to 1900–1999; PostgreSQL's four digits mean what they say.
  const wall = Number(y) < 100 ? new Date(utc).setUTCFullYear(Number(y)) : utc;
  if (sign === undefined) return wall;
  const offset = ((Number(oh) * 60 + Number(om ?? 0)) * 60 + Number(os ?? 0)) * 1000;
  return sign === '+' ? wall - offset : wall + offset;
}

/** `2026-11-20` → epoch milliseconds of that day's UTC midnight (DuckDB's DATE converts the same way). */
export function parseDate(text: string): number | null {
  const m = /^(\d{4})-(\d\d)-(\d\d)$/.exec(text);
  return m === null ? null : Date.UTC(Number(m[1]), Number(m[2]) - 1, Number(m[3]));
}

const identity = (text: string): string => text;

const PARSERS = new Map<number, (text: string) => unknown>([
  [OID.int8, Number],
  [OID.numeric, Number],
  [OID.date, parseDate],
  [OID.timestamp, parseTimestamp],
  [OID.timestamptz, parseTimestamp],
  [OID.json, identity],
  [OID.jsonb, identity],
]);

/** The type parsers every connection of the store uses (text format; the store never asks for binary). */
export const TALLY_PG_TYPES: CustomTypesConfig = {
  getTypeParser: ((oid: number, format?: 'text' | 'binary') => PARSERS.get(oid) ?? pg.types.getTypeParser(oid, format ?? 'text')) as CustomTypesConfig['getTypeParser'],
};
