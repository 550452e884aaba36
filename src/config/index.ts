/**
 * Configuration: the only module that reads process.env. Validated once at start; a bad value
 * stops the process with a message that names the variable.
 */
import path from 'node:path';
import type { AuthConfig } from './auth.js';
import { readAuthConfig } from './auth.js';
import type { CacheConfig } from './cache.js';
import { readCacheConfig } from './cache.js';
import type { LiveSettings } from './live.js';
import { readLiveSettings } from './live.js';
import type { ExportConfig } from './export.js';
import { readExportConfig } from './export.js';
import { ConfigError } from './config-error.js';
import type { Env } from './readers.js';
import { readInt, readRaw } from './readers.js';
import type { OpsConfig } from './ops.js';
import type { RetentionConfig } from './retention.js';
import { readRetentionConfig } from './retention.js';
import type { RedisNamespaces } from './redis.js';
import { readRedisNamespaces } from './redis.js';
import { readOpsConfig } from './ops.js';

export type { AuthConfig } from './auth.js';
export type { CacheConfig } from './cache.js';
export type { LiveSettings } from './live.js';
export type { ExportConfig } from './export.js';
export type { RetentionConfig } from './retention.js';
export type { RedisNamespaces } from './redis.js';
export { ConfigError } from './config-error.js';
export type { OpsConfig, RateClass, RateLimit, RateLimitConfig } from './ops.js';

export type LogLevel = 'fatal' | 'error' | 'warn' | 'info' | 'debug' | 'trace' | 'silent';
const LOG_LEVELS: readonly LogLevel[] = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'];

export interface Config {
  env: 'production' | 'development' | 'test';
  port: number;
  host: string;
  /** DuckDB file path (used when databaseUrl is not set). */
  duckdbPath: string;
  databaseUrl: string | null;
  /** PostgreSQL store settings (used when databaseUrl is set). */
  postgres: PostgresSettings;
  /** Embedded DuckDB tuning: buffer memory cap and worker threads (null = DuckDB's own default). */
  duckdb: DuckDbTuning;
  redisUrl: string | null;
  /** Key and channel prefixes in Redis, all under TALLY_REDIS_PREFIX (config/redis.ts). */
  redisKeys: RedisNamespaces;
  jwtSecret: string | null;
  jwksUrl: string | null;
  jwtIssuer: string | null;
  jwtAudience: string | null;
  /** Semantic model files; empty = the shipped learning, support and commerce models. */
  modelPaths: string[];
  logLevel: LogLevel;
  /** Largest accepted request body in bytes (413 above). */
  bodyLimitBytes: number;
  /** Most events accepted in one POST /events request (413 above). */
  maxBatchEvents: number;
  /** Production HTTP: rate limits, query timeout and concurrency, CORS, proxies, metrics (config/ops.ts). */
  ops: OpsConfig;
  /** Sign-in: session lifetime, cookie Secure flag, origins allowed to use the session (config/auth.ts). */
  auth: AuthConfig;
  /** Answer cache: TTLs per endpoint, L1 bounds, Redis prefix, warming (config/cache.ts, docs/cache.md). */
  cache: CacheConfig;
  /** Live updates: connection and message limits, heartbeat, SSE replay, alerts, webhooks (config/live.ts, docs/live.md). */
  live: LiveSettings;
  /** Data retention: days kept per org, how often the sweep runs (config/retention.ts). */
  retention: RetentionConfig;
  /** The ingest key `tally import --url` sends to the server (TALLY_INGEST_KEY); the server is never configured with it. */
  ingestKey: string | null;
  /** Exports: the export directory (TALLY_EXPORT_DIR), job file TTL and job limits (config/export.ts). */
  exports: ExportConfig;
}


function readUrl(env: Env, name: string, protocols: string[]): string | null {
  const raw = env[name];
  if (raw === undefined || raw === '') return null;
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    throw new ConfigError(name, 'must be a URL');
  }
  if (!protocols.includes(url.protocol)) {
    throw new ConfigError(name, `must use ${protocols.join(' or ')}, got ${url.protocol}`);
  }
  return raw;
}


export interface DuckDbTuning {
  /** TALLY_DUCKDB_MEMORY_LIMIT in DuckDB's syntax ('256MB', '1GiB'); null = the store's default. */
  memoryLimit: string | null;
  /** TALLY_DUCKDB_CHECKPOINT_THRESHOLD, same syntax; null = the store's default. */
  checkpointThreshold: string | null;
  /** TALLY_DUCKDB_THREADS; null = one per core. */
  threads: number | null;
  /** TALLY_DUCKDB_IDLE_TRIM_SECONDS: quiet time before memory is given back; 0 = never; null = the store's default. */
  idleTrimSeconds: number | null;
}

export interface PostgresSettings {
  /** TALLY_PG_SCHEMA: the schema holding Tally's tables (created when missing); null = the server's search_path. */
  schema: string | null;
  /** TALLY_PG_POOL_SIZE: connections for reads (appends and cancels have one each). */
  poolSize: number;
}

function readPostgresSettings(env: Env): PostgresSettings {
  const schema = readRaw(env, 'TALLY_PG_SCHEMA');
  if (schema !== null && !/^[a-z_][a-z0-9_]{0,62}$/.test(schema)) {
    throw new ConfigError('TALLY_PG_SCHEMA', `must be a plain lower-case identifier (letters, digits, _), got "${schema}"`);
  }
  return { schema, poolSize: readInt(env, 'TALLY_PG_POOL_SIZE', 8, 1, 200) };
}

function readMemorySize(env: Env, name: string): string | null {
  const value = readRaw(env, name);
  if (value === null) return null;
  const match = /^(\d+(?:\.\d+)?)\s*(B|KB|MB|GB|TB|KiB|MiB|GiB|TiB)$/i.exec(value);
  if (!match) throw new ConfigError(name, `must be a size like 256MB or 1GiB, got "${value}"`);
  const units: Record<string, number> = { b: 1, kb: 1e3, mb: 1e6, gb: 1e9, tb: 1e12, kib: 1024, mib: 1024 ** 2, gib: 1024 ** 3, tib: 1024 ** 4 };
  const bytes = Number(match[1]) * (units[match[2]!.toLowerCase()] ?? 1);
  if (bytes < 1024 * 1024) throw new ConfigError(name, `must be at least 1MB, got "${value}"`);
  return `${match[1]}${match[2]}`;
}

function readDuckDbTuning(env: Env): DuckDbTuning {
  const threads = readInt(env, 'TALLY_DUCKDB_THREADS', 0, 0, 256);
  return {
    memoryLimit: readMemorySize(env, 'TALLY_DUCKDB_MEMORY_LIMIT'),
    checkpointThreshold: readMemorySize(env, 'TALLY_DUCKDB_CHECKPOINT_THRESHOLD'),
    threads: threads === 0 ? null : threads,
    idleTrimSeconds: readRaw(env, 'TALLY_DUCKDB_IDLE_TRIM_SECONDS') === null ? null : readInt(env, 'TALLY_DUCKDB_IDLE_TRIM_SECONDS', 0, 0, 86_400),
  };
}

function readEnvName(env: Env): Config['env'] {
  const raw = env['NODE_ENV'];
  if (raw === 'production' || raw === 'test') return raw;
  return 'development';
}

function readLogLevel(env: Env, nodeEnv: Config['env']): LogLevel {
  const raw = env['LOG_LEVEL'];
  if (raw === undefined || raw === '') return nodeEnv === 'test' ? 'silent' : 'info';
  if (!(LOG_LEVELS as readonly string[]).includes(raw)) {
    throw new ConfigError('LOG_LEVEL', `must be one of ${LOG_LEVELS.join(', ')}, got "${raw}"`);
  }
  return raw as LogLevel;
}

function readJwtSecret(env: Env): string | null {
  const secret = readRaw(env, 'TALLY_JWT_SECRET');
  if (secret !== null && Buffer.byteLength(secret) < 32) {
    throw new ConfigError('TALLY_JWT_SECRET', 'must be at least 32 bytes long');
  }
  return secret;
}

export function loadConfig(env: Env = process.env): Config {
  const nodeEnv = readEnvName(env);
  const modelList = readRaw(env, 'TALLY_MODEL');
  const duckdbPath = path.resolve(readRaw(env, 'TALLY_DB') ?? './data/tally.duckdb');
  const redisKeys = readRedisNamespaces(env);
  const config: Config = {
    env: nodeEnv,
    port: readInt(env, 'TALLY_PORT', 8080, 0, 65535),
    host: readRaw(env, 'TALLY_HOST') ?? '127.0.0.1',
    duckdbPath,
    databaseUrl: readUrl(env, 'DATABASE_URL', ['postgres:', 'postgresql:']),
    postgres: readPostgresSettings(env),
    duckdb: readDuckDbTuning(env),
    redisUrl: readUrl(env, 'REDIS_URL', ['redis:', 'rediss:']),
    redisKeys,
    jwtSecret: readJwtSecret(env),
    jwksUrl: readUrl(env, 'TALLY_JWKS_URL', ['https:', 'http:']),
    jwtIssuer: readRaw(env, 'TALLY_JWT_ISSUER'),
    jwtAudience: readRaw(env, 'TALLY_JWT_AUDIENCE'),
    modelPaths: modelList === null ? [] : modelList.split(',').map((p) => path.resolve(p.trim())).filter(Boolean),
    logLevel: readLogLevel(env, nodeEnv),
    bodyLimitBytes: readInt(env, 'TALLY_BODY_LIMIT_BYTES', 10 * 1024 * 1024, 1024, 1024 * 1024 * 1024),
    maxBatchEvents: readInt(env, 'TALLY_MAX_BATCH_EVENTS', 10_000, 1, 1_000_000),
    ops: readOpsConfig(env),
    auth: readAuthConfig(env),
    cache: readCacheConfig(env, redisKeys.cache),
    live: readLiveSettings(env),
    exports: readExportConfig(env, path.dirname(duckdbPath)),
    ingestKey: readRaw(env, 'TALLY_INGEST_KEY'),
    retention: readRetentionConfig(env),
  };
  if (config.env === 'production' && config.jwtSecret === null && config.jwksUrl === null) {
    throw new ConfigError('TALLY_JWT_SECRET', 'or TALLY_JWKS_URL is required when NODE_ENV=production');
  }
  return config;
}
