/**
 * Two app instances sharing one Redis (the machine's server, a key prefix of this run): an answer
 * computed on one is an L2 hit on the other, concurrent misses run once, and an ingest on A makes
 * B's next read fresh (A drops the L2 entries, B its L1 entries through pub/sub, and A replies
 * once B answered that it did).
 */
import { Redis } from 'ioredis';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { QuerySpec } from '../../../src/domain/query.js';
import { FIXTURE_END, fixtureEvents } from '../../fixtures/events.js';
import type { Cluster } from './cluster.js';
import { createCluster } from './cluster.js';
import type { QueryReply } from './helpers.js';
import { ingest, postQuery, recordStatements } from './helpers.js';
import { SHARED_REDIS_URL, dropPrefix, testPrefix } from '../../fixtures/redis.js';

const DAY = 86_400_000;
const PEER_ACK_TIMEOUT_MS = 150;
const prefix = testPrefix('two-instances');
let cluster: Cluster;
let token: string;
let statements: ReturnType<typeof recordStatements>;

beforeAll(async () => {
  cluster = await createCluster({ size: 2, redisUrl: SHARED_REDIS_URL, prefix, now: FIXTURE_END, cache: { peerAckTimeoutMs: PEER_ACK_TIMEOUT_MS } });
  await cluster.seed('acme', fixtureEvents(600));
  token = await cluster.token('acme');
  statements = recordStatements(cluster.store);
});
afterAll(async () => {
  await cluster.close();
  await dropPrefix(prefix);
});
beforeEach(() => statements.reset());

/** Stops reading from `client`'s socket for `ms`: what it is sent waits in the socket meanwhile. */
function holdFor(client: Redis, ms: number): void {
  client.stream.pause();
  setTimeout(() => client.stream.resume(), ms);
}

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

  it('an ingest on A makes the next read on B fresh, every time', async () => {
    const key = await cluster.ingestKey('acme');
    const spec: QuerySpec = { metrics: ['payments'], timeRange: { preset: '7d' }, granularity: '1d' };
    const total = (r: QueryReply): number => r.body.rows.reduce((n, row) => n + (row['payments'] as number), 0);
    let expected = total(await postQuery(B(), token, spec)); // computed on B: in B's L1 and in Redis
    // A replies only once B answered that it dropped its L1 copy (pubsub.ts), so B's very next
    // read, with no wait at all, is a miss with the new event. Repeated: a race would show.
    // Every fifth round, B's pub/sub connection is held for 60 ms (a busy instance): the notice
    // reaches B after A has committed — A must still not reply before B dropped its copy.
    const notices = cluster.instances[1]!.cache.redisClients!.subscriber;
    for (let round = 0; round < 20; round++) {
      expect((await postQuery(B(), token, spec)).body.meta.cache.layer).toBe('memory');
      if (round % 5 === 0) holdFor(notices, 60);
      await ingest(A(), key, [{ event: 'payment.completed', timestamp: FIXTURE_END - 2 * DAY, props: { amount: 3 } }]);
      const after = await postQuery(B(), token, spec);
      expect(after.body.meta.cache.hit).toBe(false);
      expect(total(after)).toBe(++expected);
    }
    expect(cluster.instances[0]!.cache.stats().invalidations.peerAckTimeouts).toBe(0);
  });

  it('an instance that never answers delays an ingest by the answer timeout only, and is counted', async () => {
    const key = await cluster.ingestKey('acme');
    const silent = new Redis(SHARED_REDIS_URL, { lazyConnect: true });
    await silent.connect();
    try {
      await silent.subscribe(`${prefix}invalidate`); // receives notices, never answers
      const before = cluster.instances[0]!.cache.stats().invalidations.peerAckTimeouts;
      const started = performance.now();
      await ingest(A(), key, [{ event: 'payment.failed', timestamp: FIXTURE_END - DAY }]);
      const took = performance.now() - started;
      expect(cluster.instances[0]!.cache.stats().invalidations.peerAckTimeouts).toBe(before + 1);
      expect(took).toBeGreaterThanOrEqual(PEER_ACK_TIMEOUT_MS - 5);
    } finally {
      silent.disconnect();
    }
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
    // Like an ingest, the admin request replies once B answered.
    expect((await postQuery(B(), token, spec)).body.meta.cache.hit).toBe(false);
  });
});
