/**
 * Two app instances sharing one Redis (the machine's server, a key prefix of this run): an answer
 * computed on one is an L2 hit on the other, concurrent misses run once, and an ingest on A makes
 * B's next read fresh (A drops the L2 entries, B its L1 entries through pub/sub).
 */
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { QuerySpec } from '../../../src/domain/query.js';
import { FIXTURE_END, fixtureEvents } from '../../fixtures/events.js';
import type { Cluster } from './cluster.js';
import { createCluster } from './cluster.js';
import { ingest, postQuery, recordStatements } from './helpers.js';
import { SHARED_REDIS_URL, dropPrefix, testPrefix } from '../../fixtures/redis.js';

const DAY = 86_400_000;
const prefix = testPrefix('two-instances');
let cluster: Cluster;
let token: string;
let statements: ReturnType<typeof recordStatements>;

beforeAll(async () => {
  cluster = await createCluster({ size: 2, redisUrl: SHARED_REDIS_URL, prefix, now: FIXTURE_END });
  await cluster.seed('acme', fixtureEvents(600));
  token = await cluster.token('acme');
  statements = recordStatements(cluster.store);
});
afterAll(async () => {
  await cluster.close();
  await dropPrefix(prefix);
});
beforeEach(() => statements.reset());

const A = () => cluster.instances[0]!.app;
const B = () => cluster.instances[1]!.app;

describe('two instances on one Redis', () => {
  it('an answer computed on A is an L2 hit on B, then an L1 hit there', async () => {
    const spec: QuerySpec = { metrics: ['count', 'revenue'], timeRange: { preset: '30d' } };
    expect((await postQuery(A(), token, spec)).body.meta.cache).toMatchObject({ hit: false });
    expect((await postQuery(B(), token, spec)).body.meta.cache).toMatchObject({ hit: true, layer: 'redis' });
    expect((await postQuery(B(), token, spec)).body.meta.cache).toMatchObject({ hit: true, layer: 'memory' });
    expect(statements.list).toHaveLength(1);
  });

  it('runs concurrent identical misses on both instances as one store query', async () => {
    const spec: QuerySpec = { metrics: ['p95(amount)'], dimensions: ['currency'], timeRange: { preset: '30d' } };
    const replies = await Promise.all([...Array.from({ length: 20 }, () => postQuery(A(), token, spec)), ...Array.from({ length: 20 }, () => postQuery(B(), token, spec))]);
    expect(statements.list).toHaveLength(1);
    expect(new Set(replies.map((r) => JSON.stringify(r.body.rows))).size).toBe(1);
  });

  it('an ingest on A makes the next read on B fresh', async () => {
    const key = await cluster.ingestKey('acme');
    const spec: QuerySpec = { metrics: ['payments'], timeRange: { preset: '7d' }, granularity: '1d' };
    const before = await postQuery(B(), token, spec); // computed on B: in B's L1 and in Redis
    expect((await postQuery(B(), token, spec)).body.meta.cache.layer).toBe('memory');
    await ingest(A(), key, [{ event: 'payment.completed', timestamp: FIXTURE_END - 2 * DAY, props: { amount: 3 } }]);
    // A replies once Redis took the notice; B drops its L1 copy when the notice reaches its
    // subscriber connection — within milliseconds, but not ordered with B's reads (docs/cache.md).
    let after = await postQuery(B(), token, spec);
    for (let tries = 0; after.body.meta.cache.hit && tries < 50; tries++) {
      await new Promise((resolve) => setTimeout(resolve, 20));
      after = await postQuery(B(), token, spec);
    }
    expect(after.body.meta.cache.hit).toBe(false);
    const total = (r: typeof before): number => r.body.rows.reduce((n, row) => n + (row['payments'] as number), 0);
    expect(total(after)).toBe(total(before) + 1);
  });

  it('keeps entries on B that an ingest on A cannot change', async () => {
    const key = await cluster.ingestKey('acme');
    const views: QuerySpec = { metrics: ['count'], filters: [{ field: 'event', op: 'eq', value: 'page.viewed' }], timeRange: { preset: '7d' } };
    await postQuery(B(), token, views);
    await ingest(A(), key, [{ event: 'payment.failed', timestamp: FIXTURE_END - DAY }]);
    expect((await postQuery(B(), token, views)).body.meta.cache).toMatchObject({ hit: true, layer: 'memory' });
  });

  it('an admin invalidation on A reaches B', async () => {
    const admin = await cluster.token('acme', 'admin');
    const spec: QuerySpec = { metrics: ['buyers'], timeRange: { preset: '30d' } };
    await postQuery(B(), token, spec);
    const res = await A().inject({ method: 'POST', url: '/api/v1/cache/invalidate', headers: { authorization: `Bearer ${admin}` }, payload: { metrics: ['buyers'] } });
    expect(res.statusCode).toBe(200);
    await new Promise((resolve) => setTimeout(resolve, 20)); // an admin request has no ordering with B's reads
    expect((await postQuery(B(), token, spec)).body.meta.cache.hit).toBe(false);
  });
});
