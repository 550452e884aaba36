/** GET /leaderboard: competition ranks, percentiles, ties, paging and `me`. */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { StoredEvent } from '../../../src/domain/event.js';
import type { InsightsResult } from '../../../src/engine/views/insights.js';
import type { LeaderboardResult } from '../../../src/engine/views/leaderboard.js';
import { agg, groupBy } from '../../fixtures/reference.js';
import type { ViewsFixture } from './setup.js';
import { DAY, FIXTURE_END, rankReference, viewsFixture, within } from './setup.js';

const xp = (actor: string, amount: number, ago = DAY): StoredEvent => ({
  event: 'lesson.completed', timestamp: FIXTURE_END - ago, actor, id: null, props: { xp: amount, course: 'algebra-1' },
});
// a: 30, b: 30, c: 20, d: 10, e: 10 (two events), f: only opened the app (no XP event: not a participant).
const TIES: StoredEvent[] = [
  xp('a', 30), xp('b', 10), xp('b', 20), xp('c', 20), xp('d', 10), xp('e', 5), xp('e', 5),
  { event: 'app.opened', timestamp: FIXTURE_END - DAY, actor: 'f', id: null, props: {} },
];

let f: ViewsFixture;
beforeAll(async () => {
  f = await viewsFixture({ extra: { ties: TIES } });
});
afterAll(() => f.close());

describe('GET /leaderboard', () => {
  it('ranks actors by the model default (xp_earned, 7d) against a reference', async () => {
    const { status, body } = await f.get<LeaderboardResult>('/leaderboard?limit=25');
    expect(status).toBe(200);
    const rows = within(f.events, FIXTURE_END - 7 * DAY, FIXTURE_END).filter((e) => e.event === 'lesson.completed' || e.event === 'quiz.submitted');
    const values = new Map([...groupBy(rows, (e) => e.actor!)].map(([actor, list]) => [actor, agg.sum(list, 'xp')]));
    const ranks = rankReference(values);
    const order = [...values].sort((a, b) => b[1] - a[1] || a[0].localeCompare(b[0]));
    expect(body.metric).toBe('xp_earned');
    expect(body.participants).toBe(values.size);
    expect(body.entries.map((e) => e.actor)).toEqual(order.slice(0, 25).map(([a]) => a));
    for (const e of body.entries) {
      expect(e.value).toBe(values.get(e.actor));
      expect(e.rank).toBe(ranks.get(e.actor)!.rank);
      expect(e.percentile).toBeCloseTo(ranks.get(e.actor)!.percentile, 2);
    }
    expect(body.me).toBeUndefined();
  });

  it('gives tied values the same rank and skips the next (competition ranking 1, 1, 3, 4, 4)', async () => {
    const { body } = await f.get<LeaderboardResult>('/leaderboard?metric=xp_earned', 'viewer', 'c', 'ties');
    expect(body.entries).toEqual([
      { rank: 1, actor: 'a', value: 30, percentile: 75 },
      { rank: 1, actor: 'b', value: 30, percentile: 75 },
      { rank: 3, actor: 'c', value: 20, percentile: 50 },
      { rank: 4, actor: 'd', value: 10, percentile: 0 },
      { rank: 4, actor: 'e', value: 10, percentile: 0 },
    ]);
    expect(body.participants).toBe(5);
    expect(body.me).toEqual({ actor: 'c', rank: 3, value: 20, percentile: 50, gapToNext: 10 });
  });

  it('me: the best has no gap; a non-participant has no rank; pages keep me', async () => {
    const best = await f.get<LeaderboardResult>('/leaderboard?metric=xp_earned&limit=1', 'viewer', 'b', 'ties');
    expect(best.body.entries).toEqual([{ rank: 1, actor: 'a', value: 30, percentile: 75 }]);
    expect(best.body.me).toEqual({ actor: 'b', rank: 1, value: 30, percentile: 75, gapToNext: null });
    const idle = await f.get<LeaderboardResult>('/leaderboard?metric=xp_earned', 'viewer', 'f', 'ties');
    expect(idle.body.me).toEqual({ actor: 'f', rank: null, value: null, percentile: null, gapToNext: null });
    const page = await f.get<LeaderboardResult>('/leaderboard?metric=xp_earned&limit=2&offset=2', 'viewer', 'a', 'ties');
    expect(page.body.entries.map((e) => e.actor)).toEqual(['c', 'd']);
    expect(page.body.me?.rank).toBe(1);
    const beyond = await f.get<LeaderboardResult>('/leaderboard?metric=xp_earned&offset=50', 'analyst', undefined, 'ties');
    expect(beyond.body).toMatchObject({ entries: [], participants: 5 });
  });

  it('order=asc ranks the lowest first; count ranks every actor with any event', async () => {
    const asc = await f.get<LeaderboardResult>('/leaderboard?metric=xp_earned&order=asc', 'analyst', undefined, 'ties');
    expect(asc.body.entries.map((e) => [e.rank, e.actor])).toEqual([[1, 'd'], [1, 'e'], [3, 'c'], [4, 'a'], [4, 'b']]);
    const count = await f.get<LeaderboardResult>('/leaderboard?metric=count', 'analyst', undefined, 'ties');
    expect(count.body.participants).toBe(6);
    // b and e have two events each; a, c, d and f one: 4 of the 5 others are strictly below.
    expect(count.body.entries.slice(0, 3)).toEqual([
      { rank: 1, actor: 'b', value: 2, percentile: 80 },
      { rank: 1, actor: 'e', value: 2, percentile: 80 },
      { rank: 3, actor: 'a', value: 1, percentile: 0 },
    ]);
  });

  it('an empty range has no participants; one participant is rank 1 at percentile 0', async () => {
    const empty = await f.get<LeaderboardResult>('/leaderboard?from=2020-01-01T00:00:00Z&to=2020-01-02T00:00:00Z', 'viewer', 'a');
    expect(empty.body).toMatchObject({ entries: [], participants: 0, me: { rank: null } });
    await f.t.seed('solo', [xp('only', 15)]);
    const one = await f.get<LeaderboardResult>('/leaderboard', 'viewer', 'only', 'solo');
    expect(one.body.entries).toEqual([{ rank: 1, actor: 'only', value: 15, percentile: 0 }]);
    expect(one.body.me).toEqual({ actor: 'only', rank: 1, value: 15, percentile: 0, gapToNext: null });
  });

  it("insights rank the actor exactly like the leaderboard's me (ties included)", async () => {
    for (const actor of ['a', 'b', 'c', 'd', 'e']) {
      const board = await f.get<LeaderboardResult>('/leaderboard?metric=xp_earned', 'viewer', actor, 'ties');
      const mine = await f.get<InsightsResult>(`/actors/${actor}/insights?range=7d`, 'viewer', actor, 'ties');
      const { actor: _, ...me } = board.body.me!;
      expect({ ...mine.body.rank, metric: undefined }).toEqual({ ...me, participants: 5, metric: undefined });
    }
  });

  it('names bad parameters', async () => {
    expect((await f.get('/leaderboard?metric=nope')).body).toMatchObject({ code: 'UNKNOWN_METRIC', errors: [{ path: '/metric' }] });
    expect((await f.get('/leaderboard?limit=1001')).body).toMatchObject({ code: 'LIMIT_TOO_LARGE', errors: [{ path: '/limit' }] });
    expect((await f.get('/leaderboard?model=nope')).body.errors?.[0]?.path).toBe('/model');
  });
});
