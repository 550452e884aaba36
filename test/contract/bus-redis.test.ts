/** Runs against the Redis at REDIS_URL (default 127.0.0.1:6379) with a unique prefix; keys are removed after. */
import { randomUUID } from 'node:crypto';
import { Redis } from 'ioredis';
import { afterAll } from 'vitest';
import { RedisBus } from '../../src/live/bus/redis-bus.js';
import { busContract } from './bus.contract.js';

const url = process.env['REDIS_URL'] ?? 'redis://127.0.0.1:6379';
const prefix = `tally-test:${randomUUID()}:`;

afterAll(async () => {
  const admin = new Redis(url);
  const keys: string[] = [];
  for await (const batch of admin.scanStream({ match: `${prefix}*`, count: 1000 })) keys.push(...(batch as string[]));
  if (keys.length > 0) await admin.del(...keys);
  await admin.quit();
});

busContract('redis', async () => {
  const a = await RedisBus.open({ url, prefix });
  const b = await RedisBus.open({ url, prefix });
  return { a, b, close: async () => void (await Promise.all([a.close(), b.close()])) };
});
