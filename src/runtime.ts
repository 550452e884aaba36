/**
 * Opens everything a process needs (store, model catalog, engine, ingest, keys) from a Config.
 * Shared by `tally serve` and the CLI commands so they see the same wiring.
 */
import { randomBytes } from 'node:crypto';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { IngestKeys } from './auth/ingest-keys.js';
import type { JwksSettings, JwtSettings } from './auth/jwt.js';
import { UsersRepository } from './auth/users.js';
import { openCache } from './cache/index.js';
import type { TallyCache } from './cache/tally-cache.js';
import type { Config } from './config/index.js';
import { RetentionPolicy } from './domain/retention.js';
import { BucketCache } from './engine/bucket-cache.js';
import { QueryEngine } from './engine/query-engine.js';
import { ExportService } from './export/index.js';
import { IngestService } from './ingest/ingest-service.js';
import type { LiveBus } from './live/bus/bus-port.js';
import { openBus } from './live/bus/open-bus.js';
import { defaultModelPaths, loadCatalog } from './model/load.js';
import type { Catalog } from './model/types.js';
import { openStore } from './store/index.js';
import type { Store } from './store/port.js';

export interface Runtime {
  config: Config;
  store: Store;
  catalog: Catalog;
  engine: QueryEngine;
  ingest: IngestService;
  keys: IngestKeys;
  users: UsersRepository;
  /** HS256 secret settings; null in production when only TALLY_JWKS_URL is set. */
  jwt: JwtSettings | null;
  jwks: JwksSettings | null;
  /** The answer cache (L1 memory, L2 Redis when REDIS_URL is set); pass it to buildApp. */
  cache: TallyCache;
  /** The live bus: Redis pub/sub when REDIS_URL is set, else in-process; pass it to buildApp. */
  bus: LiveBus;
  /** Which events each org keeps (ingest refuses older ones; pass it to buildApp as `retention.policy` for the sweep). */
  retention: RetentionPolicy;
  /** Streamed exports and export jobs; pass it to buildApp as `exports`. */
  exports: ExportService;
  close(): Promise<void>;
}

/**
 * In development without TALLY_JWT_SECRET, a random secret is kept beside the database so demo
 * tokens survive restarts. Production refuses to start without one (see config).
 */
async function developmentSecret(config: Config): Promise<string> {
  const file = path.join(path.dirname(config.duckdbPath), '.tally-dev-jwt-secret');
  try {
    const existing = (await readFile(file, 'utf8')).trim();
    if (existing.length >= 32) return existing;
  } catch {
    // First start: create it below.
  }
  const secret = randomBytes(32).toString('base64url');
  await mkdir(path.dirname(file), { recursive: true });
  await writeFile(file, secret + '\n', { mode: 0o600 });
  return secret;
}

async function jwtSettings(config: Config): Promise<JwtSettings | null> {
  // Never the development secret in production: a file on disk must not become a credential there.
  const secret = config.jwtSecret ?? (config.env === 'production' ? null : await developmentSecret(config));
  return secret === null ? null : { secret, issuer: config.jwtIssuer, audience: config.jwtAudience };
}

export async function openRuntime(config: Config): Promise<Runtime> {
  const catalog = await loadCatalog(config.modelPaths.length > 0 ? config.modelPaths : defaultModelPaths());
  // The export directory is the only place DuckDB may write files (Parquet exports, job files).
  const store = await openStore({
    databaseUrl: config.databaseUrl ?? undefined,
    postgresSchema: config.postgres.schema ?? undefined,
    postgresPoolSize: config.postgres.poolSize,
    duckdbPath: config.duckdbPath,
    exportDir: config.exports.dir,
    memoryLimit: config.duckdb.memoryLimit ?? undefined,
    checkpointThreshold: config.duckdb.checkpointThreshold ?? undefined,
    threads: config.duckdb.threads ?? undefined,
    idleTrimMs: config.duckdb.idleTrimSeconds === null ? undefined : config.duckdb.idleTrimSeconds * 1000,
    // Trimming is best effort: a failure leaves the memory where it was and is worth a warning.
    onIdleTrimError: (err) => process.emitWarning(`DuckDB idle trim failed: ${err instanceof Error ? err.message : String(err)}`),
  });
  try {
    await store.migrate(catalog);
  } catch (err) {
    await store.close();
    throw err;
  }
  const cache = await openCache({ config: config.cache, redisUrl: config.redisUrl, version: catalog.version });
  const bus = await openBus({ redisUrl: config.redisUrl, prefix: config.redisKeys.liveBus });
  const buckets = config.cache.enabled && config.cache.bucketTtlSeconds > 0 ? new BucketCache(cache.layered, config.cache.bucketTtlSeconds) : null;
  const engine = new QueryEngine(store, catalog, { queryTimeoutMs: config.ops.queryTimeoutMs, buckets });
  const retention = new RetentionPolicy(config.retention);
  const ingest = new IngestService(store, catalog, { maxBatchEvents: config.maxBatchEvents, retention });
  const keys = new IngestKeys(store);
  const users = new UsersRepository(store);
  const jwt = await jwtSettings(config);
  const jwks = config.jwksUrl ? { url: config.jwksUrl, issuer: config.jwtIssuer, audience: config.jwtAudience } : null;
  const close = async (): Promise<void> => {
    await cache.close();
    await bus.close();
    await store.close();
  };
  const exports = new ExportService({ store, engine, ...config.exports });
  return { config, store, catalog, engine, ingest, keys, users, jwt, jwks, cache, bus, retention, exports, close };
}
