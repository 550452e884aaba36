import { describe, expect, it } from 'vitest';
import { ConfigError, loadConfig } from '../../../src/config/index.js';

describe('loadConfig', () => {
  it('uses the documented defaults', () => {
    const config = loadConfig({});
    expect(config.port).toBe(8080);
    expect(config.host).toBe('127.0.0.1');
    expect(config.duckdbPath.endsWith('data/tally.duckdb')).toBe(true);
    expect(config.databaseUrl).toBeNull();
    expect(config.redisUrl).toBeNull();
    expect(config.modelPaths).toEqual([]);
  });

  it.each([
    ['TALLY_PORT', 'abc'],
    ['TALLY_PORT', '70000'],
    ['DATABASE_URL', 'mysql://x'],
    ['REDIS_URL', 'not a url'],
    ['LOG_LEVEL', 'loud'],
    ['TALLY_JWT_SECRET', 'short'],
    ['TALLY_BODY_LIMIT_BYTES', '-1'],
    ['TALLY_DUCKDB_MEMORY_LIMIT', 'lots'],
    ['TALLY_DUCKDB_MEMORY_LIMIT', '12 parsecs'],
    ['TALLY_DUCKDB_MEMORY_LIMIT', '100KB'],
    ['TALLY_DUCKDB_CHECKPOINT_THRESHOLD', '1e9'],
    ['TALLY_DUCKDB_THREADS', 'two'],
    ['TALLY_DUCKDB_THREADS', '999'],
    ['TALLY_DUCKDB_IDLE_TRIM_SECONDS', 'soon'],
    ['TALLY_PG_SCHEMA', 'Tally; DROP'],
    ['TALLY_PG_POOL_SIZE', '0'],
  ])('rejects %s=%s naming the variable', (name, value) => {
    expect(() => loadConfig({ [name]: value })).toThrowError(ConfigError);
    expect(() => loadConfig({ [name]: value })).toThrowError(new RegExp(name));
  });

  it('reads the PostgreSQL settings', () => {
    expect(loadConfig({}).postgres).toEqual({ schema: null, poolSize: 8 });
    const pg = loadConfig({ DATABASE_URL: 'postgres://tally@db:5432/analytics', TALLY_PG_SCHEMA: 'tally', TALLY_PG_POOL_SIZE: '20' });
    expect(pg.databaseUrl).toBe('postgres://tally@db:5432/analytics');
    expect(pg.postgres).toEqual({ schema: 'tally', poolSize: 20 });
  });

  it('reads the DuckDB tuning, leaving unset values to the store', () => {
    expect(loadConfig({}).duckdb).toEqual({ memoryLimit: null, checkpointThreshold: null, threads: null, idleTrimSeconds: null });
    const tuned = loadConfig({
      TALLY_DUCKDB_MEMORY_LIMIT: '1.5GiB',
      TALLY_DUCKDB_CHECKPOINT_THRESHOLD: '64MB',
      TALLY_DUCKDB_THREADS: '2',
      TALLY_DUCKDB_IDLE_TRIM_SECONDS: '0',
    });
    expect(tuned.duckdb).toEqual({ memoryLimit: '1.5GiB', checkpointThreshold: '64MB', threads: 2, idleTrimSeconds: 0 });
  });

  it('refuses production without a secret or JWKS', () => {
    expect(() => loadConfig({ NODE_ENV: 'production' })).toThrowError(/TALLY_JWT_SECRET/);
    expect(loadConfig({ NODE_ENV: 'production', TALLY_JWT_SECRET: 'x'.repeat(32) }).env).toBe('production');
  });

  it('splits TALLY_MODEL into absolute paths', () => {
    const config = loadConfig({ TALLY_MODEL: 'models/a.yaml, models/b.yaml' });
    expect(config.modelPaths).toHaveLength(2);
    expect(config.modelPaths.every((p) => p.startsWith('/'))).toBe(true);
  });
});
