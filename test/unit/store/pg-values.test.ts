import { describe, expect, it } from 'vitest';
import { parseDate, parseTimestamp } from '../../../src/store/postgres/pg-values.js';

describe("PostgreSQL's text timestamps as epoch milliseconds", () => {
  it.each([
    ['2026-11-20 10:00:00+00', '2026-11-20T10:00:00Z'],
    ['2026-11-20 10:00:00.5+00', '2026-11-20T10:00:00.500Z'],
    ['2026-11-20 10:00:00.123456+00', '2026-11-20T10:00:00.123Z'],
    ['2026-11-20 10:00:00.999999+00', '2026-11-20T10:00:00.999Z'],
    ['2026-11-20 15:30:00+05:30', '2026-11-20T10:00:00Z'],
    ['2026-11-20 05:00:00-05', '2026-11-20T10:00:00Z'],
    ['1901-01-01 00:00:00+00:19:32', '1900-12-31T23:40:28Z'],
    ['2026-11-20 10:00:00', '2026-11-20T10:00:00Z'],
    ['1969-12-31 23:59:59.999+00', '1969-12-31T23:59:59.999Z'],
  ])('%s', (text, iso) => {
    expect(parseTimestamp(text)).toBe(Date.parse(iso));
  });

  it('keeps four-digit years below 100 (Date.UTC would read them as 19xx)', () => {
    expect(parseTimestamp('0050-06-01 00:00:00+00')).toBe(new Date('0050-06-01T00:00:00Z').getTime());
  });

  it('reads what is not an instant the engine can use as null', () => {
    expect(parseTimestamp('infinity')).toBeNull();
    expect(parseTimestamp('-infinity')).toBeNull();
    expect(parseTimestamp('0044-03-15 12:00:00+00 BC')).toBeNull();
  });

  it('reads a date as its UTC midnight', () => {
    expect(parseDate('2026-11-20')).toBe(Date.parse('2026-11-20T00:00:00Z'));
    expect(parseDate('infinity')).toBeNull();
  });
});
