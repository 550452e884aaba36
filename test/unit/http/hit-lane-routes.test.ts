/** What the hit lane learns from the slow path stays bounded (http/hit-lane.ts remember). */
import { describe, expect, it } from 'vitest';
import type { LaneRoute, LaneSetup } from '../../../src/http/hit-lane.js';
import { HitLane, ROUTES_MAX } from '../../../src/http/hit-lane.js';

const ROUTE: LaneRoute = { key: 'k', org: 'acme', route: '/api/v1/dashboard/summary', permission: 'dashboard:read', rateClass: 'none', cacheControl: undefined, sub: 'u1' };

/** remember() only needs the lane started; its setup is not used for learning. */
function startedLane(): HitLane {
  const lane = new HitLane();
  lane.start({} as LaneSetup);
  return lane;
}

describe('HitLane.remember', () => {
  it('counts each (header, URL) pair once, however often it is learned again', () => {
    const lane = startedLane();
    lane.remember('Bearer a', 'a', '/x', ROUTE);
    lane.remember('Bearer a', 'a', '/x', ROUTE);
    lane.remember('Bearer a', 'a', '/y', ROUTE);
    lane.remember('Bearer b', 'b', '/x', ROUTE);
    expect(lane.learnedRoutes).toBe(3);
  });

  it('stays within its bound when one token learns many URLs, and when many tokens learn one', () => {
    const one = startedLane();
    for (let i = 0; i < ROUTES_MAX + 500; i++) one.remember('Bearer a', 'a', `/x?i=${i}`, ROUTE);
    expect(one.learnedRoutes).toBeLessThanOrEqual(ROUTES_MAX);
    expect(one.learnedRoutes).toBeGreaterThan(0);
    const many = startedLane();
    for (let i = 0; i < ROUTES_MAX + 500; i++) many.remember(`Bearer t${i}`, `t${i}`, '/x', ROUTE);
    expect(many.learnedRoutes).toBe(ROUTES_MAX);
  });

  it('learns nothing before it is started or after it stopped', () => {
    const lane = new HitLane();
    lane.remember('Bearer a', 'a', '/x', ROUTE);
    expect(lane.learnedRoutes).toBe(0);
    lane.start({} as LaneSetup);
    lane.remember('Bearer a', 'a', '/x', ROUTE);
    lane.stop();
    expect(lane.learnedRoutes).toBe(0);
  });
});
