/** Expected instants are written out by hand (offsets noted), never computed by the code under test. */
import { describe, expect, it } from 'vitest';
import { AppError } from '../../../src/domain/errors.js';
import type { Granularity, Preset } from '../../../src/domain/query.js';
import {
  autoGranularity,
  bucketStarts,
  compareSpan,
  floorToBucket,
  resolvePreset,
  type TimeSpan,
} from '../../../src/query/index.js';

const NOW = Date.parse('2026-11-20T10:30:00Z'); // a Friday; New York is on EST (-05:00) since Nov 1
const at = (iso: string): number => Date.parse(iso);
const isoSpan = (s: TimeSpan): [string, string] => [new Date(s.from).toISOString(), new Date(s.to).toISOString()];
const isoList = (ms: number[]): string[] => ms.map((m) => new Date(m).toISOString());
const span = (from: string, to: string): TimeSpan => ({ from: at(from), to: at(to) });
const NOW_ISO = '2026-11-20T10:30:00.000Z';

describe('presets', () => {
  const utc: Record<Preset, [string, string]> = {
    '1h': ['2026-11-20T09:30:00.000Z', NOW_ISO],
    '6h': ['2026-11-20T04:30:00.000Z', NOW_ISO],
    '24h': ['2026-11-19T10:30:00.000Z', NOW_ISO],
    '7d': ['2026-11-13T10:30:00.000Z', NOW_ISO],
    '30d': ['2026-10-21T10:30:00.000Z', NOW_ISO],
    '90d': ['2026-08-22T10:30:00.000Z', NOW_ISO],
    '1y': ['2025-11-20T10:30:00.000Z', NOW_ISO],
    today: ['2026-11-20T00:00:00.000Z', NOW_ISO],
    yesterday: ['2026-11-19T00:00:00.000Z', '2026-11-20T00:00:00.000Z'],
    this_week: ['2026-11-16T00:00:00.000Z', NOW_ISO],
    last_week: ['2026-11-09T00:00:00.000Z', '2026-11-16T00:00:00.000Z'],
    this_month: ['2026-11-01T00:00:00.000Z', NOW_ISO],
    last_month: ['2026-10-01T00:00:00.000Z', '2026-11-01T00:00:00.000Z'],
    this_year: ['2026-01-01T00:00:00.000Z', NOW_ISO],
    all: ['2025-11-20T10:30:00.000Z', NOW_ISO],
  };
  it.each(Object.entries(utc))('resolves %s in UTC', (preset, expected) => {
    expect(isoSpan(resolvePreset(preset as Preset, 'UTC', { now: NOW }))).toEqual(expected);
  });

  // Local now: 2026-11-20 05:30 EST. Before Nov 1 02:00 local the offset is EDT (-04:00).
  const newYork: Record<Preset, [string, string]> = {
    '1h': ['2026-11-20T09:30:00.000Z', NOW_ISO],
    '6h': ['2026-11-20T04:30:00.000Z', NOW_ISO],
    '24h': ['2026-11-19T10:30:00.000Z', NOW_ISO],
    '7d': ['2026-11-13T10:30:00.000Z', NOW_ISO], // Nov 13 05:30 EST
    '30d': ['2026-10-21T09:30:00.000Z', NOW_ISO], // Oct 21 05:30 EDT: same wall time, one hour less
    '90d': ['2026-08-22T09:30:00.000Z', NOW_ISO], // Aug 22 05:30 EDT
    '1y': ['2025-11-20T10:30:00.000Z', NOW_ISO], // 2025-11-20 05:30 EST
    today: ['2026-11-20T05:00:00.000Z', NOW_ISO],
    yesterday: ['2026-11-19T05:00:00.000Z', '2026-11-20T05:00:00.000Z'],
    this_week: ['2026-11-16T05:00:00.000Z', NOW_ISO], // Monday 00:00 EST
    last_week: ['2026-11-09T05:00:00.000Z', '2026-11-16T05:00:00.000Z'],
    this_month: ['2026-11-01T04:00:00.000Z', NOW_ISO], // Nov 1 00:00 is still EDT
    last_month: ['2026-10-01T04:00:00.000Z', '2026-11-01T04:00:00.000Z'],
    this_year: ['2026-01-01T05:00:00.000Z', NOW_ISO],
    all: ['2025-11-20T10:30:00.000Z', NOW_ISO],
  };
  it.each(Object.entries(newYork))('resolves %s in America/New_York', (preset, expected) => {
    expect(isoSpan(resolvePreset(preset as Preset, 'America/New_York', { now: NOW }))).toEqual(expected);
  });

  it('starts `all` at the first event, floored to the minute', () => {
    const s = resolvePreset('all', 'UTC', { now: NOW, dataStart: at('2024-05-06T07:08:09.123Z') });
    expect(isoSpan(s)).toEqual(['2024-05-06T07:08:00.000Z', NOW_ISO]);
  });
});

describe('buckets', () => {
  it('gives the Berlin spring-forward day 23 hours', () => {
    const b = bucketStarts(span('2026-03-27T23:00:00Z', '2026-03-30T22:00:00Z'), '1d', 'Europe/Berlin');
    // Mar 28 00:00 CET, Mar 29 00:00 CET, Mar 30 00:00 CEST
    expect(isoList(b)).toEqual(['2026-03-27T23:00:00.000Z', '2026-03-28T23:00:00.000Z', '2026-03-29T22:00:00.000Z']);
  });

  it('gives the Berlin fall-back day 25 hours', () => {
    const b = bucketStarts(span('2026-10-23T22:00:00Z', '2026-10-26T23:00:00Z'), '1d', 'Europe/Berlin');
    // Oct 24 00:00 CEST, Oct 25 00:00 CEST, Oct 26 00:00 CET
    expect(isoList(b)).toEqual(['2026-10-23T22:00:00.000Z', '2026-10-24T22:00:00.000Z', '2026-10-25T23:00:00.000Z']);
  });

  it('has 25 hourly buckets on the fall-back day, the repeated 02:00 twice', () => {
    const b = bucketStarts(span('2026-10-24T22:00:00Z', '2026-10-25T23:00:00Z'), '1h', 'Europe/Berlin');
    expect(b).toHaveLength(25);
    expect(isoList(b).slice(0, 5)).toEqual([
      '2026-10-24T22:00:00.000Z', // 00:00 CEST
      '2026-10-24T23:00:00.000Z', // 01:00 CEST
      '2026-10-25T00:00:00.000Z', // 02:00 CEST
      '2026-10-25T01:00:00.000Z', // 02:00 CET
      '2026-10-25T02:00:00.000Z', // 03:00 CET
    ]);
  });

  it('has 23 hourly buckets on the spring-forward day', () => {
    expect(bucketStarts(span('2026-03-28T23:00:00Z', '2026-03-29T22:00:00Z'), '1h', 'Europe/Berlin')).toHaveLength(23);
  });

  it('aligns 6h buckets to the local clock across the DST jump', () => {
    const b = bucketStarts(span('2026-03-28T23:00:00Z', '2026-03-29T22:00:00Z'), '6h', 'Europe/Berlin');
    // 00:00 CET, then 06:00, 12:00, 18:00 CEST
    expect(isoList(b)).toEqual(['2026-03-28T23:00:00.000Z', '2026-03-29T04:00:00.000Z', '2026-03-29T10:00:00.000Z', '2026-03-29T16:00:00.000Z']);
  });

  it('gives New York its 25-hour day on 2026-11-01', () => {
    const b = bucketStarts(span('2026-10-31T04:00:00Z', '2026-11-03T05:00:00Z'), '1d', 'America/New_York');
    expect(isoList(b)).toEqual(['2026-10-31T04:00:00.000Z', '2026-11-01T04:00:00.000Z', '2026-11-02T05:00:00.000Z']);
  });

  it('takes the later instant for an ambiguous local midnight, as DuckDB and PostgreSQL do', () => {
    // Havana falls back at 01:00 CDT on 2026-11-01, so 00:00–01:00 happens twice (04:00Z and 05:00Z).
    const b = bucketStarts(span('2026-10-31T04:00:00Z', '2026-11-02T05:00:00Z'), '1d', 'America/Havana');
    expect(isoList(b)).toEqual(['2026-10-31T04:00:00.000Z', '2026-11-01T05:00:00.000Z']);
  });

  it('uses the offset from before the gap for a skipped local midnight', () => {
    // Havana springs forward at 00:00 CST on 2026-03-08; "00:00" is read as 00:00 CST = 01:00 CDT.
    const b = bucketStarts(span('2026-03-07T05:00:00Z', '2026-03-09T05:00:00Z'), '1d', 'America/Havana');
    expect(isoList(b)).toEqual(['2026-03-07T05:00:00.000Z', '2026-03-08T05:00:00.000Z', '2026-03-09T04:00:00.000Z']);
  });

  it('moves the hourly grid with a 30-minute DST shift (Lord Howe)', () => {
    // 2026-04-05 02:00 +11:00 (15:00Z) becomes 01:30 +10:30; local hours then start at :30 UTC.
    const b = bucketStarts(span('2026-04-04T13:00:00Z', '2026-04-04T16:00:00Z'), '1h', 'Australia/Lord_Howe');
    expect(isoList(b)).toEqual(['2026-04-04T13:00:00.000Z', '2026-04-04T14:00:00.000Z', '2026-04-04T14:30:00.000Z', '2026-04-04T15:30:00.000Z']);
  });

  it('starts at the floor of `from` and stops before `to`', () => {
    const b = bucketStarts(span('2026-11-13T10:30:00Z', NOW_ISO), '1d', 'UTC');
    expect(isoList(b)).toEqual([
      '2026-11-13T00:00:00.000Z',
      '2026-11-14T00:00:00.000Z',
      '2026-11-15T00:00:00.000Z',
      '2026-11-16T00:00:00.000Z',
      '2026-11-17T00:00:00.000Z',
      '2026-11-18T00:00:00.000Z',
      '2026-11-19T00:00:00.000Z',
      '2026-11-20T00:00:00.000Z',
    ]);
  });

  it('starts weeks on Monday in the zone', () => {
    const b = bucketStarts(span('2026-11-01T00:00:00Z', '2026-11-08T00:00:00Z'), '1w', 'Europe/Berlin');
    // Sunday Nov 1 01:00 CET belongs to the week of Monday Oct 26 00:00 CET
    expect(isoList(b)).toEqual(['2026-10-25T23:00:00.000Z', '2026-11-01T23:00:00.000Z']);
  });

  it.each<[string, Granularity, string, string]>([
    ['2026-11-15T12:00:00Z', '1mo', 'America/New_York', '2026-11-01T04:00:00.000Z'],
    ['2026-05-10T12:00:00Z', '1q', 'UTC', '2026-04-01T00:00:00.000Z'],
    ['2026-06-01T12:00:00Z', '1y', 'Europe/Berlin', '2025-12-31T23:00:00.000Z'],
    ['2026-03-29T01:37:00Z', '15m', 'Asia/Kathmandu', '2026-03-29T01:30:00.000Z'], // 07:22 +05:45 → 07:15
    ['2026-03-29T10:10:00Z', '30m', 'Asia/Kolkata', '2026-03-29T10:00:00.000Z'], // 15:40 +05:30 → 15:30
    ['2026-03-29T10:10:00Z', '1h', 'Asia/Kolkata', '2026-03-29T09:30:00.000Z'], // 15:40 → 15:00
    ['2026-03-29T10:17:59Z', '5m', 'UTC', '2026-03-29T10:15:00.000Z'],
    ['2026-03-29T10:17:59Z', '1m', 'UTC', '2026-03-29T10:17:00.000Z'],
  ])('floors %s to %s in %s', (instant, g, zone, expected) => {
    expect(new Date(floorToBucket(at(instant), g, zone)).toISOString()).toBe(expected);
  });

  it('steps the month buckets of New York across the offset change', () => {
    const b = bucketStarts(span('2026-10-15T00:00:00Z', '2026-12-15T00:00:00Z'), '1mo', 'America/New_York');
    expect(isoList(b)).toEqual(['2026-10-01T04:00:00.000Z', '2026-11-01T04:00:00.000Z', '2026-12-01T05:00:00.000Z']);
  });

  it('allows 10000 buckets and refuses 10001 with TOO_MANY_BUCKETS on /granularity', () => {
    const from = '2026-01-01T00:00:00Z';
    expect(bucketStarts(span(from, '2026-01-07T22:40:00Z'), '1m', 'UTC')).toHaveLength(10_000); // 10000 minutes
    let err: unknown;
    try {
      bucketStarts(span(from, '2026-01-07T22:41:00Z'), '1m', 'UTC');
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(AppError);
    expect(err).toMatchObject({ code: 'TOO_MANY_BUCKETS', errors: [{ path: '/granularity' }] });
  });
});

describe('auto granularity', () => {
  it.each<[string, TimeSpan, Granularity]>([
    ['1h', span('2026-11-20T09:30:00Z', NOW_ISO), '1m'],
    ['200 minutes', span('2026-11-20T00:00:00Z', '2026-11-20T03:20:00Z'), '1m'],
    ['201 minutes', span('2026-11-20T00:00:00Z', '2026-11-20T03:21:00Z'), '5m'],
    ['24h', span('2026-11-19T10:30:00Z', NOW_ISO), '15m'],
    ['7d', span('2026-11-13T10:30:00Z', NOW_ISO), '1h'],
    ['30d', span('2026-10-21T10:30:00Z', NOW_ISO), '6h'],
    ['90d', span('2026-08-22T10:30:00Z', NOW_ISO), '1d'],
    ['1y', span('2025-11-20T10:30:00Z', NOW_ISO), '1w'],
    ['10 years', span('2016-01-01T00:00:00Z', '2026-01-01T00:00:00Z'), '1mo'],
    ['40 years', span('1986-01-01T00:00:00Z', '2026-01-01T00:00:00Z'), '1q'],
    ['100 years', span('1926-01-01T00:00:00Z', '2026-01-01T00:00:00Z'), '1y'],
  ])('picks the finest granularity with at most 200 buckets for %s', (_name, s, expected) => {
    expect(autoGranularity(s, 'UTC')).toBe(expected);
  });
});

describe('comparison windows', () => {
  it('puts previous_period right before the window, same length', () => {
    const prev = compareSpan('previous_period', span('2026-11-10T00:00:00Z', '2026-11-20T00:00:00Z'), 'UTC');
    expect(isoSpan(prev)).toEqual(['2026-10-31T00:00:00.000Z', '2026-11-10T00:00:00.000Z']);
  });

  it('shifts previous_year by a calendar year on the local clock', () => {
    // 2026-03-29 (23 h in Berlin) compares with 2025-03-29 (a normal 24 h day: DST began Mar 30, 2025)
    const prev = compareSpan('previous_year', span('2026-03-28T23:00:00Z', '2026-03-29T22:00:00Z'), 'Europe/Berlin');
    expect(isoSpan(prev)).toEqual(['2025-03-28T23:00:00.000Z', '2025-03-29T23:00:00.000Z']);
  });

  it('maps Feb 29 to Feb 28 of the previous year', () => {
    const prev = compareSpan('previous_year', span('2024-02-29T00:00:00Z', '2024-03-01T00:00:00Z'), 'UTC');
    expect(isoSpan(prev)).toEqual(['2023-02-28T00:00:00.000Z', '2023-03-01T00:00:00.000Z']);
  });

  it('uses an explicit window as given', () => {
    const prev = compareSpan({ from: at('2025-01-01T00:00:00Z'), to: at('2025-02-01T00:00:00Z') }, span('2026-01-01T00:00:00Z', '2026-02-01T00:00:00Z'), 'UTC');
    expect(isoSpan(prev)).toEqual(['2025-01-01T00:00:00.000Z', '2025-02-01T00:00:00.000Z']);
  });
});
