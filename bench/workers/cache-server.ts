/**
 * A server process for bench/cache.ts, so the load generator never shares the server's event loop:
 * either a bare Fastify hello world, or Tally (production wiring, in-memory DuckDB seeded with the
 * commerce demo data ending now) with the cache configured as asked. Sends `{ url, token, key }`
 * once listening; answers `stats` messages with the cache statistics; exits on `exit`.
 */
import Fastify from 'fastify';
import type { FastifyInstance } from 'fastify';
import { buildApp } from '../../src/app.js';
import { IngestKeys } from '../../src/auth/ingest-keys.js';
import { signToken } from '../../src/auth/jwt.js';
import { UsersRepository } from '../../src/auth/users.js';
import { openCache } from '../../src/cache/index.js';
import type { TallyCache } from '../../src/cache/tally-cache.js';
import type { CacheConfig } from '../../src/config/cache.js';
import { defaultCacheConfig } from '../../src/config/cache.js';
import { defaultOpsConfig } from '../../src/config/ops.js';
import { generateEvents } from '../../src/datasets/index.js';
import { BucketCache } from '../../src/engine/bucket-cache.js';
import { QueryEngine } from '../../src/engine/query-engine.js';
import { IngestService } from '../../src/ingest/ingest-service.js';
import { defaultModelPaths, loadCatalog } from '../../src/model/load.js';
import { DuckDbStore } from '../../src/store/duckdb/duckdb-store.js';
import { CpuProfiler } from '../lib/cpu-profile.js';

export type ServerRequest =
  | { kind: 'hello' }
  | { kind: 'tally'; events: number; days: number; redisUrl: string | null; cache: Partial<CacheConfig>; middleware?: boolean };

export interface ServerInfo {
  url: string;
  token: string;
  key: string;
}

export const BENCH_ORG = 'bench';
const JWT = { secret: 'bench-secret-0123456789-0123456789-abcdef', issuer: null, audience: null };

async function hello(): Promise<{ app: FastifyInstance; close: () => Promise<void> }> {
  const app = Fastify({ logger: false });
  app.get('/', async () => ({ hello: 'world' }));
  return { app, close: () => app.close() };
}

async function tally(req: Extract<ServerRequest, { kind: 'tally' }>): Promise<{ app: FastifyInstance; cache: TallyCache; keys: IngestKeys; close: () => Promise<void> }> {
  const catalog = await loadCatalog(defaultModelPaths());
  const store = await DuckDbStore.open({ path: ':memory:' });
  await store.migrate(catalog);
  for (const batch of generateEvents({ dataset: 'commerce', events: req.events, days: req.days, end: Date.now() - 60_000, seed: 7 })) {
    await store.append(BENCH_ORG, batch);
  }
  const config: CacheConfig = { ...defaultCacheConfig(), ...req.cache };
  const cache = await openCache({ config, redisUrl: req.redisUrl, version: catalog.version });
  const buckets = config.bucketTtlSeconds > 0 ? new BucketCache(cache.layered, config.bucketTtlSeconds) : null;
  const engine = new QueryEngine(store, catalog, { buckets });
  const ingest = new IngestService(store, catalog, { maxBatchEvents: 10_000 });
  const keys = new IngestKeys(store);
  // Rate limits and query slots off: hello world has none, and 100 connections of one token
  // would otherwise be throttled by design rather than measured.
  const ops = { ...defaultOpsConfig(), rateLimits: { ...defaultOpsConfig().rateLimits, enabled: false }, maxConcurrentQueries: 100_000, maxQueuedQueries: 100_000 };
  const app = await buildApp({ store, engine, ingest, keys, users: new UsersRepository(store), jwt: JWT, jwks: null, bodyLimitBytes: 10 << 20, ops, cache, middleware: req.middleware ?? true });
  return {
    app,
    cache,
    keys,
    close: async () => {
      await app.close();
      await cache.close();
      await store.close();
    },
  };
}

async function main(): Promise<void> {
  const req = JSON.parse(process.argv[2] ?? '{}') as ServerRequest;
  const t = req.kind === 'tally' ? await tally(req) : null;
  const server = t ?? (await hello());
  const address = await server.app.listen({ port: 0, host: '127.0.0.1' });
  const info: ServerInfo = { url: address, token: '', key: '' };
  if (t) {
    info.token = await signToken(JWT, { sub: 'bench', org: BENCH_ORG, role: 'admin', actor: null }, 3600);
    info.key = (await t.keys.create(BENCH_ORG, 'bench')).key;
  }
  process.send?.({ type: 'ready', info });
  let profiler: CpuProfiler | null = null;
  process.on('message', (message: { cmd: string }) => {
    if (message.cmd === 'stats') process.send?.({ type: 'stats', stats: t ? t.cache.stats() : null });
    // Where the main thread spends its time under load (BENCH_CACHE_PROFILE=1).
    if (message.cmd === 'profile-start') void (profiler = new CpuProfiler()).start();
    if (message.cmd === 'profile-stop' && profiler) void profiler.stop(25).then((summary) => process.send?.({ type: 'profile', summary }));
    if (message.cmd === 'exit') void server.close().then(() => process.exit(0));
  });
}

void main().catch((err: unknown) => {
  console.error(err);
  process.exit(1);
});
