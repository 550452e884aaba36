/**
 * The server process of bench/middleware.ts (so the load generator never shares its event
 * loop): two Tally apps over one in-memory DuckDB with the commerce demo data — one with the
 * full production stack as `tally serve` runs it by default (request ids and access log, security
 * headers, compression, ETag, metrics, rate limits, query slots; CORS is off until origins are
 * configured), one with the stack off — each with its own engine and answer cache.
 * Sends `{ on, off, token }` once both listen; answers `cpu` with its CPU time so far (µs), so the
 * driver can tell the server's CPU per request apart from what other processes take; answers
 * `profile-stop` (after `profile-start`) with a CPU profile summary; exits on `exit`.
 */
import { buildApp } from '../../src/app.js';
import type { AppDeps } from '../../src/app.js';
import { IngestKeys } from '../../src/auth/ingest-keys.js';
import { signToken } from '../../src/auth/jwt.js';
import { UsersRepository } from '../../src/auth/users.js';
import { openCache } from '../../src/cache/index.js';
import { defaultCacheConfig } from '../../src/config/cache.js';
import { defaultOpsConfig } from '../../src/config/ops.js';
import { generateEvents } from '../../src/datasets/index.js';
import { QueryEngine } from '../../src/engine/query-engine.js';
import { IngestService } from '../../src/ingest/ingest-service.js';
import { defaultModelPaths, loadCatalog } from '../../src/model/load.js';
import { loggerOptions } from '../../src/ops/logger.js';
import { DuckDbStore } from '../../src/store/duckdb/duckdb-store.js';
import { CpuProfiler } from '../lib/cpu-profile.js';
import { withUnreachableQueryBudgets } from '../lib/stack-costs.js';

export interface MiddlewareServers {
  on: string;
  off: string;
  token: string;
}

export const BENCH_ORG = 'bench';
const JWT = { secret: 'bench-secret-0123456789-0123456789-abcdef', issuer: null, audience: null };

async function main(): Promise<void> {
  const { events } = JSON.parse(process.argv[2] ?? '{}') as { events: number };
  const catalog = await loadCatalog(defaultModelPaths());
  const store = await DuckDbStore.open({ path: ':memory:' });
  await store.migrate(catalog);
  for (const batch of generateEvents({ dataset: 'commerce', events, days: 30, end: Date.now() - 60_000, seed: 7 })) {
    await store.append(BENCH_ORG, batch);
  }
  const ingest = new IngestService(store, catalog, { maxBatchEvents: 10_000 });
  const keys = new IngestKeys(store);
  const users = new UsersRepository(store);

  const defaults = defaultOpsConfig();
  const ops = withUnreachableQueryBudgets(defaults);

  const build = async (middleware: boolean) => {
    // Its own engine: the stack installs its query slots on the engine it is given.
    const engine = new QueryEngine(store, catalog, { queryTimeoutMs: defaults.queryTimeoutMs });
    const cache = await openCache({ config: { ...defaultCacheConfig(), warmTop: 0 }, redisUrl: null, version: catalog.version });
    const deps: AppDeps = { store, engine, ingest, keys, users, jwt: JWT, jwks: null, bodyLimitBytes: 10 << 20, cache, middleware, ops };
    // With the stack: the production logger (one access line per request) into /dev/null.
    if (middleware) deps.logger = loggerOptions({ logLevel: 'info' }, '/dev/null');
    const app = await buildApp(deps);
    const url = await app.listen({ port: 0, host: '127.0.0.1' });
    return { url, close: async () => (await app.close(), await cache.close()) };
  };
  const on = await build(true);
  const off = await build(false);
  const token = await signToken(JWT, { sub: 'bench', org: BENCH_ORG, role: 'admin', actor: null }, 3600);
  const ready: MiddlewareServers = { on: on.url, off: off.url, token };
  process.send?.(ready);
  let profiler: CpuProfiler | null = null;
  process.on('message', (message: { cmd?: string }) => {
    // Where the main thread spends its time under load (BENCH_MIDDLEWARE_PROFILE=1 npm run bench:middleware).
    if (message.cmd === 'profile-start') void (profiler = new CpuProfiler()).start();
    if (message.cmd === 'profile-stop' && profiler) void profiler.stop(30).then((summary) => process.send?.({ profile: summary }));
    if (message.cmd === 'cpu') {
      const { user, system } = process.cpuUsage();
      process.send?.({ cpu: user + system });
      return;
    }
    if (message.cmd !== 'exit') return;
    void Promise.all([on.close(), off.close()])
      .then(() => store.close())
      .then(() => process.exit(0));
  });
}

void main().catch((err: unknown) => {
  console.error(err);
  process.exit(1);
});
