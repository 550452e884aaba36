/** POST /funnels: ordered steps within a window, out-of-order steps, and a generic reference. */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { StoredEvent } from '../../../src/domain/event.js';
import type { FunnelResult } from '../../../src/engine/views/funnels.js';
import type { ViewsFixture } from './setup.js';
import { DAY, FIXTURE_END, funnelReference, iso, viewsFixture } from './setup.js';

const M = 60_000;
const T = FIXTURE_END - 2 * DAY;
const e = (actor: string, event: string, minutes: number, props: StoredEvent['props'] = {}): StoredEvent => ({
  event, timestamp: T + minutes * M, actor, id: null, props,
});
const VIEW = 'page.viewed';
const CART = 'cart.added';
const PAY = 'payment.completed';
const SHOP: StoredEvent[] = [
  e('A', VIEW, 0), e('A', CART, 10), e('A', PAY, 20), // converts
  e('B', CART, 0), e('B', VIEW, 5), e('B', PAY, 10), // cart before the view: stops after step 1
  e('C', VIEW, 0), e('C', CART, 50), e('C', PAY, 70), // pays after the 1 h window
  e('D', VIEW, 0), e('D', PAY, 5), e('D', CART, 10), // pays before adding to cart
  e('E', PAY, 0), // never enters
  e('F', VIEW, 0), e('F', VIEW, 30), e('F', CART, 30), e('F', PAY, 30), // same instant as the cart: not after it
  e('G', VIEW, 0, { channel: 'ios' }), e('G', CART, 1, { channel: 'ios' }), e('G', PAY, 2, { channel: 'ios' }),
];

let f: ViewsFixture;
beforeAll(async () => {
  f = await viewsFixture({ extra: { shop: SHOP } });
});
afterAll(() => f.close());

const RANGE = { from: iso(T - DAY), to: iso(T + DAY) };

describe('POST /funnels', () => {
  it('counts ordered steps within the window; out-of-order and late steps do not count', async () => {
    const { status, body } = await f.post<FunnelResult>('/funnels', { steps: [VIEW, CART, PAY], window: '1h', timeRange: RANGE }, 'viewer', undefined, 'shop');
    expect(status).toBe(200);
    expect(funnelReference(SHOP, [VIEW, CART, PAY], 60 * M, T - DAY, T + DAY).counts).toEqual([6, 5, 2]);
    expect(body.steps.map((s) => s.count)).toEqual([6, 5, 2]);
    expect(body.steps.map((s) => s.conversion)).toEqual([1, 5 / 6, 2 / 6]);
    expect(body.steps.map((s) => s.stepConversion)).toEqual([1, 5 / 6, 2 / 5]);
    expect(body.steps.map((s) => s.dropOff)).toEqual([0, 1, 3]);
    // A: 10 min and 10 min; C, D, F, G: 50, 10, 30, 1 min to the cart; G: 1 min to pay.
    expect(body.steps[1]!.medianMsFromPrevious).toBe(10 * M);
    expect(body.steps[2]!.medianMsFromPrevious).toBe(5.5 * M);
  });

  it('a longer window lets the late payment count; step filters narrow a step', async () => {
    const wide = await f.post<FunnelResult>('/funnels', { steps: [VIEW, CART, PAY], window: '2h', timeRange: RANGE }, 'analyst', undefined, 'shop');
    expect(wide.body.steps.map((s) => s.count)).toEqual([6, 5, 3]);
    const ios = await f.post<FunnelResult>(
      '/funnels',
      { steps: [VIEW, { event: PAY, filters: [{ field: 'channel', op: 'eq', value: 'ios' }], label: 'paid on iOS' }], window: '1h', timeRange: RANGE },
      'analyst', undefined, 'shop',
    );
    expect(ios.body.steps.map((s) => [s.label, s.count])).toEqual([[VIEW, 6], ['paid on iOS', 1]]);
  });

  it('matches the reference on generated shop data', async () => {
    const steps = ['page.viewed', 'cart.added', 'checkout.started', 'payment.completed'];
    const from = FIXTURE_END - 7 * DAY;
    const { body } = await f.post<FunnelResult>('/funnels', { steps, window: '1d', timeRange: { preset: '7d' } });
    const expected = funnelReference(f.events, steps, DAY, from, FIXTURE_END).counts;
    expect(expected[3]).toBeGreaterThan(0);
    expect(body.steps.map((s) => s.count)).toEqual(expected);
  });

  it('empty range, one event, and validation', async () => {
    const empty = await f.post<FunnelResult>('/funnels', { steps: [VIEW, PAY], timeRange: { from: '2020-01-01T00:00:00Z', to: '2020-01-02T00:00:00Z' } });
    expect(empty.body.steps.map((s) => [s.count, s.conversion])).toEqual([[0, null], [0, null]]);
    await f.t.seed('solo', [e('Z', VIEW, 0)]);
    const one = await f.post<FunnelResult>('/funnels', { steps: [VIEW, PAY], timeRange: RANGE }, 'analyst', undefined, 'solo');
    expect(one.body.steps.map((s) => s.count)).toEqual([1, 0]);
    expect((await f.post('/funnels', { steps: [VIEW] })).status).toBe(400);
    expect((await f.post('/funnels', { steps: [VIEW, PAY], window: '1y' })).body.errors?.[0]?.path).toBe('/window');
    expect((await f.post('/funnels', { steps: [VIEW, PAY], window: '91d' })).body.errors?.[0]?.path).toBe('/window');
  });
});
