import { describe, expect, it } from 'vitest';
import { ConfigError, loadConfig } from '../../../src/config/index.js';
import { parseDurationSeconds } from '../../../src/config/ops.js';

describe('ops configuration', () => {
  it('has production defaults', () => {
    const { ops } = loadConfig({});
    expect(ops.rateLimits.enabled).toBe(true);
    expect(ops.rateLimits.classes.query).toEqual({ org: 1200, credential: 600, ip: 120, windowSeconds: 60 });
    expect(ops.rateLimits.tiers).toEqual({ standard: 1 });
    expect(ops).toMatchObject({ queryTimeoutMs: 30_000, maxConcurrentQueries: 8, slowRequestMs: 1000, metricsToken: null, corsOrigins: [], trustProxy: false });
  });

  it('reads per-class limits, tiers, penalties and the rest', () => {
    const { ops } = loadConfig({
      TALLY_RATE_QUERY: 'org=100, credential=20, window=30s',
      TALLY_RATE_EXPORT: 'off',
      TALLY_RATE_TIERS: 'free:0.5,pro:4',
      TALLY_ORG_TIERS: '{"acme":"pro","tiny":"free"}',
      TALLY_RATE_PENALTY: 'strikes=3,block=10s,max=5m,window=1h',
      TALLY_RATE_LIMITS: 'off',
      TALLY_QUERY_TIMEOUT_MS: '5000',
      TALLY_MAX_CONCURRENT_QUERIES: '2',
      TALLY_SLOW_REQUEST_MS: '250',
      TALLY_METRICS_TOKEN: 'scrape-secret-0123456789',
      TALLY_CORS_ORIGINS: 'https://dash.example.com, http://localhost:5173/',
      TALLY_TRUST_PROXY: '10.0.0.0/8,127.0.0.1',
    });
    expect(ops.rateLimits.classes.query).toEqual({ org: 100, credential: 20, ip: 120, windowSeconds: 30 });
    expect(ops.rateLimits.classes.export).toMatchObject({ org: 0, credential: 0, ip: 0 });
    expect(ops.rateLimits.tiers).toEqual({ standard: 1, free: 0.5, pro: 4 });
    expect(ops.rateLimits.orgTiers).toEqual({ acme: 'pro', tiny: 'free' });
    expect(ops.rateLimits.penalty).toEqual({ strikes: 3, blockSeconds: 10, maxBlockSeconds: 300, windowSeconds: 3600 });
    expect(ops.rateLimits.enabled).toBe(false);
    expect(ops).toMatchObject({ queryTimeoutMs: 5000, maxConcurrentQueries: 2, slowRequestMs: 250, metricsToken: 'scrape-secret-0123456789' });
    expect(ops.corsOrigins).toEqual(['https://dash.example.com', 'http://localhost:5173']);
    expect(ops.trustProxy).toEqual(['10.0.0.0/8', '127.0.0.1']);
    expect(loadConfig({ TALLY_TRUST_PROXY: '2' }).ops.trustProxy).toBe(2);
    expect(loadConfig({ TALLY_TRUST_PROXY: 'true' }).ops.trustProxy).toBe(true);
  });

  it.each([
    ['TALLY_RATE_QUERY', 'org=lots'],
    ['TALLY_RATE_QUERY', 'orgs=5'],
    ['TALLY_RATE_INGEST', 'window=soon'],
    ['TALLY_RATE_TIERS', 'pro:-1'],
    ['TALLY_ORG_TIERS', 'acme:gold'],
    ['TALLY_ORG_TIERS', '{not json'],
    ['TALLY_RATE_PENALTY', 'block=10m,max=1m'],
    ['TALLY_RATE_LIMITS', 'maybe'],
    ['TALLY_QUERY_TIMEOUT_MS', '-1'],
    ['TALLY_MAX_CONCURRENT_QUERIES', '0'],
    ['TALLY_METRICS_TOKEN', 'short'],
    ['TALLY_CORS_ORIGINS', 'https://a.example.com/path'],
    ['TALLY_CORS_ORIGINS', '*,https://a.example.com'],
    ['TALLY_TRUST_PROXY', 'my proxy'],
    ['TALLY_SHUTDOWN_TIMEOUT_MS', '5'],
  ])('refuses %s=%s naming the variable', (name, value) => {
    expect(() => loadConfig({ [name]: value })).toThrowError(ConfigError);
    expect(() => loadConfig({ [name]: value })).toThrowError(new RegExp(name));
  });

  it('parses durations', () => {
    expect(parseDurationSeconds('90')).toBe(90);
    expect(parseDurationSeconds('15m')).toBe(900);
    expect(parseDurationSeconds('2h')).toBe(7200);
    expect(parseDurationSeconds('0s')).toBeNull();
    expect(parseDurationSeconds('1w')).toBeNull();
  });
});
