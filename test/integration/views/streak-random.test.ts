/**
 * Property: an actor's streaks follow its calendar days in the request's zone. Random activity
 * over five weeks (gaps, several events a day, days across DST changes and half-hour offsets) and a
 * random zone: `streak.current`, `longest` and `activeToday` from GET /actors/{actor}/insights must
 * equal a reference over local calendar dates computed with Intl. Runs on DuckDB and PostgreSQL.
 */
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { StoredEvent } from '../../../src/domain/event.js';
import type { TestApp } from '../../fixtures/app.js';
import { createTestApp } from '../../fixtures/app.js';
import { localParts } from '../../fixtures/reference.js';
import { FIXTURE_END } from './setup.js';

const RUNS = Number(process.env['TALLY_FUZZ_RUNS'] ?? 12) * 4;
const HOUR = 3_600_000;
const ZONES = ['UTC', 'Europe/Berlin', 'America/St_Johns', 'Pacific/Chatham', 'Australia/Lord_Howe', 'Asia/Kathmandu'];

/** The local calendar date of an instant as a day number (consecutive dates differ by 1, DST or not). */
function dayNumber(ms: number, zone: string): number {
  const p = localParts(ms, zone);
  return Date.UTC(p.y, p.m - 1, p.d) / 86_400_000;
}

function reference(times: number[], zone: string): { current: number; longest: number; activeToday: boolean } {
  const today = dayNumber(FIXTURE_END, zone);
  const days = new Set(times.map((t) => dayNumber(t, zone)).filter((d) => d <= today));
  const activeToday = days.has(today);
  let current = 0;
  for (let d = activeToday ? today : today - 1; days.has(d); d--) current++;
  let longest = 0;
  for (const d of days) {
    if (days.has(d - 1)) continue;
    let run = 0;
    while (days.has(d + run)) run++;
    longest = Math.max(longest, run);
  }
  return { current, longest, activeToday };
}

let t: TestApp;
let org = 0;

beforeAll(async () => {
  t = await createTestApp({ now: FIXTURE_END });
});
afterAll(() => t.close());

describe('streaks over random activity', () => {
  it('count consecutive local days as the calendar of the zone has them', { timeout: Math.max(30_000, RUNS * 500) }, async () => {
    // Hours before now: dense near now (so current streaks run), sparse further back.
    const hoursAgo = fc.oneof(fc.integer({ min: 0, max: 7 * 24 }), fc.integer({ min: 0, max: 35 * 24 }));
    await fc.assert(
      fc.asyncProperty(fc.array(hoursAgo, { minLength: 1, maxLength: 60 }), fc.constantFrom(...ZONES), async (hours, zone) => {
        const name = `streak-${org++}`;
        const times = hours.map((h) => FIXTURE_END - h * HOUR - (h % 7) * 60_000);
        const events = times.map((timestamp): StoredEvent => ({ event: 'page.viewed', timestamp, actor: 'u_s', id: null, props: { page: '/' } }));
        await t.seed(name, events);
        const res = await t.app.inject({ url: `/api/v1/actors/u_s/insights?range=30d&timezone=${encodeURIComponent(zone)}`, headers: { authorization: `Bearer ${await t.token(name, 'analyst')}` } });
        const what = `${zone} over hours ago ${JSON.stringify(hours)}`;
        expect(res.statusCode, `${what} → ${res.body}`).toBe(200);
        expect(res.json<{ streak: unknown }>().streak, what).toEqual(reference(times, zone));
      }),
      { numRuns: RUNS },
    );
  });
});
