/** GET /realtime on the engine clock: active actors, last minute, last 30 minutes per minute. */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { StoredEvent } from '../../../src/domain/event.js';
import type { RealtimeResult } from '../../../src/engine/views/realtime.js';
import type { ViewsFixture } from './setup.js';
import { FIXTURE_END, iso, viewsFixture } from './setup.js';

const NOW = FIXTURE_END + 25_000; // 12:00:25: the current minute is running
const s = 1000;
const at = (ago: number, actor: string, event = 'app.opened'): StoredEvent => ({ event, timestamp: NOW - ago, actor, id: null, props: {} });
const LIVE: StoredEvent[] = [
  at(0, 'a'), at(30 * s, 'a'), at(59 * s, 'b'), at(61 * s, 'c', 'payment.completed'), at(4 * 60 * s, 'd'),
  at(5 * 60 * s + 1, 'e'), at(29 * 60 * s, 'f'), at(31 * 60 * s, 'g'), at(-10 * s, 'future'),
];

let f: ViewsFixture;
beforeAll(async () => {
  f = await viewsFixture({ sizes: { learning: 200, support: 100, commerce: 100 }, extra: { live: LIVE }, now: NOW });
});
afterAll(() => f.close());

describe('GET /realtime', () => {
  it('counts against a reference computed from the fixture events', async () => {
    const { status, body } = await f.get<RealtimeResult>('/realtime', 'viewer', undefined, 'live');
    expect(status).toBe(200);
    const past = LIVE.filter((e) => e.timestamp <= NOW);
    expect(body.activeActors).toBe(new Set(past.filter((e) => e.timestamp >= NOW - 300 * s).map((e) => e.actor)).size);
    expect(body.activeActors).toBe(4);
    expect(body.eventsLastMinute).toBe(past.filter((e) => e.timestamp >= NOW - 60 * s).length);
    expect(body.perMinute).toHaveLength(30);
    const minute = Math.floor(NOW / 60_000) * 60_000;
    body.perMinute.forEach((n, i) => {
      const start = minute - (29 - i) * 60_000;
      expect(n, iso(start)).toBe(past.filter((e) => e.timestamp >= start && e.timestamp < start + 60_000).length);
    });
    expect(body.minutes[29]).toBe(iso(minute));
    expect(body.now).toBe(iso(NOW));
  });

  it('narrows to a model or events; an org without events answers zeros', async () => {
    const commerce = await f.get<RealtimeResult>('/realtime?model=commerce', 'viewer', undefined, 'live');
    expect(commerce.body.activeActors).toBe(1);
    const opened = await f.get<RealtimeResult>('/realtime?event=app.opened', 'viewer', undefined, 'live');
    expect(opened.body.eventsLastMinute).toBe(3);
    const none = await f.get<RealtimeResult>('/realtime', 'viewer', undefined, 'nobody');
    expect(none.body).toMatchObject({ activeActors: 0, eventsLastMinute: 0, perMinute: new Array(30).fill(0) });
  });
});
