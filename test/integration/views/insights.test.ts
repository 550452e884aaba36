/**
 * GET /actors/{actor}/insights: totals, daily series, breakdown, rank, streaks in the request
 * timezone (including across a local midnight), last seen, 404 vs empty, and the viewer rule.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { StoredEvent } from '../../../src/domain/event.js';
import type { InsightsResult } from '../../../src/engine/views/insights.js';
import { agg, groupBy, localDayKey } from '../../fixtures/reference.js';
import type { ViewsFixture } from './setup.js';
import { DAY, FIXTURE_END, closeTo, iso, metricValue, rankReference, viewsFixture, within } from './setup.js';

/** FIXTURE_END is 2026-11-20T12:00Z. Berlin is UTC+1 and New York UTC−5 in November. */
const at = (isoTime: string, actor = 's1', event = 'app.opened'): StoredEvent => ({ event, timestamp: Date.parse(isoTime), actor, id: null, props: {} });
const STREAK: StoredEvent[] = [
  at('2026-11-17T23:10:00Z'), // UTC 17th · Berlin 18th 00:10 · New York 17th
  at('2026-11-18T22:30:00Z'), // UTC 18th · Berlin 18th 23:30 · New York 18th
  at('2026-11-19T23:30:00Z'), // UTC 19th · Berlin 20th 00:30 · New York 19th
  at('2026-11-10T12:00:00Z'), // an older run of two days
  at('2026-11-11T12:00:00Z'),
  at('2026-11-20T09:00:00Z', 's2'), // s2: active today only
  at('2026-11-19T09:00:00Z', 's3', 'ticket.created'), // s3: only a support event — not a learning day
];

/** The reference streak: consecutive local days ending today (or yesterday), by calendar-day keys. */
function referenceStreak(times: number[], zone: string): number {
  const days = new Set(times.map((t) => localDayKey(t, zone)));
  const key = (d: Date) => d.toISOString().slice(0, 10);
  const cursor = new Date(`${localDayKey(FIXTURE_END, zone)}T00:00:00Z`);
  if (!days.has(key(cursor))) cursor.setUTCDate(cursor.getUTCDate() - 1);
  let n = 0;
  while (days.has(key(cursor))) {
    n++;
    cursor.setUTCDate(cursor.getUTCDate() - 1);
  }
  return n;
}

let f: ViewsFixture;
beforeAll(async () => {
  f = await viewsFixture({ extra: { streaks: STREAK } });
});
afterAll(() => f.close());

function busiestLearner(): string {
  const learning = f.events.filter((e) => e.event === 'lesson.completed');
  return [...groupBy(learning, (e) => e.actor!)].sort((a, b) => b[1].length - a[1].length || a[0].localeCompare(b[0]))[0]![0];
}

describe('GET /actors/{actor}/insights', () => {
  it("answers the model's actor metrics, daily series, course breakdown, rank and last seen", async () => {
    const actor = busiestLearner();
    const { status, body } = await f.get<InsightsResult>(`/actors/${actor}/insights?range=7d`);
    expect(status).toBe(200);
    const from = FIXTURE_END - 7 * DAY;
    const mine = f.events.filter((e) => e.actor === actor);
    const current = within(mine, from, FIXTURE_END);
    const catalog = f.t.catalog;
    const metrics = ['xp_earned', 'lessons_completed', 'quizzes_passed', 'avg_score', 'time_spent'];
    expect(Object.keys(body.totals)).toEqual(metrics);
    for (const m of metrics) {
      expect(closeTo(body.totals[m], metricValue(catalog, m, current)), m).toBe(true);
      expect(closeTo(body.previous[m], metricValue(catalog, m, within(mine, from - 7 * DAY, from))), m).toBe(true);
    }
    expect(body.series.buckets).toHaveLength(8);
    body.series.buckets.forEach((bucket, i) => {
      const day = current.filter((e) => iso(e.timestamp).slice(0, 10) === bucket.slice(0, 10));
      expect(closeTo(body.series.values['xp_earned']![i], metricValue(catalog, 'xp_earned', day))).toBe(true);
    });
    // Like any query, the breakdown reads only the events its metrics read (lessons and quizzes).
    const read = current.filter((e) => e.props['course'] != null && (e.event === 'lesson.completed' || e.event === 'quiz.submitted'));
    const courses = groupBy(read, (e) => e.props['course']);
    expect(body.breakdown!.dimension).toBe('course');
    expect(body.breakdown!.items.map((i) => i.value).sort()).toEqual([...courses.keys()].sort());
    for (const item of body.breakdown!.items) {
      expect(closeTo(item.metrics['lessons_completed'], metricValue(catalog, 'lessons_completed', courses.get(item.value as string)!))).toBe(true);
    }
    const xpRows = within(f.events, from, FIXTURE_END).filter((e) => e.event === 'lesson.completed' || e.event === 'quiz.submitted');
    const ranks = rankReference(new Map([...groupBy(xpRows, (e) => e.actor!)].map(([a, l]) => [a, agg.sum(l, 'xp')])));
    expect(body.rank).toMatchObject({ metric: 'xp_earned', rank: ranks.get(actor)!.rank, participants: ranks.size });
    expect(body.rank.percentile).toBeCloseTo(ranks.get(actor)!.percentile, 2);
    expect(body.lastSeen).toBe(iso(Math.max(...mine.map((e) => e.timestamp))));
    const learningDays = new Set(mine.filter((e) => e.timestamp < FIXTURE_END && f.t.catalog.models[0]!.events.includes(e.event)).map((e) => iso(e.timestamp).slice(0, 10)));
    expect(body.streak.current).toBe(referenceStreak([...learningDays].map((d) => Date.parse(`${d}T12:00:00Z`)), 'UTC'));
  });

  it.each([
    ['UTC', 3, false],
    ['Europe/Berlin', 1, true],
    ['America/New_York', 3, false],
  ] as const)('counts a streak across local midnights in %s', async (zone, expected, today) => {
    const { status, body } = await f.get<InsightsResult>(`/actors/s1/insights?timezone=${zone}`, 'analyst', undefined, 'streaks');
    expect(status).toBe(200);
    const times = STREAK.filter((e) => e.actor === 's1').map((e) => e.timestamp);
    expect(referenceStreak(times, zone)).toBe(expected);
    expect(body.streak).toMatchObject({ current: expected, activeToday: today });
    expect(body.streak.longest).toBeGreaterThanOrEqual(expected);
    expect(body.lastSeen).toBe('2026-11-19T23:30:00.000Z');
  });

  it('a streak is not broken before the day is over; a day without model events does not count', async () => {
    const s2 = await f.get<InsightsResult>('/actors/s2/insights', 'analyst', undefined, 'streaks');
    expect(s2.body.streak).toEqual({ current: 1, longest: 1, activeToday: true });
    const s3 = await f.get<InsightsResult>('/actors/s3/insights', 'analyst', undefined, 'streaks');
    expect(s3.status).toBe(200);
    expect(s3.body.streak).toEqual({ current: 0, longest: 0, activeToday: false });
    expect(s3.body.lastSeen).toBe('2026-11-19T09:00:00.000Z');
  });

  it('an actor seen before but idle in the range answers 200 with zeros; a never-seen actor is 404', async () => {
    const idle = await f.get<InsightsResult>('/actors/s1/insights?from=2026-11-01T00:00:00Z&to=2026-11-05T00:00:00Z', 'analyst', undefined, 'streaks');
    expect(idle.status).toBe(200);
    expect(idle.body.totals).toMatchObject({ xp_earned: 0, lessons_completed: 0, avg_score: null });
    expect(idle.body.series.values['xp_earned']).toEqual([0, 0, 0, 0]);
    expect(idle.body.activeDays).toBe(0);
    expect(idle.body.rank).toMatchObject({ rank: null, participants: 0 });
    const missing = await f.get('/actors/nobody/insights');
    expect(missing.status).toBe(404);
    expect(missing.body.code).toBe('NOT_FOUND');
  });

  it("another org's actor looks exactly like one that does not exist", async () => {
    const theirs = await f.get('/actors/s1/insights', 'analyst');
    const nobody = await f.get('/actors/nobody/insights', 'analyst');
    expect(theirs.status).toBe(404);
    expect({ ...theirs.body, detail: '' }).toEqual({ ...nobody.body, detail: '' });
  });

  it('a viewer may read only its own actor; analysts any actor of their org', async () => {
    expect((await f.get('/actors/s1/insights', 'viewer', 's1', 'streaks')).status).toBe(200);
    const other = await f.get('/actors/s2/insights', 'viewer', 's1', 'streaks');
    expect(other.status).toBe(403);
    expect((await f.get('/actors/s2/insights', 'viewer', undefined, 'streaks')).status).toBe(403);
    expect((await f.get('/actors/s2/insights', 'analyst', 's1', 'streaks')).status).toBe(200);
  });

  it('takes ?model= (support: tickets per category)', async () => {
    const customer = f.events.find((e) => e.event === 'ticket.created' && e.timestamp > FIXTURE_END - 5 * DAY)!.actor!;
    const { body } = await f.get<InsightsResult>(`/actors/${customer}/insights?model=support`);
    expect(body.model).toBe('support');
    expect(Object.keys(body.totals)).toEqual(['tickets', 'resolved', 'avg_resolution_hours', 'avg_csat']);
    expect(body.breakdown?.dimension).toBe('category');
    expect(body.rank.metric).toBe('tickets');
  });
});
