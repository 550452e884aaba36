/** POST /retention: the cohort matrix against a reference over generated and hand-made events. */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { StoredEvent } from '../../../src/domain/event.js';
import type { RetentionResult } from '../../../src/engine/views/retention.js';
import type { ViewsFixture } from './setup.js';
import { DAY, FIXTURE_END, iso, viewsFixture } from './setup.js';

const START = Date.UTC(2026, 10, 9); // Monday 2026-11-09
const at = (actor: string, event: string, day: number, hour = 12): StoredEvent => ({ event, timestamp: START + day * DAY + hour * 3_600_000, actor, id: null, props: {} });
const COHORTS: StoredEvent[] = [
  at('old', 'app.opened', -20), at('old', 'app.opened', 1), // first seen before the range: in no cohort
  at('a', 'app.opened', 0), at('a', 'lesson.completed', 0), at('a', 'lesson.completed', 2),
  at('b', 'app.opened', 0), at('b', 'lesson.completed', 3),
  at('c', 'app.opened', 1), at('c', 'lesson.completed', 1), at('c', 'lesson.completed', 2), at('c', 'app.opened', 3),
  at('d', 'lesson.completed', 1), // never opened the app: no cohort
];

let f: ViewsFixture;
beforeAll(async () => {
  f = await viewsFixture({ extra: { cohorts: COHORTS } });
});
afterAll(() => f.close());

/** Reference: per day index d, first-ever cohortEvent per actor, returns per later day index. */
function reference(events: readonly StoredEvent[], cohortEvent: string, returnEvent: string, from: number, days: number) {
  const first = new Map<string, number>();
  for (const e of events) {
    if (e.event !== cohortEvent || e.actor === null || e.timestamp >= from + days * DAY) continue;
    first.set(e.actor, Math.min(first.get(e.actor) ?? Infinity, e.timestamp));
  }
  const index = (ms: number) => Math.floor((ms - from) / DAY);
  const sizes = new Array<number>(days).fill(0);
  const back = Array.from({ length: days }, (_, c) => new Array<number>(days - c).fill(0));
  const members = new Map<string, number>();
  for (const [actor, ts] of first) {
    if (ts < from) continue;
    const c = index(ts);
    sizes[c]!++;
    members.set(actor, c);
  }
  const seen = new Set<string>();
  for (const e of events) {
    if (e.event !== returnEvent || e.actor === null || e.timestamp < from || e.timestamp >= from + days * DAY) continue;
    const c = members.get(e.actor);
    const r = index(e.timestamp);
    if (c === undefined || r < c || seen.has(`${e.actor}|${r}`)) continue;
    seen.add(`${e.actor}|${r}`);
    back[c]![r - c]!++;
  }
  return { sizes, back };
}

describe('POST /retention', () => {
  it('builds daily cohorts by first app open with lesson returns (hand-made)', async () => {
    const { status, body } = await f.post<RetentionResult>(
      '/retention',
      { cohortEvent: 'app.opened', returnEvent: 'lesson.completed', period: '1d', timeRange: { from: iso(START), to: iso(START + 4 * DAY) } },
      'viewer', undefined, 'cohorts',
    );
    expect(status).toBe(200);
    expect(body.cohorts.map((c) => [c.cohort, c.size, c.returned])).toEqual([
      [iso(START), 2, [1, 0, 1, 1]],
      [iso(START + DAY), 1, [1, 1, 0]],
      [iso(START + 2 * DAY), 0, [0, 0]],
      [iso(START + 3 * DAY), 0, [0]],
    ]);
    expect(body.cohorts[0]!.rates).toEqual([0.5, 0, 0.5, 0.5]);
    expect(body.cohorts[2]!.rates).toEqual([null, null]);
    // Weighted by size over the cohorts that reach each offset: (1+1)/3, (0+1)/3, (1+0)/3, 1/2.
    expect(body.average).toEqual([2 / 3, 1 / 3, 1 / 3, 0.5]);
  });

  it('matches the reference on generated learning data (weekly and daily)', async () => {
    const from = FIXTURE_END - 12 * 3_600_000 - 10 * DAY; // a UTC midnight
    const { body } = await f.post<RetentionResult>('/retention', {
      cohortEvent: 'app.opened', returnEvent: 'quiz.submitted', period: '1d', timeRange: { from: iso(from), to: iso(from + 10 * DAY) },
    });
    const ref = reference(f.events, 'app.opened', 'quiz.submitted', from, 10);
    expect(body.cohorts.map((c) => c.size)).toEqual(ref.sizes);
    expect(body.cohorts.map((c) => c.returned)).toEqual(ref.back);
    expect(ref.sizes.reduce((a, b) => a + b, 0)).toBeGreaterThan(0);
    const weekly = await f.post<RetentionResult>('/retention', { cohortEvent: 'app.opened', period: '1w', timezone: 'Europe/Berlin', timeRange: { preset: '30d' } });
    expect(weekly.status).toBe(200);
    expect(weekly.body.returnEvent).toBe('app.opened');
    // Returning with the cohort event itself: everyone "returns" in their own period.
    for (const c of weekly.body.cohorts) if (c.size > 0) expect(c.rates[0]).toBe(1);
  });

  it('empty range and validation', async () => {
    const empty = await f.post<RetentionResult>('/retention', { cohortEvent: 'app.opened', period: '1d', timeRange: { from: '2020-01-01T00:00:00Z', to: '2020-01-03T00:00:00Z' } });
    expect(empty.body.cohorts).toEqual([
      { cohort: '2020-01-01T00:00:00.000Z', size: 0, returned: [0, 0], rates: [null, null] },
      { cohort: '2020-01-02T00:00:00.000Z', size: 0, returned: [0], rates: [null] },
    ]);
    expect(empty.body.average).toEqual([null, null]);
    expect((await f.post('/retention', { cohortEvent: 'app.opened', period: '1d', timeRange: { preset: '1y' } })).body.errors?.[0]?.path).toBe('/period');
    expect((await f.post('/retention', { cohortEvent: 'app.opened', period: '5m' })).status).toBe(400);
  });
});
