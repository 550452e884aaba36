import { Redis } from 'ioredis';
import { afterAll } from 'vitest';
import { RedisLayer } from '../../src/cache/redis.js';
import { SHARED_REDIS_URL, dropPrefix, testPrefix } from '../fixtures/redis.js';
import { cacheLayerContract } from './cache.contract.js';

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
