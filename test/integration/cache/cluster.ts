/**
 * Several Tally instances over one store and one Redis, as in a deployment behind a load
 * balancer: each with its own engine, ingest, L1 and Redis connections. (DuckDB cannot be opened
 * twice in one process, so the instances share one Store object, as they would share PostgreSQL.)
 */
import type { FastifyInstance } from 'fastify';
import { buildApp } from '../../../src/app.js';
import { IngestKeys } from '../../../src/auth/ingest-keys.js';
import { signToken } from '../../../src/auth/jwt.js';
import type { Role } from '../../../src/auth/principal.js';
import { UsersRepository } from '../../../src/auth/users.js';
import { openCache } from '../../../src/cache/index.js';
import type { TallyCache } from '../../../src/cache/tally-cache.js';
import type { CacheConfig } from '../../../src/config/cache.js';
import { defaultCacheConfig } from '../../../src/config/cache.js';
import type { StoredEvent } from '../../../src/domain/event.js';
import { BucketCache } from '../../../src/engine/bucket-cache.js';
import { QueryEngine } from '../../../src/engine/query-engine.js';
import { IngestService } from '../../../src/ingest/ingest-service.js';
import { loadCatalog } from '../../../src/model/load.js';
import type { Redis } from '../../../src/ops/redis.js';
import { DuckDbStore } from '../../../src/store/duckdb/duckdb-store.js';
import type { Store } from '../../../src/store/port.js';
import { SHOP_MODEL, TEST_JWT } from '../../fixtures/app.js';
import { UNLIMITED } from './helpers.js';

export interface Instance {
  app: FastifyInstance;
  cache: TallyCache;
  engine: QueryEngine;
}

export interface Cluster {
  store: Store;
  instances: Instance[];
  token(org: string, role?: Role): Promise<string>;
  ingestKey(org: string): Promise<string>;
  seed(org: string, events: readonly StoredEvent[]): Promise<void>;
  close(): Promise<void>;
}

export interface ClusterOptions {
  size: number;
  redisUrl: string;
  prefix: string;
  now: number;
  cache?: Partial<CacheConfig>;
  /** An ops Redis client per instance (for /health/ready), like `tally serve` passes. */
  opsRedis?: () => Redis;
}

export async function createCluster(options: ClusterOptions): Promise<Cluster> {
  const catalog = await loadCatalog([SHOP_MODEL]);
  const store = await DuckDbStore.open({ path: ':memory:' });
  await store.migrate(catalog);
  const now = (): number => options.now;
  const config: CacheConfig = { ...defaultCacheConfig(), warmTop: 0, redisPrefix: options.prefix, ...options.cache };
  const keys = new IngestKeys(store);
  const instances: Instance[] = [];
  const opsClients: Redis[] = [];
  for (let i = 0; i < options.size; i++) {
    const cache = await openCache({ config, redisUrl: options.redisUrl, version: catalog.version, now });
    const engine = new QueryEngine(store, catalog, { now, buckets: new BucketCache(cache.layered, config.bucketTtlSeconds) });
    const ingest = new IngestService(store, catalog, { maxBatchEvents: 10_000, now });
    const redis = options.opsRedis?.() ?? null;
    if (redis) opsClients.push(redis);
    const app = await buildApp({ store, engine, ingest, keys, users: new UsersRepository(store), jwt: TEST_JWT, jwks: null, bodyLimitBytes: 1 << 20, ops: UNLIMITED, redis, cache });
    await app.ready();
    instances.push({ app, cache, engine });
  }
  return {
    store,
    instances,
    token: (org, role = 'analyst') => signToken(TEST_JWT, { sub: `test-${role}`, org, role, actor: null }, 3600),
    ingestKey: async (org) => (await keys.create(org, 'test')).key,
    seed: async (org, events) => {
      await store.append(org, events);
      for (const { cache } of instances) await cache.invalidate({ kind: 'org', org });
    },
    close: async () => {
      for (const { app, cache } of instances) {
        await app.close();
        await cache.close();
      }
      for (const c of opsClients) c.disconnect();
      await store.close();
    },
  };
}
