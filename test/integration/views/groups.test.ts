/** GET /groups/{dimension}/{value}: members, active members, averages, top and bottom performers. */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { GroupResult } from '../../../src/engine/views/groups.js';
import { agg, groupBy } from '../../fixtures/reference.js';
import type { ViewsFixture } from './setup.js';
import { DAY, FIXTURE_END, closeTo, metricValue, viewsFixture, within } from './setup.js';

let f: ViewsFixture;
beforeAll(async () => {
  f = await viewsFixture();
});
afterAll(() => f.close());

describe('GET /groups/{dimension}/{value}', () => {
  it('answers a class against a reference', async () => {
    const klass = 'class-002';
    const { status, body } = await f.get<GroupResult>(`/groups/class/${klass}?range=7d&limit=3`);
    expect(status).toBe(200);
    const inClass = f.events.filter((e) => e.props['class'] === klass && e.timestamp < FIXTURE_END);
    const recent = within(inClass, FIXTURE_END - 7 * DAY, FIXTURE_END);
    expect(body.members).toBe(agg.countDistinct(inClass, 'actor'));
    const active = agg.countDistinct(recent, 'actor');
    expect(body.activeMembers).toBe(active);
    expect(body.members).toBeGreaterThan(body.activeMembers);
    for (const m of body.metrics) {
      const value = metricValue(f.t.catalog, m.metric, recent);
      expect(closeTo(m.value, value), m.metric).toBe(true);
      const additive = m.metric !== 'avg_score';
      expect(closeTo(m.perActiveMember, additive && value !== null ? value / active : null), m.metric).toBe(true);
    }
    const xp = [...groupBy(recent, (e) => e.actor!)].map(([actor, list]) => ({ actor, value: metricValue(f.t.catalog, 'xp_earned', list) ?? 0 }));
    const desc = [...xp].sort((a, b) => b.value - a.value || a.actor.localeCompare(b.actor));
    const asc = [...xp].sort((a, b) => a.value - b.value || a.actor.localeCompare(b.actor));
    expect(body.rankedBy).toBe('xp_earned');
    expect(body.top).toEqual(desc.slice(0, 3));
    expect(body.bottom).toEqual(asc.slice(0, 3));
  });

  it('a group with members but none active in the range; a group without members is 404', async () => {
    const { status, body } = await f.get<GroupResult>('/groups/class/class-002?from=2020-01-01T00:00:00Z&to=2020-01-08T00:00:00Z');
    expect(status).toBe(200);
    expect(body).toMatchObject({ activeMembers: 0, top: [], bottom: [] });
    expect(body.members).toBeGreaterThan(0);
    expect((await f.get('/groups/class/class-999')).status).toBe(404);
  });

  it('takes the longest value a string prop can hold in the path, and names a longer one', async () => {
    // 1,000 characters (two-byte UTF-8, 6,000 characters of path once percent-encoded).
    const longest = 'é'.repeat(1000);
    expect((await f.get(`/groups/class/${encodeURIComponent(longest)}`)).status).toBe(404);
    const longer = await f.get(`/groups/class/${encodeURIComponent(longest + 'é')}`);
    expect(longer.status).toBe(400);
    expect(longer.body.errors?.[0]?.path).toBe('/params/value');
  });

  it('typed values: a boolean dimension', async () => {
    const { status, body } = await f.get<GroupResult>('/groups/passed/true?range=30d');
    expect(status).toBe(200);
    expect(body.value).toBe(true);
    expect((await f.get('/groups/passed/maybe')).body.errors?.[0]?.path).toBe('/value');
    expect((await f.get('/groups/colour/red')).body.errors?.[0]?.path).toBe('/dimension');
  });
});
