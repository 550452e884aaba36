/**
 * Redis killed mid-test (a private redis-server of this test, never the shared one): reads keep
 * working from L1 and the store without waiting on Redis, ingest still invalidates, readiness
 * says degraded, and once Redis is back L2 fills again and the missed invalidations are replayed.
 * Redis slow (DEBUG SLEEP): a read pays at most one command timeout.
 */
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { QuerySpec } from '../../../src/domain/query.js';
import { createRedis } from '../../../src/ops/redis.js';
import { FIXTURE_END, fixtureEvents } from '../../fixtures/events.js';
import type { Cluster } from './cluster.js';
import { createCluster } from './cluster.js';
import { ingest, postQuery } from './helpers.js';
import type { PrivateRedis } from '../../fixtures/redis.js';
import { privateRedis } from '../../fixtures/redis.js';

const DAY = 86_400_000;
const prefix = 'tally-test:outage:';
let redis: PrivateRedis;
let cluster: Cluster;
let token: string;
let probe: Redis;

async function until(check: () => boolean | Promise<boolean>, ms: number): Promise<void> {
  const deadline = Date.now() + ms;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error('condition not reached in time');
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}


beforeAll(async () => {
  redis = await privateRedis();
  cluster = await createCluster({ size: 1, redisUrl: redis.url, prefix, now: FIXTURE_END, cache: { redisTimeoutMs: 200 }, opsRedis: () => createRedis(redis.url, { commandTimeoutMs: 200 }) });
  await cluster.seed('acme', fixtureEvents(500));
  token = await cluster.token('acme');
  probe = new Redis(redis.url, { maxRetriesPerRequest: 0, retryStrategy: () => 100, lazyConnect: true });
  probe.on('error', () => undefined); // it reconnects by itself once the server is back
});
afterAll(async () => {
  await cluster.close();
  probe.disconnect();
  await redis.stop();
});

const instance = () => cluster.instances[0]!;
const redisLayer = () => {
  const layer = instance().cache.layered.redis;
  if (!layer) throw new Error('the cluster runs without an L2 layer');
  return layer;
};
const l2Keys = async (): Promise<number> => (await probe.keys(`${prefix}e:*`)).length;
const ready = async () => (await instance().app.inject({ method: 'GET', url: '/health/ready' })).json();

describe('Redis down, slow, and back', () => {
  const cached: QuerySpec = { metrics: ['count'], timeRange: { preset: '30d' } };

  it('fills L2 while Redis is up', async () => {
    await probe.connect();
    // The instance's own client may still be finishing its first connection.
    await until(() => instance().cache.layered.redis?.connected === true, 5000);
    await postQuery(instance().app, token, cached);
    expect(await l2Keys()).toBeGreaterThan(0);
    // The ops client connects on its own; on a loaded machine its first PING can miss the 200 ms
    // command timeout, so readiness is polled rather than read once.
    await until(async () => (await ready()).checks.redis.status === 'ok', 5000);
  });

  it('keeps answering when Redis is killed: L1 hits, misses computed, no waiting on Redis', async () => {
    await redis.stop();
    await until(() => !instance().cache.layered.redis?.connected, 5000);
    const errorsBefore = redisLayer().errors;
    const hit = await postQuery(instance().app, token, cached);
    expect(hit.body.meta.cache).toMatchObject({ hit: true, layer: 'memory' });
    const miss = await postQuery(instance().app, token, { metrics: ['revenue'], timeRange: { preset: '7d' } });
    expect(miss.body.meta.cache.hit).toBe(false);
    // No command was even tried (none failed): a disconnected Redis is skipped, never waited on.
    expect(redisLayer().errors).toBe(errorsBefore);
    expect((await postQuery(instance().app, token, { metrics: ['revenue'], timeRange: { preset: '7d' } })).body.meta.cache.layer).toBe('memory');
  });

  it('still invalidates on ingest, and reports degraded', async () => {
    const key = await cluster.ingestKey('acme');
    const before = await postQuery(instance().app, token, cached);
    await ingest(instance().app, key, [{ event: 'page.viewed', timestamp: FIXTURE_END - DAY }]);
    const after = await postQuery(instance().app, token, cached);
    expect(after.body.meta.cache.hit).toBe(false);
    expect(after.body.rows[0]?.['count']).toBe((before.body.rows[0]?.['count'] as number) + 1);
    expect(instance().cache.layered.invalidator.pending).toBeGreaterThan(0);
    const health = await ready();
    expect(health.status).toBe('degraded');
    expect(health.checks.redis.status).toBe('down');
    expect(await instance().cache.redisHealth()).toMatchObject({ status: 'degraded' });
    const stats = instance().cache.stats();
    expect(stats.layers.redis.connected).toBe(false);
  });

  it('recovers when Redis returns: L2 fills again and missed invalidations are replayed', async () => {
    await redis.start();
    await until(() => instance().cache.layered.redis?.connected === true, 15_000);
    await until(() => instance().cache.layered.invalidator.pending === 0, 5000);
    await until(async () => (await instance().cache.redisHealth()).status === 'ok', 5000);
    await until(() => probe.status === 'ready', 5000);
    // Notices sent while the subscriber was away are lost, so L1 was dropped on resubscribing.
    await until(() => instance().cache.stats().invalidations.resyncs >= 1, 5000);
    expect(instance().cache.stats().layers.memory.entries).toBe(0);
    const spec: QuerySpec = { metrics: ['payments'], timeRange: { preset: '24h' } };
    await postQuery(instance().app, token, spec);
    expect(await l2Keys()).toBeGreaterThan(0);
    expect((await ready()).status).toBe('ok');
  });

  it('pays at most about one command timeout while Redis is slow', async () => {
    const sleeper = new Redis(redis.url);
    let redisAwake = false;
    const sleeping = sleeper.call('DEBUG', 'SLEEP', '3').then(() => {
      redisAwake = true;
    });
    await new Promise((resolve) => setTimeout(resolve, 50));
    const errorsBefore = redisLayer().errors;
    const first = await postQuery(instance().app, token, { metrics: ['failures'], timeRange: { preset: '30d' } });
    // The first read paid one command timeout (one failed command), not Redis' 3 s sleep.
    expect(redisAwake).toBe(false);
    expect(redisLayer().errors).toBeGreaterThan(errorsBefore);
    const errorsAfterFirst = redisLayer().errors;
    const second = await postQuery(instance().app, token, { metrics: ['attempts'], timeRange: { preset: '30d' } });
    // Redis is skipped for a moment after a timeout: the second read tried no command at all.
    expect(redisLayer().errors).toBe(errorsAfterFirst);
    expect(redisAwake).toBe(false);
    await sleeping;
    sleeper.disconnect();
    expect([first.body.meta.cache.hit, second.body.meta.cache.hit]).toEqual([false, false]);
  });
});
