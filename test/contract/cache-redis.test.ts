import { Redis } from 'ioredis';
import { afterAll, describe, expect, it, vi } from 'vitest';
import { RedisLayer } from '../../src/cache/redis.js';
import { SHARED_REDIS_URL, dropPrefix, testPrefix } from '../fixtures/redis.js';
import { FakeClock, cacheLayerContract, entry, tags } from './cache.contract.js';

const prefix = testPrefix('contract');
const client = new Redis(SHARED_REDIS_URL, { enableOfflineQueue: true, maxRetriesPerRequest: 1 });
afterAll(async () => {
  await dropPrefix(prefix);
  client.disconnect();
});

cacheLayerContract('redis (ioredis)', async (clock) => {
  if (client.status !== 'ready') await new Promise((resolve) => client.once('ready', resolve));
  const layer = new RedisLayer(client, { prefix, indexTtlMs: 600_000, now: clock.now });
  return { layer, cleanup: () => layer.clear() };
});

describe('RedisLayer.get under load', () => {
  it('sends the gets of one event-loop turn as one MGET, each distinct key once', async () => {
    if (client.status !== 'ready') await new Promise((resolve) => client.once('ready', resolve));
    const clock = new FakeClock();
    const layer = new RedisLayer(client, { prefix: `${prefix}batch:`, indexTtlMs: 600_000, now: clock.now });
    await layer.set('a', entry(clock, 'A', tags('acme')));
    await layer.set('b', entry(clock, 'B', tags('acme')));
    const mget = vi.spyOn(client, 'mgetBuffer');
    try {
      const got = await Promise.all(Array.from({ length: 100 }, (_, i) => layer.get(i % 2 === 0 ? 'a' : 'b')));
      expect(got.map((e) => e?.prefix.toString())).toEqual(Array.from({ length: 100 }, (_, i) => (i % 2 === 0 ? 'A' : 'B')));
      expect(mget).toHaveBeenCalledTimes(1);
      expect(mget.mock.calls[0]).toEqual([layer.entryKey('a'), layer.entryKey('b')]);
      // A get in a later turn is a round trip of its own.
      await layer.get('a');
      expect(mget).toHaveBeenCalledTimes(2);
    } finally {
      mget.mockRestore();
      await layer.clear();
    }
  });
});
