import { describe, expect, it } from 'vitest';
import { QuerySlots } from '../../../src/ops/rate-limit/query-slots.js';

describe('QuerySlots', () => {
  it('caps running reads per org, queues the next in order, and refuses past the queue', async () => {
    const slots = new QuerySlots({ perOrg: 2, maxQueued: 1, waitMs: 5_000 });
    const a = await slots.acquire('acme');
    const b = await slots.acquire('acme');
    const other = await slots.acquire('globex'); // another org is not affected
    let granted = false;
    const queued = slots.acquire('acme').then((release) => {
      granted = true;
      return release;
    });
    await expect(slots.acquire('acme')).rejects.toMatchObject({ code: 'RATE_LIMITED' });
    expect(slots.stats()).toEqual({ running: 3, queued: 1 });
    await Promise.resolve();
    expect(granted).toBe(false);
    a();
    a(); // releasing twice frees one slot only
    const c = await queued;
    expect(granted).toBe(true);
    expect(slots.stats()).toEqual({ running: 3, queued: 0 });
    b();
    c();
    other();
    expect(slots.stats()).toEqual({ running: 0, queued: 0 });
  });

  it('gives up waiting after waitMs with QUERY_TIMEOUT', async () => {
    const slots = new QuerySlots({ perOrg: 1, maxQueued: 5, waitMs: 50 });
    const held = await slots.acquire('acme');
    await expect(slots.acquire('acme')).rejects.toMatchObject({ code: 'QUERY_TIMEOUT' });
    expect(slots.stats()).toEqual({ running: 1, queued: 0 });
    held();
  });
});
