/** GET /activity: newest first, cursor pages that neither skip nor repeat, even during ingest. */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { StoredEvent } from '../../../src/domain/event.js';
import type { ActivityEvent, ActivityResult } from '../../../src/engine/views/activity.js';
import type { ViewsFixture } from './setup.js';
import { FIXTURE_END, iso, viewsFixture } from './setup.js';

const T = FIXTURE_END - 3_600_000;
const ev = (i: number, ts: number, actor = `a${i % 3}`): StoredEvent => ({
  event: i % 2 ? 'lesson.completed' : 'app.opened', timestamp: ts, actor, id: `e${i}`, props: { xp: i, course: 'algebra-1', note: `n${i}` },
});
// 12 events, several sharing a timestamp (a page boundary will fall inside such a group), and one
// in the future (not shown until its time has come).
const FEED: StoredEvent[] = [
  ...Array.from({ length: 5 }, (_, i) => ev(i, T)),
  ...Array.from({ length: 4 }, (_, i) => ev(5 + i, T - 60_000 * (i + 1))),
  ev(9, T - 600_000), ev(10, T - 600_000), ev(11, T - 700_000),
  ev(99, FIXTURE_END + 60_000),
];

let f: ViewsFixture;
beforeAll(async () => {
  f = await viewsFixture({ sizes: { learning: 500, support: 200, commerce: 200 }, extra: { feed: FEED } });
});
afterAll(() => f.close());

async function page(query: string, role: 'analyst' | 'viewer' = 'analyst', actor?: string) {
  return f.get<ActivityResult>(`/activity?${query}`, role, actor, 'feed');
}

describe('GET /activity', () => {
  it('returns the newest events first with their props (typed and undeclared)', async () => {
    const { status, body } = await page('limit=3');
    expect(status).toBe(200);
    expect(body.events).toHaveLength(3);
    expect(body.events.every((e) => e.timestamp === iso(T))).toBe(true);
    const first = body.events[0]!;
    const source = FEED.find((e) => e.id === first.id)!;
    expect(first).toEqual({ event: source.event, timestamp: iso(T), actor: source.actor, id: source.id, props: source.props });
    expect(body.nextCursor).toEqual(expect.any(String));
  });

  it('pages through everything exactly once, in time order, across equal timestamps', async () => {
    const seen: ActivityEvent[] = [];
    let cursor: string | null = null;
    do {
      const { body }: { body: ActivityResult } = await page(`limit=4${cursor ? `&before=${cursor}` : ''}`);
      seen.push(...body.events);
      cursor = body.nextCursor;
    } while (cursor);
    const expected = FEED.filter((e) => e.timestamp <= FIXTURE_END);
    expect(seen.map((e) => e.id).sort()).toEqual(expected.map((e) => e.id).sort());
    const times = seen.map((e) => Date.parse(e.timestamp));
    expect([...times].sort((a, b) => b - a)).toEqual(times);
  });

  it('stays exact when events arrive between pages (at the boundary timestamp and newer)', async () => {
    const first = await page('limit=3');
    await f.t.seed('feed', [ev(50, T), ev(51, T), ev(52, T + 1000)]);
    const rest: ActivityEvent[] = [];
    let cursor: string | null = first.body.nextCursor;
    while (cursor) {
      const { body }: { body: ActivityResult } = await page(`limit=5&before=${cursor}`);
      rest.push(...body.events);
      cursor = body.nextCursor;
    }
    const ids = [...first.body.events, ...rest].map((e) => e.id);
    expect(new Set(ids).size).toBe(ids.length);
    for (const e of FEED.filter((x) => x.timestamp <= FIXTURE_END)) expect(ids).toContain(e.id);
    // Later arrivals at the boundary timestamp still show up on a later page; newer ones belong to a fresh first page.
    expect(ids).toEqual(expect.arrayContaining(['e50', 'e51']));
    expect(ids).not.toContain('e52');
  });

  it('filters by event and actor; a viewer with an actor sees only its own events', async () => {
    const lessons = await page('event=lesson.completed&limit=100');
    expect(lessons.body.events.every((e) => e.event === 'lesson.completed')).toBe(true);
    const mine = await page('limit=100', 'viewer', 'a1');
    expect(mine.body.events.length).toBeGreaterThan(0);
    expect(mine.body.events.every((e) => e.actor === 'a1')).toBe(true);
    const byActor = await page('actor=a2&limit=100');
    expect(byActor.body.events.every((e) => e.actor === 'a2')).toBe(true);
  });

  it('an empty org has no events and no cursor; bad cursors and limits are 400', async () => {
    const empty = await f.get<ActivityResult>('/activity', 'analyst', undefined, 'nobody');
    expect(empty.body).toMatchObject({ events: [], nextCursor: null });
    expect((await page('before=not-a-cursor')).body).toMatchObject({ code: 'VALIDATION', errors: [{ path: '/before' }] });
    expect((await page('limit=1001')).body).toMatchObject({ code: 'LIMIT_TOO_LARGE', errors: [{ path: '/limit' }] });
  });
});
