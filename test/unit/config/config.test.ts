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
  ])('rejects %s=%s naming the variable', (name, value) => {
    expect(() => loadConfig({ [name]: value })).toThrowError(ConfigError);
    expect(() => loadConfig({ [name]: value })).toThrowError(new RegExp(name));
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
